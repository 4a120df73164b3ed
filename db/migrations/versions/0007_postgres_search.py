"""PostgreSQL search indexes: whole words for English, substrings for Japanese

SQLite has its FTS5 indexes (0002, 0004); PostgreSQL searched with an
unindexed ``ILIKE``, so "cat" found "category". English now matches whole
words as FTS5's ``unicode61`` tokenizer cuts them: every run of characters
that are not letters or digits separates words, then the ``simple``
configuration lowercases them; a GIN index over that ``tsvector`` expression
serves the search (:mod:`db.queries` uses the same expression, character for
character, or the index is not used). Japanese matches substrings through
``pg_trgm`` GIN indexes. Where the extension cannot be created (an older or
restricted server), the migration says so and Japanese search scans.

On SQLite this migration does nothing.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 05:30:00
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

# (index, table, column): English words, as db.queries.english_words() writes the expression.
WORD_INDEXES = (
    ("ix_stories_title_words", "stories", "title"),
    ("ix_comments_text_words", "comments", "text"),
)
# (index, table, column): Japanese substrings.
TRIGRAM_INDEXES = (
    ("ix_stories_title_ja_trgm", "stories", "title_ja"),
    ("ix_comments_text_ja_trgm", "comments", "text_ja"),
)


def words(column: str) -> str:
    return f"to_tsvector('simple'::regconfig, regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))"


def trigram_extension() -> bool:
    """Create pg_trgm if it is missing; False (and a message) where the server refuses."""
    if op.get_context().as_sql:  # a DBA's script: the statement is theirs to run
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a failure must not abort the migration's transaction
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        logger.warning(
            "pg_trgm is not available (%s): Japanese search will scan the table; "
            "a superuser can run `CREATE EXTENSION pg_trgm` and then the CREATE INDEX "
            "statements of `matome db upgrade --sql`",
            reason,
        )
        return False
    return True


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name, table, column in WORD_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({words(column)})")
    if trigram_extension():
        for name, table, column in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name, *_ in WORD_INDEXES + TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
