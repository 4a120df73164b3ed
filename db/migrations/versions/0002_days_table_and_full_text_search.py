"""Days table (backfill status) and full-text search (SQLite FTS5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:34:23.608319
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported, so this migration does the same thing whatever
# later code looks like: ISO 8601 text on SQLite, a real timestamp elsewhere.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")

# FTS5 external-content indexes as this revision made them: (index, table, column, tokenizer).
INDEXES = (
    ("stories_fts", "stories", "title", "unicode61 remove_diacritics 2"),
    ("stories_ja_fts", "stories", "title_ja", "trigram"),
    ("comments_fts", "comments", "text", "unicode61 remove_diacritics 2"),
    ("comments_ja_fts", "comments", "text_ja", "trigram"),
)


def fts_sql(n: str, t: str, c: str, tokenize: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {n} USING fts5({c}, content='{t}', content_rowid='id', "
        f"tokenize='{tokenize}')",
        f"INSERT INTO {n}(rowid, {c}) SELECT id, {c} FROM {t} WHERE {c} IS NOT NULL",
        f"CREATE TRIGGER {n}_ai AFTER INSERT ON {t} WHEN new.{c} IS NOT NULL BEGIN "
        f"INSERT INTO {n}(rowid, {c}) VALUES (new.id, new.{c}); END",
        f"CREATE TRIGGER {n}_ad AFTER DELETE ON {t} WHEN old.{c} IS NOT NULL BEGIN "
        f"INSERT INTO {n}({n}, rowid, {c}) VALUES ('delete', old.id, old.{c}); END",
        f"CREATE TRIGGER {n}_au AFTER UPDATE OF {c} ON {t} "
        f"WHEN old.{c} IS NOT new.{c} BEGIN "
        f"INSERT INTO {n}({n}, rowid, {c}) SELECT 'delete', old.id, old.{c} "
        f"WHERE old.{c} IS NOT NULL; "
        f"INSERT INTO {n}(rowid, {c}) SELECT new.id, new.{c} WHERE new.{c} IS NOT NULL; END",
    ]


def upgrade() -> None:
    op.create_table(
        "days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("threads", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_days")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for index in INDEXES:
            for statement in fts_sql(*index):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, *_ in INDEXES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
    op.drop_table("days")
