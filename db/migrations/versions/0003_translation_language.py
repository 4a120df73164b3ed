"""Which language each stored translation is in (``matome translate --target-lang``)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 05:00:00

The DDL is written out here, not taken from ``db.models``: a migration must keep doing
what it did when it was written, whatever the application's models become. Every
translation stored before this revision is Japanese (the only target there was), so
those rows get ``jpn_Jpan``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JAPANESE = "jpn_Jpan"


def upgrade() -> None:
    op.add_column("stories", sa.Column("title_ja_lang", sa.String(length=16), nullable=True))
    op.add_column("comments", sa.Column("text_ja_lang", sa.String(length=16), nullable=True))
    op.execute(
        sa.text("UPDATE stories SET title_ja_lang = :lang WHERE title_ja IS NOT NULL").bindparams(
            lang=JAPANESE
        )
    )
    op.execute(
        sa.text("UPDATE comments SET text_ja_lang = :lang WHERE text_ja IS NOT NULL").bindparams(
            lang=JAPANESE
        )
    )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): no table copy, which SQLite
    # would refuse for ``stories`` while ``comments`` holds foreign keys to it.
    op.drop_column("comments", "text_ja_lang")
    op.drop_column("stories", "title_ja_lang")
