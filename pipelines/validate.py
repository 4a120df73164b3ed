"""Refuse items that would store a wrong or misleading thread; log and count the reason."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from matome_crawl.hn.model import STORY_TYPES, StoryRecord, Thread
from matome_crawl.items import ListingItem, ThreadItem

logger = logging.getLogger(__name__)


def story_problems(story: StoryRecord) -> list[str]:
    problems = []
    if story.id < 1:
        problems.append(f"bad story id {story.id}")
    if not story.title.strip():
        problems.append(f"story {story.id} has no title")
    if story.type not in STORY_TYPES:
        problems.append(f"story {story.id} has unknown type {story.type!r}")
    return problems


def thread_problems(thread: Thread) -> list[str]:
    """Structural checks: unique ids, parents that exist earlier, depth = parent depth + 1."""
    problems = story_problems(thread.story)
    depth_of = {thread.story.id: -1}
    for comment in thread.comments:
        if comment.id in depth_of:
            problems.append(f"comment {comment.id} appears twice")
            continue
        parent_depth = depth_of.get(comment.parent_id)
        if parent_depth is None:
            problems.append(f"comment {comment.id}: parent {comment.parent_id} not in the thread")
        elif comment.depth != parent_depth + 1:
            problems.append(
                f"comment {comment.id}: depth {comment.depth} under a depth {parent_depth}"
            )
        depth_of[comment.id] = comment.depth
    return problems


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if isinstance(item, ThreadItem):
            problems = thread_problems(item.thread)
            name = "thread"
            shown = item.thread.story.comment_count or 0
            if not problems and shown and not item.thread.comments:
                # Comments hidden from logged-out readers (dead) can explain this; say so.
                self.stats.inc_value("matome/thread_without_visible_comments")
                logger.warning(
                    "thread %s: HN counts %d comments but none are visible",
                    item.thread.story.id,
                    shown,
                )
        elif isinstance(item, ListingItem):
            problems = [p for e in item.page.entries for p in story_problems(e.story)]
            name = "listing"
        else:
            problems, name = [f"unexpected item type {type(item).__name__}"], "unknown"
        if problems:
            self.stats.inc_value(f"matome/invalid_{name}")
            raise DropItem(f"invalid {name} ({item_label(item)}): " + "; ".join(problems[:5]))
        return item


def item_label(item: object) -> str:
    if isinstance(item, ThreadItem):
        return f"story {item.thread.story.id}"
    if isinstance(item, ListingItem):
        return item.page.url
    return repr(item)[:80]
