"""Run the spiders in-process (the ``matome crawl`` / ``matome run`` path).

Crawls run one after another in a single Twisted reactor, as Scrapy's
"running multiple spiders in the same process" recipe does, so the HN
download slot (and its crawl delay) is never shared by two crawlers at once.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings

from db.engine import resolve_db_url

logger = logging.getLogger(__name__)

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


@dataclass(frozen=True)
class CrawlJob:
    """One spider run: its name and its arguments (the ``-a`` keywords)."""

    spider: str
    arguments: dict[str, Any] = field(default_factory=dict)


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
    """What the crawls did, from each crawler's final stats."""

    threads_stored: int = 0
    comments_stored: int = 0
    comments_added: int = 0
    listing_rows: int = 0
    failed_threads: list[int] = field(default_factory=list)
    listings_failed: int = 0
    items_dropped: int = 0
    finish_reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return (
            not self.failed_threads
            and not self.listings_failed
            and not self.items_dropped
            and not self.interrupted
            and all(r == "finished" for r in self.finish_reasons)
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
        odd = [r for r in self.finish_reasons if r != "finished"]
        if odd and not self.interrupted:
            parts.append("finished with " + ", ".join(odd))
        return "; ".join(parts)

    def add_stats(self, stats: dict[str, Any]) -> None:
        self.threads_stored += stats.get("matome/threads_stored", 0)
        self.comments_stored += stats.get("matome/comments_stored", 0)
        self.comments_added += stats.get("matome/comments_added", 0)
        self.listing_rows += stats.get("matome/listing_rows_stored", 0)
        self.failed_threads += stats.get("matome/failed_threads", [])
        self.listings_failed += stats.get("matome/listing_failed", 0)
        self.items_dropped += stats.get("item_dropped_count", 0)
        self.finish_reasons.append(stats.get("finish_reason", "unknown"))


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


def run_crawls(
    jobs: Sequence[CrawlJob],
    settings: Settings,
    *,
    progress: CrawlProgress | None = None,
    on_progress: Callable[[], None] = lambda: None,
) -> CrawlReport:
    """Run ``jobs`` one after another; returns once all finished (or Ctrl-C stopped them).

    Twisted's reactor cannot be restarted, so call this once per process.
    """
    from scrapy.utils.reactor import install_reactor

    install_reactor(ASYNCIO_REACTOR)
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    progress = progress or CrawlProgress()
    report = CrawlReport()
    runner = AsyncCrawlerRunner(settings)
    started = time.monotonic()

    async def crawl_all() -> None:
        for job in jobs:
            if report.interrupted:
                break
            crawler = runner.create_crawler(job.spider)
            _track(crawler, progress, on_progress)
            try:
                await runner.crawl(crawler, **job.arguments)
            finally:
                report.add_stats(crawler.stats.get_stats() if crawler.stats else {})

    def stop_gracefully(signum: int, _frame: Any) -> None:
        if report.interrupted:
            logger.warning("second interrupt: stopping now")
            reactor.callFromThread(reactor.stop)
            return
        report.interrupted = True
        logger.warning("interrupted: finishing in-flight requests (press Ctrl-C again to force)")
        reactor.callFromThread(lambda: deferred_from_coro(runner.stop()))

    failures: list[Any] = []

    def start() -> None:
        deferred = deferred_from_coro(crawl_all())
        deferred.addErrback(failures.append)
        deferred.addBoth(lambda _: reactor.stop())

    previous = {s: signal.signal(s, stop_gracefully) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        reactor.callWhenRunning(start)
        reactor.run(installSignalHandlers=False)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    report.seconds = time.monotonic() - started
    if failures:
        failures[0].raiseException()
    return report
