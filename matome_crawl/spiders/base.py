"""What the HN spiders share: the site's URLs, the polite download slot, thread crawling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from twisted.python.failure import Failure

from matome_crawl.addons import HN_SLOT
from matome_crawl.hn.errors import HNPageError
from matome_crawl.hn.model import ThreadPage
from matome_crawl.hn.thread import join_pages, parse_thread_page
from matome_crawl.items import ThreadItem


def parse_positive_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number


class HNSpider(scrapy.Spider):
    """Base for spiders that read the HN site (``base_url`` argument or ``HN_BASE_URL``)."""

    base_url_arg: str | None = None

    def __init__(self, *args: Any, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url_arg = base_url

    @property
    def arguments(self) -> dict[str, Any]:
        """The spider's arguments, as recorded in ``crawl_runs``."""
        return {"base_url": self.base_url}

    @property
    def base_url(self) -> str:
        return (self.base_url_arg or self.settings.get("HN_BASE_URL")).rstrip("/")

    def hn_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A request to the HN site, in the slot that carries HN's crawl delay."""
        meta = {"download_slot": HN_SLOT, **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, meta=meta, errback=self.on_error, **kwargs)

    # --- threads -------------------------------------------------------------
    def thread_request(self, story_id: int) -> scrapy.Request:
        return self.hn_request(
            f"{self.base_url}/item?id={story_id}",
            self.parse_thread_page,
            cb_kwargs={"pages": []},
            meta={"story_id": story_id},
        )

    def parse_thread_page(
        self, response: Response, pages: list[ThreadPage]
    ) -> Iterator[scrapy.Request | ThreadItem]:
        """Follow the thread's "More" pages; yield the thread only once every page is in."""
        try:
            page = parse_thread_page(response.url, response.body)
        except HNPageError as exc:
            yield from self._page_failed(response, exc)
            return
        requested = response.meta.get("story_id")
        if page.story is not None and requested is not None and page.story_id != requested:
            yield from self._page_failed(
                response,
                HNPageError(response.url, f"page shows item {page.story_id}, not {requested}"),
            )
            return
        if page.story is None and not pages:
            self.logger.info(
                "item %s is a comment on story %s: crawling the story",
                response.meta.get("story_id"),
                page.story_id,
            )
            yield self.thread_request(page.story_id)
            return
        pages = [*pages, page]
        if page.next_url:
            yield self.hn_request(
                page.next_url,
                self.parse_thread_page,
                cb_kwargs={"pages": pages},
                meta={"story_id": page.story_id},
            )
            return
        try:
            thread = join_pages(pages)
        except HNPageError as exc:
            yield from self._page_failed(response, exc)
            return
        self.crawler.stats.inc_value("matome/threads_complete")
        self.crawler.stats.inc_value("matome/thread_pages", len(pages))
        yield ThreadItem(thread=thread, crawled_at=datetime.now(UTC))

    def _page_failed(self, response: Response, exc: HNPageError) -> Iterator[scrapy.Request]:
        kind = type(exc).__name__
        self.crawler.stats.inc_value(f"matome/page_error/{kind}")
        if exc.retryable:
            retry = get_retry_request(response.request, spider=self, reason=kind)
            if retry is not None:
                yield retry
                return
        self._give_up(response.meta.get("story_id"), str(exc))

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._give_up(request.meta.get("story_id"), f"{request.url}: {failure.getErrorMessage()}")

    def _give_up(self, story_id: int | None, reason: str) -> None:
        if story_id is None:
            self.crawler.stats.inc_value("matome/listing_failed")
            self.logger.error("listing not stored: %s", reason)
            return
        self.crawler.stats.inc_value("matome/threads_failed")
        failed = self.crawler.stats.get_value("matome/failed_threads") or []
        self.crawler.stats.set_value("matome/failed_threads", [*failed, story_id])
        self.logger.error("thread %s not stored (nothing partial is kept): %s", story_id, reason)
