"""Days table (backfill status) and full-text search (SQLite FTS5)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:34:23.608319
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types
from db.fts import INDEXES

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_days")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for index in INDEXES:
            for statement in index.create_sql():
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for index in INDEXES:
            for statement in index.drop_sql():
                op.execute(statement)
    op.drop_table("days")
