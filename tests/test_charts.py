"""Server-side SVG charts and the diverging classes of the employment map."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd

from geo_service.mapviews import base as mb
from geo_service.mapviews import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_diverging_classes_never_mix_signs_and_lighten_toward_zero():
    values = pd.Series({"a": -2.7, "b": -0.1, "c": 3.1, "d": 8.0, "e": 16.1, "f": 38.8, "g": None})
    classes = mb.classify_diverging(values, k=2, t=str, fmt="{:+.1f}")
    for row in classes.legend[:-1]:
        low, _, high = row["label"].partition(" – ")
        assert (float(low) < 0) == (float(high or low) < 0)  # no class straddles 0
    palette = mb.color_brewer("RdBu", 7)
    assert mb.colour_of(classes, "b") == palette[4]  # nearest 0 on the negative side: lightest blue
    assert mb.colour_of(classes, "c") == palette[2]  # nearest 0 on the positive side: lightest red
    assert mb.colour_of(classes, "f") == palette[1]
    assert mb.colour_of(classes, "g") == mb.MISSING_COLOUR and classes.legend[-1]["count"] == 1
    assert sum(row["count"] for row in classes.legend) == len(values)


def test_bar_chart_is_an_accessible_escaped_svg_with_every_value_written():
    bars = [charts.Bar("Liège <b>", [70.0, 53.9], "+16.1 pp"), charts.Bar("Namur", [72.3, None])]
    svg = str(
        charts.bar_chart("c1", "Rates & gaps", charts.describe(bars, ["A", "B"]), ["A", "B"], bars, missing="n/a")
    )
    root = ET.fromstring(svg)  # well-formed: the label's markup was escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-t c1-d"
    assert root.find(f"{SVG}title").text == "Rates & gaps"
    assert "Liège <b>: A 70.0, B 53.9 (+16.1 pp)" in root.find(f"{SVG}desc").text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"70.0", "53.9", "72.3", "n/a", "+16.1 pp", "Liège <b>"} <= set(texts)
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if float(r.get("width")) > 12]
    assert len(widths) == 3 and abs(widths[0] / widths[1] - 70.0 / 53.9) < 0.01  # bars proportional to values
