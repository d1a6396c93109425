"""``geo-service nominations ...``: moderator accounts and a look at the queue from a shell.
The password is read from a hidden prompt (or stdin), never from the command line or a log."""

from __future__ import annotations

import click

from ..settings import Settings
from . import private_instance_folder
from .changes import CatalogueStore
from .db import database_url


def open_store(settings: Settings | None = None) -> CatalogueStore:
    """The nominations database of these settings (the app's, when run inside it)."""
    from flask import current_app

    try:
        instance_path = current_app.instance_path
    except RuntimeError:
        instance_path = None
    settings = settings or Settings.from_env()
    private_instance_folder(settings, instance_path)
    return CatalogueStore(database_url(settings, instance_path))


@click.group("nominations")
def nominations() -> None:
    """Nominations database: moderators, queue, migrations."""


@nominations.command("create-moderator")
@click.argument("username")
@click.password_option("--password", prompt="Password (at least 12 characters)")
def create_moderator(username: str, password: str) -> None:
    """Create a moderator account (password hashed with scrypt)."""
    moderator = open_store().create_moderator(username, password)
    click.echo(f"moderator {moderator.username!r} created")


@nominations.command("set-password")
@click.argument("username")
@click.password_option("--password", prompt="New password (at least 12 characters)")
def set_password(username: str, password: str) -> None:
    """Change a moderator's password; every open session of the account ends."""
    moderator = open_store().set_password(username, password)
    click.echo(f"password of {moderator.username!r} changed; its sessions have ended")


@nominations.command("migrate")
def migrate() -> None:
    """Bring the database schema to the latest revision (also done at every start)."""
    store = open_store()
    click.echo(f"schema up to date ({store.engine.url.render_as_string(hide_password=True)})")


@nominations.command("pending")
def pending() -> None:
    """List pending nominations (id, name, received)."""
    for n in open_store().list("pending"):
        click.echo(f"{n.reference}\t{n.data.get('name')}\t{n.created_at:%Y-%m-%d %H:%M}")
