"""Nothing fails silently: every give-up has a reason in the archive and a nonzero exit."""

from __future__ import annotations

import json
import sqlite3

import pytest

from db.lock import archive_lock
from tests.conftest import HN_FIXTURES
from tests.crawl.conftest import re_id, run_matome
from tests.hnserver import Answer

HTML = HN_FIXTURES / "html"
ITEM = HTML / "item"
DAY = "2026-04-04"


def query(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def backfill(site, db_path, *extra):
    return run_matome(
        "backfill", "--from", DAY, "--to", DAY, "--top", "1", "--delay", "0",
        "--base-url", site.url, "--db", str(db_path), "--no-translate", *extra,
    )  # fmt: skip


def test_a_redirected_listing_is_not_stored_as_that_day(site, db_path):
    """/front?day=D answered with a redirect to /news is not day D's front page."""
    site.routes.add(f"/front?day={DAY}", Answer(b"", status=302, headers={"Location": "/news"}))
    site.routes.add("/news", HTML / "front" / "news_2026-06-01.html")
    result = backfill(site, db_path)
    assert result.returncode == 1
    assert f"{DAY}: failed: front page not stored:" in result.stderr
    assert "redirected to" in result.stderr and "/news" in result.stderr
    assert query(db_path, "SELECT count(*) FROM front_pages") == [(0,)]
    assert query(db_path, "SELECT story_id, listing_day FROM crawl_failures") == [(None, DAY)]


def test_a_cut_connection_has_a_reason_and_the_run_is_not_finished(site, db_path):
    body = (ITEM / "item_48350598.html").read_bytes()
    site.routes.add("/item?id=48350598", Answer(body, cut_after=5000))
    result = run_matome(
        "crawl", "--thread", "48350598", "--delay", "0", "--base-url", site.url,
        "--db", str(db_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [(story_id, reason)] = query(db_path, "SELECT story_id, reason FROM crawl_failures")
    assert story_id == 48350598
    assert "/item?id=48350598: " in reason and len(reason.split(": ", 1)[1]) > 5
    assert query(db_path, "SELECT status FROM crawl_runs") == [("failed",)]


def test_run_says_why_each_thread_is_missing(site, db_path):
    site.routes.add(f"/front?day={DAY}", HTML / "front" / f"front_{DAY}.html")
    site.routes.add("/item?id=47633396", b"No such item.")
    result = backfill(site, db_path)
    assert result.returncode == 1
    assert "1 thread(s) missing: 47633396: " in result.stderr
    assert "No such item." in result.stderr
    status = json.loads(run_matome("status", "--db", str(db_path), "--format", "json").stdout)
    assert "No such item." in status[0]["error"]


def test_a_listing_fixed_later_is_retried_and_its_day_completes(site, db_path):
    """A day that failed on its listing fetches it again on the next run (no stuck day)."""
    site.routes.add(
        f"/front?day={DAY}",
        Answer(b"Not found", status=404),
        HTML / "front" / f"front_{DAY}.html",
    )
    site.routes.add("/item?id=47633396", re_id(ITEM / "item_48350598.html", 48350598, 47633396))
    first = backfill(site, db_path, "--top", "1")
    assert first.returncode == 1
    assert "HTTP 404" in first.stderr
    second = backfill(site, db_path, "--top", "1")
    assert second.returncode == 0, second.stderr
    assert "1/1 day(s) done: 1 threads, 124 comments" in second.stdout


def test_the_lock_is_taken_before_a_new_archive_is_made(site, tmp_path):
    """Two runs on a new archive: the loser exits 75 and makes nothing (no schema race)."""
    db_path = tmp_path / "new" / "archive.sqlite3"
    db_path.parent.mkdir()
    with archive_lock(f"sqlite:///{db_path}", "test holds the archive"):
        result = backfill(site, db_path)
    assert result.returncode == 75
    assert not db_path.exists()
    assert sum(site.routes.hits.values()) == 0


def test_a_malformed_base_url_is_one_line_before_anything_starts(db_path):
    for bad in ("htp:/bad", "http://127.0.0.1:port/", "news.ycombinator.com"):
        result = run_matome("crawl", "--thread", "1", "--base-url", bad, "--db", str(db_path))
        assert result.returncode == 2, bad
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
        assert "--base-url" in result.stderr
    assert not db_path.exists()


@pytest.mark.slow
def test_an_unreachable_site_says_why_in_the_error(db_path, short_backoff):
    result = run_matome(
        "crawl", "--thread", "1", "--base-url", "http://127.0.0.1:9", "--delay", "0",
        "--db", str(db_path),
    )  # fmt: skip
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: 1 thread(s) not stored: 1 (")
    assert "refused" in last.lower()
    assert "Traceback" not in result.stderr


def test_model_info_json_is_one_object():
    result = run_matome("model", "info", "--format", "json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert isinstance(info, dict) and info["model"] and "backend" in info
