"""The run lock after kill -9: stale state is shown as interrupted and taken over cleanly."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import time

from click.testing import CliRunner

from db.days import set_day
from db.engine import connect
from db.lock import LockState, archive_lock, holder_alive, lock_state
from db.store import start_crawl_run
from matome_crawl.cli import cli
from tests.db.conftest import DAY, T0

FORK = multiprocessing.get_context("fork")


def _hold_lock(url: str, ready) -> None:  # type: ignore[no-untyped-def]
    with archive_lock(url, "backfill 2026-06-01..2026-06-07"):
        ready.set()
        time.sleep(60)
    os._exit(0)


def kill_a_run(url: str) -> int:
    """A run that takes the archive, marks a day and a crawl running, and is killed -9."""
    database = connect(url)
    with database.sessions.begin() as session:
        set_day(session, DAY, "running", attempt=True)
        start_crawl_run(session, "front", {"day": str(DAY)}, T0)
    database.dispose()
    ready = FORK.Event()
    child = FORK.Process(target=_hold_lock, args=(url, ready))
    child.start()
    assert ready.wait(10)
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)  # reaped: the pid is gone
    assert child.exitcode == -signal.SIGKILL
    return child.pid


def status(archive, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["status", "--db", str(archive), *args])


def test_status_shows_a_killed_run_as_interrupted(archive):
    url = f"sqlite:///{archive}"
    pid = kill_a_run(url)
    assert f"pid {pid} " in (archive.parent / f"{archive.name}.lock").read_text()
    result = status(archive)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 interrupted\n")
    assert f"the last run stopped without finishing (pid {pid} on " in result.output
    assert "1 crawl run(s) never finished" in result.output
    rows = json.loads(status(archive, "--format", "json").output)
    assert [r["status"] for r in rows] == ["interrupted"]


def test_status_shows_running_while_a_run_holds_the_archive(archive):
    url = f"sqlite:///{archive}"
    kill_a_run(url)
    with archive_lock(url, "run 2026-06-01"):
        state = lock_state(url)
        assert state is not None and state.held
        assert f"pid {os.getpid()} on {socket.gethostname()}" in (state.holder or "")
        result = status(archive)
    assert result.output.startswith("1 running\n"), result.output
    assert "stopped without finishing" not in result.output


def test_a_new_run_takes_over_a_stale_lock(archive, caplog):
    url = f"sqlite:///{archive}"
    pid = kill_a_run(url)
    state = lock_state(url)
    assert state is not None and not state.held and f"pid {pid} " in (state.holder or "")
    with archive_lock(url, "run 2026-06-01"):
        assert lock_state(url).held  # type: ignore[union-attr]
    assert f"taking over the archive from an interrupted run (pid {pid} " in caplog.text
    # A clean finish names no holder: status no longer speaks of a stopped run.
    assert lock_state(url) == LockState(held=False, holder=None)
    assert "stopped without finishing" not in status(archive).output


def test_holder_alive_on_this_host_and_elsewhere():
    child = FORK.Process(target=os._exit, args=(0,))
    child.start()
    child.join()
    host = socket.gethostname()
    assert not holder_alive(f"pid {child.pid} on {host} since x: run")
    assert holder_alive(f"pid {os.getpid()} on {host} since x: run")
    assert holder_alive(f"pid {child.pid} on another-host since x: run")
    assert holder_alive("something else")


def test_status_of_an_archive_with_no_days(archive):
    result = status(archive)
    assert result.exit_code == 0
    assert result.output == "no days recorded yet\n"
