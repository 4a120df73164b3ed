"""The official HN API (``/v0/item/ID.json``): items in, the same records as the HTML parser out.

A thread from the API has the same meaning as one from the site: ``position``
is display order (a depth-first walk of ``kids``, which the API keeps in
ranked order), ``depth`` 0 is a reply to the story, ``descendants`` counts the
comments below. Deleted comments without replies are left out, as the site
leaves them out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from lxml import etree

from matome_crawl.hn.errors import HNPageError, TruncatedPage
from matome_crawl.hn.model import CommentRecord, PollOption, StoryRecord, Thread
from matome_crawl.hn.page import inner_html
from matome_crawl.hn.story import story_type
from matome_crawl.hn.text import html_to_text

STORY_KINDS = frozenset({"story", "job", "poll"})


@dataclass(frozen=True, slots=True)
class ApiItem:
    """One API item, kept close to the JSON."""

    id: int
    type: str
    by: str | None
    time: int | None
    text: str | None
    kids: tuple[int, ...]
    parent: int | None
    dead: bool
    deleted: bool
    title: str | None = None
    url: str | None = None
    score: int | None = None
    descendants: int | None = None
    parts: tuple[int, ...] = ()


def parse_item(url: str, body: str | bytes) -> ApiItem | None:
    """One ``item/ID.json`` answer; ``None`` for the API's ``null`` (no such item)."""
    try:
        data: Any = json.loads(body)
    except ValueError as exc:
        raise TruncatedPage(url, f"API answer is not complete JSON ({exc}): truncated") from exc
    if data is None:
        return None
    if not isinstance(data, dict) or "id" not in data:
        raise HNPageError(url, "API answer is not an item")
    return ApiItem(
        id=int(data["id"]),
        type=str(data.get("type", "")),
        by=data.get("by"),
        time=data.get("time"),
        text=data.get("text") or None,
        kids=tuple(data.get("kids", ())),
        parent=data.get("parent"),
        dead=bool(data.get("dead", False)),
        deleted=bool(data.get("deleted", False)),
        title=data.get("title"),
        url=data.get("url") or None,
        score=data.get("score"),
        descendants=data.get("descendants"),
        parts=tuple(data.get("parts", ())),
    )


def _when(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch is not None else None


def _fragment(text: str) -> etree._Element:
    """Parse an API text (HN comment HTML) into a ``div`` like the site's ``commtext``."""
    root = etree.fromstring(f"<div>{text}</div>", etree.HTMLParser())
    return root.find("body/div")


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.") or None


def story_from_item(item: ApiItem) -> StoryRecord:
    if item.type not in STORY_KINDS:
        raise ValueError(f"item {item.id} is a {item.type}, not a story")
    title = item.title or ""
    kind = item.type
    if kind == "story":
        kind = story_type(title, item.url, is_job=False)
    return StoryRecord(
        id=item.id,
        type=kind,
        title=title,
        url=item.url,
        domain=_domain(item.url),
        author=item.by,
        score=item.score,
        created_at=_when(item.time),
        comment_count=item.descendants,
        text_html=inner_html(_fragment(item.text)) if item.text else None,
        dead=item.dead,
    )


def build_thread(story_id: int, items: dict[int, ApiItem]) -> Thread:
    """The whole thread from every fetched item (story, comments and poll options)."""
    story_item = items.get(story_id)
    if story_item is None:
        raise KeyError(f"story {story_id} was not fetched")
    comments: list[CommentRecord] = []

    def walk(item: ApiItem, depth: int) -> int:
        """Append ``item``'s shown subtree in display order; returns its size."""
        shown_kids = [items[k] for k in item.kids if k in items]
        if item.deleted and not shown_kids:
            return 0  # the site shows no placeholder for a childless deleted comment
        index = len(comments)
        comments.append(_comment(item, depth, index))
        below = sum(walk(kid, depth + 1) for kid in shown_kids)
        comments[index] = replace(comments[index], descendants=below)
        return below + 1

    for kid in story_item.kids:
        if kid in items:
            walk(items[kid], 0)
    options = [
        PollOption(id=p, text=html_to_text(_fragment(items[p].text or "")), score=items[p].score)
        for p in story_item.parts
        if p in items
    ]
    return Thread(story=story_from_item(story_item), comments=comments, poll_options=options)


def _comment(item: ApiItem, depth: int, position: int) -> CommentRecord:
    body = _fragment(item.text) if item.text else None
    return CommentRecord(
        id=item.id,
        parent_id=item.parent or 0,
        depth=depth,
        position=position,
        author=item.by,
        created_at=_when(item.time),
        text_html=inner_html(body) if body is not None else None,
        text=html_to_text(body) if body is not None else None,
        descendants=None,
        dead=item.dead,
        flagged=False,
        deleted=item.deleted,
    )
