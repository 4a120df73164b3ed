"""What the HN spiders share: the site's URLs, the polite download slot, thread crawling, jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from matome_crawl.addons import HN_SLOT
from matome_crawl.dupefilter import JOB_META
from matome_crawl.hn.errors import HNLayoutError, HNPageError
from matome_crawl.hn.model import ThreadPage
from matome_crawl.hn.thread import join_pages, next_page_url, parse_thread_page
from matome_crawl.items import ThreadItem
from matome_crawl.signals import crawl_failed


def parse_positive_int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number


def describe_failure(failure: Failure) -> str:
    """A download failure in words; never empty (a cut connection has no message)."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    message = failure.getErrorMessage().strip()
    reasons = getattr(failure.value, "reasons", None)  # twisted's ResponseFailed & co.
    if reasons:
        inner = "; ".join(r.getErrorMessage() or r.type.__name__ for r in reasons)
        message = f"{message} ({inner})" if message else inner
    name = failure.type.__name__ if failure.type else "error"
    return f"{name}: {message}" if message else name


class HNSpider(scrapy.Spider):
    """Base for spiders that read the HN site (``base_url`` argument or ``HN_BASE_URL``).

    A spider runs one job (its arguments) and closes, as ``scrapy crawl`` and
    Scrapyd run it; with ``keep_open=True`` (what :class:`~matome_crawl.crawl.
    CrawlSession` passes) it stays open and runs the jobs given to
    :meth:`run_job` one after another, in the same downloader.
    """

    base_url_arg: str | None = None

    def __init__(
        self,
        *args: Any,
        base_url: str | None = None,
        keep_open: bool = False,
        **arguments: Any,
    ) -> None:
        super().__init__(*args)
        self.base_url_arg = base_url
        self.keep_open = bool(keep_open)
        self.job_number = 0
        self._job_done: asyncio.Future[None] | None = None
        # Scrapyd passes its own "_job" argument; keep such private ones as attributes.
        for key in [k for k in arguments if k.startswith("_")]:
            setattr(self, key, arguments.pop(key))
        self.jobs: list[dict[str, Any]] = []  # the jobs run_job() was given, for crawl_runs
        if arguments or not keep_open:
            self.configure(**arguments)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> HNSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # --- jobs -----------------------------------------------------------------
    def configure(self, **arguments: Any) -> None:
        """Take one job's arguments (validated here, so a bad ``-a`` fails before any request)."""
        if arguments:
            raise ValueError(f"unknown spider argument(s): {', '.join(sorted(arguments))}")

    @property
    def job_arguments(self) -> dict[str, Any]:
        """The current job's arguments, as recorded in ``crawl_runs``."""
        return {}

    @property
    def arguments(self) -> dict[str, Any]:
        """What ``crawl_runs`` records: the site and its job (or every job run so far)."""
        if not self.keep_open:
            return {"base_url": self.base_url, **self.job_arguments}
        return {"base_url": self.base_url, "jobs": self.jobs}

    def job_requests(self) -> Iterator[scrapy.Request]:
        """The first requests of the current job."""
        return iter(())

    async def start(self) -> Any:
        if self.keep_open:
            return  # jobs arrive through run_job()
        for request in self.job_requests():
            yield request

    def run_job(self, **arguments: Any) -> asyncio.Future[None]:
        """Start a job in this open spider; the future completes when the crawler is idle."""
        self.configure(**arguments)
        self.job_number += 1
        self.jobs.append(self.job_arguments)
        self._job_done = asyncio.get_running_loop().create_future()
        requests = list(self.job_requests())
        for request in requests:
            self.crawler.engine.crawl(request)
        if not requests:
            self._job_done.set_result(None)
        return self._job_done

    def spider_idle(self) -> None:
        if self._job_done is not None and not self._job_done.done():
            self._job_done.set_result(None)
        if self.keep_open:
            raise DontCloseSpider

    def request_dropped(self, request: scrapy.Request) -> None:
        """A request the duplicate filter refused: within one job that is a loop."""
        if request.meta.get("story_id") is not None or request.meta.get("listing_day"):
            self._give_up(request.meta, f"{request.url}: requested twice in one crawl (a loop)")

    # --- requests -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return (self.base_url_arg or self.settings.get("HN_BASE_URL")).rstrip("/")

    def hn_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A request to the HN site, in the slot that carries HN's crawl delay."""
        meta = {"download_slot": HN_SLOT, JOB_META: self.job_number, **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, meta=meta, errback=self.on_error, **kwargs)

    def redirected_elsewhere(self, response: Response) -> str | None:
        """Where a redirect took a request that must be answered by its own URL, if it did."""
        first = (response.meta.get("redirect_urls") or [None])[0]
        if first is None:
            return None
        asked, got = urlsplit(first), urlsplit(response.url)
        if (asked.path, asked.query) != (got.path, got.query):
            return response.url
        return None

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
        elsewhere = self.redirected_elsewhere(response)
        if elsewhere is not None:
            yield from self._page_failed(
                response, HNPageError(response.request.url, f"redirected to {elsewhere}")
            )
            return
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
        try:
            next_url = next_page_url(pages)  # refuses "More" links that loop
        except HNPageError as exc:
            yield from self._page_failed(response, exc)
            return
        if next_url:
            yield self.hn_request(
                next_url,
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
        if isinstance(exc, HNLayoutError):
            self.crawler.stats.inc_value("matome/layout_errors")
        if exc.retryable:
            retry = get_retry_request(response.request, spider=self, reason=kind)
            if retry is not None:
                yield retry
                return
        self._give_up(response.meta, str(exc))

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._give_up(request.meta, f"{request.url}: {describe_failure(failure)}")

    def _give_up(self, meta: dict[str, Any], reason: str) -> None:
        """Log and count what is not stored; the reason goes to the archive (crawl_failures)."""
        stats = self.crawler.stats
        story_id = meta.get("story_id")
        listing_day = meta.get("listing_day") if story_id is None else None
        self.crawler.signals.send_catch_log(
            signal=crawl_failed, story_id=story_id, listing_day=listing_day, reason=reason
        )
        if story_id is None:
            stats.inc_value("matome/listing_failed")
            self.logger.error("listing not stored: %s", reason)
            return
        stats.inc_value("matome/threads_failed")
        stats.set_value(
            "matome/failed_threads", [*stats.get_value("matome/failed_threads", []), story_id]
        )
        self.logger.error("thread %s not stored (nothing partial is kept): %s", story_id, reason)
