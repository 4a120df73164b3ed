"""``matome db``: schema management."""

from __future__ import annotations

import click

from db.engine import current_revision
from matome_crawl.cli.app import db_option, open_database


@click.group()
def db() -> None:
    """Create, upgrade and inspect the archive database."""


@db.command()
@db_option
def upgrade(db_url: str | None) -> None:
    """Create the schema or bring it to the newest revision (also done on first use)."""
    database = open_database(db_url)
    click.echo(f"{database.url}: schema at revision {current_revision(database.engine)}")
