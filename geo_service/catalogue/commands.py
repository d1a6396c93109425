"""``geo-service catalogue check|import``: validate the catalogue, add a planner's list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..settings import Settings


def run_check(settings: Settings) -> tuple[dict, list[dict]]:
    """Validate schema, ids, communes, service areas, seed quotes and the seed documents' registry; (summary, problems)."""
    from ..state import build_base_layers
    from . import CATALOGUE_DIR, build_catalogue, read_records, read_yaml
    from .documents import evidence_problems
    from .quotes import quote_problems

    base = build_base_layers(settings)
    records = read_records(settings)
    catalogue, problems = build_catalogue(records, read_yaml(CATALOGUE_DIR / "service_areas.yaml"), base.boundaries)
    seeds = settings.seeds
    if seeds is None:
        problems.append(
            {
                "record": "(seeds)",
                "field": "GEO_SERVICE_SEEDS_DIR",
                "reason": "seed documents not found: set GEO_SERVICE_SEEDS_DIR to check quotes",
            }
        )
    else:
        problems.extend(quote_problems(records, seeds))
        problems.extend(evidence_problems(seeds))
    for rid, row in catalogue.initiatives.iterrows():
        if not row["sources"]:
            problems.append({"record": rid, "field": "sources", "reason": "no source"})
    entries = _register_problems(catalogue, seeds, problems)
    summary = {
        "initiatives": len(catalogue.initiatives),
        "sites": len(catalogue.sites),
        "service_areas": len(catalogue.areas),
        "communes_with_site": int(catalogue.sites["nis"].nunique()) if len(catalogue.sites) else 0,
        "register_networks": len(entries),
    }
    return summary, problems


def _register_problems(catalogue, seeds, problems: list[dict]) -> list[dict]:
    """The completeness register: schema, the initiatives it names, and its seed quotes verbatim."""
    from ..errors import ValidationFailed
    from .quotes import quote_problems
    from .register import REGISTER_FILE, check_register, read_register

    try:
        entries = read_register()
    except ValidationFailed as exc:
        problems.extend(
            {"record": REGISTER_FILE, "field": "-", "reason": str(e)} for e in exc.details.get("errors", [exc.message])
        )
        return []
    problems.extend(
        {"record": REGISTER_FILE, "field": "initiatives", "reason": p} for p in check_register(entries, catalogue)
    )
    if seeds is not None:
        problems.extend(quote_problems(entries, seeds))
    return entries


@click.group("catalogue")
def catalogue_cli() -> None:
    """The catalogue of initiatives, networks and sites."""


@catalogue_cli.command("check")
def check_command() -> None:
    """Check the schema, ids, communes, service areas and every seed quote; exit 1 on problems."""
    summary, problems = run_check(Settings.from_env())
    click.echo(", ".join(f"{k}: {v}" for k, v in summary.items()))
    for p in problems:
        click.echo(f"problem: {p['record']}: {p['field']}: {p['reason']}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("catalogue OK")


@catalogue_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Validate a CSV or GeoJSON list and store it in the nominations database (all or nothing),
    where every server on that database serves it; exit 2 and store nothing on any problem."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import GeoServiceError, ValidationFailed
    from ..state import build_base_layers
    from ..store.commands import open_store
    from .importer import import_file

    settings = Settings.from_env()
    try:
        store = open_store(settings)
        batch = import_file(
            store,
            path.read_bytes(),
            path.name,
            build_base_layers(settings).boundaries,
            actor="command line",
            via="command",
        )
    except ValidationFailed as exc:
        click.echo(f"error: {exc.message}", err=True)
        for e in exc.details.get("errors", []):
            click.echo(f"  row {e['row']}: {e['field']}: {e['reason']}", err=True)
        sys.exit(2)
    except (GeoServiceError, OSError, SQLAlchemyError) as exc:  # e.g. the database cannot be opened
        click.echo(f"error: {path.name}: {getattr(exc, 'message', exc)}; nothing was stored", err=True)
        sys.exit(2)
    click.echo(
        f"stored import {batch.reference} (id {batch.id}) from {batch.filename}: {batch.records} record(s), "
        f"{batch.sites} site(s), in {store.engine.url.render_as_string(hide_password=True)}"
    )
    earlier = [b.reference for b in store.imports() if b.digest == batch.digest and b.id != batch.id]
    if earlier:
        click.echo(
            f"note: the same file content was imported before as {', '.join(earlier)}; "
            "its records are now in the catalogue more than once",
            err=True,
        )
