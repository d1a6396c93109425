"""Small server-side SVG charts (no JavaScript, no library): horizontal grouped bars in the
manner of the seed paper's Figures 2-5 (employment rates of each group per province or region).

Every chart is an accessible image: ``role="img"`` with a ``<title>`` and a ``<desc>`` naming
what it shows, and every bar carries its value as text, so nothing is read from a colour alone.
All text is escaped; the caller passes translated labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

# ColorBrewer "Dark2" (colour-blind safe, qualitative): first and second group
SERIES_COLOURS = ("#1b9e77", "#d95f02", "#7570b3")
INK = "#1d2a36"


@dataclass(frozen=True)
class Bar:
    label: str  # category (area name)
    values: Sequence[float | None]  # one value per series; None = no figure
    note: str = ""  # text after the bars (e.g. the gap), already formatted


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    series: Sequence[str],
    bars: Sequence[Bar],
    unit: str = "%",
    scale_max: float = 100.0,
    step: int = 20,
    missing: str = "no data",
    width: int = 640,
    number: Callable[[float], str] = "{:.1f}".format,
) -> Markup:
    """Horizontal grouped bars, one group per category; values on a 0..``scale_max`` axis,
    written by ``number`` (the page's language: "53,9")."""
    label_w, note_w, bar_h, gap = 215, 100, 13, 10
    plot_w = width - label_w - note_w
    legend_h = 22
    group_h = bar_h * len(series) + gap
    height = legend_h + group_h * len(bars) + 26
    out = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" '
            'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{i}-t {i}-d">'
            '<title id="{i}-t">{t}</title><desc id="{i}-d">{d}</desc>'
        ).format(w=width, h=height, i=chart_id, t=title, d=desc)
    ]
    x = label_w
    for position, name in enumerate(series):  # legend
        colour = SERIES_COLOURS[position % len(SERIES_COLOURS)]
        out.append(
            Markup(
                '<rect x="{x}" y="4" width="12" height="12" fill="{c}"/>'
                '<text x="{tx}" y="14" font-size="12" fill="{ink}">{n}</text>'
            ).format(x=x, c=colour, tx=x + 16, ink=INK, n=name)
        )
        x += 26 + 7 * len(str(name))
    y0 = legend_h
    for tick in range(0, int(scale_max) + 1, step):  # axis and grid
        tx = label_w + plot_w * tick / scale_max
        out.append(
            Markup(
                '<line x1="{x}" y1="{a}" x2="{x}" y2="{b}" stroke="#d8e0e8"/>'
                '<text x="{x}" y="{ty}" font-size="10" text-anchor="middle" fill="#5b6b7a">{v}{u}</text>'
            ).format(x=round(tx, 1), a=y0, b=height - 18, ty=height - 6, v=tick, u=unit)
        )
    for index, bar in enumerate(bars):
        top = y0 + index * group_h
        out.append(
            Markup('<text x="{x}" y="{y}" font-size="12" text-anchor="end" fill="{ink}">{t}</text>').format(
                x=label_w - 6, y=top + bar_h * len(series) / 2 + 4, ink=INK, t=_short(bar.label)
            )
        )
        for position, value in enumerate(bar.values):
            y = top + position * bar_h
            colour = SERIES_COLOURS[position % len(SERIES_COLOURS)]
            if value is None:
                out.append(
                    Markup('<text x="{x}" y="{y}" font-size="10" font-style="italic" fill="#5b6b7a">{m}</text>').format(
                        x=label_w + 4, y=y + bar_h - 3, m=missing
                    )
                )
                continue
            w = max(0.0, plot_w * min(float(value), scale_max) / scale_max)
            out.append(
                Markup(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"/>'
                    '<text x="{tx}" y="{ty}" font-size="10" fill="{ink}">{v}</text>'
                ).format(
                    x=label_w,
                    y=y + 1,
                    w=round(w, 1),
                    h=bar_h - 2,
                    c=colour,
                    tx=round(label_w + w + 3, 1),
                    ty=y + bar_h - 3,
                    ink=INK,
                    v=number(float(value)),
                )
            )
        if bar.note:
            out.append(
                Markup('<text x="{x}" y="{y}" font-size="11" font-weight="600" fill="{ink}">{n}</text>').format(
                    x=width - note_w + 8, y=top + bar_h * len(series) / 2 + 4, ink=INK, n=bar.note
                )
            )
    out.append(Markup("</svg>"))
    return Markup("").join(out)


def _short(label: str, limit: int = 32) -> str:
    text = str(label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(bars: Sequence[Bar], series: Sequence[str], number: Callable[[float], str] = "{:.1f}".format) -> str:
    """A plain-text reading of the chart (for ``<desc>``): every category with its values."""
    parts = []
    for bar in bars:
        values = ", ".join(
            f"{name} {'' if v is None else number(float(v))}".strip() for name, v in zip(series, bar.values)
        )
        parts.append(f"{bar.label}: {values}" + (f" ({bar.note})" if bar.note else ""))
    return "; ".join(parts)
