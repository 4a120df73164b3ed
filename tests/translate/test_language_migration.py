"""Migration 0003: the language of each stored translation."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic import command
from sqlalchemy import text

from db.engine import alembic_config, current_revision, make_engine, upgrade
from tests.conftest import REPO_ROOT

MIGRATION = REPO_ROOT / "db" / "migrations" / "versions" / "0003_translation_language.py"


def test_translations_stored_before_are_japanese(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(engine)
    command.upgrade(config, "0002")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stories (id, type, title, title_ja, dead, first_seen_at) VALUES "
                "(1, 'story', 'Hello', 'こんにちは', 0, '2025-01-01'), "
                "(2, 'story', 'Later', NULL, 0, '2025-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO comments (id, story_id, parent_id, depth, position, text, "
                "text_ja, dead, flagged, deleted, content_hash, first_seen_at, last_seen_at) "
                "VALUES (10, 1, 1, 0, 0, 'Yes.', 'はい。', 0, 0, 0, 'h', '2025-01-01', "
                "'2025-01-01'), (11, 1, 1, 0, 1, 'No.', NULL, 0, 0, 0, 'h2', '2025-01-01', "
                "'2025-01-01')"
            )
        )
    assert upgrade(engine, "0003") == "0003" == current_revision(engine)
    with engine.connect() as conn:
        stories = conn.execute(text("SELECT id, title_ja_lang FROM stories ORDER BY id")).all()
        comments = conn.execute(text("SELECT id, text_ja_lang FROM comments ORDER BY id")).all()
    assert stories == [(1, "jpn_Jpan"), (2, None)]
    assert comments == [(10, "jpn_Jpan"), (11, None)]
    command.downgrade(config, "0002")
    with engine.connect() as conn:
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(comments)"))}
    assert "text_ja_lang" not in columns and "text_ja" in columns
    engine.dispose()


def test_the_migration_imports_no_application_code():
    tree = ast.parse(MIGRATION.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"collections", "sqlalchemy", "alembic"}
