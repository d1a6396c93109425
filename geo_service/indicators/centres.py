"""The support within reach of each reception centre (docs/indicators.md, "Reception centres").

Asylum seekers are assigned to a reception centre; residents do not travel to one, so no commune
is judged served or a gap for reception (indicators.status). What matters is what a centre's
residents can reach: for each centre, and for each kind of ``isolation_kinds`` (citizens'
initiatives, NGO services, the CPAS/OCMW, the integration office, the employment office), the
distance from the centre to the nearest site competent for the centre's commune (the same rule as
the communes' statuses) and how many lie within ``desert_km``. A centre with none of them within
reach is flagged ``isolated``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .distances import distance_km

CENTRE_KIND = "reception_centre"


def support_table(
    centres: pd.DataFrame,
    centre_xy: np.ndarray,
    communes: pd.Index,
    support: dict[str, tuple[np.ndarray, np.ndarray]],
    reach_km: float,
) -> pd.DataFrame:
    """One row per centre (index: site id). ``support``: kind -> (sites' points (m, 2), usable
    (communes x m): which of them each commune may use); ``centres`` needs ``nis``."""
    row_of = communes.get_indexer(centres["nis"])
    out = pd.DataFrame(index=centres.index)
    within_kinds = []
    for kind, (xy, usable) in support.items():
        allowed = usable[row_of] if len(row_of) and usable.size else np.zeros((len(centres), len(xy)), dtype=bool)
        allowed &= (row_of >= 0)[:, None]
        km = np.where(allowed, distance_km(centre_xy, xy).reshape(len(centres), len(xy)), np.inf)
        nearest = km.min(axis=1) if km.shape[1] else np.full(len(centres), np.inf)
        out[f"support_km_{kind}"] = np.where(np.isfinite(nearest), np.round(nearest, 2), np.nan)
        out[f"support_{kind}"] = (km <= reach_km).sum(axis=1).astype("int64")
        within_kinds.append(out[f"support_{kind}"].to_numpy() > 0)
    within = np.column_stack(within_kinds) if within_kinds else np.zeros((len(centres), 0), dtype=bool)
    names = np.array(list(support), dtype=object)
    out["support_kinds"] = [";".join(names[row]) for row in within]
    out["support_count"] = within.sum(axis=1).astype("int64")
    out["isolated"] = out["support_count"] == 0
    out["support_reach_km"] = float(reach_km)
    return out
