"""Initial schema: crawl tables, translation columns and memory, export slugs

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:16:48.619013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported from db.types, so this migration does the same
# thing whatever later code looks like: ISO 8601 text on SQLite, a timestamp elsewhere.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spider", sa.String(length=32), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=True),
        sa.Column("text_html", sa.Text(), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_crawled_at", TIMESTAMP, nullable=True),
        sa.Column("title_ja", sa.Text(), nullable=True),
        sa.Column("title_ja_model", sa.String(length=255), nullable=True),
        sa.Column("title_ja_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_table(
        "translation_memory",
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("model_id", sa.String(length=255), nullable=False),
        sa.Column("settings", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "source_hash", "model_id", "settings", name=op.f("pk_translation_memory")
        ),
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=True),
        sa.Column("text_html", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("descendants", sa.Integer(), nullable=True),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("missing_since", TIMESTAMP, nullable=True),
        sa.Column("text_ja", sa.Text(), nullable=True),
        sa.Column("text_ja_model", sa.String(length=255), nullable=True),
        sa.Column("text_ja_at", TIMESTAMP, nullable=True),
        sa.Column("text_ja_untranslated", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_comments_story_id_stories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_author", ["author"], unique=False)
        batch_op.create_index(
            "ix_comments_story_id_position", ["story_id", "position"], unique=False
        )

    op.create_table(
        "front_pages",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=True),
        sa.Column("captured_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_front_pages_story_id_stories")
        ),
        sa.PrimaryKeyConstraint("day", "source", "rank", name=op.f("pk_front_pages")),
    )
    with op.batch_alter_table("front_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_front_pages_story_id"), ["story_id"], unique=False)

    op.create_table(
        "posts",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("exported_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_posts_story_id_stories")
        ),
        sa.PrimaryKeyConstraint("story_id", name=op.f("pk_posts")),
        sa.UniqueConstraint("day", "slug", name=op.f("uq_posts_day")),
    )


def downgrade() -> None:
    op.drop_table("posts")
    with op.batch_alter_table("front_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_front_pages_story_id"))

    op.drop_table("front_pages")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_story_id_position")
        batch_op.drop_index("ix_comments_author")

    op.drop_table("comments")
    op.drop_table("translation_memory")
    op.drop_table("stories")
    op.drop_table("crawl_runs")
