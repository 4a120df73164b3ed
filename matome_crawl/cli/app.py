"""The ``matome`` click group and the options and helpers its commands share."""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from db.engine import Database

# The archive's environment variable (db.engine reads the same one; a test keeps them equal).
# The CLI imports nothing heavy at start: `matome --help` and shell completion stay fast.
DB_URL_ENV = "MATOME_DB_URL"

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Optional parts of the product (pyproject's extras) by the module a command misses.
OPTIONAL_MODULES = {
    "pyarrow": "dump",
    "numpy": "dump",
    "torch": "translate",
    "transformers": "translate",
    "ctranslate2": "translate",
    "sentencepiece": "translate",
    "tokenizers": "translate",
    "pysbd": "translate",
    "huggingface_hub": "translate",
    "psycopg": "postgres",
    "datasette": "datasette",
    "starlette": "review",
    "uvicorn": "review",
    "multipart": "review",
}


class MatomeGroup(click.Group):
    """The command group, with every failure as one line on stderr and a nonzero exit.

    Click prints a usage error as three lines (usage, a hint, the error); a cron
    log gets one, with where to find help. An unexpected exception is one line
    too, with its traceback only under ``-vv`` (or ``MATOME_TRACEBACK=1``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # name → ("module:attribute", short help): imported only when the command runs
        self.lazy_commands: dict[str, tuple[str, str]] = {}

    def add_lazy_command(self, name: str, target: str, short_help: str) -> None:
        self.lazy_commands[name] = (target, short_help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            import importlib

            target, short_help = self.lazy_commands[cmd_name]
            module_name, attribute = target.split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            command.short_help = short_help  # the list and the command's help say the same
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the short helps on record, importing no command module."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands and name not in self.commands:
                rows.append((name, self.lazy_commands[name][1]))
            else:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit=formatter.width - 16)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "matome"
            click.echo(f"Error: {exc.format_message()} (see `{command} --help`)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        except ModuleNotFoundError as exc:
            extra = OPTIONAL_MODULES.get((exc.name or "").split(".")[0])
            if extra is None:
                raise
            click.echo(
                f"Error: this needs the optional package {exc.name!r}: "
                f"pip install 'matome-crawl[{extra}]'",
                err=True,
            )
            sys.exit(1)
        except Exception as exc:  # a bug: still one line, the traceback on request
            if os.environ.get("MATOME_TRACEBACK") or logging.getLogger().level <= logging.DEBUG:
                raise
            name = type(exc).__name__
            click.echo(
                f"Error: unexpected {name}: {str(exc).splitlines()[0] if str(exc) else ''} "
                "(run with -vv or MATOME_TRACEBACK=1 for the traceback)",
                err=True,
            )
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=MatomeGroup, context_settings=CONTEXT_SETTINGS)
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
    if verbose < 2:  # a log record is one line; tracebacks are for -vv
        handler.addFilter(without_traceback)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Scrapy logs every request at DEBUG and a stats dump at INFO; keep them for -vv / -v.
    logging.getLogger("scrapy").setLevel(max(level, logging.INFO) if verbose < 2 else level)


def without_traceback(record: logging.LogRecord) -> bool:
    """A handler filter that keeps the record's message and drops its traceback.

    Scrapy logs a download that failed for good with the exception attached;
    in a cron log that is dozens of lines for one fact. The exception's own
    text goes on the line; ``-vv`` keeps the whole traceback.
    """
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
        record.msg = f"{record.getMessage()} ({detail})"
        record.args = None
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return True


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
    from db.engine import ArchiveError, connect

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
