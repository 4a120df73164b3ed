"""The same guarantees on a real PostgreSQL server (the session's cluster, tests/pg.py)."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import InternalError

from db.days import set_day
from db.engine import connect, current_revision, head_revision
from db.lock import archive_lock, lock_state
from matome_crawl.cli import cli
from tests.db.conftest import DAY

FORK = multiprocessing.get_context("fork")


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


def test_ci_makes_a_missing_server_a_failure_not_a_skip(monkeypatch):
    from tests import pg

    for name in ("CI", pg.REQUIRE_ENV):
        monkeypatch.delenv(name, raising=False)
    assert not pg.required()
    monkeypatch.setenv("CI", "true")
    assert pg.required()
    monkeypatch.setenv("CI", "false")
    assert not pg.required()
    monkeypatch.setenv(pg.REQUIRE_ENV, "1")
    assert pg.required()
    monkeypatch.setattr(pg, "server_bin", lambda: None)
    with pytest.raises(pg.NoServer, match="not installed"), pg.cluster():
        pass
