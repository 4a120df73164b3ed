"""Schema migrations: no drift from models, all-or-nothing under kill -9, serialised first use."""

from __future__ import annotations

import ast
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.engine import (
    MIGRATIONS_DIR,
    connect,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from db.fts import include_object
from db.models import Base
from tests.concurrency import open_all_at_once

FORK = multiprocessing.get_context("fork")


def test_migrations_match_models(database):
    """The Alembic head builds exactly the schema the models declare (no drift)."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(database):
    head = current_revision(database.engine)
    assert upgrade(database.engine) == head
    assert current_revision(database.engine) == head


def test_sqlite_pragmas(database):
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_migrations_import_no_application_code():
    """A migration must do the same thing forever: it may not import db/ or matome_crawl/."""
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"db", "matome_crawl", "pipelines"}, (
                    f"{path.name} imports {name}"
                )


# ---------------------------------------------------------------- kill -9


STORIES = 40
COMMENTS_PER_STORY = 100  # 4,000 comments


def build_archive_at_0001(path: Path) -> None:
    """An archive as revision 0001 left it, holding thousands of comments."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    now = "2026-06-01T12:00:00Z"
    rng = random.Random(9)
    words = ["keyboard", "laptop", "screen", "battery", "hinge", "price", "linux", "driver"]
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO stories (id, type, title, dead, first_seen_at)"
            " VALUES (?, 'story', ?, 0, ?)",
            [(s, f"Story {s} about {words[s % len(words)]}", now) for s in range(1, STORIES + 1)],
        )
        conn.executemany(
            "INSERT INTO comments (id, story_id, parent_id, depth, position, author, text,"
            " dead, flagged, deleted, content_hash, first_seen_at, last_seen_at)"
            " VALUES (?, ?, ?, 0, ?, ?, ?, 0, 0, 0, 'h', ?, ?)",
            [
                (
                    1000 + s * COMMENTS_PER_STORY + i,
                    s,
                    s,
                    i,
                    f"user{i % 50}",
                    " ".join(rng.choice(words) for _ in range(40))
                    + (" zeppelin" if i == 7 else ""),
                    now,
                    now,
                )
                for s in range(1, STORIES + 1)
                for i in range(COMMENTS_PER_STORY)
            ],
        )
    conn.close()


def assert_intact(path: Path) -> None:
    """The archive opens, upgrades to the head, and holds every comment, searchable."""
    database = connect(f"sqlite:///{path}")
    try:
        assert current_revision(database.engine) == head_revision()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            count = conn.exec_driver_sql("SELECT count(*) FROM comments").scalar()
            assert count == STORIES * COMMENTS_PER_STORY
            hits = conn.exec_driver_sql(
                "SELECT count(*) FROM comments_fts WHERE comments_fts MATCH 'zeppelin'"
            ).scalar()
            assert hits == STORIES
    finally:
        database.dispose()


def _child(target, url: str, ready) -> None:  # type: ignore[no-untyped-def]
    try:
        ready.set()
        target(url)
    finally:
        os._exit(0)


def _upgrade(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)


def _create(url: str) -> None:
    connect(url).dispose()


