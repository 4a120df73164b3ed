"""Upserts for crawled data. Callers pass a session and own the transaction.

Nothing stored is ever deleted: a re-crawl updates counts and edited text,
and marks comments that vanished (``missing_since``) or turned dead/deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from db.models import Comment, CrawlFailure, CrawlRun, FrontPage, Story
from matome_crawl.hn.model import CommentRecord, ListingPage, StoryRecord, Thread

HUMAN = "human"  # the *_ja_by value of a person's translation (db.review)


def content_hash(text_html: str | None) -> str:
    return hashlib.sha256((text_html or "").encode("utf-8")).hexdigest()


def dialect_insert(session: Session, model: type) -> Any:
    """The dialect's INSERT that supports ON CONFLICT (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise NotImplementedError(
            f"upserts are implemented for SQLite and PostgreSQL, not {dialect}"
        )
    # The Core table, not the ORM entity: one executemany per statement instead of
    # the ORM bulk path, which splits rows into groups and costs several times more.
    return insert(model.__table__)


def _story_row(story: StoryRecord, seen_at: datetime) -> dict[str, Any]:
    return {
        "id": story.id,
        "type": story.type,
        "title": story.title,
        "url": story.url,
        "domain": story.domain,
        "author": story.author,
        "score": story.score,
        "created_at": story.created_at,
        "comment_count": story.comment_count,
        "text_html": story.text_html,
        "dead": story.dead,
        "first_seen_at": seen_at,
    }


def upsert_stories(
    session: Session,
    stories: Iterable[StoryRecord],
    seen_at: datetime,
    *,
    crawled_at: datetime | None = None,
) -> None:
    """Insert or refresh stories. With ``crawled_at`` (a whole thread) the OP text is updated too.

    A changed title clears its translation. A poll stays a poll (list pages
    cannot tell polls from Ask HN posts).
    """
    rows = [_story_row(s, seen_at) for s in stories]
    if not rows:
        return
    if crawled_at is not None:
        for row in rows:
            row["last_crawled_at"] = crawled_at
    stmt = dialect_insert(session, Story)
    new = stmt.excluded
    old = Story.__table__.c
    title_changed = new.title != old.title
    # A person's title (matome review) is kept, marked stale; the model's is cleared.
    human = func.coalesce(old.title_ja_by, "") == HUMAN
    clear_title = and_(title_changed, ~human)
    set_: dict[str, Any] = {
        "type": case((old.type == "poll", old.type), else_=new.type),
        "title": new.title,
        "url": new.url,
        "domain": new.domain,
        "author": func.coalesce(new.author, old.author),
        "score": func.coalesce(new.score, old.score),
        "created_at": func.coalesce(new.created_at, old.created_at),
        "comment_count": func.coalesce(new.comment_count, old.comment_count),
        "dead": new.dead,
        "title_ja": case((clear_title, None), else_=old.title_ja),
        "title_ja_model": case((clear_title, None), else_=old.title_ja_model),
        "title_ja_at": case((clear_title, None), else_=old.title_ja_at),
        "title_ja_stale": case((and_(title_changed, human), True), else_=old.title_ja_stale),
    }
    if crawled_at is not None:
        set_["type"] = new.type
        set_["text_html"] = new.text_html
        set_["last_crawled_at"] = new.last_crawled_at
    session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=set_), rows)


def store_listing(
    session: Session, listing: ListingPage, *, source: str, day: date, captured_at: datetime
) -> int:
    """Store a list page's stories and their ranks for ``day``; returns the number of rows."""
    upsert_stories(session, (e.story for e in listing.entries), captured_at)
    rows = [
        {
            "day": day,
            "source": source,
            "rank": entry.rank,
            "story_id": entry.story.id,
            "score": entry.story.score,
            "comment_count": entry.story.comment_count,
            "captured_at": captured_at,
        }
        for entry in listing.entries
    ]
    if rows:
        stmt = dialect_insert(session, FrontPage)
        new = stmt.excluded
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["day", "source", "rank"],
                set_={
                    "story_id": new.story_id,
                    "score": new.score,
                    "comment_count": new.comment_count,
                    "captured_at": new.captured_at,
                },
            ),
            rows,
        )
    return len(rows)


@dataclass(frozen=True)
class ThreadStoreResult:
    story_id: int
    comments: int  # comments in this crawl
    added: int  # comments not stored before
    edited: int  # stored comments whose text changed
    vanished: int  # stored comments this crawl no longer showed (newly marked)


def comment_row(story_id: int, c: CommentRecord, crawled_at: datetime) -> dict[str, Any]:
    """The ``comments`` row of a newly seen comment (its columns by name)."""
    return {
        "id": c.id,
        "story_id": story_id,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "position": c.position,
        "author": c.author,
        "created_at": c.created_at,
        "text_html": c.text_html,
        "text": c.text,
        "descendants": c.descendants,
        "dead": c.dead,
        "flagged": c.flagged,
        "deleted": c.deleted,
        "content_hash": content_hash(c.text_html),
        "first_seen_at": crawled_at,
        "last_seen_at": crawled_at,
        "missing_since": None,
    }


