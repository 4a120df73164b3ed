"""``matome import``: whole-HN dumps (Parquet, JSON lines) into the archive, no request to HN."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click

from matome_crawl.cli.app import DAY, db_option, open_database, stderr_console
from matome_crawl.cli.interrupts import interrupt_on_sigterm
from matome_crawl.dump import DumpError, ImportProgress, ImportResult, import_dump

LOG_EVERY_ITEMS = 100_000


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="PATH...")
@click.option("--from", "first", type=DAY, help="First UTC day of stories to import (YYYY-MM-DD).")
@click.option("--to", "last", type=DAY, help="Last UTC day of stories to import (inclusive).")
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Stories per day in the day's listing (front_pages, source 'dump'), by score.",
)
@db_option
def import_(
    paths: tuple[str, ...],
    first: datetime | None,
    last: datetime | None,
    top: int,
    db_url: str | None,
) -> None:
    """Import HN item dumps: Parquet files or directories, .jsonl and .jsonl.gz files.

    \b
      matome import hn/ --from 2025-01-01 --to 2025-12-31

    Columns as the official API names them (id, type, by, time, title, text,
    url, score, parent, top_level_parent, descendants, kids, deleted, dead).
    Every story posted in the range becomes a thread stored as the API source
    stores it; each day gets a listing of its top stories. Safe to re-run: a
    re-run skips what this dump already stored and finishes a killed import.
    """
    if first and last and first > last:
        raise click.UsageError("--from must not be after --to")
    from db.lock import ArchiveLocked, archive_lock
    from matome_crawl.cli.day_commands import EXIT_LOCKED

    try:
        with archive_lock(db_url, "import"):  # one writer at a time, as run and backfill
            database = open_database(db_url)
            try:
                with interrupt_on_sigterm(), _progress() as report:
                    result = import_dump(
                        database,
                        paths,
                        first=first.date() if first else None,
                        last=last.date() if last else None,
                        top=top,
                        progress=report,
                    )
            finally:
                database.dispose()
    except DumpError as exc:
        raise click.ClickException(str(exc)) from exc
    except ArchiveLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(EXIT_LOCKED) from None
    click.echo(summary(result, database.url))


def summary(result: ImportResult, url: str) -> str:
    rate = result.items / result.seconds if result.seconds else 0.0
    return (
        f"imported {result.threads_stored} thread(s), {result.comments} comments, "
        f"{result.listing_rows} listing rows over {result.days} day(s) from {result.files} file(s) "
        f"({result.items} items, {rate:,.0f} items/s, {result.threads_skipped} already stored, "
        f"{result.threads_failed} failed) in {result.seconds:.1f} s → {url}"
    )


class _progress:
    """A rich bar (items/s, ETA) on a terminal; otherwise one log line per ``LOG_EVERY_ITEMS``."""

    def __enter__(self) -> Callable[[ImportProgress], None]:
        self.stage = ""
        self.next_line = 0
        console = stderr_console()
        if not console.is_terminal:
            self.bar = None
            return self._lines
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.progress import TimeRemainingColumn as Remaining

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            Remaining(),
            console=console,
        )
        self.bar.__enter__()
        self.task = None
        return self._update_bar

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def _update_bar(self, p: ImportProgress) -> None:
        assert self.bar is not None
        if p.stage != self.stage or self.task is None:
            self.stage = p.stage
            self.task = self.bar.add_task(p.stage, total=p.total_items, rate="")
        speed = self.bar.tasks[self.task].speed or 0
        self.bar.update(
            self.task,
            completed=p.items,
            total=p.total_items,
            description=describe(p),
            rate=f"{speed:,.0f} items/s",
        )

    def _lines(self, p: ImportProgress) -> None:
        if p.stage != self.stage:
            self.stage, self.next_line = p.stage, 0
        if p.items < self.next_line:
            return
        self.next_line = p.items + LOG_EVERY_ITEMS
        of = f"/{p.total_items}" if p.total_items else ""
        click.echo(f"{describe(p)}: {p.items}{of} items", err=True)


def describe(p: ImportProgress) -> str:
    if p.stage == "store":
        return (
            f"import store (day {p.days_done}/{p.days}, {p.threads} threads, {p.comments} comments)"
        )
    return f"import {p.stage}"
