"""Nearest site per kind and the service-desert rule.

A commune is a desert for kind K when the nearest site of kind K is farther than ``desert_km``
from its representative point AND no local initiative (a site of ``local_kinds``) is in the
commune. Every status carries a short English explanation naming the nearest site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KIND_NOUNS = {
    "citizen_initiative": "citizen initiative",
    "ngo_service": "NGO service",
    "civic_integration_office": "civic-integration office",
    "public_employment_service": "public employment office",
    "social_welfare": "social welfare centre",
    "reception_centre": "reception centre",
    "education_training": "education or training provider",
    "coordination_body": "coordination body",
}


def nearest(distance_km: np.ndarray, site_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) to and position of the nearest site for each row; NaN / -1 without sites."""
    if distance_km.shape[1] == 0:
        return np.full(distance_km.shape[0], np.nan), np.full(distance_km.shape[0], -1)
    position = distance_km.argmin(axis=1)
    return distance_km[np.arange(len(position)), position], position


def _local(count: int) -> str:
    if count == 0:
        return "no local initiative"
    return f"{count} local initiative{'s' if count > 1 else ''}"


def desert_status(
    kind: str,
    nearest_km: pd.Series,
    nearest_label: pd.Series,
    local_initiatives: pd.Series,
    desert_km: float,
) -> tuple[pd.Series, pd.Series]:
    """(desert bool, reason str) per commune; ``nearest_label`` is "name, place" of the nearest site."""
    noun = KIND_NOUNS.get(kind, kind.replace("_", " "))
    far = nearest_km.isna() | (nearest_km > desert_km)
    desert = far & (local_initiatives == 0)
    reasons = []
    for km, label, local in zip(nearest_km, nearest_label, local_initiatives):
        where = f"no {noun} in the catalogue" if pd.isna(km) else f"nearest {noun}: {km:.1f} km ({label})"
        reasons.append(f"{where}; {_local(int(local))}")
    return desert.astype(bool), pd.Series(reasons, index=nearest_km.index, dtype=object)
