"""Queries of the export stage. Callers pass a session and own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import false, func, select, text, update
from sqlalchemy.orm import Session

from db.models import Comment, FrontPage, Post, Story


def day_threads(
    session: Session,
    day: date,
    *,
    sources: Sequence[str] = (),
    limit: int | None = None,
) -> list[Story]:
    """The stories listed on ``day`` whose comments were crawled, best rank first.

    ``sources`` restricts the listings (``front_pages.source``); a story listed
    by several counts once, at its best rank.
    """
    best_rank = func.min(FrontPage.rank).label("best_rank")
    listed = select(FrontPage.story_id, best_rank).where(FrontPage.day == day)
    if sources:
        listed = listed.where(FrontPage.source.in_(sources))
    listed_sq = listed.group_by(FrontPage.story_id).subquery()
    stmt = (
        select(Story)
        .join(listed_sq, listed_sq.c.story_id == Story.id)
        .where(Story.last_crawled_at.is_not(None))
        .order_by(listed_sq.c.best_rank, Story.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def listed_but_not_crawled(session: Session, day: date, *, sources: Sequence[str] = ()) -> int:
    """How many stories listed on ``day`` still lack a crawl of their comments."""
    stmt = (
        select(func.count(func.distinct(FrontPage.story_id)))
        .join(Story, Story.id == FrontPage.story_id)
        .where(FrontPage.day == day, Story.last_crawled_at.is_(None))
    )
    if sources:
        stmt = stmt.where(FrontPage.source.in_(sources))
    return session.scalar(stmt) or 0


def stories_by_id(session: Session, story_ids: Sequence[int]) -> dict[int, Story]:
    """The stored stories among ``story_ids`` (crawled or not), by id."""
    if not story_ids:
        return {}
    return {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(story_ids)))}


def first_listed_day(session: Session, story_id: int) -> date | None:
    """The earliest day a stored listing showed the story, if any."""
    return session.scalar(select(func.min(FrontPage.day)).where(FrontPage.story_id == story_id))


def story_comments(session: Session, story_id: int) -> list[Comment]:
    """All stored comments of a story, in display order."""
    return list(
        session.scalars(
            select(Comment).where(Comment.story_id == story_id).order_by(Comment.position)
        )
    )


def find_post(session: Session, story_id: int) -> Post | None:
    """The post (day and slug) a story was given by an earlier export."""
    return session.get(Post, story_id)


def slugs_taken(session: Session, day: date) -> set[str]:
    """The slugs already given to posts of ``day``."""
    return set(session.scalars(select(Post.slug).where(Post.day == day)))


def save_post(
    session: Session, story_id: int, day: date, slug: str, exported_at: datetime | None
) -> Post:
    """Record (or update) a story's post; ``exported_at`` None keeps the stored time."""
    post = session.get(Post, story_id)
    if post is None:
        post = Post(story_id=story_id, day=day, slug=slug, exported_at=exported_at)
        session.add(post)
    else:
        post.day = day
        post.slug = slug
        if exported_at is not None:
            post.exported_at = exported_at
    session.flush()
    return post


def lock_posts(session: Session) -> None:
    """Make concurrent exports take turns: hold the ``posts`` write lock from now to commit.

    Two exports of the same day would otherwise both plan the same new posts
    and one would fail on the unique story id. SQLite takes its write lock with
    the first write statement (a no-op update here), waiting up to the busy
    timeout; PostgreSQL locks the table against other writers, not readers.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(update(Post).where(false()).values(slug=Post.slug))
    elif dialect == "postgresql":
        session.execute(text("LOCK TABLE posts IN SHARE ROW EXCLUSIVE MODE"))
