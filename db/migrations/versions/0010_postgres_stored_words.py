"""PostgreSQL: the English words of comments and titles stored (tsvector columns), not recomputed

0007 indexed an expression, ``to_tsvector(... regexp_replace(text ...))``: the GIN
index found the matches, but ranking them (``ts_rank_cd``) and any plan that
checks rows one by one computed the expression again for every row, about 40 µs
each: ranking the newest 10,000 matches of a common word took a second. The
same expression is now a stored generated column (``comments.text_words``,
``stories.title_words``), computed once per write, with the GIN index on it;
:mod:`db.queries` reads the column. Words and hits are unchanged.

On SQLite this migration does nothing (its FTS5 tables store their own index).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, source column, stored column)
WORDS = (
    ("ix_stories_title_words", "stories", "title", "title_words"),
    ("ix_comments_text_words", "comments", "text", "text_words"),
)


def words(column: str) -> str:
    """0007's expression, character for character."""
    return f"to_tsvector('simple'::regconfig, regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for index, table, column, stored in WORDS:
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {stored} tsvector"
            f" GENERATED ALWAYS AS ({words(column)}) STORED"
        )
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({stored})")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for index, table, column, stored in WORDS:
        op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {stored}")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({words(column)})")
