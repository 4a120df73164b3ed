"""``matome review``: serve the review web app over the archive (uvicorn)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from matome_crawl.cli.app import DAY, db_option, open_database
from matome_crawl.cli.export_commands import template_set_option


@click.command(name="review")
@click.option("--day", type=DAY, help="Open this day (YYYY-MM-DD) first.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback needs --password.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--password",
    envvar="MATOME_REVIEW_TOKEN",
    default=None,
    metavar="TOKEN",
    help="Required for a non-loopback --host: the password (any user name) or Bearer token "
    "[env MATOME_REVIEW_TOKEN].",
)
@click.option(
    "--out",
    "site",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The Hugo site that approved posts are exported into.",
)
@template_set_option("Post template set of the exported posts.")
@click.option("--reviewer", default=None, help="Name recorded on approvals [default: $USER].")
@db_option
def review(
    day: datetime | None,
    host: str,
    port: int,
    password: str | None,
    site: Path,
    format_name: str,
    reviewer: str | None,
    db_url: str | None,
) -> None:
    """Review and post-edit the day's translations in the browser.

    Edit titles and comments, include or exclude comments, set highlights and
    tags, keep a glossary, approve (which exports the post) and publish a day.
    """
    from matome_crawl.review.security import is_loopback

    if not is_loopback(host) and not password:
        raise click.ClickException(
            f"--host {host} is not loopback: set --password or MATOME_REVIEW_TOKEN"
        )
    import uvicorn

    from matome_crawl.review.app import create_app
    from matome_crawl.review.service import Settings

    database = open_database(db_url)
    settings = Settings(
        site=site,
        template_set=format_name,
        reviewer=reviewer or os.environ.get("USER") or "reviewer",
    )
    app = create_app(database, settings, token=password)
    start = f"/day/{day.date().isoformat()}" if day else "/"
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"matome review on http://{shown}:{port}{start} (Ctrl-C stops it)", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        database.dispose()
