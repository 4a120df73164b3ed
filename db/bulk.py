"""Bulk store of whole threads the archive holds nothing of yet (``matome import``).

:func:`db.store.store_thread` upserts a thread through SQLAlchemy, compares it
with what is stored to count edits and mark vanished comments, and SQLite's
triggers index each comment in the FTS tables one row at a time. For a thread
with no comment stored none of that can find anything, so here its comments
are one ``INSERT`` ``executemany`` of ready rows on the driver's cursor, and on
SQLite the insert triggers of ``comments`` (FTS indexes, archive totals) are
dropped for that statement and their work done for all the rows at once after
it. Rows, FTS content and totals are the same as :func:`~db.store.store_thread`
leaves them (tests compare the two).

The caller owns the transaction, as everywhere in ``db/``: the triggers are
dropped and created again inside it, so a kill at any point leaves them (and
the FTS tables) as they were before the transaction began.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, Engine, Integer, any_, bindparam, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db import fts
from db.models import Comment
from db.store import comment_row, upsert_stories
from db.types import sqlite_timestamp
from matome_crawl.hn.model import Thread

# The columns of store.comment_row, and text_ja_stale (its default, which INSERT leaves).
COMMENT_COLUMNS = (
    "id", "story_id", "parent_id", "depth", "position", "author", "created_at", "text_html",
    "text", "descendants", "dead", "flagged", "deleted", "content_hash", "first_seen_at",
    "last_seen_at", "missing_since", "text_ja_stale",
)  # fmt: skip
_ID_CHUNK = 500
# Migration 0009's trigger that counts each new comment in archive_totals and author_totals.
TOTALS_TRIGGER = "comments_totals_ai"


def unstored_threads(session: Session, threads: Mapping[int, Iterable[int]]) -> set[int]:
    """Those of ``threads`` (story id → the ids of its items) that the archive holds no
    comment of: none stored under the story, and none of its item ids stored anywhere.
    """
    story_ids = list(threads)
    with_comments: set[int] = set()
    for chunk in _chunks(story_ids):
        with_comments.update(
            session.scalars(
                select(Comment.story_id).where(_among(session, Comment.story_id, chunk)).distinct()
            )
        )
    owner = {item_id: story_id for story_id, ids in threads.items() for item_id in ids}
    for chunk in _chunks(list(owner)):
        stored = session.scalars(select(Comment.id).where(_among(session, Comment.id, chunk)))
        with_comments.update(owner[item_id] for item_id in stored)
    return set(story_ids) - with_comments


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _ID_CHUNK):
        yield ids[start : start + _ID_CHUNK]


def _among(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids``; one array parameter on PostgreSQL (500 parameters cost more to send
    and parse there than the look-up itself)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def store_new_threads(session: Session, threads: Sequence[Thread], crawled_at: datetime) -> int:
    """Store threads that :func:`unstored_threads` found new; returns the comments stored.

    Stories are upserted as :func:`~db.store.store_thread` upserts them; a
    comment that is stored after all fails the ``INSERT`` (an ``IntegrityError``:
    roll the transaction back) rather than be written twice.
    """
    if not threads:
        return 0
    upsert_stories(session, [t.story for t in threads], crawled_at, crawled_at=crawled_at)
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    # Raw driver SQL skips SQLAlchemy's type processing: SQLite's timestamps are made here.
    seen = sqlite_timestamp(crawled_at) if sqlite else crawled_at
    rows = []
    for thread in threads:
        for c in thread.comments:
            row = comment_row(thread.story.id, c, seen)
            if sqlite and c.created_at is not None:
                row["created_at"] = sqlite_timestamp(c.created_at)
            row["text_ja_stale"] = False
            rows.append(tuple(row[name] for name in COMMENT_COLUMNS))
    if not rows:
        return 0
    if connection.dialect.driver == "psycopg":  # PostgreSQL: COPY, the server's bulk load
        driver: Any = connection.connection.driver_connection
        statement = f"COPY comments ({', '.join(COMMENT_COLUMNS)}) FROM STDIN"
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except dbapi_error as exc:  # as SQLAlchemy raises it (IntegrityError…)
            raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
        return len(rows)
    if not sqlite:
        connection.execute(
            insert(Comment.__table__), [dict(zip(COMMENT_COLUMNS, r, strict=True)) for r in rows]
        )
        return len(rows)
    statement = (
        f"INSERT INTO comments ({', '.join(COMMENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in COMMENT_COLUMNS)})"
    )
    with _insert_triggers_off(connection, "comments") as dropped:
        connection.exec_driver_sql(statement, rows)
        # What each dropped trigger would have done, for all the rows at once.
        for index in fts.INDEXES:  # text_ja is not written: nothing for its index
            if f"{index.name}_ai" in dropped and index.column in COMMENT_COLUMNS:
                at = COMMENT_COLUMNS.index(index.column)
                connection.exec_driver_sql(
                    f"INSERT INTO {index.name}(rowid, {index.column}) VALUES (?, ?)",
                    [(r[0], r[at]) for r in rows if r[at] is not None],
                )
        if TOTALS_TRIGGER in dropped:
            _add_totals(connection, rows)
    return len(rows)


def _add_totals(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Migration 0009's insert trigger on ``comments``, for new rows without ``text_ja``."""
    text, author = COMMENT_COLUMNS.index("text"), COMMENT_COLUMNS.index("author")
    connection.exec_driver_sql(
        "UPDATE archive_totals SET comments = comments + ?,"
        " comments_with_text = comments_with_text + ? WHERE id = 1",
        (len(rows), sum(1 for r in rows if r[text] is not None)),
    )
    authors = Counter(r[author] for r in rows if r[author] is not None)
    connection.exec_driver_sql(
        "INSERT INTO author_totals (author, comments) VALUES (?, ?)"
        " ON CONFLICT (author) DO UPDATE SET comments = comments + excluded.comments",
        list(authors.items()),
    )


@contextmanager
def _insert_triggers_off(connection: Connection, table: str) -> Iterator[set[str]]:
    """Drop ``table``'s insert triggers that the bulk store does itself (the FTS indexes',
    the totals') for the block, and create them again after it from their stored SQL, both
    inside the caller's transaction. Yields the names of those that existed.
    """
    names = {f"{index.name}_ai" for index in fts.INDEXES if index.table == table}
    names.add(TOTALS_TRIGGER)
    triggers: list[tuple[str, str]] = [
        (name, sql)
        for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            (table,),
        )
        if name in names
    ]
    driver: Any = connection.connection.driver_connection
    if not driver.in_transaction:  # pysqlite begins only at the first write: DDL alone would
        raise RuntimeError("bulk store outside a transaction: its DDL would commit at once")
    for name, _ in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    yield {name for name, _ in triggers}
    for _, sql in triggers:
        connection.exec_driver_sql(sql)


def refresh_statistics(engine: Engine) -> None:
    """After a bulk load, bring PostgreSQL's planner statistics up to date (``ANALYZE``):
    autovacuum does it in a while, and until then the planner takes the tables for nearly
    empty (a search then joins by scanning). SQLite keeps none unless asked: nothing to do.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE stories, comments, front_pages, author_totals")
