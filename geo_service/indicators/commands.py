"""``geo-service indicators recompute``: recompute every indicator and write the tables as CSV."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import pandas as pd

from ..errors import InvalidParameter


def _eurostat_rows(files: tuple[str, ...], fetch: bool, settings) -> pd.DataFrame | None:
    from . import eurostat

    frames = []
    for name in files:
        dataset = next((d for d in eurostat.DATASETS if d in Path(name).name.lower()), None)
        if dataset is None:
            raise click.BadParameter(
                f"{name}: the file name must contain the dataset code ({', '.join(eurostat.DATASETS)})"
            )
        frames.append(eurostat.to_employment(eurostat.read_file(name), dataset))
    if fetch:
        for dataset, (dimension, _) in eurostat.DATASETS.items():
            query = dict(eurostat.PAPER_QUERY)
            if dimension != "citizen":
                query[dimension] = query.pop("citizen")
            frames.append(eurostat.to_employment(eurostat.fetch_jsonstat(dataset, query, settings), dataset))
    return pd.concat(frames, ignore_index=True) if frames else None


@click.group("indicators")
def indicators_group() -> None:
    """Indicators: coverage, access, served/gap/unknown statuses, employment gaps, need-support classes."""


@indicators_group.command("recompute")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the CSV tables.")
@click.option(
    "--eurostat",
    "eurostat_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Eurostat TSV or JSON-stat file of lfst_r_lfe2emprtn / lfst_r_lfe2emprc (repeatable).",
)
@click.option(
    "--fetch-eurostat", is_flag=True, help="Fetch the 2019 province x citizenship x sex rates from Eurostat's API."
)
@click.option("--catchment-km", type=float, default=None, help="2SFCA catchment radius (default 30).")
@click.option("--desert-km", type=float, default=None, help="Service-desert distance D (default 15).")
@click.option("--demand", type=click.Choice(["foreign", "total"]), default=None, help="2SFCA demand population.")
@click.option(
    "--suggest", "suggest_k", type=int, default=0, help="Also write the k best new-site communes per desert kind."
)
def recompute_command(out_dir, eurostat_files, fetch_eurostat, catchment_km, desert_km, demand, suggest_k) -> None:
    """Recompute every indicator (no cache) and write communes/provinces/regions/employment CSV."""
    from ..catalogue import load_catalogue
    from ..settings import Settings
    from ..state import build_base_layers
    from . import compute_indicators
    from .params import IndicatorParams

    settings = Settings.from_env()
    overrides = {
        k: v for k, v in (("catchment_km", catchment_km), ("desert_km", desert_km), ("demand", demand)) if v is not None
    }
    try:
        params = IndicatorParams().replace(**overrides)
    except InvalidParameter as exc:
        raise click.UsageError(exc.message) from exc
    base = build_base_layers(settings)
    from ..store.commands import open_store

    catalogue = load_catalogue(base.boundaries, published=open_store(settings).published(), settings=settings)
    extra = _eurostat_rows(eurostat_files, fetch_eurostat, settings)
    started = time.perf_counter()
    result = compute_indicators(base, catalogue, settings, params=params, extra_employment=extra, use_cache=False)
    seconds = time.perf_counter() - started
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from ..api.csvsafe import safe_frame  # every CSV the service writes neutralises formulas

    safe_frame(result.communes).to_csv(out / "communes.csv")
    safe_frame(result.provinces).to_csv(out / "provinces.csv")
    safe_frame(result.regions).to_csv(out / "regions.csv")
    safe_frame(result.employment).to_csv(out / "employment.csv", index=False)
    focus = ["foreign_share", "employment_gap_pp", "need_class", "support_class"] + [
        c for c in result.communes if c.startswith("status_reason_")
    ]
    safe_frame(result.communes.loc[result.communes["high_need_low_support"], focus]).to_csv(
        out / "high_need_low_support.csv"
    )
    (out / "metadata.json").write_text(json.dumps(result.metadata, indent=1, default=str), encoding="utf-8")
    (out / "params.json").write_text(json.dumps(result.params, indent=1, default=str), encoding="utf-8")
    if suggest_k:
        frames = [result.suggest(kind, suggest_k) for kind in params.desert_kinds]
        safe_frame(pd.concat(frames, ignore_index=True)).to_csv(out / "suggestions.csv", index=False)
    (out / "networks.json").write_text(
        json.dumps(result.register.summary() if result.register else [], indent=1, default=str), encoding="utf-8"
    )
    counts = result.status_counts(params.desert_kinds)
    click.echo(
        f"{len(result.communes)} communes, computed in {seconds:.2f} s; communes served/gap/unknown per kind: "
        + "; ".join(f"{k} {c['served']}/{c['gap']}/{c['unknown']}" for k, c in counts.items())
    )
    click.echo(
        f"high need / low support: {int(result.communes['high_need_low_support'].sum())} communes; tables in {out}"
    )
