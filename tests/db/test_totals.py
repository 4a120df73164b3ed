"""`matome stats` reads totals kept on write: they equal counting the archive, both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from db import queries, review
from db.bulk import store_new_threads
from db.engine import alembic_config, connect, make_engine, migration_connection, upgrade
from db.models import Comment, FrontPage, Story
from db.store import store_listing, store_thread, upsert_stories
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES

ITEM = HN_FIXTURES / "html" / "item"
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def counted_stats(session: Session, *, top: int = 10) -> dict[str, Any]:
    """The stats as ``queries.stats`` computed them before the totals: counting everything."""
    comments = session.scalar(select(func.count()).select_from(Comment)) or 0
    with_text = session.scalar(select(func.count()).where(Comment.text.is_not(None))) or 0
    translated = session.scalar(select(func.count()).where(Comment.text_ja.is_not(None))) or 0
    top_authors = session.execute(
        select(Comment.author, func.count().label("n"))
        .where(Comment.author.is_not(None))
        .group_by(Comment.author)
        .order_by(text("n DESC"), Comment.author)
        .limit(top)
    ).all()
    top_domains = session.execute(
        select(Story.domain, func.count().label("n"))
        .where(Story.domain.is_not(None), Story.last_crawled_at.is_not(None))
        .group_by(Story.domain)
        .order_by(text("n DESC"), Story.domain)
        .limit(top)
    ).all()
    first_last = session.execute(select(func.min(FrontPage.day), func.max(FrontPage.day))).one()
    return {
        "days": session.scalar(select(func.count(func.distinct(FrontPage.day)))) or 0,
        "first_day": first_last[0].isoformat() if first_last[0] else None,
        "last_day": first_last[1].isoformat() if first_last[1] else None,
        "stories": session.scalar(select(func.count()).select_from(Story)) or 0,
        "threads": session.scalar(select(func.count()).where(Story.last_crawled_at.is_not(None)))
        or 0,
        "comments": comments,
        "translated_comments": translated,
        "translated_share": round(translated / with_text, 4) if with_text else 0.0,
        "titles_translated": session.scalar(select(func.count()).where(Story.title_ja.is_not(None)))
        or 0,
        "top_authors": [{"author": a, "comments": n} for a, n in top_authors],
        "top_domains": [{"domain": d, "threads": n} for d, n in top_domains],
    }


def thread(name: str, story_id: int):
    url = f"https://news.ycombinator.com/item?id={story_id}"
    return join_pages([parse_thread_page(url, (ITEM / name).read_bytes())])


def renumbered(t, offset: int, author: str):
    """The same thread as another story (new ids), every third comment by ``author``."""
    comments = [
        replace(
            c,
            id=c.id + offset,
            parent_id=c.parent_id + offset,
            author=author if n % 3 == 0 else c.author,
        )
        for n, c in enumerate(t.comments)
    ]
    story = replace(t.story, id=t.story.id + offset, url="https://example.org/x")
    return replace(t, story=story, comments=comments)


def check(database, step: str) -> None:
    with database.sessions() as session:
        for top in (3, 10):
            assert queries.stats(session, top=top) == counted_stats(session, top=top), step


def test_totals_equal_counting_after_every_kind_of_write(archive_url):
    database = connect(archive_url)
    check(database, "empty")
    listing = parse_listing(
        "https://news.ycombinator.com/news",
        (HN_FIXTURES / "html" / "front" / "news_2026-06-01.html").read_bytes(),
    )
    main, poll = thread("item_48350598.html", 48350598), thread("item_126809_poll.html", 126809)
    with database.sessions.begin() as session:
        store_listing(session, listing, source="front", day=date(2026, 6, 1), captured_at=T0)
    check(database, "listed")
    with database.sessions.begin() as session:
        store_thread(session, main, T0)
        store_thread(session, poll, T0)
    check(database, "crawled")
    with database.sessions.begin() as session:  # the bulk store: triggers off, counts added
        store_new_threads(
            session, [renumbered(main, 10**9, "bulkuser"), renumbered(poll, 10**9, "drum55")], T0
        )
    check(database, "bulk")

    later = T0 + timedelta(days=1)
    edited = [replace(main.comments[0], text_html="Edited.", text="Edited.")]
    blanked = [replace(c, text_html=None, text=None, deleted=True) for c in main.comments[1:4]]
    with database.sessions.begin() as session:  # re-crawl: edits, [deleted], vanished
        store_thread(session, replace(main, comments=edited + blanked + main.comments[4:90]), later)
    check(database, "re-crawled")
    with database.sessions.begin() as session:  # translations, a person's, a changed title
        ids = session.scalars(select(Comment.id).order_by(Comment.id).limit(40)).all()
        session.execute(
            update(Comment).where(Comment.id.in_(ids)).values(text_ja="訳", text_ja_model="m")
        )
        session.execute(update(Story).values(title_ja="題"))
        review.edit_comment(session, ids[-1] + 1, "人の訳", later)
        review.edit_title(session, poll.story.id, "", later)
        retitled = replace(main.story, title="A new title", url="https://other.example/y")
        upsert_stories(session, [retitled], later, crawled_at=later)
    check(database, "translated")
    with database.sessions.begin() as session:  # an author renamed, rows deleted
        session.execute(update(Comment).where(Comment.id == ids[0]).values(author="renamed"))
        session.execute(update(Comment).where(Comment.id == ids[1]).values(author=None))
        session.execute(update(Comment).where(Comment.id == ids[2]).values(text=None))
        session.execute(delete(Comment).where(Comment.story_id == poll.story.id + 10**9))
        session.execute(delete(Story).where(Story.id == poll.story.id + 10**9))
        session.execute(delete(Comment).where(Comment.id.in_(ids[5:9])))
        session.execute(update(Story).where(Story.id == main.story.id).values(last_crawled_at=None))
    check(database, "renamed and deleted")
    with database.sessions() as session:
        totals = queries.stats(session)
    assert totals["comments"] > 200 and totals["translated_comments"] > 30
    assert totals["top_authors"][0]["author"] == "bulkuser"
    database.dispose()


def test_the_migration_counts_an_existing_archive(archive_url):
    engine = make_engine(archive_url)
    upgrade(engine, "0008")
    with Session(engine) as session, session.begin():  # an archive written before 0009
        store_listing(
            session,
            parse_listing(
                "https://news.ycombinator.com/news",
                (HN_FIXTURES / "html" / "front" / "news_2026-06-01.html").read_bytes(),
            ),
            source="front",
            day=date(2026, 6, 1),
            captured_at=T0,
        )
        store_thread(session, thread("item_48350598.html", 48350598), T0)
        session.execute(update(Comment).where(Comment.id % 3 == 0).values(text_ja="訳"))
    upgrade(engine)
    database = connect(archive_url)
    check(database, "upgraded")
    with migration_connection(engine) as conn:  # down and up again: the same totals
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
        command.upgrade(cfg, "head")
    check(database, "down and up")
    database.dispose()
    engine.dispose()
