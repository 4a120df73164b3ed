"""``matome db``: schema management."""

from __future__ import annotations

import click

from db.engine import ArchiveError, current_revision, resolve_db_url, upgrade_sql
from matome_crawl.cli.app import db_option, open_database


@click.group()
def db() -> None:
    """Create, upgrade and inspect the archive database."""


@db.command()
@click.option("--sql", "as_sql", is_flag=True, help="Print the SQL for the URL's kind of "
              "database instead of running it (for a DBA; connects to nothing).")  # fmt: skip
@click.option("--from", "start", metavar="REV", help="With --sql: start at this revision "
              "(the archive's, as `matome db upgrade` prints it) [default: empty].")  # fmt: skip
@db_option
def upgrade(as_sql: bool, start: str | None, db_url: str | None) -> None:
    """Create the schema or bring it to the newest revision (also done on first use).

    \b
      matome db upgrade --sql --db postgresql+psycopg://matome@db/matome > schema.sql
    """
    if start and not as_sql:
        raise click.UsageError("--from goes with --sql")
    if as_sql:
        try:
            click.echo(upgrade_sql(resolve_db_url(db_url), start), nl=False)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        return
    database = open_database(db_url)
    click.echo(f"{database.url}: schema at revision {current_revision(database.engine)}")
