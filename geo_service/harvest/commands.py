"""``geo-service harvest kbo|osm|revert``: read a register extract, show the diff against the
catalogue's sites of a network (dry run, a table or ``--json``), store it as one batch with
``--apply``, undo a batch with ``revert``. Bad input exits with status 2 and one sentence naming
the file and what is wrong, before anything is written."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..settings import Settings
from . import BadExtract
from .diff import Diff

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}; nothing was written", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _table(result: Diff) -> str:
    """The diff as a readable table: one line per change and per rejected unit, then the counts."""
    extract = result.extract
    lines = [
        f"{extract.source} extract {extract.filename}, snapshot {extract.snapshot}, network {result.network}"
        + (" (the register's whole selection)" if result.whole else ""),
        f"{'action':<10} {'source_id':<16} {'site':<34} {'nis':<6} {'precision':<9} name / address",
    ]
    for c in result.changes:
        where = " – ".join(p for p in (c.name, " ".join(x for x in (c.address, c.postcode) if x)) if p)
        lines.append(
            f"{c.action:<10} {c.source_id or '-':<16} {c.site:<34} {c.nis or '-':<6} {c.precision or '-':<9} {where}"
        )
        if c.fields and c.action == "update":
            lines.append(f"{'':<10} changes: {', '.join(sorted(c.fields))}")
        if c.reason:
            lines.append(f"{'':<10} {c.reason}")
    for r in result.rejected:
        lines.append(f"{'rejected':<10} {r['source_id']:<16} {r['reason']}")
    counts = result.counts()
    lines.append(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return "\n".join(lines)


def _digest(path: Path) -> str:
    """sha256 of the extract, read in blocks (the batch records which file it came from)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _run(plan_of, read, apply: bool, as_json: bool, path: Path) -> None:
    """Plan, read, diff, print, and store with ``apply``; every bad input stops before a write."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import GeoServiceError
    from .run import harvest_diff, store_batch

    settings = Settings.from_env()
    try:
        plan = plan_of()
        extract = read(plan)
        result, store = harvest_diff(settings, plan, extract)
    except BadExtract as exc:
        _fail(exc.message)
    except (GeoServiceError, OSError, SQLAlchemyError) as exc:
        _fail(str(getattr(exc, "message", exc)))
    batch = None
    if apply:
        try:
            batch = store_batch(store, result, digest=_digest(path))
        except (GeoServiceError, SQLAlchemyError) as exc:
            _fail(str(getattr(exc, "message", exc)))
    if as_json:
        click.echo(json.dumps(result.as_json(batch), ensure_ascii=False, indent=1))
    else:
        click.echo(_table(result))
        click.echo(f"stored as batch {batch}" if batch else "dry run: nothing stored (add --apply to store this diff)")


@click.group("harvest")
def harvest_cli() -> None:
    """Public networks from the registers that hold them (docs/harvest.md)."""


def _harvest_options(command):
    """The options every source's command shares: the extract, the network, --apply, --json."""
    for option in reversed(
        (
            click.argument("extract", type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--network", required=True, help="Network id of data/catalogue/network_register.yaml."),
            click.option("--apply", "apply", is_flag=True, help="Store the diff as one batch (default: dry run)."),
            click.option("--json", "as_json", is_flag=True, help="Print the diff as one JSON object."),
        )
    ):
        command = option(command)
    return command


@harvest_cli.command("kbo")
@_harvest_options
@click.option("--enterprise", "enterprises", multiple=True, help="Enterprise number (0887.158.639); repeatable.")
@click.option("--nace", "nace", multiple=True, help="Only units with this own NACE-BEL activity (78.100 or 78100).")
def kbo_command(extract: Path, network: str, enterprises, nace, apply: bool, as_json: bool) -> None:
    """The establishment units of a network's enterprises in a KBO/BCE Open Data extract (zip)."""
    from .kbo import read_kbo
    from .network import kbo_plan

    _run(
        lambda: kbo_plan(network, enterprises, nace),
        lambda plan: read_kbo(extract, list(plan.kbo)),
        apply,
        as_json,
        extract,
    )


@harvest_cli.command("osm")
@_harvest_options
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE every object must carry; repeatable.")
def osm_command(extract: Path, network: str, tags, apply: bool, as_json: bool) -> None:
    """The nodes and ways of an OpenStreetMap extract (.osm, .osm.pbf) whose tags all match."""
    from .network import osm_plan
    from .osm import read_osm

    _run(
        lambda: osm_plan(network, tags),
        lambda plan: read_osm(extract, list(plan.tags), plan.osm_initiative),
        apply,
        as_json,
        extract,
    )


@harvest_cli.command("revert")
@click.argument("batch")
def revert_command(batch: str) -> None:
    """Undo an applied harvest batch (H-000003): its site changes are no longer published."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import GeoServiceError
    from ..store.commands import open_store
    from ..store.harvests import revert_harvest

    try:
        reverted = revert_harvest(open_store(Settings.from_env()), batch)
    except (GeoServiceError, SQLAlchemyError) as exc:
        _fail(str(getattr(exc, "message", exc)))
    click.echo(
        f"reverted batch {reverted.reference} ({reverted.source}, network {reverted.network}, snapshot {reverted.snapshot})"
    )


@harvest_cli.command("list")
def list_command() -> None:
    """The harvest batches, newest first: reference, date, source, network, snapshot, counts."""
    from ..store.commands import open_store
    from ..store.harvests import harvests

    for b in harvests(open_store(Settings.from_env())):
        counts = ", ".join(f"{k} {v}" for k, v in ((b.details or {}).get("counts") or {}).items())
        state = f"reverted {b.reverted_at:%Y-%m-%d}" if b.reverted_at else "applied"
        click.echo(f"{b.reference}\t{b.at:%Y-%m-%d}\t{b.source}\t{b.network}\t{b.snapshot}\t{state}\t{counts}")
