"""The pipeline and the query commands on both backends: a SQLite file and a real PostgreSQL.

``archive_url`` (tests/conftest.py) runs each test once per backend; the
PostgreSQL cluster is the session's (tests/pg.py).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from db import queries
from db.engine import Database, connect
from db.models import Comment, Story
from tests.pg import new_database

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# (id, title, title_ja)
STORIES = [
    (1, "Category theory for programmers", "プログラマのための圏論"),
    (2, "The cat is out of the bag", "猫が袋から出た"),
]
# (id, story_id, text, text_ja)
COMMENTS = [
    (11, 2, "I love my cat.", "私は猫が大好きです。"),
    (12, 2, "Cats and dogs; a cat, another cat: cat!", "猫と犬、猫、また猫。"),
    (13, 1, "This category is concatenated with a catalog.", "このカテゴリは連結されています。"),
    (14, 1, "Rust's borrow checker vs. C++ templates", "Rustの借用チェッカーとC++のテンプレート"),
    (15, 1, "The borrow-checker is strict; checking borrows takes time.",
     "借用チェッカーは厳格で、時間がかかる。"),
    (16, 1, "Machine learning at scale, machine learning everywhere.",
     "機械学習を大規模に、どこでも機械学習。"),
    (17, 1, "A learning machine is not a machine that learns from a long list of examples "
     "by itself, it is more.", "学習する機械は機械学習とは違う長い長い話です。"),
    (18, 2, "My neighbour's cat sleeps all day long on the warm roof of the old garage next "
     "door and never moves.", "隣の猫は一日中古いガレージの暖かい屋根の上で寝ていて動かない。"),
]  # fmt: skip

# Query → the hits (kind initial, id) as SQLite's FTS5 finds them, best first per kind.
SHARED_QUERIES = {
    # One word that is only a substring of others ("category", "concatenated", "catalog").
    "cat": [("c", 12), ("c", 11), ("c", 18), ("s", 2)],
    "machine learning": [("c", 16), ("c", 17)],  # two words, in any order
    "borrow checker": [("c", 14), ("c", 15)],
    "borrow-checker": [("c", 14), ("c", 15)],  # punctuation separates words
    "C++": [("c", 14)],
    "learns": [("c", 17)],  # a whole word only: not "learning"
    "catalog": [("c", 13)],
    "猫": [("c", 11), ("c", 12), ("c", 18), ("s", 2)],  # under three characters: a scan
    "機械学習": [("c", 16), ("c", 17)],  # Japanese substrings (trigram index)
    "チェッカー": [("c", 15), ("c", 14)],
    "借用 テンプレート": [("c", 14)],
}


def fill(url: str) -> Database:
    database = connect(url)
    with database.sessions.begin() as session:
        for story_id, title, title_ja in STORIES:
            session.add(
                Story(id=story_id, type="story", title=title, title_ja=title_ja, first_seen_at=T0)
            )
        session.flush()
        for position, (comment_id, story_id, body, body_ja) in enumerate(COMMENTS):
            session.add(
                Comment(
                    id=comment_id, story_id=story_id, parent_id=story_id, depth=0,
                    position=position, author="u", text=body, text_ja=body_ja,
                    content_hash=str(comment_id), first_seen_at=T0, last_seen_at=T0,
                )
            )  # fmt: skip
    return database


def hits(database: Database, query: str) -> list[tuple[str, int]]:
    with database.sessions() as session:
        return [(h.kind[0], h.id) for h in queries.search(session, query)]


def by_kind(found: list[tuple[str, int]]) -> dict[str, list[int]]:
    return {kind: [i for k, i in found if k == kind] for kind in ("c", "s")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def searchable(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The corpus on each backend, filled once for the module's read-only tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'matome.sqlite3'}"
    else:
        url = new_database(request.getfixturevalue("pg_server"))
    database = fill(url)
    yield database
    database.dispose()


@pytest.mark.parametrize("query", SHARED_QUERIES)
def test_search_means_the_same_on_both_backends(searchable, query):
    """Same hits, same order within comments and within titles on SQLite and PostgreSQL.

    How comment and title hits interleave is left out: SQLite's bm25 weighs each
    FTS table by its own statistics (a title table of two rows scores ~0). Japanese
    words under three characters are a plain scan on SQLite, unranked: a set there.
    """
    expected, found = SHARED_QUERIES[query], hits(searchable, query)
    assert sorted(found) == sorted(expected)
    if query == "猫":
        return
    assert by_kind(found) == by_kind(expected)


def test_postgresql_search_uses_the_gin_indexes(pg_url):
    database = fill(pg_url)
    statements: list[tuple[str, object]] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    assert hits(database, "borrow checker") == [("c", 14), ("c", 15)]
    assert hits(database, "機械学習") == [("c", 16), ("c", 17)]
    event.remove(database.engine, "before_cursor_execute", _seen)
    searches = [(s, p) for s, p in statements if "FROM comments" in s or "FROM stories" in s]
    plans = []
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # four rows: a scan would win
        for statement, parameters in searches:
            rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            plans.append("\n".join(r[0] for r in rows))
    database.dispose()
    used = {name for plan in plans for name in re.findall(r"Index Scan on (\w+)", plan)}
    assert used == {
        "ix_comments_text_words",
        "ix_stories_title_words",
        "ix_comments_text_ja_trgm",
        "ix_stories_title_ja_trgm",
    }, plans


def test_migration_0007_leaves_sqlite_alone(tmp_path):
    database = connect(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with database.engine.connect() as conn:
        names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    database.dispose()
    assert not any(n.endswith(("_words", "_trgm")) for n in names)


def test_search_cli_on_both_backends(searchable):
    from tests.crawl.conftest import run_matome

    url = searchable.engine.url.render_as_string(hide_password=False)
    result = run_matome("search", "cat", "--db", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["kind"][0], r["id"]) for r in rows if r["kind"] == "comment"] == [
        ("c", 12), ("c", 11), ("c", 18),
    ]  # fmt: skip
    assert "[cat]" in rows[0]["snippet"]
