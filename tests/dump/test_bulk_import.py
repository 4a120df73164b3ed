"""New threads take the bulk store: searchable at once, and a kill -9 inside it loses nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3

from sqlalchemy import event

from db import queries
from db.engine import connect
from db.fts import INDEXES
from matome_crawl.dump import import_dump
from matome_crawl.dump.synthetic import write_synthetic_dump
from tests.dump.dumps import fixture_items, write_parquet
from tests.dump.test_import import archive, imported

FORK = multiprocessing.get_context("fork")


def triggers(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()


def assert_fts_consistent(db) -> None:
    with sqlite3.connect(db) as conn:
        for index in INDEXES:  # FTS5 compares the index with its content table
            conn.execute(f"INSERT INTO {index.name}({index.name}) VALUES ('integrity-check')")


def search(db, words: str) -> list[int]:
    database = connect(f"sqlite:///{db}", read_only=True)
    try:
        with database.sessions() as session:
            return [h.id for h in queries.search(session, words, lang="en")]
    finally:
        database.dispose()


def test_imported_comments_are_found_by_full_text_search(tmp_path, db_path):
    items = fixture_items()
    reply = next(i for i in items if i.get("top_level_parent") and i.get("text"))
    reply["text"] = "A dirigible&#x27;s <i>zeppelin</i> hangar.<p>Airships again."
    result = imported(db_path, write_parquet(tmp_path / "hn.parquet", items))

    assert result.threads_stored == 5
    assert search(db_path, "zeppelin hangar") == [reply["id"]]
    assert search(db_path, "airships") == [reply["id"]]
    assert_fts_consistent(db_path)


def _import_and_die(db, dump) -> None:  # type: ignore[no-untyped-def]
    """Import, and SIGKILL this process inside the second bulk insert: triggers dropped,
    comments inserted, FTS half filled, nothing committed."""
    database = connect(f"sqlite:///{db}")
    bulk_inserts = 0

    @event.listens_for(database.engine, "after_cursor_execute")
    def die(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        nonlocal bulk_inserts
        if statement.startswith("INSERT INTO comments_fts("):
            bulk_inserts += 1
            if bulk_inserts == 2:
                os.kill(os.getpid(), signal.SIGKILL)

    import_dump(database, [dump], batch_comments=1)
    os._exit(0)  # not reached


def test_a_kill_9_inside_the_bulk_store_leaves_a_consistent_archive_that_resumes(tmp_path, db_path):
    dump = tmp_path / "hn.parquet"
    write_synthetic_dump(dump, days=1, stories=3, comments=20)
    clean = imported(tmp_path / "clean.sqlite3", dump)
    connect(f"sqlite:///{db_path}").dispose()  # the schema, as the child will find it
    expected_triggers = triggers(db_path)

    child = FORK.Process(target=_import_and_die, args=(db_path, dump))
    child.start()
    child.join(60)

    assert child.exitcode == -signal.SIGKILL
    assert triggers(db_path) == expected_triggers
    assert_fts_consistent(db_path)
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM stories WHERE last_crawled_at IS NOT NULL")
        assert stored.fetchone()[0] == 1  # the first bulk batch committed, the second did not

    resumed = imported(db_path, dump)

    assert (resumed.threads_skipped, resumed.threads_stored) == (1, 2)
    assert resumed.threads_stored + resumed.threads_skipped == clean.threads_stored
    assert archive(db_path) == archive(tmp_path / "clean.sqlite3")
    assert_fts_consistent(db_path)
    assert search(db_path, "compiler") == search(tmp_path / "clean.sqlite3", "compiler") != []
