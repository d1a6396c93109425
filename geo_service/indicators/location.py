"""Where to add support: the maximal covering location problem (MCLP, Church & ReVelle 1974).

Candidates and demand points are the communes' representative points. Demand = foreign residents
of communes with no site of the kind within ``radius_km``; opening k new sites (in k communes)
maximises the demand newly brought within ``radius_km``. Solved exactly with PySAL ``spopt``
(``MCLP.from_cost_matrix``, CBC via PuLP).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import InvalidParameter

MAX_K = 25


def check_request(k, radius_km) -> None:
    """Refuse a ``k`` or ``radius_km`` no suggestion can have (400 naming it), before any distance
    is computed or the solver (spopt, PuLP: seconds to import) is loaded."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_K:
        raise InvalidParameter(f"k must be an integer between 1 and {MAX_K}, got {k!r}", parameter="k")
    if not radius_km > 0:
        raise InvalidParameter(f"radius_km must be > 0, got {radius_km!r}", parameter="radius_km")


def suggest_sites(
    distance_km: np.ndarray,
    demand: pd.Series,
    uncovered: pd.Series,
    radius_km: float,
    k: int,
) -> pd.DataFrame:
    """The k communes to add a site to. ``distance_km``: (demand communes x candidate communes),
    both in the order of ``demand.index``.

    Returns one row per chosen commune: ``nis``, ``covered_demand`` (uncovered demand it alone
    brings within reach), ``gain`` (its share of the optimal total, each demand point counted once),
    and ``total_gain`` (same value on every row).
    """
    check_request(k, radius_km)
    import pulp
    from spopt.locate import MCLP

    weight = demand.where(uncovered, 0).fillna(0).astype(float)
    clients = np.flatnonzero(weight.values > 0)
    columns = ["nis", "covered_demand", "gain", "total_gain"]
    if len(clients) == 0:
        return pd.DataFrame(columns=columns)
    cost = distance_km[clients]  # spopt: rows = clients, columns = candidate facilities
    # candidates that reach no uncovered client cannot help: keep the model small
    useful = np.flatnonzero((cost <= radius_km).any(axis=0))
    k = min(k, len(useful))
    with warnings.catch_warnings():  # PuLP 3.x deprecation notices raised inside spopt
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(cost[:, useful], weight.values[clients], service_radius=radius_km, p_facilities=k)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [useful[j] for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    reach = radius_km >= distance_km[np.ix_(clients, chosen)].T
    alone = reach @ weight.values[clients]
    assigned = np.zeros(len(clients), dtype=bool)
    gains = []
    for row in np.argsort(-alone):  # credit each client once, to the chosen site that reaches most
        new = reach[row] & ~assigned
        gains.append((row, float(weight.values[clients][new].sum())))
        assigned |= new
    total = float(weight.values[clients][assigned].sum())
    rows = [
        {"nis": demand.index[chosen[row]], "covered_demand": float(alone[row]), "gain": gain, "total_gain": total}
        for row, gain in gains
    ]
    return pd.DataFrame(rows, columns=columns)
