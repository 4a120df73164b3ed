"""SQLAlchemy 2.0 models: the archive's schema.

Table and column names are part of the product's interface (users query them
with ``matome sql`` and Datasette), so they are plain, stable and documented.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        date: Date(),
        dict[str, Any]: JSON(),
    }


class Story(Base):
    """A submission (story, ask, show, job or poll) as HN lists and shows it."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255))
    author: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None]
    created_at: Mapped[datetime | None]
    comment_count: Mapped[int | None] = mapped_column(
        doc="comment count as HN shows it (includes comments hidden from logged-out readers)"
    )
    text_html: Mapped[str | None] = mapped_column(Text, doc="the OP text (Ask HN etc.), as served")
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime]
    last_crawled_at: Mapped[datetime | None] = mapped_column(
        doc="when the whole thread was last stored; NULL while only listed"
    )
    # Translation (filled by `matome translate`).
    title_ja: Mapped[str | None] = mapped_column(Text)
    title_ja_model: Mapped[str | None] = mapped_column(String(255))
    title_ja_at: Mapped[datetime | None]
    title_ja_lang: Mapped[str | None] = mapped_column(
        String(16), doc="language of title_ja (an NLLB code: jpn_Jpan, fra_Latn…)"
    )
    title_ja_by: Mapped[str | None] = mapped_column(
        String(255), doc="'human' when a person wrote title_ja (matome review); NULL: the model"
    )
    title_ja_stale: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        doc="the English title changed after a person wrote title_ja: review it again",
    )

    comments: Mapped[list[Comment]] = relationship(
        back_populates="story", order_by="Comment.position"
    )


class Comment(Base):
    """One comment of a thread; ``position`` is its display order within the thread."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_story_id_position", "story_id", "position"),
        Index("ix_comments_author", "author"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"))
    parent_id: Mapped[int] = mapped_column(Integer, doc="the story id or a comment id")
    depth: Mapped[int] = mapped_column(Integer, doc="0 for a reply to the story")
    position: Mapped[int] = mapped_column(Integer, doc="display order in the thread, 0-based")
    author: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None]
    text_html: Mapped[str | None] = mapped_column(Text, doc="comment HTML as HN serves it")
    text: Mapped[str | None] = mapped_column(Text, doc="plain text, paragraphs kept")
    descendants: Mapped[int | None] = mapped_column(doc="replies below this comment (togg n - 1)")
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    missing_since: Mapped[datetime | None] = mapped_column(
        doc="set when a later crawl of the complete thread no longer showed this comment"
    )
    # Translation (filled by `matome translate`; cleared when the source text changes).
    text_ja: Mapped[str | None] = mapped_column(Text)
    text_ja_model: Mapped[str | None] = mapped_column(String(255))
    text_ja_at: Mapped[datetime | None]
    text_ja_lang: Mapped[str | None] = mapped_column(
        String(16), doc="language of text_ja (an NLLB code: jpn_Jpan, fra_Latn…)"
    )
    text_ja_untranslated: Mapped[int | None] = mapped_column(
        doc="segments the model failed on and that were kept in English"
    )
    text_ja_by: Mapped[str | None] = mapped_column(
        String(255), doc="'human' when a person wrote text_ja (matome review); NULL: the model"
    )
    text_ja_stale: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        doc="the English text changed after a person wrote text_ja: review it again",
    )

    story: Mapped[Story] = relationship(back_populates="comments")


class FrontPage(Base):
    """One row of a listing: a past front page (``source='front'``) or a live /news snapshot."""

    __tablename__ = "front_pages"

    day: Mapped[date] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    score: Mapped[int | None]
    comment_count: Mapped[int | None]
    captured_at: Mapped[datetime]


class CrawlRun(Base):
    """One spider run, with its arguments and Scrapy's final stats."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(32))
    arguments: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), doc="running, finished or the finish reason")
    stats: Mapped[dict[str, Any] | None]