def run_and_kill(target, url: str, delay: float | None) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Run ``target(url)`` in a child; SIGKILL it ``delay`` s after it starts.

    Returns its exit code and how long it ran.
    """
    ready = FORK.Event()
    child = FORK.Process(target=_child, args=(target, url, ready))
    child.start()
    assert ready.wait(10)
    started = time.monotonic()
    if delay is not None:
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    return child.exitcode, time.monotonic() - started


class KillPoints:
    """Kill delays spread over a run: one random point in each of ``slices`` equal slices of
    its duration, sweep after sweep. The duration is measured once, and a loaded machine
    runs the next ones faster or slower: a run that ends before its kill point shows the run
    is shorter now, and later points are drawn within what it took."""

    def __init__(self, duration: float, slices: int = 12) -> None:
        self.duration, self.slices, self.rng = duration, slices, random.Random()

    def delays(self, attempts: int) -> Iterator[float]:
        for n in range(attempts):
            yield self.duration * (n % self.slices + self.rng.random()) / self.slices

    def finished_before(self, delay: float) -> None:
        self.duration = min(self.duration, delay)


def kill_runs(
    target: Callable[[str], object], template: Path | None, tmp_path: Path, kills: int
) -> Iterator[tuple[Path, float | None, int]]:
    """Run ``target`` on fresh archives (copies of ``template``, or none): once whole, timed,
    then killed at points within that time until ``kills`` runs were killed mid-way (at most
    three sweeps); yields (archive, kill delay or None, exit code) of each run."""
    timed = tmp_path / "timed.sqlite3"
    if template is not None:
        shutil.copy(template, timed)
    code, duration = run_and_kill(target, f"sqlite:///{timed}", None)
    assert code == 0
    yield timed, None, code
    points, killed = KillPoints(duration), 0
    for n, delay in enumerate(points.delays(attempts=3 * points.slices)):
        archive = tmp_path / f"killed-{n}.sqlite3"
        if template is not None:
            shutil.copy(template, archive)
        code, _ = run_and_kill(target, f"sqlite:///{archive}", delay)
        if code == 0:
            points.finished_before(delay)
        killed += code == -signal.SIGKILL
        yield archive, round(delay, 3), code
        if killed >= kills:
            return


@pytest.mark.slow
def test_kill_9_during_upgrade_never_bricks_the_archive(tmp_path):
    template = tmp_path / "at-0001.sqlite3"
    build_archive_at_0001(template)
    outcomes = []
    for archive, delay, code in kill_runs(_upgrade, template, tmp_path, kills=10):
        probe = make_engine(f"sqlite:///{archive}")
        left_at = current_revision(probe)
        probe.dispose()
        # All or nothing: killed mid-way, the archive is still exactly at 0001.
        assert left_at in {"0001", head_revision()}
        outcomes.append((delay, code, left_at))
        assert_intact(archive)
    killed = [o for o in outcomes if o[1] == -signal.SIGKILL]
    assert len(killed) >= 10, outcomes
    assert any(o[2] == "0001" for o in killed), outcomes


@pytest.mark.slow
def test_kill_9_during_first_creation(tmp_path):
    outcomes = []
    for archive, delay, code in kill_runs(_create, None, tmp_path, kills=8):
        outcomes.append((delay, code))
        database = connect(f"sqlite:///{archive}")
        try:
            assert current_revision(database.engine) == head_revision()
            with database.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"include_object": include_object})
                assert compare_metadata(context, Base.metadata) == []
        finally:
            database.dispose()
    assert sum(1 for o in outcomes if o[1] == -signal.SIGKILL) >= 8, outcomes


def test_simultaneous_first_connections_all_switch_to_wal(tmp_path):
    """Connections switching a new file to WAL at the same moment: SQLite answered one of
    each clash "database is locked" at once, without waiting (concurrent first opens of
    a new archive failed now and then). Threads clash far more often than processes."""
    failures: list[str] = []

    def open_at_once(url: str, barrier: threading.Barrier) -> None:
        engine = make_engine(url)
        try:
            barrier.wait(10)
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        except Exception as exc:  # reported below
            failures.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            engine.dispose()

    for n in range(60):  # about one round in six clashed
        barrier = threading.Barrier(8)
        url = f"sqlite:///{tmp_path / f'new-{n}.sqlite3'}"
        threads = [threading.Thread(target=open_at_once, args=(url, barrier)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert failures == []


def test_concurrent_first_opens_of_a_new_archive(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    failures = open_all_at_once(url, tmp_path)
    assert failures == []
    database = connect(url)
    assert current_revision(database.engine) == head_revision()
    database.dispose()
