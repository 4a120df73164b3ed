"""Full-text indexes: found by sqlite-utils and Datasette, kept by upgrades, in step with db/fts."""

from __future__ import annotations

import asyncio
import sqlite3

import sqlite_utils
from datasette.app import Datasette

from db import queries
from db.engine import connect, make_engine, upgrade
from db.fts import INDEXES
from tests.db.conftest import fill


def test_sqlite_utils_detects_the_full_text_indexes(archive):
    db = sqlite_utils.Database(archive)
    assert db["comments"].detect_fts() == "comments_fts"
    assert db["stories"].detect_fts() == "stories_fts"
    assert [r["id"] for r in db["comments"].search("zeppelin")] == [11]
    db.close()


def test_datasette_search_uses_the_index(archive):
    async def search(table: str, words: str) -> list[dict]:
        datasette = Datasette([str(archive)], immutables=[])
        await datasette.invoke_startup()
        response = await datasette.client.get(
            f"/{archive.stem}/{table}.json?_search={words}&_shape=array"
        )
        assert response.status_code == 200, response.text
        return response.json()

    assert [r["id"] for r in asyncio.run(search("comments", "zeppelin"))] == [11]
    assert [r["id"] for r in asyncio.run(search("stories", "airships"))] == [1]
    assert asyncio.run(search("comments", "nothinglikethis")) == []


def test_upgrade_from_0002_keeps_search_and_triggers(db_path):
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    engine.dispose()
    # Data written at 0002 goes into the old indexes through the old triggers.
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO stories (id, type, title, dead, first_seen_at)"
            " VALUES (1, 'story', 'Zeppelin airships return', 0, 'x')"
        )
        conn.execute(
            "INSERT INTO comments (id, story_id, parent_id, depth, position, text, text_ja,"
            " dead, flagged, deleted, content_hash, first_seen_at, last_seen_at)"
            " VALUES (11, 1, 1, 0, 0, 'A zeppelin over the bay', '湾の上の飛行船', 0, 0, 0,"
            " 'h', 'x', 'x')"
        )
    conn.close()
    database = connect(url)  # upgrades to the head
    with database.sessions.begin() as session:
        assert [h.id for h in queries.search(session, "zeppelin", lang="en")] == [11, 1]
        assert [h.id for h in queries.search(session, "飛行船", lang="ja")] == [11]
    with database.engine.begin() as conn:
        # The triggers kept working on the re-declared indexes.
        conn.exec_driver_sql("UPDATE comments SET text = 'A blimp over the bay' WHERE id = 11")
    with database.sessions.begin() as session:
        assert [h.id for h in queries.search(session, "zeppelin", lang="en")] == [1]
        assert [h.id for h in queries.search(session, "blimp", lang="en")] == [11]
    database.dispose()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for index in INDEXES:  # FTS5 compares each index with its content table
        conn.execute(f"INSERT INTO {index.name}({index.name}) VALUES ('integrity-check')")
    conn.close()


def test_db_fts_describes_the_head_schema(db_path):
    """db/fts.py (read by search) says what the newest migration made, trigger for trigger."""
    fill(f"sqlite:///{db_path}")
    conn = sqlite3.connect(db_path)
    stored = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    conn.close()
    for index in INDEXES:
        create, _, *triggers = index.create_sql()
        assert stored[index.name] == create == index.declaration()
        for suffix, trigger in zip(("ai", "ad", "au"), triggers, strict=True):
            assert stored[f"{index.name}_{suffix}"] == trigger
