"""Stored text is data, not terminal markup: every query command shows it as text.

Titles, comments, authors and day errors hold rich markup (``[/]``, ``[link=…]``),
raw escape sequences and bidi overrides. Tables show them literally with the
control characters written out; JSON and CSV keep them exact.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.days import set_day
from db.engine import connect
from matome_crawl.cli import cli
from matome_crawl.cli.app import printable
from tests.export.conftest import C, ThreadSpec, add_thread

MARKUP = "[/] [link=http://evil.example/]click[/link] [bold red]loud[/] :smile:"
ESCAPES = "\x1b]8;;http://evil.example/\x1b\\hidden\x1b]8;;\x1b\\ \x1b[2J\x9b31m \u202eolleh"
HOSTILE = f"keyboards {MARKUP} {ESCAPES}"
AUTHOR = "[/]mallory\x1b[5m"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db_path = tmp_path_factory.mktemp("hostile") / "matome.sqlite3"
    database = connect(f"sqlite:///{db_path}")
    add_thread(
        database,
        ThreadSpec(
            101,
            HOSTILE,
            title_ja=f"キーボード {MARKUP}",
            url="http://example.com/[/]",
            comments=[C(text=HOSTILE, text_ja=HOSTILE, author=AUTHOR), C(1, 0, author=AUTHOR)],
        ),
    )
    with database.sessions.begin() as session:
        set_day(session, date(2025, 2, 9), "failed", error=HOSTILE)
    database.dispose()
    yield db_path


def run(archive: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", str(archive)])


COMMANDS = [
    ("show", "101"),
    ("search", "keyboards"),
    (
        "sql",
        'SELECT title, c.author AS "[/]", text FROM stories s, comments c WHERE story_id = s.id',
    ),
    ("threads", "--day", "2025-02-09"),
    ("stats",),
    ("status",),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_tables_show_stored_text_literally(archive: Path, args: tuple[str, ...]) -> None:
    result = run(archive, *args)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    out = result.output
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert "[/]" in out
    if args[0] in ("show", "sql", "search", "status"):
        assert "[link=http://evil.example/]click[/link]" in out
        assert "\\x1b]8;;http://evil.example/" in out and "\\u202eolleh" in out
        assert ":smile:" in out


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_json_and_csv_keep_stored_text_exact(archive: Path, args: tuple[str, ...]) -> None:
    expected = AUTHOR if args[0] == "stats" else HOSTILE
    as_json = run(archive, *args, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert expected in set(strings(json.loads(as_json.output)))
    as_csv = run(archive, *args, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    assert expected in {cell for row in csv.reader(io.StringIO(as_csv.output)) for cell in row}


def strings(data: object) -> Iterator[str]:
    """Every string in a JSON document."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_printable_writes_out_controls_and_keeps_text() -> None:
    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("日本語 [b]x[/b]") == "日本語 [b]x[/b]"
    assert printable("\x00\x07\x1b\r\x7f\x85\u200f\u2028\u2066") == (
        "\\x00\\x07\\x1b\\x0d\\x7f\\x85\\u200f\\u2028\\u2066"
    )
