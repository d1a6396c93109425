"""Web display geometry: coverage-preserving simplification, WGS84, rounded coordinates.

``shapely.coverage_simplify`` simplifies each shared edge once, so neighbouring communes keep
identical borders (no gaps or slivers); rounding identical vertices keeps them identical.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

DISPLAY_TOLERANCE_M = 180.0  # keeps the 565 communes under 1 MB of GeoJSON
DISPLAY_DECIMALS = 5  # about 1 m at Belgian latitudes


def simplify_coverage(frame: gpd.GeoDataFrame, tolerance: float = DISPLAY_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Simplified copy in EPSG:4326 with coordinates rounded to ``DISPLAY_DECIMALS``."""
    simplified = shapely.coverage_simplify(frame.geometry.values, tolerance)
    out = frame.copy()
    out["geometry"] = gpd.GeoSeries(simplified, index=frame.index, crs=frame.crs).to_crs(4326).values
    rounded = shapely.transform(out.geometry.values, lambda xy: np.round(xy, DISPLAY_DECIMALS))
    out["geometry"] = shapely.make_valid(rounded)
    return out
