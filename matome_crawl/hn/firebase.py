"""The official HN API (``/v0/item/ID.json``): items in, the same records as the HTML parser out.

A thread from the API has the same meaning as one from the site: ``position``
is display order (a depth-first walk of ``kids``, which the API keeps in
ranked order), ``depth`` 0 is a reply to the story, ``descendants`` counts the
comments below. Deleted comments without replies are left out, as the site
leaves them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from lxml import etree

from matome_crawl.hn.errors import HNLayoutError, HNPageError, TruncatedPage
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
    if not _is_id(data["id"]):
        raise HNLayoutError(url, f"API item id {data['id']!r} is not a number")
    for name in ("time", "parent"):
        if data.get(name) is not None and not _is_id(data[name]):
            raise HNLayoutError(
                url, f"API item {data['id']}: {name} {data[name]!r} is not a number"
            )
    return ApiItem(
        id=data["id"],
        type=str(data.get("type", "")),
        by=data.get("by"),
        time=data.get("time"),
        text=data.get("text") or None,
        kids=_id_list(url, data, "kids"),
        parent=data.get("parent"),
        dead=bool(data.get("dead", False)),
        deleted=bool(data.get("deleted", False)),
        title=data.get("title"),
        url=data.get("url") or None,
        score=data.get("score"),
        descendants=data.get("descendants"),
        parts=_id_list(url, data, "parts"),
    )


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_list(url: str, data: dict[str, Any], name: str) -> tuple[int, ...]:
    """``kids``/``parts``: a list of item ids; anything else would drop a subtree unseen."""
    value = data.get(name, [])
    if not isinstance(value, list) or not all(_is_id(v) for v in value):
        raise HNLayoutError(url, f"API item {data['id']}: {name} is not a list of item ids")
    return tuple(value)


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


def build_thread(story_id: int, items: dict[int, ApiItem], *, url: str | None = None) -> Thread:
    """The whole thread from every fetched item (story, comments and poll options).

    The walk is iterative, so a thread of any depth is kept whole. ``kids``
    that lead back to an ancestor (a reply cycle, which the API should never
    send) raise :class:`HNLayoutError` naming the item; a comment listed under
    two parents (moved between fetches) is kept once, where it is first reached.
    ``url`` names the thread in errors (default ``item <story_id>``).
    """
    story_item = items.get(story_id)
    if story_item is None:
        raise KeyError(f"story {story_id} was not fetched")
    where = url or f"item {story_id}"
    comments: list[CommentRecord] = []
    reached = {story_id}
    ancestors = {story_id}
    # One frame per open ancestor: its id, its index in comments (-1: the story), kids to walk.
    frames: list[tuple[int, int, Iterator[ApiItem]]] = [
        (story_id, -1, iter(_fetched_kids(story_item, items)))
    ]
    while frames:
        parent_id, index, kids = frames[-1]
        kid = next(kids, None)
        if kid is None:
            frames.pop()
            ancestors.discard(parent_id)
            if index >= 0:
                below = len(comments) - index - 1
                comments[index] = replace(comments[index], descendants=below)
            continue
        if kid.id in ancestors:
            raise HNLayoutError(
                where,
                f"API reply cycle: item {parent_id} lists item {kid.id}, one of its own"
                " ancestors, as a reply",
            )
        if kid.id in reached:
            continue
        reached.add(kid.id)
        grandkids = _fetched_kids(kid, items)
        if kid.deleted and not grandkids:
            continue  # the site shows no placeholder for a childless deleted comment
        comments.append(_comment(kid, depth=len(frames) - 1, position=len(comments)))
        frames.append((kid.id, len(comments) - 1, iter(grandkids)))
        ancestors.add(kid.id)
    options = [
        PollOption(id=p, text=html_to_text(_fragment(items[p].text or "")), score=items[p].score)
        for p in story_item.parts
        if p in items
    ]
    return Thread(story=story_from_item(story_item), comments=comments, poll_options=options)


def _fetched_kids(item: ApiItem, items: dict[int, ApiItem]) -> list[ApiItem]:
    return [items[k] for k in item.kids if k in items]


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
