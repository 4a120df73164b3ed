"""Spiders end to end: real HTTP on 127.0.0.1, real subprocess CLI, real SQLite file."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import HN_FIXTURES, REPO_ROOT
from tests.crawl.conftest import re_id, run_matome
from tests.hn.paging import split_thread
from tests.hnserver import Answer

HTML = HN_FIXTURES / "html"
ITEM = HTML / "item"
ROBOTS = HN_FIXTURES / "robots" / "news.ycombinator.com_robots_2026.txt"
# HN's rules as a mirror on this machine serves them: no 30 s Crawl-delay (which wins over --delay).
ROBOTS_NO_DELAY = ROBOTS.read_bytes().replace(b"Crawl-delay: 30\n", b"")
SORRY = b"Sorry, we're not able to serve your requests this quickly."


def crawl(site, db_path, *args):
    return run_matome("crawl", *args, "--delay", "0", "--base-url", site.url, "--db", str(db_path))


def query(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_front_day_lists_and_crawls_top_threads(site, db_path):
    site.routes.add("/robots.txt", ROBOTS_NO_DELAY)
    site.routes.add("/front?day=2026-04-04", HTML / "front" / "front_2026-04-04.html")
    # The three stories with the most points, served from three real fixture threads.
    site.routes.add("/item?id=47633396", re_id(ITEM / "item_48350598.html", 48350598, 47633396))
    site.routes.add("/item?id=47640728", re_id(ITEM / "item_47536761.html", 47536761, 47640728))
    site.routes.add("/item?id=47639524", re_id(ITEM / "item_126809_poll.html", 126809, 47639524))

    result = crawl(site, db_path, "--day", "2026-04-04", "--top", "3")

    assert result.returncode == 0, result.stderr
    assert "stored 3 thread(s), 220 comments (220 new), 30 listing rows" in result.stdout
    assert query(db_path, "SELECT count(*), min(rank), max(rank) FROM front_pages") == [(30, 1, 30)]
    assert query(db_path, "SELECT DISTINCT day, source FROM front_pages") == [
        ("2026-04-04", "front")
    ]
    assert query(db_path, "SELECT score, comment_count FROM front_pages WHERE rank = 1") == [
        (1067, 861)
    ]
    crawled = query(
        db_path,
        "SELECT s.id, count(c.id) FROM stories s JOIN comments c ON c.story_id = s.id "
        "WHERE s.last_crawled_at IS NOT NULL GROUP BY s.id ORDER BY s.id",
    )
    assert crawled == [(47633396, 124), (47639524, 54), (47640728, 42)]
    assert query(db_path, "SELECT count(*) FROM stories WHERE last_crawled_at IS NULL") == [(27,)]
    # Only the listing and the three threads were fetched (plus robots.txt).
    assert sum(site.routes.hits.values()) == 5
    runs = query(db_path, "SELECT spider, status, arguments FROM crawl_runs")
    assert runs[0][:2] == ("front", "finished")
    assert '"days": ["2026-04-04"]' in runs[0][2] and '"top": 3' in runs[0][2]


def test_front_reports_threads_it_could_not_store(site, db_path):
    site.routes.add("/news", HTML / "front" / "news_2026-06-01.html")
    result = crawl(site, db_path, "--front", "--top", "2")
    assert result.returncode == 1
    assert "Error: 2 thread(s) not stored: " in result.stderr
    assert "48345840" in result.stderr and "48343683" in result.stderr
    assert query(db_path, "SELECT DISTINCT source FROM front_pages") == [("news",)]
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]


def test_scrapy_crawl_command_works_too(site, db_path):
    site.routes.add("/item?id=48350598", ITEM / "item_48350598.html")
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "thread", "-a", "ids=48350598",
         "-s", f"HN_BASE_URL={site.url}", "-s", f"MATOME_DB_URL=sqlite:///{db_path}",
         "-s", "HN_CRAWL_DELAY=0"],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert query(db_path, "SELECT count(*) FROM comments WHERE story_id = 48350598") == [(124,)]


def test_thread_follows_more_pages(site, db_path):
    raw = (ITEM / "item_48350598.html").read_text()
    first, second, third = split_thread(raw, 48350598, [49, 101])
    site.routes.add("/item?id=48350598", first.encode())
    site.routes.add("/item?id=48350598&p=2", second.encode())
    site.routes.add("/item?id=48350598&p=3", third.encode())

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 0, result.stderr
    rows = query(
        db_path,
        "SELECT id, parent_id, depth, position FROM comments WHERE story_id = 48350598 "
        "ORDER BY position",
    )
    assert len(rows) == 124
    assert [r[3] for r in rows] == list(range(124))
    # Page 2 starts inside a subtree: its first reply's parent is on page 1.
    assert rows[49] == (48351777, 48351509, 2, 49)
    assert 48351509 in [r[0] for r in rows[:49]]


def test_missing_page_stores_nothing_of_the_thread(site, db_path):
    raw = (ITEM / "item_48350598.html").read_text()
    first, _second = split_thread(raw, 48350598, [60])
    site.routes.add("/item?id=48350598", first.encode())  # page 2 is a 404

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 1
    assert "thread 48350598 not stored (nothing partial is kept)" in result.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM stories WHERE last_crawled_at IS NOT NULL") == [
        (0,)
    ]


def test_recrawl_adds_new_comments_and_loses_nothing(site, db_path):
    site.routes.add(
        "/item?id=47536761",
        ITEM / "item_47536761_earlier_snapshot.html",
        ITEM / "item_47536761.html",
        ITEM / "item_47536761_earlier_snapshot.html",
    )
    first = crawl(site, db_path, "--thread", "47536761")
    assert first.returncode == 0, first.stderr
    assert "33 comments (33 new)" in first.stdout
    assert query(db_path, "SELECT score, comment_count FROM stories") == [(87, 33)]
    before = dict(query(db_path, "SELECT id, first_seen_at FROM comments"))

    second = crawl(site, db_path, "--thread", "47536761")
    assert second.returncode == 0, second.stderr
    assert "42 comments (9 new)" in second.stdout
    assert query(db_path, "SELECT score, comment_count FROM stories") == [(108, 42)]
    assert query(db_path, "SELECT count(*), sum(dead), sum(flagged) FROM comments") == [(42, 6, 1)]
    after = dict(query(db_path, "SELECT id, first_seen_at FROM comments"))
    assert all(after[i] == seen for i, seen in before.items())  # first_seen_at kept
    assert query(db_path, "SELECT id, position FROM comments WHERE position = 0") == [(47537374, 0)]

    # The earlier page again: the 9 newer comments are marked missing, not deleted.
    third = crawl(site, db_path, "--thread", "47536761")
    assert third.returncode == 0, third.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(42,)]
    assert query(db_path, "SELECT count(*) FROM comments WHERE missing_since IS NOT NULL") == [(9,)]


@pytest.mark.slow
def test_rate_limit_page_is_retried_and_never_stored(site, db_path, short_backoff):
    site.routes.add("/item?id=48350598", SORRY, SORRY, ITEM / "item_48350598.html")

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 0, result.stderr
    assert site.routes.hits["/item?id=48350598"] == 3
    assert query(db_path, "SELECT count(*) FROM comments") == [(124,)]
    stats = query(db_path, "SELECT stats FROM crawl_runs")[0][0]
    assert '"matome/rate_limit_page": 2' in stats
    assert '"matome/threads_stored": 1' in stats


def test_truncated_page_is_never_stored_as_complete(site, db_path):
    body = (ITEM / "item_48350598.html").read_bytes()
    site.routes.add("/item?id=48350598", body[: len(body) // 2])

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 1
    assert "truncated" in result.stderr
    assert "thread 48350598 not stored" in result.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]


def test_cut_connection_is_retried(site, db_path):
    body = (ITEM / "item_48350598.html").read_bytes()
    site.routes.add("/item?id=48350598", Answer(body, cut_after=5000), body)

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 0, result.stderr
    assert site.routes.hits["/item?id=48350598"] == 2
    assert query(db_path, "SELECT count(*) FROM comments") == [(124,)]


def test_robots_txt_is_obeyed(site, db_path):
    site.routes.add("/robots.txt", b"User-Agent: *\nDisallow: /item?\n")
    site.routes.add("/item?id=48350598", ITEM / "item_48350598.html")

    result = crawl(site, db_path, "--thread", "48350598")

    assert result.returncode == 1
    assert site.routes.hits["/item?id=48350598"] == 0
    assert "Forbidden by robots.txt" in result.stderr


def test_bad_arguments_fail_before_any_request(site, db_path):
    result = crawl(site, db_path, "--day", "2026-13-01")
    assert result.returncode == 2
    assert "Invalid value for '--day'" in result.stderr
    result = crawl(site, db_path, "--front", "--thread", "1")
    assert result.returncode == 2
    assert sum(site.routes.hits.values()) == 0


@pytest.mark.slow
def test_crawl_delay_spaces_hn_requests(site, db_path):
    for story_id in (48350598, 47536761, 126809):
        site.routes.add(f"/item?id={story_id}", b"No such item.")
    result = run_matome(
        "crawl", "--thread", "48350598", "47536761", "126809", "--delay", "0.4",
        "--base-url", site.url, "--db", str(db_path),
    )  # fmt: skip
    assert result.returncode == 1  # "No such item." is an error, not an empty thread
    assert "No such item." in result.stderr
    seconds = float(re.search(r"in ([\d.]+) s", result.stdout).group(1))
    assert seconds >= 0.8  # three requests, one at a time, 0.4 s apart (and robots.txt)
