"""What the archive holds of each day, and the per-day status of runs and backfills."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Comment, CrawlRun, Day, FrontPage, Story
from db.store import dialect_insert
from matome_crawl.hn.model import ListingEntry, StoryRecord

STAGES = ("listed", "crawled", "translated", "exported")
# What `matome status` shows for a row left `running` by a run that no longer holds the archive.
INTERRUPTED = "interrupted"


def listed_entries(session: Session, day: date, source: str = "front") -> list[ListingEntry]:
    """The stored listing of ``day`` in rank order: its past front page, or a dump's top stories.

    Points and comment counts are the listing's own, so the day's top threads
    stay the same whatever later crawls learn about the stories.
    """
    rows = session.execute(
        select(FrontPage.rank, FrontPage.score, FrontPage.comment_count, Story)
        .join(Story, Story.id == FrontPage.story_id)
        .where(FrontPage.day == day, FrontPage.source == source)
        .order_by(FrontPage.rank)
    ).all()
    return [
        ListingEntry(
            rank=rank,
            story=StoryRecord(
                id=story.id,
                type=story.type,
                title=story.title,
                url=story.url,
                domain=story.domain,
                author=story.author,
                score=score,
                created_at=story.created_at,
                comment_count=comments,
                dead=story.dead,
            ),
        )
        for rank, score, comments, story in rows
    ]


def crawled_ids(session: Session, story_ids: Iterable[int]) -> set[int]:
    ids = list(story_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Story.id).where(Story.id.in_(ids), Story.last_crawled_at.is_not(None))
        )
    )


def comment_count(session: Session, story_ids: Iterable[int]) -> int:
    ids = list(story_ids)
    if not ids:
        return 0
    return session.scalar(select(func.count()).where(Comment.story_id.in_(ids))) or 0


def set_day(session: Session, day: date, status: str, **fields: Any) -> None:
    """Upsert the day's status row; ``attempt=True`` counts a new attempt."""
    now = datetime.now(UTC)
    attempt = bool(fields.pop("attempt", False))
    row = {"day": day, "status": status, "updated_at": now, "attempts": int(attempt), **fields}
    stmt = dialect_insert(session, Day)
    update = {"status": status, "updated_at": now, **fields}
    if attempt:
        update["attempts"] = Day.__table__.c.attempts + 1
    session.execute(stmt.on_conflict_do_update(index_elements=["day"], set_=update), [row])


def day_statuses(
    session: Session, first: date | None = None, last: date | None = None
) -> list[Day]:
    query = select(Day).order_by(Day.day)
    if first:
        query = query.where(Day.day >= first)
    if last:
        query = query.where(Day.day <= last)
    return list(session.scalars(query))


def shown_status(status: str, run_alive: bool) -> str:
    """A ``running`` day whose run is gone (killed, crashed, host rebooted) is ``interrupted``."""
    return INTERRUPTED if status == "running" and not run_alive else status


def running_crawl_runs(session: Session) -> int:
    """Crawl runs still marked ``running``; with no run holding the archive, all were cut short."""
    return session.scalar(select(func.count()).where(CrawlRun.status == "running")) or 0
