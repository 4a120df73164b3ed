"""Opening the archive: read commands never create, write or migrate; failures are one line."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.engine import current_revision, display_url, make_engine, upgrade
from matome_crawl.cli import cli
from tests.conftest import REPO_ROOT

READ_COMMANDS = [
    ["search", "zeppelin"],
    ["show", "1"],
    ["threads", "--day", "2026-06-01"],
    ["stats"],
    ["sql", "SELECT count(*) AS n FROM comments"],
    ["status"],
]
IDS = [c[0] for c in READ_COMMANDS]
PG = "postgresql+psycopg://u:SECRET@127.0.0.1:1/x"


def matome(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result, *expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for text in expected:
        assert text in lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_read_command_on_a_mistyped_path_creates_nothing(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = matome(*command, "--db", "sqlite:///tmp/x")
    assert_one_line_error(result, "no archive at tmp/x", "--db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_read_commands_answer_without_writing(command, archive):
    before = digest(archive)
    result = matome(*command, "--db", str(archive), "--format", "json")
    assert result.exit_code == 0, result.output
    assert digest(archive) == before
    assert not Path(f"{archive}.lock").exists()


def test_read_commands_refuse_an_older_schema_and_leave_it(db_path):
    engine = make_engine(f"sqlite:///{db_path}")
    upgrade(engine, "0001")
    engine.dispose()
    result = matome("stats", "--db", str(db_path))
    assert_one_line_error(result, "revision 0001", "run `matome db upgrade`")
    engine = make_engine(f"sqlite:///{db_path}")
    assert current_revision(engine) == "0001"
    engine.dispose()
    assert matome("db", "upgrade", "--db", str(db_path)).exit_code == 0
    assert matome("stats", "--db", str(db_path)).exit_code == 0


@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]], ids=["read", "write"])
def test_a_newer_schema_is_one_line(command, archive):
    conn = sqlite3.connect(archive)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    result = matome(*command, "--db", str(archive))
    assert_one_line_error(result, "revision 0999", "newer than this matome-crawl", "upgrade")


@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]], ids=["read", "write"])
def test_a_file_that_is_not_a_database_is_one_line(command, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 100)
    result = matome(*command, "--db", str(path))
    assert_one_line_error(result, "file is not a database")
    assert path.read_text() == "not a database\n" * 100


@pytest.mark.parametrize("command", [["stats"], ["db", "upgrade"]], ids=["read", "write"])
def test_a_missing_driver_names_the_extra(command, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    result = matome(*command, "--db", PG)
    assert_one_line_error(
        result, "'psycopg' is not installed", "pip install 'matome-crawl[postgres]'"
    )
    assert "SECRET" not in result.output


@pytest.mark.parametrize("command", [["stats"], ["sql", "SELECT 1"], ["db", "upgrade"]])
def test_a_failing_connection_never_prints_the_password(command):
    result = matome(*command, "--db", PG)
    assert_one_line_error(result, "u:***@127.0.0.1:1/x", "Connection refused")
    assert "SECRET" not in result.output


def test_display_url_hides_passwords():
    assert display_url(PG) == "postgresql+psycopg://u:***@127.0.0.1:1/x"
    assert display_url("archive.sqlite3") == "sqlite:///archive.sqlite3"
    assert "SECRET" not in display_url("weird://u:SECRET@[bad")


def test_write_commands_still_create_the_archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = matome("db", "upgrade", "--db", "sqlite:///new/dir/archive.sqlite3")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "dir" / "archive.sqlite3").is_file()
    assert matome("stats", "--db", "new/dir/archive.sqlite3").exit_code == 0


READ_ONLY_SCRIPT = """
import json, sys
from click.testing import CliRunner
from matome_crawl.cli import cli
codes = {}
for command in json.loads(sys.argv[1]):
    result = CliRunner().invoke(cli, [*command, "--db", sys.argv[2], "--format", "json"])
    codes[command[0]] = [result.exit_code, result.output[-300:]]
print(json.dumps(codes))
"""


def test_read_commands_on_read_only_storage(archive, tmp_path):
    """The archive's folder bind-mounted read-only (in a private mount namespace)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare for a read-only bind mount")
    import json

    folder = archive.parent
    script = textwrap.dedent(f"""
        mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} || exit 99
        touch {folder}/probe 2>/dev/null && exit 98
        exec "$@"
    """)
    process = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", sys.executable, "-c", READ_ONLY_SCRIPT,
         json.dumps(READ_COMMANDS), str(archive)],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
    )  # fmt: skip
    if process.returncode == 99:
        pytest.skip("cannot bind-mount here")
    assert process.returncode == 0, process.stderr[-2000:]
    codes = json.loads(process.stdout)
    assert {name: code for name, (code, _) in codes.items()} == dict.fromkeys(IDS, 0), codes
    assert "zeppelin" in codes["search"][1].lower()


def test_opening_an_up_to_date_archive_reads_no_migration_script(database, db_path, monkeypatch):
    """The scripts are read once per process: each read loaded all of them (~20 ms per
    command, and per open in a long process)."""
    import alembic.util

    from db.engine import connect

    loaded: list[str] = []
    real = alembic.util.load_python_file

    def counting(directory: str, filename: str):  # type: ignore[no-untyped-def]
        loaded.append(filename)
        return real(directory, filename)

    monkeypatch.setattr(alembic.util, "load_python_file", counting)
    for read_only in (False, True):
        connect(f"sqlite:///{db_path}", read_only=read_only).dispose()
    assert loaded == []
