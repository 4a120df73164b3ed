"""Small archives of synthetic days for the scale tests (stored as a crawl stores them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from db.engine import Database
from db.models import Comment, Story
from db.store import store_listing, store_thread
from matome_crawl.demo.synthetic import SynthDay, synthetic_day
from matome_crawl.hn.model import ListingPage

DAY = date(2026, 5, 2)
CRAWLED_AT = datetime(2026, 5, 3, 6, 0, tzinfo=UTC)


def store_day(database: Database, day: SynthDay) -> None:
    listing = ListingPage(
        url="https://example.invalid/front", entries=day.listing_entries(), next_url=None
    )
    with database.sessions.begin() as session:
        for thread in day.threads:
            store_thread(session, thread.thread_record(), CRAWLED_AT)
        store_listing(session, listing, source="front", day=day.day, captured_at=CRAWLED_AT)


def big_day(threads: int = 2, comments: int = 130) -> SynthDay:
    """Threads longer than a post (90 comments at most)."""
    return synthetic_day(DAY, threads, comments, seed=3)


def translated(database: Database) -> tuple[int, int]:
    """(comments with a translation, comments with text)."""
    with database.sessions() as session:
        done = session.scalar(select(func.count()).where(Comment.text_ja.is_not(None)))
        total = session.scalar(
            select(func.count()).where(Comment.text_html.is_not(None), Comment.deleted.is_(False))
        )
    return int(done or 0), int(total or 0)


def stored_translations(database: Database) -> tuple[list, list]:
    with database.sessions() as session:
        titles = session.execute(select(Story.id, Story.title_ja).order_by(Story.id)).all()
        comments = session.execute(
            select(Comment.id, Comment.text_ja, Comment.text_ja_untranslated).order_by(Comment.id)
        ).all()
    return [tuple(r) for r in titles], [tuple(r) for r in comments]
