"""review: who made each translation, the person's choices per post and comment, a glossary

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:00:00

Self-contained on purpose: a migration copies the DDL it needs instead of
importing application code that later changes. Every translation stored before
this revision was made by a model, so the new ``*_by`` columns start NULL (the
model named in ``*_model``) and nothing is marked stale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp() -> sa.types.TypeEngine:
    """UTC timestamps: ISO 8601 text on SQLite, timestamptz elsewhere (as db.types does)."""
    return sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    op.add_column("stories", sa.Column("title_ja_by", sa.String(length=255), nullable=True))
    op.add_column(
        "stories",
        sa.Column("title_ja_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("comments", sa.Column("text_ja_by", sa.String(length=255), nullable=True))
    op.add_column(
        "comments",
        sa.Column("text_ja_stale", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "post_reviews",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("approved_by", sa.String(length=255), nullable=True),
        sa.Column("approved_at", timestamp(), nullable=True),
        sa.Column("published_at", timestamp(), nullable=True),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_post_reviews_story_id_stories")
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_post_reviews")),
    )
    op.create_table(
        "comment_reviews",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=True),
        sa.Column("highlight", sa.String(length=16), nullable=True),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_comment_reviews_comment_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_comment_reviews_story_id_stories")
        ),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_comment_reviews")),
    )
    op.create_index(
        op.f("ix_comment_reviews_story_id"), "comment_reviews", ["story_id"], unique=False
    )
    op.create_table(
        "glossary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("match_case", sa.Boolean(), nullable=False),
        sa.Column("created_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary")),
        sa.UniqueConstraint("source", name=op.f("uq_glossary_source")),
    )


def downgrade() -> None:
    op.drop_table("glossary")
    op.drop_index(op.f("ix_comment_reviews_story_id"), table_name="comment_reviews")
    op.drop_table("comment_reviews")
    op.drop_table("post_reviews")
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35, PostgreSQL): no table copy.
    op.drop_column("comments", "text_ja_stale")
    op.drop_column("comments", "text_ja_by")
    op.drop_column("stories", "title_ja_stale")
    op.drop_column("stories", "title_ja_by")
