"""``matome backfill`` and ``matome status``: per-day status, resume after a kill, the lock."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from db.lock import archive_lock
from tests.conftest import HN_FIXTURES, REPO_ROOT, popen_interruptible
from tests.crawl.conftest import re_id, run_matome

HTML = HN_FIXTURES / "html"
ITEM = HTML / "item"
THREADS = {
    47633396: (ITEM / "item_48350598.html", 48350598),
    47640728: (ITEM / "item_47536761.html", 47536761),
    47639524: (ITEM / "item_126809_poll.html", 126809),
}


def serve_day(site, *, skip=()):
    site.routes.add("/front?day=2026-04-04", HTML / "front" / "front_2026-04-04.html")
    for story_id, (path, old_id) in THREADS.items():
        if story_id not in skip:
            site.routes.add(f"/item?id={story_id}", re_id(path, old_id, story_id))


def backfill(site, db_path, *extra):
    return run_matome(
        "backfill", "--from", "2026-04-04", "--to", "2026-04-04", "--top", "3",
        "--base-url", site.url, "--db", str(db_path), "--no-translate", *extra,
    )  # fmt: skip


def status(db_path):
    result = run_matome("status", "--db", str(db_path), "--format", "json")
    return {row["day"]: row for row in json.loads(result.stdout)}


def test_failed_day_keeps_its_reason_and_a_rerun_fetches_only_what_is_missing(site, db_path):
    serve_day(site, skip={47640728})
    first = backfill(site, db_path, "--delay", "0")
    assert first.returncode == 1
    assert "2026-04-04: failed: 1 thread(s) missing: 47640728:" in first.stderr
    assert "HTTP 404" in first.stderr
    day = status(db_path)["2026-04-04"]
    assert (day["status"], day["attempts"]) == ("failed", 1)
    assert "47640728" in day["error"]

    site.routes.add("/item?id=47640728", re_id(*THREADS[47640728][:1], 47536761, 47640728))
    hits_before = dict(site.routes.hits)
    second = backfill(site, db_path, "--delay", "0")
    assert second.returncode == 0, second.stderr
    assert "1/1 day(s) done: 3 threads, 220 comments" in second.stdout
    # Only the missing thread was fetched: not the listing, not the stored threads.
    new_hits = {p: n - hits_before.get(p, 0) for p, n in site.routes.hits.items()}
    assert {p: n for p, n in new_hits.items() if n} == {"/robots.txt": 1, "/item?id=47640728": 1}
    day = status(db_path)["2026-04-04"]
    assert (day["status"], day["attempts"], day["threads"], day["comments"]) == ("done", 2, 3, 220)
    assert day["error"] is None

    third = backfill(site, db_path, "--delay", "0")
    assert third.returncode == 0
    assert "1 of 1 day(s) already done; 0 to go" in third.stderr


def start_slow_backfill(site, db_path):
    """A backfill with a 0.5 s crawl delay in its own process; returns once a thread is stored."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    args = [sys.executable, "-m", "matome_crawl", "backfill", "--from", "2026-04-04",
            "--to", "2026-04-04", "--top", "3", "--base-url", site.url, "--db", str(db_path),
            "--delay", "0.5", "--no-translate"]  # fmt: skip
    process = popen_interruptible(args, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and not stored:
        time.sleep(0.2)
        if db_path.exists():
            try:
                with sqlite3.connect(db_path) as conn:
                    stored = conn.execute(
                        "SELECT count(*) FROM stories WHERE last_crawled_at IS NOT NULL"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                pass  # schema still being created
    assert stored >= 1
    return process


def assert_resumes_completely(site, db_path):
    resumed = backfill(site, db_path, "--delay", "0")
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM comments").fetchone() == (
            220,
            220,
        )
        assert conn.execute("SELECT count(*) FROM front_pages").fetchone() == (30,)
    assert site.routes.hits["/front?day=2026-04-04"] == 1  # the stored listing was kept
    assert status(db_path)["2026-04-04"]["status"] == "done"


@pytest.mark.slow
def test_kill_mid_crawl_then_resume_loses_and_duplicates_nothing(site, db_path):
    serve_day(site)
    process = start_slow_backfill(site, db_path)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM days").fetchone() == ("running",)
    assert_resumes_completely(site, db_path)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(site, db_path):
    serve_day(site)
    process = start_slow_backfill(site, db_path)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "interrupted after 0 of 1 day(s); re-run to resume" in stderr
    assert "Traceback" not in stderr
    day = status(db_path)["2026-04-04"]
    assert (day["status"], day["error"]) == ("pending", "interrupted")
    assert_resumes_completely(site, db_path)


def test_a_second_run_on_the_same_archive_is_refused(site, db_path):
    serve_day(site)
    with archive_lock(f"sqlite:///{db_path}", "test holds the archive"):
        result = backfill(site, db_path, "--delay", "0")
    assert result.returncode == 75
    assert "another matome run is using this archive (pid" in result.stderr
    assert sum(site.routes.hits.values()) == 0


def test_backfill_range_checks(site, db_path):
    result = run_matome(
        "backfill", "--from", "2026-04-05", "--to", "2026-04-04", "--db", str(db_path)
    )
    assert result.returncode == 2
    assert "before --from" in result.stderr


def test_status_when_nothing_ran(database, db_path):
    result = run_matome("status", "--db", str(db_path))
    assert result.returncode == 0
    assert "no days recorded yet" in result.stdout
