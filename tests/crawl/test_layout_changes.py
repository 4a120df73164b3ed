"""A changed HN layout, crawled for real: refused with a reason, nothing lost, retried once fixed.

Real fixture pages are mutated in memory (never copied) and served on 127.0.0.1.
"""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import HN_FIXTURES
from tests.crawl.conftest import re_id, run_matome
from tests.crawl.firebase_data import api_answers
from tests.hn.paging import split_thread

HTML = HN_FIXTURES / "html"
ITEM = HTML / "item"
FRONT = HTML / "front" / "front_2026-04-04.html"
THREAD = ITEM / "item_48350598.html"
DAY = "2026-04-04"
SORRY = "Sorry, we're not able to serve your requests this quickly."


def query(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def crawl_thread(site, db_path, story_id=48350598, *extra):
    return run_matome(
        "crawl", "--thread", str(story_id), "--delay", "0", "--base-url", site.url,
        "--db", str(db_path), *extra,
    )  # fmt: skip


def backfill(site, db_path):
    return run_matome(
        "backfill", "--from", DAY, "--to", DAY, "--top", "1", "--delay", "0",
        "--base-url", site.url, "--db", str(db_path), "--no-translate",
    )  # fmt: skip


def mutated(path, old: bytes, new: bytes) -> bytes:
    body = path.read_bytes()
    assert old in body
    return body.replace(old, new)


def test_renamed_comment_rows_fail_the_thread_and_keep_what_was_stored(site, db_path):
    site.routes.add("/item?id=48350598", THREAD, mutated(THREAD, b"comtr", b"comment-row"))
    assert crawl_thread(site, db_path).returncode == 0
    stored = query(db_path, "SELECT count(*) FROM comments WHERE missing_since IS NULL")
    assert stored == [(124,)]

    again = crawl_thread(site, db_path)  # the same thread, now in a changed layout
    assert again.returncode == 1
    assert "does not look like HN's layout" in again.stderr
    assert "Traceback" not in again.stderr
    # Nothing marked vanished, nothing overwritten.
    assert query(db_path, "SELECT count(*) FROM comments WHERE missing_since IS NULL") == stored
    [(reason,)] = query(db_path, "SELECT reason FROM crawl_failures")
    assert "layout" in reason


def test_renamed_comment_text_is_refused_not_stored_empty(site, db_path):
    site.routes.add("/item?id=48350598", mutated(THREAD, b"commtext", b"comment-text"))
    result = crawl_thread(site, db_path)
    assert result.returncode == 1
    assert "does not look like HN's layout" in result.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]


def test_a_more_link_that_loops_fails_the_thread(site, db_path):
    first, _ = split_thread(THREAD.read_text(), 48350598, [60])
    site.routes.add("/item?id=48350598", first.encode())
    site.routes.add("/item?id=48350598&p=2", first.encode())  # "More" leads back to page 1
    result = crawl_thread(site, db_path)
    assert result.returncode == 1
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]
    [(reason,)] = query(db_path, "SELECT reason FROM crawl_failures")
    assert reason


def test_the_rate_limit_sentence_inside_a_comment_is_just_text(site, db_path):
    page = mutated(THREAD, b"for the used price.", f"for the used price. {SORRY}".encode())
    site.routes.add("/item?id=48350598", page)
    result = crawl_thread(site, db_path)
    assert result.returncode == 0, result.stderr
    assert site.routes.hits["/item?id=48350598"] == 1  # no retry, no backoff
    assert (
        query(db_path, "SELECT count(*) FROM comments WHERE text LIKE ?", f"%{SORRY}%")[0][0] >= 1
    )


def test_a_mis_parsed_front_page_fails_its_day_and_the_fixed_layout_completes_it(site, db_path):
    broken = FRONT.read_bytes().replace(b"hnuser", b"user-link").replace(b'class="score"', b"")
    site.routes.add(f"/front?day={DAY}", broken, FRONT.read_bytes())
    site.routes.add("/item?id=47633396", re_id(THREAD, 48350598, 47633396))

    first = backfill(site, db_path)
    assert first.returncode == 1
    assert f"{DAY}: failed: front page not stored:" in first.stderr
    assert "layout" in first.stderr
    assert query(db_path, "SELECT count(*) FROM front_pages") == [(0,)]

    fixed = backfill(site, db_path)  # the next run fetches the listing again
    assert fixed.returncode == 0, fixed.stderr
    assert "1/1 day(s) done: 1 threads, 124 comments" in fixed.stdout
    assert site.routes.hits[f"/front?day={DAY}"] == 2


def api_thread(site, story_id: int, chain: int, *, cycle: bool = False) -> None:
    """A story with one chain of ``chain`` nested replies; ``cycle`` points the last back up."""
    ids = [story_id + n for n in range(1, chain + 1)]
    site.routes.add(
        f"/v0/item/{story_id}.json",
        json.dumps({"id": story_id, "type": "story", "by": "pg", "time": 1_700_000_000,
                    "title": "Deep", "score": 5, "descendants": chain, "kids": ids[:1]}).encode(),
    )  # fmt: skip
    for n, item_id in enumerate(ids):
        kids = ids[n + 1 : n + 2] or ([ids[0]] if cycle else [])
        parent = ids[n - 1] if n else story_id
        item = {"id": item_id, "type": "comment", "by": "a", "time": 1_700_000_001,
                "parent": parent, "text": f"reply {n}", "kids": kids}  # fmt: skip
        site.routes.add(f"/v0/item/{item_id}.json", json.dumps(item).encode())


def test_an_api_thread_deeper_than_the_recursion_limit_is_stored_whole(site, db_path):
    """1,100 levels (past Python's 1,000-frame default) through the spider; the parser
    tests take 2,000 levels without HTTP, since a chain is one request after another."""
    api_thread(site, 5000, 1100)
    result = crawl_thread(site, db_path, 5000, "--source", "api", "--api-url", site.url + "/v0")
    assert result.returncode == 0, result.stderr
    assert query(db_path, "SELECT count(*), max(depth) FROM comments") == [(1100, 1099)]


def test_an_api_reply_cycle_fails_the_thread(site, db_path):
    api_thread(site, 7000, 5, cycle=True)
    result = crawl_thread(site, db_path, 7000, "--source", "api", "--api-url", site.url + "/v0")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(0,)]
    [(reason,)] = query(db_path, "SELECT reason FROM crawl_failures")
    assert "cycle" in reason


def test_api_answers_of_a_fixture_thread_still_store(site, db_path):
    """The guard rails refuse nothing real: a fixture thread through the API."""
    from matome_crawl.hn.thread import join_pages, parse_thread_page

    thread = join_pages([parse_thread_page("https://news.ycombinator.com/item?id=48350598",
                                           THREAD.read_bytes())])  # fmt: skip
    for path, body in api_answers(thread).items():
        site.routes.add(path, body)
    result = crawl_thread(site, db_path, 48350598, "--source", "api", "--api-url", site.url + "/v0")
    assert result.returncode == 0, result.stderr
    assert query(db_path, "SELECT count(*) FROM comments") == [(124,)]
