"""Fixtures of the export tests: threads inserted with the ORM into a real temporary SQLite."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from db.engine import Database
from db.models import Comment, FrontPage, Story

CRAWLED_AT = datetime(2025, 2, 10, 6, 0, tzinfo=UTC)
HOSTILE = '"><script>alert(1)</script>{{< param >}}\\'


@dataclass
class C:
    """A comment to insert: depth, descendants and text; ids and positions are assigned."""

    depth: int = 0
    descendants: int = 0
    text: str | None = None
    text_ja: str | None = None
    translated: bool = True
    dead: bool = False
    deleted: bool = False
    flagged: bool = False
    author: str | None = None


@dataclass
class ThreadSpec:
    story_id: int
    title: str
    title_ja: str | None = None
    day: date | None = date(2025, 2, 9)  # listed on this day's front page; None: not listed
    rank: int = 1
    source: str = "front"
    crawled: bool = True
    url: str | None = None
    domain: str | None = None
    created_at: datetime = datetime(2025, 2, 9, 15, 0, tzinfo=UTC)
    comments: Sequence[C] = field(default_factory=lambda: [C(), C(1, 0), C()])


def add_thread(database: Database, spec: ThreadSpec) -> list[int]:
    """Insert a story, its listing and its comments; returns the comment ids."""
    ids = []
    with database.sessions.begin() as session:
        session.add(
            Story(
                id=spec.story_id,
                type="story",
                title=spec.title,
                title_ja=spec.title_ja if spec.title_ja is not None else f"{spec.title}（訳）",
                url=spec.url,
                domain=spec.domain,
                author="op",
                score=100,
                created_at=spec.created_at,
                comment_count=len(spec.comments),
                first_seen_at=spec.created_at,
                last_crawled_at=CRAWLED_AT if spec.crawled else None,
            )
        )
        session.flush()
        if spec.day is not None:
            session.add(
                FrontPage(
                    day=spec.day,
                    source=spec.source,
                    rank=spec.rank,
                    story_id=spec.story_id,
                    captured_at=CRAWLED_AT,
                )
            )
        parents = [spec.story_id]
        for position, c in enumerate(spec.comments):
            cid = spec.story_id * 1000 + position + 1
            del parents[c.depth + 1 :]
            text = c.text if c.text is not None else f"Comment {cid} in English."
            text_ja = c.text_ja if c.text_ja is not None else f"コメント{cid}の訳です。"
            session.add(
                Comment(
                    id=cid,
                    story_id=spec.story_id,
                    parent_id=parents[-1],
                    depth=c.depth,
                    position=position,
                    author=c.author or f"user{cid}",
                    created_at=spec.created_at + timedelta(minutes=position),
                    text=text,
                    text_html=f"<p>{text}</p>",
                    text_ja=text_ja if c.translated else None,
                    descendants=c.descendants,
                    dead=c.dead,
                    deleted=c.deleted,
                    flagged=c.flagged,
                    content_hash="x",
                    first_seen_at=CRAWLED_AT,
                    last_seen_at=CRAWLED_AT,
                )
            )
            parents.append(cid)
            ids.append(cid)
    return ids


@pytest.fixture
def thread(database: Database) -> Callable[..., list[int]]:
    """``thread(story_id, title, **spec)`` inserts a thread into the test database."""

    def make(story_id: int, title: str, **kwargs: object) -> list[int]:
        return add_thread(database, ThreadSpec(story_id, title, **kwargs))  # type: ignore[arg-type]

    return make


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"
