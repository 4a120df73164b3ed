"""The same guarantees on a real PostgreSQL server (started here; skipped where there is none)."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.exc import InternalError

from db.days import set_day
from db.engine import connect, current_revision, head_revision
from db.lock import archive_lock, lock_state
from matome_crawl.cli import cli
from tests.db.conftest import DAY

FORK = multiprocessing.get_context("fork")
_names = count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth); yields its base URL."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl") and shutil.which("runuser")):
        pytest.skip("PostgreSQL server binaries are not installed")
    if os.geteuid() != 0:
        pytest.skip("starting PostgreSQL here needs root (to run it as the postgres user)")
    home = Path(tempfile.mkdtemp(prefix="matome-pg-"))
    shutil.chown(home, "postgres")
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"]
    data = home / "data"
    try:
        subprocess.run(
            [*as_postgres, "initdb", "-D", str(data), "-A", "trust", "-U", "matome", "--no-sync"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        options = f"-k {home} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*as_postgres, "pg_ctl", "-D", str(data), "-o", options, "-l", str(home / "log"),
             "-w", "start"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL: {exc}")
    try:
        yield f"postgresql+psycopg://matome@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, "pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_url(server: str) -> str:
    """A new, empty database on the server."""
    name = f"archive_{os.getpid()}_{next(_names)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{server}/{name}"


def _open(url: str, barrier, report: Path) -> None:  # type: ignore[no-untyped-def]
    code = 0
    try:
        barrier.wait(10)
        connect(url).dispose()
    except Exception as exc:  # reported to the parent, which fails the test with it
        report.write_text(f"{type(exc).__name__}: {exc}".splitlines()[0])
        code = 1
    finally:
        os._exit(code)


def test_concurrent_first_opens_on_postgresql(pg_url, tmp_path):
    workers = 6
    barrier = FORK.Barrier(workers)
    reports = [tmp_path / f"child-{n}.txt" for n in range(workers)]
    children = [FORK.Process(target=_open, args=(pg_url, barrier, r)) for r in reports]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert [r.read_text() for r in reports if r.exists()] == []
    database = connect(pg_url, read_only=True)
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_read_only_opens_cannot_write_on_postgresql(pg_url):
    connect(pg_url).dispose()
    database = connect(pg_url, read_only=True)
    with (
        pytest.raises(InternalError, match="read-only transaction"),
        database.sessions.begin() as session,
    ):
        set_day(session, DAY, "done")
    database.dispose()
    result = CliRunner().invoke(cli, ["stats", "--db", pg_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["comments"] == 0


def test_status_on_postgresql_tells_a_live_run_from_a_killed_one(pg_url):
    database = connect(pg_url)
    with database.sessions.begin() as session:
        set_day(session, DAY, "running", attempt=True)
    database.dispose()
    # No session holds the advisory lock: the run that wrote 'running' is gone.
    state = lock_state(pg_url)
    assert state is not None and not state.held
    result = CliRunner().invoke(cli, ["status", "--db", pg_url])
    assert result.output.startswith("1 interrupted\n"), result.output
    with archive_lock(pg_url, "run"):
        assert lock_state(pg_url).held  # type: ignore[union-attr]
        result = CliRunner().invoke(cli, ["status", "--db", pg_url])
    assert result.output.startswith("1 running\n"), result.output