class TranslationMemory(Base):
    """Translated segments keyed by source hash, model and settings: re-runs cost nothing."""

    __tablename__ = "translation_memory"

    source_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    settings: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Post(Base):
    """The slug a story's post was given: kept so re-exports land on the same path."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("day", "slug"),)

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    day: Mapped[date]
    slug: Mapped[str] = mapped_column(String(255))
    exported_at: Mapped[datetime | None]


class Day(Base):
    """Per-day progress of ``matome run`` / ``matome backfill``: what is done, what failed, why."""

    __tablename__ = "days"

    day: Mapped[date] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), doc="pending, running, done or failed")
    stage: Mapped[str | None] = mapped_column(
        String(16), doc="the last stage completed: listed, crawled, translated, exported"
    )
    threads: Mapped[int | None] = mapped_column(doc="threads stored for the day")
    comments: Mapped[int | None] = mapped_column(doc="comments stored for the day")
    error: Mapped[str | None] = mapped_column(Text, doc="why the last attempt failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class CrawlFailure(Base):
    """Why a crawl gave up on a thread or a list page (one row per give-up, kept as history)."""

    __tablename__ = "crawl_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(
        index=True, doc="the thread not stored; NULL for a list page"
    )
    listing_day: Mapped[str | None] = mapped_column(
        String(16), doc="the list page not stored: a day (YYYY-MM-DD) or 'live'"
    )
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime]


class PostReview(Base):
    """A person's choices for one post (``matome review``): tags, approval, publication."""

    __tablename__ = "post_reviews"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    tags: Mapped[list[str] | None] = mapped_column(
        JSON, doc="the post's tags as the person set them; NULL: the tag rules decide"
    )
    approved_by: Mapped[str | None] = mapped_column(String(255))
    approved_at: Mapped[datetime | None] = mapped_column(
        doc="when the post was approved; an edit after that clears it"
    )
    published_at: Mapped[datetime | None] = mapped_column(
        doc="when `publish day` committed the approved post to the site"
    )
    updated_at: Mapped[datetime]


class CommentReview(Base):
    """A person's override of whether a comment is quoted and how it is highlighted."""

    __tablename__ = "comment_reviews"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    included: Mapped[bool | None] = mapped_column(
        Boolean, doc="1: always quoted, 0: never quoted, NULL: the selection rules decide"
    )
    highlight: Mapped[str | None] = mapped_column(
        String(16), doc="a colour such as #ff5733, '' for none, NULL: the rules decide"
    )
    updated_at: Mapped[datetime]


class GlossaryRule(Base):
    """A term the translation must render one way ("Rust" stays "Rust")."""

    __tablename__ = "glossary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(
        Text, unique=True, doc="the term as the model tends to render it, or the English term"
    )
    target: Mapped[str] = mapped_column(Text, doc="what it must read in the Japanese text")
    match_case: Mapped[bool] = mapped_column(
        Boolean, doc="1: only that exact case matches; 0: any case"
    )
    created_at: Mapped[datetime]


class ArchiveTotals(Base):
    """The archive's counts in one row (``id`` 1), kept by triggers (migration 0009) on every
    write, so ``matome stats`` reads them instead of counting the whole archive.
    """

    __tablename__ = "archive_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stories: Mapped[int] = mapped_column(Integer, doc="rows of stories")
    threads: Mapped[int] = mapped_column(Integer, doc="stories whose whole thread is stored")
    titles_translated: Mapped[int] = mapped_column(Integer, doc="stories with title_ja")
    comments: Mapped[int] = mapped_column(Integer, doc="rows of comments")
    comments_with_text: Mapped[int] = mapped_column(Integer, doc="comments with text")
    comments_translated: Mapped[int] = mapped_column(Integer, doc="comments with text_ja")


class AuthorTotal(Base):
    """Comments per author, kept by triggers (migration 0009); 0 once all are gone."""

    __tablename__ = "author_totals"
    __table_args__ = (Index("ix_author_totals_comments", "comments", "author"),)

    author: Mapped[str] = mapped_column(String(64), primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)


class DomainTotal(Base):
    """Stored threads (stories with ``last_crawled_at``) per domain, kept by triggers (0009)."""

    __tablename__ = "domain_totals"
    __table_args__ = (Index("ix_domain_totals_threads", "threads", "domain"),)

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    threads: Mapped[int] = mapped_column(Integer)
