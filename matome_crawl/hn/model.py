"""Typed records that the HN parsers return (no Scrapy, no database).

Every other layer (spiders, pipelines, the Firebase API source, the demo
server) speaks in these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STORY_TYPES = ("story", "ask", "show", "job", "poll")


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A submission as a list page or a thread page shows it."""

    id: int
    type: str  # one of STORY_TYPES
    title: str
    url: str | None  # None for self posts (Ask HN, polls, text-only jobs)
    domain: str | None
    author: str | None
    score: int | None
    created_at: datetime | None
    comment_count: int | None  # as shown; "discuss" reads as 0
    text_html: str | None = None  # OP text, only on a thread page
    dead: bool = False
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """One comment row. ``depth`` 0 is a reply to the story (or to the page's root comment)."""

    id: int
    parent_id: int
    depth: int
    position: int  # display order in the whole thread, 0-based
    author: str | None
    created_at: datetime | None
    text_html: str | None
    text: str | None
    descendants: int | None  # comments below this one (HN's togg n minus 1)
    dead: bool = False
    flagged: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PollOption:
    id: int
    text: str
    score: int | None


@dataclass(frozen=True, slots=True)
class ListingEntry:
    rank: int
    story: StoryRecord


@dataclass(frozen=True, slots=True)
class ListingPage:
    """A story list (/news, /front?day=, /best, /jobs…)."""

    url: str
    entries: list[ListingEntry]
    next_url: str | None  # absolute URL of the "More" link
    day: str | None = None  # YYYY-MM-DD for a past front page


@dataclass(frozen=True, slots=True)
class ThreadPage:
    """One page of a thread (``item?id=N`` or ``item?id=N&p=2``).

    ``story`` is set when the page's top item is a story; ``root_comment`` when
    it is a comment's own page (then ``story_id`` comes from the "on:" link).
    ``comments`` hold this page's rows with ``position`` counted from 0 on the
    page; :func:`matome_crawl.hn.thread.join_pages` renumbers across pages.
    """

    url: str
    story_id: int
    story: StoryRecord | None
    root_comment: CommentRecord | None
    comments: list[CommentRecord]
    next_url: str | None
    page: int = 1
    poll_options: list[PollOption] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Thread:
    """A whole thread: the story and every comment of every page, in display order."""

    story: StoryRecord
    comments: list[CommentRecord]
    pages: int = 1
    poll_options: list[PollOption] = field(default_factory=list)
