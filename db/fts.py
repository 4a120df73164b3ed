"""SQLite FTS5 indexes over the archive, kept in step by triggers.

English text uses the ``unicode61`` tokenizer (words, diacritics folded);
Japanese has no spaces between words, so its columns use the ``trigram``
tokenizer (any 3+ character substring). Each index is an external-content
table declared as sqlite-utils' ``enable_fts`` declares one (``content=[table]``),
the form sqlite-utils and Datasette detect. This module describes the indexes as
the newest migration leaves them (a test compares the two); migrations keep
their own copy of the DDL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FtsIndex:
    name: str
    table: str
    column: str
    tokenize: str

    def declaration(self) -> str:
        return (
            f"CREATE VIRTUAL TABLE [{self.name}] USING FTS5 (\n    [{self.column}],\n"
            f"    tokenize='{self.tokenize}',\n    content=[{self.table}],\n"
            "    content_rowid=[id]\n)"
        )

    def create_sql(self) -> list[str]:
        t, c, n = self.table, self.column, self.name
        return [
            self.declaration(),
            f"INSERT INTO {n}(rowid, {c}) SELECT id, {c} FROM {t} WHERE {c} IS NOT NULL",
            f"CREATE TRIGGER {n}_ai AFTER INSERT ON {t} WHEN new.{c} IS NOT NULL BEGIN "
            f"INSERT INTO {n}(rowid, {c}) VALUES (new.id, new.{c}); END",
            f"CREATE TRIGGER {n}_ad AFTER DELETE ON {t} WHEN old.{c} IS NOT NULL BEGIN "
            f"INSERT INTO {n}({n}, rowid, {c}) VALUES ('delete', old.id, old.{c}); END",
            # Re-crawls rewrite every row; only a changed text touches the index.
            f"CREATE TRIGGER {n}_au AFTER UPDATE OF {c} ON {t} "
            f"WHEN old.{c} IS NOT new.{c} BEGIN "
            f"INSERT INTO {n}({n}, rowid, {c}) SELECT 'delete', old.id, old.{c} "
            f"WHERE old.{c} IS NOT NULL; "
            f"INSERT INTO {n}(rowid, {c}) SELECT new.id, new.{c} WHERE new.{c} IS NOT NULL; END",
        ]

    def drop_sql(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.name}_{s}" for s in ("ai", "ad", "au")] + [
            f"DROP TABLE IF EXISTS {self.name}"
        ]


ENGLISH = "unicode61 remove_diacritics 2"
JAPANESE = "trigram"

INDEXES = (
    FtsIndex("stories_fts", "stories", "title", ENGLISH),
    FtsIndex("stories_ja_fts", "stories", "title_ja", JAPANESE),
    FtsIndex("comments_fts", "comments", "text", ENGLISH),
    FtsIndex("comments_ja_fts", "comments", "text_ja", JAPANESE),
)
FTS_NAMES = frozenset(i.name for i in INDEXES)


def is_fts_table(name: str) -> bool:
    """The FTS tables and FTS5's shadow tables (``*_data``, ``*_idx``…), not in the models."""
    return any(name == n or name.startswith(f"{n}_") for n in FTS_NAMES)


# PostgreSQL's search indexes (migrations 0007, 0010): an expression and an operator class the
# models do not declare, kept by the migration as the FTS tables are.
POSTGRES_SEARCH_INDEXES = frozenset(
    {
        "ix_stories_title_words",
        "ix_comments_text_words",
        "ix_stories_title_ja_trgm",
        "ix_comments_text_ja_trgm",
    }
)


# PostgreSQL's stored words (migration 0010): generated tsvector columns the models leave out.
POSTGRES_WORD_COLUMNS = frozenset({("stories", "title_words"), ("comments", "text_words")})


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Alembic hook: leave FTS tables and PostgreSQL's search indexes and stored words out of
    autogenerate."""
    if type_ == "index" and name in POSTGRES_SEARCH_INDEXES:
        return False
    if type_ == "column" and (obj.table.name, name) in POSTGRES_WORD_COLUMNS:
        return False
    return not (type_ == "table" and name and is_fts_table(name))
