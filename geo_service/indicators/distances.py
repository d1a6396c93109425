"""Straight-line distances in metres of Belgian Lambert 72 (EPSG:31370), reported in km.

"Distance from a commune" is measured from the commune's representative point: shapely
``point_on_surface`` of its exact EPSG:31370 polygon, the same point the catalogue uses to place
sites known only to the commune, so such a site is 0 km from its own commune.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

METRIC_CRS = "EPSG:31370"


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValueError("geometry without a CRS: distances need EPSG:31370")
    return frame if frame.crs.to_epsg() == 31370 else frame.to_crs(METRIC_CRS)


def commune_points(communes: gpd.GeoDataFrame) -> np.ndarray:
    """(n, 2) array of representative points (point_on_surface), metres in EPSG:31370."""
    points = shapely.point_on_surface(_metric(communes).geometry.values)
    return shapely.get_coordinates(points)


def site_points(sites: gpd.GeoDataFrame) -> np.ndarray:
    if len(sites) == 0:
        return np.empty((0, 2))
    return shapely.get_coordinates(_metric(sites).geometry.values)


def distance_km(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """(n, m) matrix of straight-line distances in km."""
    if len(origins) == 0 or len(destinations) == 0:
        return np.empty((len(origins), len(destinations)))
    from scipy.spatial.distance import cdist  # imported on first use: scipy costs start-up time

    return cdist(origins, destinations) / 1000.0
