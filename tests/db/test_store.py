"""Upsert semantics on a real SQLite file: idempotent, nothing deleted, edits tracked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from db.models import Comment, FrontPage, Story
from db.store import store_listing, store_thread
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES

ITEM = HN_FIXTURES / "html" / "item"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def thread(name="item_48350598.html", story_id=48350598):
    url = f"https://news.ycombinator.com/item?id={story_id}"
    return join_pages([parse_thread_page(url, (ITEM / name).read_bytes())])


def test_storing_twice_is_idempotent(database):
    t = thread()
    with database.sessions.begin() as session:
        first = store_thread(session, t, T0)
    with database.sessions.begin() as session:
        second = store_thread(session, t, T0 + timedelta(hours=1))
    assert (first.added, first.edited, first.vanished) == (124, 0, 0)
    assert (second.added, second.edited, second.vanished) == (0, 0, 0)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 124
        comment = session.get(Comment, 48351450)
        assert comment.first_seen_at == T0
        assert comment.last_seen_at == T0 + timedelta(hours=1)
        story = session.get(Story, 48350598)
        assert story.last_crawled_at == T0 + timedelta(hours=1)
        assert story.first_seen_at == T0


def test_edited_text_replaces_and_clears_translation(database):
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
        comment = session.get(Comment, 48351450)
        comment.text_ja = "訳"
        comment.text_ja_model = "m"
        other = session.get(Comment, 48351877)
        other.text_ja = "そのまま"
    edited = replace(t.comments[0], text_html="Edited.", text="Edited.")
    with database.sessions.begin() as session:
        result = store_thread(session, replace(t, comments=[edited, *t.comments[1:]]), T0)
    assert result.edited == 1
    with database.sessions() as session:
        comment = session.get(Comment, 48351450)
        assert (comment.text, comment.text_ja, comment.text_ja_model) == ("Edited.", None, None)
        assert session.get(Comment, 48351877).text_ja == "そのまま"


def test_deleted_comment_keeps_stored_text(database):
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
    gone = replace(t.comments[0], text_html=None, text=None, author=None, deleted=True)
    with database.sessions.begin() as session:
        store_thread(session, replace(t, comments=[gone, *t.comments[1:]]), T0 + timedelta(days=1))
    with database.sessions() as session:
        comment = session.get(Comment, 48351450)
        assert comment.deleted
        assert comment.author == "winter_blue"
        assert comment.text.startswith("Used laptops are such a good deal")


def test_vanished_comments_are_marked_not_deleted(database):
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
    later = T0 + timedelta(days=1)
    with database.sessions.begin() as session:
        result = store_thread(session, replace(t, comments=t.comments[:100]), later)
    assert result.vanished == 24
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 124
        missing = session.scalars(select(Comment).where(Comment.missing_since.is_not(None))).all()
        assert len(missing) == 24 and {c.missing_since for c in missing} == {later}
    # Back again: no longer missing.
    with database.sessions.begin() as session:
        store_thread(session, t, later + timedelta(days=1))
    with database.sessions() as session:
        assert not session.scalars(select(Comment).where(Comment.missing_since.is_not(None))).all()


def test_listing_then_thread_keeps_poll_type_and_updates_counts(database):
    listing = parse_listing(
        "https://news.ycombinator.com/news",
        (HN_FIXTURES / "html" / "front" / "news_2026-06-01.html").read_bytes(),
    )
    with database.sessions.begin() as session:
        rows = store_listing(session, listing, source="news", day=date(2026, 6, 1), captured_at=T0)
        assert rows == 30
        store_thread(session, thread(), T0)
        store_thread(session, thread("item_126809_poll.html", 126809), T0)
    # A list page sees a poll as a self post: the stored type stays "poll".
    poll_listed = replace(
        listing.entries[0], story=replace(thread("item_126809_poll.html", 126809).story, type="ask")
    )
    with database.sessions.begin() as session:
        store_listing(
            session,
            replace(listing, entries=[poll_listed]),
            source="news",
            day=date(2026, 6, 2),
            captured_at=T0,
        )
    with database.sessions() as session:
        assert session.get(Story, 126809).type == "poll"
        assert session.get(Story, 48350598).comment_count == 124
        assert session.scalar(select(func.count()).select_from(FrontPage)) == 31


def test_changed_title_clears_its_translation(database):
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
        session.get(Story, 48350598).title_ja = "Chuwi Minibook X（訳）"
    with database.sessions.begin() as session:
        store_thread(
            session, replace(t, story=replace(t.story, title="Chuwi Minibook X review")), T0
        )
    with database.sessions() as session:
        assert session.get(Story, 48350598).title_ja is None
