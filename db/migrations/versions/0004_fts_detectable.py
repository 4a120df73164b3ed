"""Full-text indexes declared the way sqlite-utils and Datasette detect them

The FTS5 tables said ``content='comments'``; both tools look for
``content=[comments]`` (sqlite-utils' ``enable_fts`` form) and so ignored the
indexes (Datasette's ``?_search=`` did nothing). Each index is declared again in
that form and refilled; the triggers on the content tables stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, content table, column, tokenizer), in the order sqlite-utils should find them:
# the English index of a table first, so `detect_fts()` / `?_search=` use it.
INDEXES = (
    ("stories_fts", "stories", "title", "unicode61 remove_diacritics 2"),
    ("stories_ja_fts", "stories", "title_ja", "trigram"),
    ("comments_fts", "comments", "text", "unicode61 remove_diacritics 2"),
    ("comments_ja_fts", "comments", "text_ja", "trigram"),
)


def create(name: str, table: str, column: str, tokenize: str, *, detectable: bool) -> None:
    if detectable:
        op.execute(
            f"CREATE VIRTUAL TABLE [{name}] USING FTS5 (\n    [{column}],\n"
            f"    tokenize='{tokenize}',\n    content=[{table}],\n    content_rowid=[id]\n)"
        )
    else:  # as 0002 made it
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{table}', "
            f"content_rowid='id', tokenize='{tokenize}')"
        )
    op.execute(
        f"INSERT INTO {name}(rowid, {column}) "
        f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
    )


def redeclare(*, detectable: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, *_ in INDEXES:
        op.execute(f"DROP TABLE {name}")
    for name, table, column, tokenize in INDEXES:
        create(name, table, column, tokenize, detectable=detectable)


def upgrade() -> None:
    redeclare(detectable=True)


def downgrade() -> None:
    redeclare(detectable=False)
