"""The ``matome`` click group and the options and helpers its commands share."""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click

from db.engine import DB_URL_ENV, ArchiveError, Database, connect

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="matome-crawl", prog_name="matome")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Turn Hacker News threads into dated Japanese matome (roundup) Hugo posts.

    Data flows one way: crawl → DB → translate → DB → export. Every command
    is safe to re-run.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    if quiet:
        level = logging.ERROR
    handler: logging.Handler
    if stderr_console().is_terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=stderr_console(), show_path=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:  # cron, CI, pipes: one plain, timestamped line per record
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Scrapy logs every request at DEBUG and a stats dump at INFO; keep them for -vv / -v.
    logging.getLogger("scrapy").setLevel(max(level, logging.INFO) if verbose < 2 else level)


def stdout_console():  # type: ignore[no-untyped-def]
    """Tables on stdout; a pipe or file gets wide lines rather than cut-off cells.

    Markup and emoji codes are off: what is printed is data, never instructions
    to the terminal (see :func:`as_text`).
    """
    from rich.console import Console

    console = Console(markup=False, emoji=False, highlight=False)
    if not console.is_terminal:
        console = Console(width=200, markup=False, emoji=False, highlight=False)
    return console


# Characters that act on a terminal instead of showing: C0 controls but tab and line
# feed, DEL, C1 controls, and Unicode's bidi and line-separator controls.
_UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """``text`` with every control character written out as ``\\xNN`` or ``\\uNNNN``."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return _UNSAFE_CHARACTERS.sub(visible, text)


def as_text(value: object):  # type: ignore[no-untyped-def]
    """A stored value as a rich ``Text``: shown as is, never read as markup, controls visible."""
    from rich.text import Text

    return Text("" if value is None else printable(str(value)))


@functools.cache
def stderr_console():  # type: ignore[no-untyped-def]
    """The console for progress bars and logs: stderr, so stdout stays clean for data."""
    from rich.console import Console

    return Console(stderr=True)


def db_option(func: F) -> F:
    """``--db URL``: the SQLAlchemy URL (or a SQLite file path) of the archive."""
    return click.option(
        "--db",
        "db_url",
        envvar=DB_URL_ENV,
        default=None,
        metavar="URL",
        help=f"SQLAlchemy URL or SQLite file [env {DB_URL_ENV}; default: matome.sqlite3].",
    )(func)


def open_database(db_url: str | None, *, migrate: bool = True, read_only: bool = False) -> Database:
    """Open the archive; a failure the user can fix is one line on stderr and exit 1.

    Write commands create or upgrade the archive. Read commands pass
    ``read_only=True``: the archive must exist at the newest schema, and nothing
    is created or written (it may sit on read-only storage).
    """
    try:
        return connect(db_url, migrate=migrate, read_only=read_only)
    except ArchiveError as exc:  # its message is one line, the password hidden
        raise click.ClickException(str(exc)) from None


# Hacker News's first day: no front page, story or comment is older.
HN_FIRST_DAY = date(2006, 10, 9)
_DAY_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayType(click.ParamType):
    """A day on the command line: ``YYYY-MM-DD``, a real date, from HN's first day to today (UTC).

    The value is a ``datetime`` at midnight (what commands call ``.date()`` on).
    """

    name = "day"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        text = str(value).strip()
        if not _DAY_FORMAT.fullmatch(text):
            self.fail(f"{text!r} is not a day: write it as YYYY-MM-DD", param, ctx)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not a real date", param, ctx)
        if day < HN_FIRST_DAY:
            self.fail(f"{text} is before Hacker News existed (from {HN_FIRST_DAY})", param, ctx)
        today = datetime.now(UTC).date()
        if day > today:
            self.fail(f"{text} is in the future (today is {today} UTC)", param, ctx)
        return datetime(day.year, day.month, day.day)


DAY = DayType()

OUTPUT_FORMATS = ("table", "json", "csv")


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def echo_rows(
    rows: Iterable[Mapping[str, Any]],
    output_format: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Write rows to stdout as a table, JSON (UTF-8, not escaped) or CSV.

    JSON and CSV keep the data exact; a table shows it as text (:func:`as_text`).
    """
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    if output_format == "json":
        click.echo(json.dumps([dict(r) for r in rows], ensure_ascii=False, indent=2, default=str))
    elif output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        # color=True: click would otherwise strip escape sequences from the data.
        click.echo(buffer.getvalue(), nl=False, color=True)
    else:
        from rich.table import Table

        table = Table(title=as_text(title) if title else None, show_lines=False)
        for column in columns:
            table.add_column(as_text(column))
        for row in rows:
            table.add_row(*(as_text(row.get(c)) for c in columns))
        stdout_console().print(table)
