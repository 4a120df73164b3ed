"""A small closed archive (every connection disposed) for the db tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from db.engine import connect
from db.models import Comment, FrontPage, Story

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = date(2026, 6, 1)


def fill(url: str) -> None:
    """One story of DAY's front page with two comments, one about a zeppelin."""
    database = connect(url)
    with database.sessions.begin() as session:
        session.add(Story(id=1, type="story", title="Zeppelin airships return", first_seen_at=T0))
        session.flush()
        session.add(FrontPage(day=DAY, source="front", rank=1, story_id=1, captured_at=T0))
        for n, text in enumerate(["A zeppelin over the bay", "Blimps are not rigid"]):
            session.add(
                Comment(
                    id=11 + n,
                    story_id=1,
                    parent_id=1,
                    depth=0,
                    position=n,
                    author=f"user{n}",
                    text=text,
                    content_hash=str(n),
                    first_seen_at=T0,
                    last_seen_at=T0,
                )
            )
    database.dispose()


@pytest.fixture
def archive(db_path: Path) -> Path:
    """A migrated archive file with a little data, no connection left open."""
    fill(f"sqlite:///{db_path}")
    return db_path