def store_thread(session: Session, thread: Thread, crawled_at: datetime) -> ThreadStoreResult:
    """Store a complete thread: the story, every comment, and what vanished since last time.

    A comment shown without text (``[deleted]``, or dead and hidden) keeps the
    text stored earlier; an edited text replaces it and clears its translation
    (a person's translation is kept and marked ``text_ja_stale``).
    """
    story_id = thread.story.id
    upsert_stories(session, [thread.story], crawled_at, crawled_at=crawled_at)
    known: Mapping[int, str] = dict(
        session.execute(
            select(Comment.id, Comment.content_hash).where(Comment.story_id == story_id)
        ).all()
    )
    rows = [comment_row(story_id, c, crawled_at) for c in thread.comments]
    added = sum(1 for r in rows if r["id"] not in known)
    edited = sum(
        1
        for r in rows
        if r["id"] in known and r["text_html"] is not None and known[r["id"]] != r["content_hash"]
    )
    if rows:
        stmt = dialect_insert(session, Comment)
        new = stmt.excluded
        old = Comment.__table__.c
        has_text = new.text_html.is_not(None)
        text_changed = and_(has_text, new.content_hash != old.content_hash)

        def keep_unless_text(column: str) -> Any:
            return case((has_text, new[column]), else_=old[column])

        # A person's translation (matome review) is kept, marked stale; the model's is cleared.
        human = func.coalesce(old.text_ja_by, "") == HUMAN

        def clear_if_changed(column: str) -> Any:
            return case((and_(text_changed, ~human), None), else_=old[column])

        set_ = {
            "parent_id": new.parent_id,
            "depth": new.depth,
            "position": new.position,
            "author": func.coalesce(new.author, old.author),
            "created_at": func.coalesce(new.created_at, old.created_at),
            "descendants": new.descendants,
            "dead": new.dead,
            "flagged": new.flagged,
            "deleted": new.deleted,
            "text_html": keep_unless_text("text_html"),
            "text": keep_unless_text("text"),
            "content_hash": keep_unless_text("content_hash"),
            "text_ja": clear_if_changed("text_ja"),
            "text_ja_model": clear_if_changed("text_ja_model"),
            "text_ja_at": clear_if_changed("text_ja_at"),
            "text_ja_untranslated": clear_if_changed("text_ja_untranslated"),
            "text_ja_stale": case((and_(text_changed, human), True), else_=old.text_ja_stale),
            "last_seen_at": new.last_seen_at,
            "missing_since": None,
        }
        session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=set_), rows)
    vanished_ids = known.keys() - {r["id"] for r in rows}
    vanished = 0
    if vanished_ids:
        vanished = session.execute(
            update(Comment)
            .where(Comment.id.in_(vanished_ids), Comment.missing_since.is_(None))
            .values(missing_since=crawled_at)
        ).rowcount
    return ThreadStoreResult(
        story_id=story_id, comments=len(rows), added=added, edited=edited, vanished=vanished
    )


def start_crawl_run(
    session: Session, spider: str, arguments: dict[str, Any], started_at: datetime
) -> int:
    run = CrawlRun(spider=spider, arguments=arguments, started_at=started_at, status="running")
    session.add(run)
    session.flush()
    return run.id


def finish_crawl_run(
    session: Session,
    run_id: int,
    *,
    finished_at: datetime,
    status: str,
    stats: dict[str, Any],
    arguments: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {"finished_at": finished_at, "status": status, "stats": stats}
    if arguments is not None:
        values["arguments"] = arguments
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def record_crawl_failure(
    session: Session,
    *,
    reason: str,
    failed_at: datetime,
    story_id: int | None = None,
    listing_day: str | None = None,
    crawl_run_id: int | None = None,
) -> None:
    """Keep why a crawl gave up on a thread (``story_id``) or a list page (``listing_day``)."""
    session.add(
        CrawlFailure(
            crawl_run_id=crawl_run_id,
            story_id=story_id,
            listing_day=listing_day,
            reason=reason or "no reason given",
            failed_at=failed_at,
        )
    )


def failure_reasons(
    session: Session, *, story_ids: Iterable[int] = (), days: Iterable[str] = (), since: datetime
) -> dict[str, str]:
    """The latest reason since ``since`` per story id and per listing day (keys as text)."""
    ids, day_keys = list(story_ids), list(days)
    reasons: dict[str, str] = {}
    conditions = []
    if ids:
        conditions.append(CrawlFailure.story_id.in_(ids))
    if day_keys:
        conditions.append(CrawlFailure.listing_day.in_(day_keys))
    if not conditions:
        return reasons
    rows = session.execute(
        select(CrawlFailure.story_id, CrawlFailure.listing_day, CrawlFailure.reason)
        .where(or_(*conditions), CrawlFailure.failed_at >= since.replace(microsecond=0))
        .order_by(CrawlFailure.id)
    )
    for story_id, listing_day, reason in rows:
        reasons[str(story_id) if story_id is not None else f"front {listing_day}"] = reason
    return reasons


def threads_stored_since(
    session: Session, story_ids: Iterable[int], crawled_at: datetime
) -> set[int]:
    """Those of ``story_ids`` whose whole thread was stored at ``crawled_at`` or later.

    A dump import stores threads with the dump's snapshot time: a thread stored
    at that time is one this dump already stored, and one stored later comes
    from a fresher crawl that an older dump must not overwrite.
    """
    ids = list(story_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(
            session.scalars(
                select(Story.id).where(
                    Story.id.in_(ids[start : start + 500]),
                    Story.last_crawled_at >= crawled_at.replace(microsecond=0),
                )
            )
        )
    return found
