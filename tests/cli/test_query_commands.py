"""``matome search/threads/show/stats/sql`` on a real archive built from fixture threads."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from db.models import Comment, Story
from db.store import store_listing, store_thread
from matome_crawl.cli import cli
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES

HTML = HN_FIXTURES / "html"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def archive(database, db_path):
    listing = parse_listing(
        "https://news.ycombinator.com/news", (HTML / "front" / "news_2026-06-01.html").read_bytes()
    )
    thread = join_pages(
        [parse_thread_page("u", (HTML / "item" / "item_48350598.html").read_bytes())]
    )
    with database.sessions.begin() as session:
        store_listing(session, listing, source="news", day=date(2026, 6, 1), captured_at=T0)
        store_thread(session, thread, T0)
        session.get(Story, 48350598).title_ja = "Chuwi Minibook X（小型ノートPC）"
        session.get(Comment, 48351450).text_ja = "中古のノートパソコンはとてもお得だ。"
        session.get(Comment, 48351877).text_ja = "このノートパソコンは10インチの画面だ。"
    return str(db_path)


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_search_english_words(archive):
    result = run("search", "keyboard", "snob", "--db", archive, "--format", "json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert [h["author"] for h in hits] == ["matthewn"]
    assert hits[0]["title"] == "Chuwi Minibook X"
    assert hits[0]["date"] == "2026-06-01"
    assert "[snob]" in hits[0]["snippet"]


def test_search_japanese_trigram_and_short_words(archive):
    hits = json.loads(run("search", "ノートパソコン", "--db", archive, "--format", "json").output)
    assert {h["id"] for h in hits} == {48351450, 48351877}
    assert hits[0]["title"] == "Chuwi Minibook X（小型ノートPC）"
    # Two characters are below the trigram size: a substring scan finds them.
    short = json.loads(run("search", "中古", "--db", archive, "--format", "json").output)
    assert [h["id"] for h in short] == [48351450]
    titles = json.loads(run("search", "小型", "--db", archive, "--format", "json").output)
    assert [(h["kind"], h["id"]) for h in titles] == [("story", 48350598)]


def test_search_filters_and_syntax_characters(archive):
    by_author = json.loads(
        run(
            "search", "laptop", "--author", "winter_blue", "--db", archive, "--format", "json"
        ).output
    )
    assert {h["author"] for h in by_author} == {"winter_blue"}
    later = json.loads(
        run("search", "laptop", "--since", "2026-06-02", "--db", archive, "--format", "json").output
    )
    assert later == []
    odd = run("search", 'C++ "quoted', "--db", archive, "--format", "json")
    assert odd.exit_code == 0 and json.loads(odd.output) == []


def test_search_csv_and_table(archive):
    out = run("search", "Dell", "--db", archive, "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and rows[0].keys() >= {"kind", "id", "title", "author", "date", "snippet"}
    table = run("search", "Dell", "--db", archive).output
    assert "winter_blue" in table


def test_threads_for_a_day(archive):
    rows = json.loads(
        run("threads", "--day", "2026-06-01", "--db", archive, "--format", "json").output
    )
    assert len(rows) == 30
    chuwi = rows[0]
    assert (chuwi["rank"], chuwi["id"], chuwi["stored"], chuwi["translated"]) == (
        1,
        48350598,
        124,
        2,
    )
    missing = run("threads", "--day", "2026-06-02", "--db", archive)
    assert missing.exit_code == 1
    assert "Error: no front page stored for 2026-06-02" in missing.output


def test_show_tree(archive):
    data = json.loads(run("show", "48350598", "--db", archive, "--format", "json").output)
    assert data["title_ja"] == "Chuwi Minibook X（小型ノートPC）"
    assert len(data["comments"]) == 124
    assert data["comments"][1]["depth"] == 1
    table = run("show", "48350598", "--db", archive).output
    assert "中古のノートパソコン" in table and "│ djfergus" in table
    absent = run("show", "1", "--db", archive)
    assert absent.exit_code == 1 and "matome crawl --thread 1" in absent.output


def test_stats(archive):
    data = json.loads(run("stats", "--db", archive, "--format", "json").output)
    assert data["days"] == 1 and data["threads"] == 1 and data["comments"] == 124
    assert data["translated_comments"] == 2
    assert data["top_authors"][0] == {"author": "drum55", "comments": 6}
    assert data["top_domains"] == [{"domain": "tylercipriani.com", "threads": 1}]
    assert "top authors" in run("stats", "--db", archive).output


def test_sql_is_read_only_and_time_limited(archive):
    ok = run("sql", "SELECT count(*) AS n FROM comments", "--db", archive, "--format", "json")
    assert json.loads(ok.output) == [{"n": 124}]
    write = run("sql", "DELETE FROM comments", "--db", archive)
    assert write.exit_code == 1
    assert "matome sql only reads" in write.output
    slow = run(
        "sql",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        "--timeout", "0.5", "--db", archive,
    )  # fmt: skip
    assert slow.exit_code == 1 and "time limit" in slow.output
    bad = run("sql", "SELEC 1", "--db", archive)
    assert bad.exit_code == 1 and bad.output.startswith("Error: ")
    assert run("sql", "SELECT count(*) AS n FROM comments", "--db", archive).exit_code == 0
