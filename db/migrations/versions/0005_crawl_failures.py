"""crawl_failures: why a crawl gave up on a thread or a list page

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00

Self-contained on purpose: a migration copies the DDL it needs instead of
importing application code that later changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp() -> sa.types.TypeEngine:
    """UTC timestamps: ISO 8601 text on SQLite, timestamptz elsewhere (as db.types does)."""
    return sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crawl_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("listing_day", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failed_at", timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_crawl_failures_crawl_run_id_crawl_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_failures")),
    )
    op.create_index(
        op.f("ix_crawl_failures_crawl_run_id"), "crawl_failures", ["crawl_run_id"], unique=False
    )
    op.create_index(
        op.f("ix_crawl_failures_story_id"), "crawl_failures", ["story_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_crawl_failures_story_id"), table_name="crawl_failures")
    op.drop_index(op.f("ix_crawl_failures_crawl_run_id"), table_name="crawl_failures")
    op.drop_table("crawl_failures")
