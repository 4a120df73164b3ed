"""``api``: threads from the official HN API (bulk backfill), listings still from the site."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from matome_crawl.addons import API_SLOT
from matome_crawl.dupefilter import JOB_META
from matome_crawl.hn.errors import HNPageError
from matome_crawl.hn.firebase import STORY_KINDS, ApiItem, build_thread, parse_item
from matome_crawl.items import ThreadItem
from matome_crawl.spiders.front import FrontSpider


@dataclass
class ThreadFetch:
    """The items of one thread fetched so far, and how many requests are still out."""

    story_id: int
    items: dict[int, ApiItem] = field(default_factory=dict)
    requested: set[int] = field(default_factory=set)  # each item once: build_thread judges repeats
    pending: int = 0
    failed: bool = False


class ApiSpider(FrontSpider):
    """Like ``front`` (``-a day=D``, ``-a days=…``, ``-a ids=…``), threads from the official API.

    One request per item, many in flight, no crawl delay (the API host allows
    it); the day's listing still comes from one ``/front?day=`` page.
    """

    name = "api"

    def configure(self, api_url: str | None = None, **arguments: Any) -> None:
        super().configure(**arguments)
        self.api_url_arg = api_url

    @property
    def api_url(self) -> str:
        return (self.api_url_arg or self.settings.get("HN_API_URL")).rstrip("/")

    @property
    def job_arguments(self) -> dict[str, Any]:
        return {**super().job_arguments, "api_url": self.api_url}

    def thread_request(self, story_id: int) -> scrapy.Request:
        fetch = ThreadFetch(story_id)
        return self._item_request(story_id, fetch)

    def _item_request(self, item_id: int, fetch: ThreadFetch) -> scrapy.Request:
        fetch.pending += 1
        fetch.requested.add(item_id)
        return scrapy.Request(
            f"{self.api_url}/item/{item_id}.json",
            callback=self.parse_item,
            errback=self.on_item_error,
            cb_kwargs={"fetch": fetch},
            meta={
                "download_slot": API_SLOT,
                JOB_META: self.job_number,
                "story_id": fetch.story_id,
                "item_id": item_id,
            },
        )

    def parse_item(self, response: Response, fetch: ThreadFetch) -> Iterator[Any]:
        if fetch.failed:
            return
        try:
            item = parse_item(response.url, response.body)
        except HNPageError as exc:
            retries = list(self._page_failed(response, exc))
            if retries:
                yield from retries  # the request stays pending under its retry
            else:
                fetch.failed = True
            return
        fetch.pending -= 1
        item_id = response.meta["item_id"]
        if item is None:
            if item_id == fetch.story_id:
                fetch.failed = True
                self._give_up(response.meta, f"{response.url}: no such item")
                return
            self.logger.warning(
                "item %s of thread %s: the API has no such item", item_id, fetch.story_id
            )
        else:
            if item_id == fetch.story_id and item.type not in STORY_KINDS:
                fetch.failed = True
                self._give_up(response.meta, f"item {item_id} is a {item.type}, not a story")
                return
            fetch.items[item.id] = item
            for child in (*item.kids, *item.parts):
                if child not in fetch.requested:
                    yield self._item_request(child, fetch)
        if fetch.pending == 0:
            try:
                thread = build_thread(fetch.story_id, fetch.items, url=response.url)
            except HNPageError as exc:  # a reply cycle, say: nothing of the thread is stored
                fetch.failed = True
                self._give_up(response.meta, str(exc))
                return
            self.crawler.stats.inc_value("matome/threads_complete")
            self.crawler.stats.inc_value("matome/api_items", len(fetch.items))
            yield ThreadItem(thread=thread, crawled_at=datetime.now(UTC))

    def request_dropped(self, request: scrapy.Request) -> None:
        fetch: ThreadFetch | None = request.cb_kwargs.get("fetch")
        if fetch is None:
            super().request_dropped(request)
        elif not fetch.failed:  # an item asked for twice: the API's replies make a cycle
            fetch.failed = True
            self._give_up(request.meta, f"{request.url}: item listed twice in the thread (a cycle)")

    def on_item_error(self, failure: Failure) -> None:
        fetch: ThreadFetch = failure.request.cb_kwargs["fetch"]  # type: ignore[attr-defined]
        if not fetch.failed:
            fetch.failed = True
            self.on_error(failure)
