"""The official HN API (``/v0/item/ID.json``): items in, the same records as the HTML parser out.

A thread from the API has the same meaning as one from the site: ``position``
is display order (a depth-first walk of ``kids``, which the API keeps in
ranked order), ``depth`` 0 is a reply to the story, ``descendants`` counts the
comments below. Deleted comments without replies are left out, as the site
leaves them out.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from lxml import etree

from matome_crawl.hn.errors import HNLayoutError, HNPageError, TruncatedPage
from matome_crawl.hn.model import CommentRecord, PollOption, StoryRecord, Thread
from matome_crawl.hn.story import story_type
from matome_crawl.hn.text import api_html_and_text, html_to_text

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
        text_html=api_html_and_text(item.text)[0] if item.text else None,
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
    order = thread_order(
        story_id,
        {item_id: item.kids for item_id, item in items.items()},
        {item_id for item_id, item in items.items() if item.deleted},
        url=url,
    )
    comments = [
        comment_record(
            item.id, item.parent, item.by, item.time, item.text, item.dead, item.deleted,
            depth=depth, position=position, descendants=below,
        )
        for position, (item, depth, below) in enumerate(
            zip(map(items.__getitem__, order.ids), order.depths, order.descendants, strict=True)
        )
    ]  # fmt: skip
    options = [
        PollOption(id=p, text=html_to_text(_fragment(items[p].text or "")), score=items[p].score)
        for p in story_item.parts
        if p in items
    ]
    return Thread(story=story_from_item(story_item), comments=comments, poll_options=options)


@dataclass(frozen=True, slots=True)
class ThreadOrder:
    """A thread's comments in display order: parallel lists, one entry per comment shown."""

    ids: list[int]
    depths: list[int]  # 0: a reply to the story
    descendants: list[int]  # comments shown below each one


def thread_order(
    story_id: int,
    kids: Mapping[int, Sequence[int]],
    deleted: Container[int],
    *,
    url: str | None = None,
) -> ThreadOrder:
    """Display order of a thread from each fetched item's ``kids`` (the keys are the items
    fetched; a kid that is not a key was not fetched and is left out) and the ids of the
    deleted items (shown only when they have fetched replies).

    A depth-first walk of ``kids`` in their ranked order, iterative so any depth is kept.
    """
    where = url or f"item {story_id}"
    ids: list[int] = []
    depths: list[int] = []
    below: list[int] = []
    reached = {story_id}
    ancestors = {story_id}
    # One frame per open ancestor: its id, its index in ids (-1: the story), kids to walk.
    frames: list[tuple[int, int, Iterator[int]]] = [
        (story_id, -1, iter([k for k in kids[story_id] if k in kids]))
    ]
    while frames:
        parent_id, index, walk = frames[-1]
        kid = next(walk, None)
        if kid is None:
            frames.pop()
            ancestors.discard(parent_id)
            if index >= 0:
                below[index] = len(ids) - index - 1
            continue
        if kid in ancestors:
            raise HNLayoutError(
                where,
                f"API reply cycle: item {parent_id} lists item {kid}, one of its own"
                " ancestors, as a reply",
            )
        if kid in reached:
            continue
        reached.add(kid)
        grandkids = [k for k in kids[kid] if k in kids]
        if not grandkids and kid in deleted:
            continue  # the site shows no placeholder for a childless deleted comment
        depths.append(len(frames) - 1)
        ids.append(kid)
        below.append(0)
        frames.append((kid, len(ids) - 1, iter(grandkids)))
        ancestors.add(kid)
    return ThreadOrder(ids, depths, below)


def comment_record(
    item_id: int,
    parent: int | None,
    by: str | None,
    time: int | None,
    text: str | None,
    dead: bool,
    deleted: bool,
    *,
    depth: int,
    position: int,
    descendants: int,
) -> CommentRecord:
    """One comment of a thread from its API fields (``text`` as the API serves it)."""
    text_html, plain = api_html_and_text(text) if text else (None, None)
    # Positional: the record's field order (a frozen dataclass pays for every keyword).
    return CommentRecord(
        item_id, parent or 0, depth, position, by, _when(time), text_html, plain, descendants,
        dead, False, deleted,
    )  # fmt: skip
