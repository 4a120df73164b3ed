"""The real crawl command, in its own process, against the demo server: what it stores."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from matome_crawl.demo.render import SiteOptions
from matome_crawl.demo.server import DemoServer, Fault
from matome_crawl.demo.synthetic import DEMO_DAY, SynthThread, World, large_thread, synthetic_day
from tests.crawl.conftest import run_matome

COLUMNS = (
    "id, parent_id, depth, position, author, text, text_html, descendants, dead, flagged, deleted"
)


def crawl(server: DemoServer, db_path, *args: str):
    return run_matome(
        "crawl", *args, "--delay", "0", "--base-url", server.url, "--db", str(db_path)
    )


def query(db_path, sql: str, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def stored_comments(db_path, story_id: int) -> list[tuple]:
    return query(
        db_path, f"SELECT {COLUMNS} FROM comments WHERE story_id = ? ORDER BY position", story_id
    )


def expected_comments(thread: SynthThread, *, showdead: bool = False) -> list[tuple]:
    return [
        (c.id, c.parent_id, c.depth, c.position, c.author, c.text, c.text_html, c.descendants,
         int(c.dead), int(c.flagged), int(c.deleted))
        for c in thread.comment_records(showdead=showdead)
    ]  # fmt: skip


def test_demo_day_crawl_stores_the_top_threads_exactly(world, day, db_path):
    with DemoServer(world) as server:
        result = crawl(server, db_path, "--day", DEMO_DAY.isoformat(), "--top", "10")
        hits = sum(server.hits.values())

    assert result.returncode == 0, result.stderr
    top = day.top_threads(10)
    assert "stored 10 thread(s), 420 comments (420 new), 30 listing rows" in result.stdout
    assert hits == 1 + 1 + 11  # robots.txt, the list page, ten threads (one of two pages)
    assert query(db_path, "SELECT count(*), min(rank), max(rank) FROM front_pages") == [(30, 1, 30)]
    listed = query(db_path, "SELECT story_id, score, comment_count FROM front_pages ORDER BY rank")
    assert listed == [
        (e.story.id, e.story.score, e.story.comment_count) for e in day.listing_entries()[:30]
    ]
    crawled = query(db_path, "SELECT id FROM stories WHERE last_crawled_at IS NOT NULL")
    assert sorted(i for (i,) in crawled) == sorted(t.story.id for t in top)
    for thread in top:
        assert stored_comments(db_path, thread.story.id) == expected_comments(thread)
    ask = next(t for t in top if t.story.kind == "ask")
    assert query(db_path, "SELECT type, text_html FROM stories WHERE id = ?", ask.story.id) == [
        ("ask", ask.story.body.parsed_html())
    ]


@pytest.mark.slow
def test_synthetic_day_crawl_rides_out_rate_limits_and_cut_connections(db_path, short_backoff):
    day = synthetic_day(date(2025, 11, 3), threads=3, comments=40, seed=5)
    faults = [
        Fault("/front*", "cut"),
        Fault("/item?id=*", "rate_limit", times=2),
        Fault(f"/item?id={day.threads[1].story.id}", "truncate"),
    ]
    with DemoServer(World([day]), faults=faults) as server:
        result = crawl(server, db_path, "--day", "2025-11-03", "--top", "3")

    assert result.returncode == 0, result.stderr
    assert "stored 3 thread(s), 120 comments (120 new), 3 listing rows" in result.stdout
    assert [f.used for f in faults] == [1, 2, 1]
    for thread in day.threads:
        assert stored_comments(db_path, thread.story.id) == expected_comments(thread)
    stats = json.loads(query(db_path, "SELECT stats FROM crawl_runs")[0][0])
    assert stats["matome/rate_limit_page"] == 2
    assert stats["matome/page_error/TruncatedPage"] == 1


def test_large_thread_crawl_follows_every_more_page(db_path):
    thread = large_thread(1200, seed=4)
    options = SiteOptions(comments_per_page=150, showdead=True)
    with DemoServer(World(threads=[thread]), options=options) as server:
        result = crawl(server, db_path, "--thread", str(thread.story.id))
        pages = [t for t in server.hits if t.startswith("/item?")]

    assert result.returncode == 0, result.stderr
    assert "stored 1 thread(s), 1200 comments (1200 new)" in result.stdout
    assert len(pages) == 8
    assert stored_comments(db_path, thread.story.id) == expected_comments(thread, showdead=True)
