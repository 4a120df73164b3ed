"""The bulk store of new threads leaves what store_thread leaves: rows, FTS, triggers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import queries
from db.bulk import store_new_threads, unstored_threads
from db.engine import Database, connect
from db.fts import INDEXES
from db.models import ArchiveTotals, AuthorTotal, Comment, DomainTotal, Story
from db.store import store_listing, store_thread
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.pg import new_database

ITEM = HN_FIXTURES / "html" / "item"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
THREADS = (("item_48350598.html", 48350598), ("item_126809_poll.html", 126809))
WORDS = ("the", "linux", "windows", "memory", "poll", "C++", "http")


def fixture_threads():
    return [
        join_pages([parse_thread_page(f"https://news.ycombinator.com/item?id={i}", p.read_bytes())])
        for name, i in THREADS
        for p in (ITEM / name,)
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def two_archives(request, tmp_path):
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / name}.sqlite3" for name in ("slow", "bulk")]
    else:
        server = request.getfixturevalue("pg_server")
        urls = [new_database(server), new_database(server)]
    databases = [connect(url) for url in urls]
    yield databases
    for database in databases:
        database.dispose()


def rows(database: Database) -> dict[str, list[tuple]]:
    with database.sessions() as session:
        return {
            model.__tablename__: [
                tuple(row)
                for row in session.execute(
                    select(*model.__table__.columns).order_by(*model.__table__.primary_key)
                )
            ]
            for model in (Story, Comment, ArchiveTotals, AuthorTotal, DomainTotal)
        }


def found(database: Database) -> dict[str, list[int]]:
    with database.sessions() as session:
        return {w: [h.id for h in queries.search(session, w, lang="en")] for w in WORDS}


def sqlite_triggers(database: Database) -> list[tuple]:
    with database.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).all()


def assert_fts_consistent(database: Database) -> None:
    path = database.engine.url.database
    with sqlite3.connect(path) as conn:
        for index in INDEXES:  # FTS5 compares the index with its content table
            conn.execute(f"INSERT INTO {index.name}({index.name}) VALUES ('integrity-check')")


def test_bulk_store_leaves_what_store_thread_leaves(two_archives):
    slow, bulk = two_archives
    threads = fixture_threads()
    listing = parse_listing(
        "https://news.ycombinator.com/news",
        (HN_FIXTURES / "html" / "front" / "news_2026-06-01.html").read_bytes(),
    )
    for database in (slow, bulk):  # a listed story is stored before its thread
        with database.sessions.begin() as session:
            store_listing(session, listing, source="front", day=T0.date(), captured_at=T0)
    triggers = sqlite_triggers(bulk) if bulk.engine.dialect.name == "sqlite" else None

    with slow.sessions.begin() as session:
        for thread in threads:
            store_thread(session, thread, T0)
    with bulk.sessions.begin() as session:
        new = unstored_threads(session, {t.story.id: [c.id for c in t.comments] for t in threads})
        stored = store_new_threads(session, threads, T0)

    assert new == {t.story.id for t in threads}
    assert stored == sum(len(t.comments) for t in threads) > 100
    assert rows(bulk) == rows(slow)
    assert found(bulk) == found(slow)
    assert all(found(bulk)[w] for w in ("the", "linux", "windows"))
    if triggers is not None:
        assert sqlite_triggers(bulk) == triggers
        assert_fts_consistent(bulk)
        with bulk.engine.begin() as conn:  # the triggers work again: an edit is searchable
            conn.exec_driver_sql("UPDATE comments SET text = 'zeppelins' WHERE id = 48351450")
        with bulk.sessions() as session:
            assert [h.id for h in queries.search(session, "zeppelins")] == [48351450]
        assert_fts_consistent(bulk)


def test_stored_comments_are_not_new_and_a_second_insert_rolls_back(archive_url):
    database = connect(archive_url)
    thread, poll = fixture_threads()
    with database.sessions.begin() as session:
        store_thread(session, thread, T0)
    before = rows(database)
    triggers = sqlite_triggers(database) if database.engine.dialect.name == "sqlite" else None

    with database.sessions.begin() as session:
        moved = [c.id for c in thread.comments][:1]  # a stored comment listed under the poll
        new = unstored_threads(
            session,
            {thread.story.id: [], poll.story.id: moved, 1: [], 2: [999_999_999]},
        )
    with pytest.raises(IntegrityError), database.sessions.begin() as session:
        store_new_threads(session, [poll, thread], T0)

    assert new == {1, 2}
    assert rows(database) == before
    if triggers is not None:
        assert sqlite_triggers(database) == triggers
        assert_fts_consistent(database)
    database.dispose()
