"""Crawls for the ``matome`` commands: one crawler for a whole command.

A :class:`CrawlSession` opens one Scrapy crawler (one spider, one downloader)
and keeps it open between jobs, so the HN download slot, its crawl delay, a
robots.txt ``Crawl-delay`` and any rate-limit backoff hold for the whole
command, across every batch of a backfill. The caller is plain Python: it
plans, calls :meth:`CrawlSession.crawl` (which blocks until the job's requests
are all answered), then translates and exports; Scrapy only crawls, on the
reactor thread of :mod:`matome_crawl.reactor`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from db.engine import resolve_db_url
from matome_crawl.reactor import run_in_reactor, submit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlJob:
    """One crawl: the spider to run and its arguments (the ``-a`` keywords)."""

    spider: str
    arguments: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        source: str = "html",
        days: Sequence[date] = (),
        ids: Sequence[int] = (),
        top: int = 10,
        pages: int = 1,
        api_url: str | None = None,
    ) -> CrawlJob:
        """Days' front pages and their top threads, and threads by id; no day, no id: /news.

        ``source`` "api" takes threads from the official API (the ``api``
        spider), "html" from the site's pages (``front``).
        """
        arguments: dict[str, Any] = {
            "days": list(days),
            "ids": list(ids),
            "top": top,
            "pages": pages,
        }
        if source == "api":
            if api_url:
                arguments["api_url"] = api_url
            return cls("api", arguments)
        return cls("front", arguments)


@dataclass
class CrawlProgress:
    """Live counters, updated from Scrapy signals while crawls run."""

    pages: int = 0
    listings: int = 0
    threads: int = 0
    comments: int = 0
    failed: int = 0


@dataclass
class CrawlReport:
    """What one or more crawl jobs did (counters from the crawler's stats)."""

    threads_stored: int = 0
    comments_stored: int = 0
    comments_added: int = 0
    listing_rows: int = 0
    failed_threads: list[int] = field(default_factory=list)
    listings_failed: int = 0
    items_dropped: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    finish_reason: str | None = None  # set when the crawler closed on its own (an error)

    @property
    def ok(self) -> bool:
        return (
            not self.failed_threads
            and not self.listings_failed
            and not self.items_dropped
            and not self.interrupted
            and self.finish_reason is None
        )

    def problems(self) -> str:
        parts = []
        if self.interrupted:
            parts.append("interrupted")
        if self.failed_threads:
            ids = ", ".join(map(str, self.failed_threads[:10]))
            more = "…" if len(self.failed_threads) > 10 else ""
            parts.append(f"{len(self.failed_threads)} thread(s) not stored: {ids}{more}")
        if self.listings_failed:
            parts.append(f"{self.listings_failed} list page(s) not stored")
        if self.items_dropped:
            parts.append(f"{self.items_dropped} invalid item(s) dropped")
        if self.finish_reason and not self.interrupted:
            parts.append(f"the crawler stopped: {self.finish_reason}")
        return "; ".join(parts)


def report_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> CrawlReport:
    """The counters of one job: the crawler's stats after it minus before it."""

    def delta(key: str) -> int:
        return int(after.get(key, 0)) - int(before.get(key, 0))

    failed_before = len(before.get("matome/failed_threads", []))
    return CrawlReport(
        threads_stored=delta("matome/threads_stored"),
        comments_stored=delta("matome/comments_stored"),
        comments_added=delta("matome/comments_added"),
        listing_rows=delta("matome/listing_rows_stored"),
        failed_threads=list(after.get("matome/failed_threads", []))[failed_before:],
        listings_failed=delta("matome/listing_failed"),
        items_dropped=delta("item_dropped_count"),
    )


def crawl_settings(
    db_url: str | None = None,
    *,
    base_url: str | None = None,
    crawl_delay: float | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """The project's Scrapy settings with the CLI's choices on top."""
    settings = Settings()
    settings.setmodule("matome_crawl.settings", priority="project")
    settings.set("MATOME_DB_URL", resolve_db_url(db_url), priority="cmdline")
    if base_url:
        settings.set("HN_BASE_URL", base_url.rstrip("/"), priority="cmdline")
    if crawl_delay is not None:
        settings.set("HN_CRAWL_DELAY", crawl_delay, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _track(crawler: Crawler, progress: CrawlProgress, on_progress: Callable[[], None]) -> None:
    from matome_crawl.items import ListingItem, ThreadItem

    def response_received(**_: Any) -> None:
        progress.pages += 1
        on_progress()

    def item_scraped(item: Any, **_: Any) -> None:
        if isinstance(item, ThreadItem):
            progress.threads += 1
            progress.comments += len(item.thread.comments)
        elif isinstance(item, ListingItem):
            progress.listings += 1
        on_progress()

    def item_error(**_: Any) -> None:
        progress.failed += 1
        on_progress()

    # Keep references: Scrapy's signal manager holds receivers weakly.
    crawler._matome_receivers = (response_received, item_scraped, item_error)  # type: ignore[attr-defined]
    crawler.signals.connect(response_received, signal=signals.response_received)
    crawler.signals.connect(item_scraped, signal=signals.item_scraped)
    crawler.signals.connect(item_error, signal=signals.item_dropped)
    crawler.signals.connect(item_error, signal=signals.item_error)


class CrawlSession:
    """One crawler kept open for a whole command; run jobs with :meth:`crawl`.

    ``spider`` is the spider's name (``front``, ``thread`` or ``api``); a job
    is that spider's arguments (``days``, ``ids``, ``top``…). Use it as a
    context manager: the crawler opens on entry and closes on exit.

    Ctrl-C (KeyboardInterrupt) while a job runs stops the crawler gracefully
    (in-flight requests finish, what is complete is stored) and marks the
    session ``interrupted``; later jobs do nothing.
    """

    def __init__(
        self,
        settings: Settings,
        spider: str,
        *,
        progress: CrawlProgress | None = None,
        on_progress: Callable[[], None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.spider_name = spider
        self.progress = progress or CrawlProgress()
        self.on_progress = on_progress
        self.interrupted = False
        self._crawler: Crawler | None = None
        self._task: asyncio.Task[None] | None = None

    # --- lifetime -----------------------------------------------------------
    def __enter__(self) -> CrawlSession:
        run_in_reactor(self._open())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def _open(self) -> None:
        runner = AsyncCrawlerRunner(self.settings)
        crawler = runner.create_crawler(self.spider_name)
        _track(crawler, self.progress, self.on_progress)
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def spider_opened(**_: Any) -> None:
            if not opened.done():
                opened.set_result(None)

        crawler._matome_opened = spider_opened  # type: ignore[attr-defined]  # weakly held
        crawler.signals.connect(spider_opened, signal=signals.spider_opened)
        self._crawler = crawler
        self._task = runner.crawl(crawler, keep_open=True)
        await asyncio.wait([opened, self._task], return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # a failure to start raises here
            raise RuntimeError(f"the {self.spider_name} spider closed before its first job")

    def close(self) -> None:
        """Close the spider (reason ``finished`` unless interrupted) and wait for it."""
        if self._task is not None and not self._task.done():
            try:
                run_in_reactor(self._close())
            except KeyboardInterrupt:
                logger.warning("second interrupt: not waiting for the crawler to close")
        self._task = None

    async def _close(self) -> None:
        assert self._crawler is not None and self._task is not None
        engine = self._crawler.engine
        if engine.spider is not None and not self._task.done():
            spider = engine.spider
            spider.keep_open = False  # type: ignore[attr-defined]
            reason = "shutdown" if self.interrupted else "finished"
            await engine.close_spider_async(reason=reason)
        await asyncio.wait([self._task])

    # --- jobs ---------------------------------------------------------------
    @property
    def stats(self) -> dict[str, Any]:
        if self._crawler is None or self._crawler.stats is None:
            return {}
        return dict(self._crawler.stats.get_stats())

    def crawl(self, **arguments: Any) -> CrawlReport:
        """Run one job (the spider's arguments) to its end; returns its counters."""
        if self._task is None:
            raise RuntimeError("the crawl session is not open")
        started = time.monotonic()
        before = self.stats
        if self.interrupted or self._task.done():
            report = CrawlReport(interrupted=self.interrupted)
        else:
            job = submit(self._job(arguments))
            try:
                job.result()
            except KeyboardInterrupt:
                self._interrupt()
            report = report_between(before, self.stats)
        report.interrupted = self.interrupted
        if self._task.done() and not self.interrupted:
            report.finish_reason = self.stats.get("finish_reason", "closed")
        report.seconds = time.monotonic() - started
        return report

    async def _job(self, arguments: dict[str, Any]) -> None:
        assert self._crawler is not None and self._task is not None
        spider = self._crawler.spider
        done = spider.run_job(**arguments)  # type: ignore[attr-defined]
        await asyncio.wait([done, self._task], return_when=asyncio.FIRST_COMPLETED)
        if done.done():
            done.result()

    def _interrupt(self) -> None:
        """First Ctrl-C: let in-flight requests finish, store what is complete, stop."""
        self.interrupted = True
        logger.warning("interrupted: finishing in-flight requests (press Ctrl-C again to force)")
        try:
            run_in_reactor(self._close())
        except KeyboardInterrupt:
            logger.warning("second interrupt: stopping now")


def run_crawl(
    job: CrawlJob,
    settings: Settings,
    *,
    progress: CrawlProgress | None = None,
    on_progress: Callable[[], None] = lambda: None,
) -> CrawlReport:
    """One job in its own crawl session (``matome crawl``)."""
    with CrawlSession(settings, job.spider, progress=progress, on_progress=on_progress) as session:
        report = session.crawl(**job.arguments)
    return report
