"""Migration 0008 on an archive that holds model translations: nothing is lost or marked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.engine import make_engine, upgrade


def test_0008_keeps_translations_as_the_models_and_unmarked(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0007")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO stories (id, type, title, dead, first_seen_at, title_ja, title_ja_model)"
            " VALUES (1, 'story', 'T', 0, '2025-01-01T00:00:00Z', 'タ', 'm')"
        )
        conn.execute(
            "INSERT INTO comments (id, story_id, parent_id, depth, position, dead, flagged,"
            " deleted, content_hash, first_seen_at, last_seen_at, text, text_ja, text_ja_model)"
            " VALUES (2, 1, 1, 0, 0, 0, 0, 0, 'h', '2025-01-01T00:00:00Z',"
            " '2025-01-01T00:00:00Z', 'Hi', 'やあ', 'm')"
        )
    upgrade(engine, "head")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        story = conn.execute(
            "SELECT title_ja, title_ja_model, title_ja_by, title_ja_stale FROM stories"
        ).fetchone()
        comment = conn.execute(
            "SELECT text_ja, text_ja_model, text_ja_by, text_ja_stale FROM comments"
        ).fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert story == ("タ", "m", None, 0)
    assert comment == ("やあ", "m", None, 0)
    assert {"post_reviews", "comment_reviews", "glossary"} <= tables
