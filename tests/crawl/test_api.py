"""The official-API source: fixtures, derived answers, and the same tree as the HTML source."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from matome_crawl.hn.errors import TruncatedPage
from matome_crawl.hn.firebase import build_thread, parse_item, story_from_item
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.crawl.conftest import run_matome
from tests.crawl.firebase_data import api_answers

FIREBASE = HN_FIXTURES / "api" / "firebase"
ITEM = HN_FIXTURES / "html" / "item"


def load(name):
    return parse_item(name, (FIREBASE / name).read_bytes())


def html_thread(name="item_48350598.html", story_id=48350598):
    url = f"https://news.ycombinator.com/item?id={story_id}"
    return join_pages([parse_thread_page(url, (ITEM / name).read_bytes())])


def test_firebase_fixture_items():
    dropbox = story_from_item(load("item_8863_story.json"))
    assert (dropbox.type, dropbox.author, dropbox.score, dropbox.comment_count) == (
        "story",
        "dhouston",
        104,
        71,
    )
    assert dropbox.domain == "getdropbox.com"
    assert dropbox.created_at.isoformat() == "2007-04-04T19:16:40+00:00"
    ask = story_from_item(load("item_121003_ask.json"))
    assert ask.type == "ask" and ask.url is None
    assert ask.text_html.startswith("<i>or</i> HN: the Next Iteration<p>I get the impression")
    job = story_from_item(load("item_192327_job.json"))
    assert (job.type, job.url, job.comment_count) == ("job", None, None)
    assert "<pre><code>    * Contribute" in job.text_html
    poll = load("item_126809_poll.json")
    assert story_from_item(poll).type == "poll"
    assert poll.parts == (126810, 126811, 126812)
    comment = load("item_2921983_comment.json")
    assert (comment.by, comment.parent, len(comment.kids)) == ("norvig", 2921506, 7)
    with pytest.raises(ValueError, match="not a story"):
        story_from_item(comment)


def test_null_and_truncated_answers():
    assert parse_item("u", b"null") is None
    with pytest.raises(TruncatedPage):
        parse_item("u", b'{"by": "pg", "id": 1, "ki')


def test_api_tree_equals_html_tree():
    thread = html_thread()
    items = {
        parsed.id: parsed
        for path, body in api_answers(thread).items()
        if (parsed := parse_item(path, body))
    }
    from_api = build_thread(48350598, items)
    assert from_api.comments == thread.comments


def test_deleted_comment_without_replies_is_left_out():
    thread = html_thread()
    items = {p.id: p for path, body in api_answers(thread).items() if (p := parse_item(path, body))}
    leaf = thread.comments[-1]  # AnonyMD, no replies
    items[leaf.id] = replace(items[leaf.id], deleted=True, by=None, text=None)
    from_api = build_thread(48350598, items)
    assert leaf.id not in {c.id for c in from_api.comments}
    assert len(from_api.comments) == 123
    parent = next(c for c in from_api.comments if c.id == leaf.parent_id)
    assert parent.descendants == 0


def rows(db_path):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT id, story_id, parent_id, depth, position, author, created_at, text_html, "
            "text, descendants, dead FROM comments ORDER BY position"
        ).fetchall()


def test_api_source_stores_the_same_tree_as_html_source(site, tmp_path):
    thread = html_thread()
    site.routes.add("/item?id=48350598", ITEM / "item_48350598.html")
    for path, body in api_answers(thread).items():
        site.routes.add(path, body)
    html_db, api_db = tmp_path / "html.sqlite3", tmp_path / "api.sqlite3"
    common = ["--delay", "0", "--base-url", site.url]

    by_html = run_matome("crawl", "--thread", "48350598", *common, "--db", str(html_db))
    by_api = run_matome(
        "crawl", "--thread", "48350598", "--source", "api", "--api-url", f"{site.url}/v0",
        *common, "--db", str(api_db),
    )  # fmt: skip

    assert by_html.returncode == 0, by_html.stderr
    assert by_api.returncode == 0, by_api.stderr
    assert len(rows(api_db)) == 124
    assert rows(api_db) == rows(html_db)
    assert site.routes.hits["/item?id=48350598"] == 1  # only the HTML crawl read the site
    assert sum(h for p, h in site.routes.hits.items() if p.startswith("/v0/")) == 125


def test_api_day_lists_from_the_site_and_fetches_threads_from_the_api(site, db_path):
    site.routes.add(
        "/front?day=2026-04-04", HN_FIXTURES / "html" / "front" / "front_2026-04-04.html"
    )
    for story_id, name, old_id in [
        (47633396, "item_48350598.html", 48350598),
        (47640728, "item_47536761.html", 47536761),
    ]:
        for path, body in api_answers(html_thread(name, old_id), story_id).items():
            site.routes.add(path, body)

    result = run_matome(
        "crawl", "--day", "2026-04-04", "--top", "2", "--source", "api",
        "--api-url", f"{site.url}/v0", "--delay", "0", "--base-url", site.url,
        "--db", str(db_path),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "stored 2 thread(s), 166 comments" in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM front_pages").fetchone() == (30,)
        counts = conn.execute(
            "SELECT story_id, count(*) FROM comments GROUP BY story_id ORDER BY story_id"
        ).fetchall()
    assert counts == [(47633396, 124), (47640728, 42)]


def test_api_failure_stores_nothing_of_the_thread(site, db_path):
    answers = api_answers(html_thread())
    missing = "/v0/item/48351877.json"
    for path, body in answers.items():
        if path != missing:
            site.routes.add(path, body)  # one comment answers 404

    result = run_matome(
        "crawl", "--thread", "48350598", "--source", "api", "--api-url", f"{site.url}/v0",
        "--delay", "0", "--base-url", site.url, "--db", str(db_path),
    )  # fmt: skip

    assert result.returncode == 1
    assert "thread 48350598 not stored" in result.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (0,)


def test_callbacks_source_is_inspected_once_not_per_response(site, db_path, monkeypatch):
    """Scrapy parses a generator callback's source to warn about ``return value`` and
    caches the answer weakly per bound method: a fresh bound method per request missed
    the cache, and the API spider re-parsed ``parse_item`` for every item (a quarter of
    its CPU on a long thread)."""
    import scrapy.utils.misc

    parsed = []
    walk = scrapy.utils.misc.walk_callable
    monkeypatch.setattr(scrapy.utils.misc, "walk_callable", lambda n: parsed.append(n) or walk(n))
    thread = html_thread()
    for path, body in api_answers(thread).items():
        site.routes.add(path, body)
    result = run_matome(
        "crawl", "--thread", "48350598", "--delay", "0", "--source", "api",
        "--base-url", site.url, "--api-url", site.url + "/v0", "--db", str(db_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sum(site.routes.hits.values()) > 100
    assert len(parsed) <= 2  # once per callback, not once per response
