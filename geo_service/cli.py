"""Command line: ``geo-service run|build|...`` (also ``flask --app geo_service ...``)."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from .errors import GeoServiceError


def _create_app():
    from .app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def cli() -> None:
    """geo_service: support for migrants and refugees in Belgium, on a map."""


@cli.command("build")
def build_command() -> None:
    """Build (or verify the cache of) every derived layer and print a summary."""
    from .settings import Settings
    from .state import build_base_layers

    base = build_base_layers(Settings.from_env())
    b = base.boundaries
    click.echo(
        f"communes 2025: {len(b.communes)}, communes 2019: {len(b.communes_2019)}, "
        f"arrondissements: {len(b.arrondissements)}, provinces: {len(b.provinces)}, regions: {len(b.regions)}, "
        f"population {base.population_year}: {int(b.communes['pop_2025_total'].sum()):,}"
    )


from .catalogue.commands import catalogue_cli  # noqa: E402
from .harvest.commands import harvest_cli  # noqa: E402
from .indicators.commands import indicators_group  # noqa: E402
from .store.commands import nominations  # noqa: E402

cli.add_command(catalogue_cli)
cli.add_command(harvest_cli)
cli.add_command(indicators_group)
cli.add_command(nominations)


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except GeoServiceError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
