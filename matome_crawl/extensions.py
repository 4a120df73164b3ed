"""Scrapy extensions."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from db.engine import Database, connect
from db.store import finish_crawl_run, record_crawl_failure, start_crawl_run
from matome_crawl.items import ThreadItem
from matome_crawl.signals import crawl_failed

logger = logging.getLogger(__name__)


def jsonable(value: Any) -> Any:
    """Scrapy stats hold datetimes and other objects; keep them readable in JSON."""
    return json.loads(json.dumps(value, default=str))


def run_status(reason: str, stats: dict[str, Any]) -> str:
    """``finished`` only when nothing was given up: otherwise ``failed`` (or Scrapy's reason)."""
    if reason != "finished":
        return reason
    given_up = (
        stats.get("matome/threads_failed", 0)
        + stats.get("matome/listing_failed", 0)
        + stats.get("item_dropped_count", 0)
    )
    return "failed" if given_up else "finished"


class CrawlRunRecorder:
    """Record each crawler run in ``crawl_runs`` and every give-up in ``crawl_failures``.

    ``crawl_runs`` holds the arguments (every job of a session), start, end,
    status (``failed`` when any thread or list page was not stored) and the
    final stats; ``crawl_failures`` holds why, per thread or list page, which
    ``matome status`` and the day checks read back.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url = crawler.settings.get("MATOME_DB_URL") or None
        self.run_id: int | None = None
        self.database: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.crawl_failed, signal=crawl_failed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.database = connect(self.db_url)
        arguments = getattr(spider, "arguments", {})
        with self.database.sessions.begin() as session:
            self.run_id = start_crawl_run(
                session, spider.name, jsonable(arguments), datetime.now(UTC)
            )

    def crawl_failed(
        self, story_id: int | None, listing_day: str | None, reason: str, **_: Any
    ) -> None:
        if self.database is None:
            logger.error("not recorded (no archive open): %s", reason)
            return
        with self.database.sessions.begin() as session:
            record_crawl_failure(
                session,
                reason=reason,
                failed_at=datetime.now(UTC),
                story_id=story_id,
                listing_day=listing_day,
                crawl_run_id=self.run_id,
            )

    def item_dropped(self, item: Any, exception: BaseException, **_: Any) -> None:
        if isinstance(item, ThreadItem):
            self.crawl_failed(item.thread.story.id, None, str(exception))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None or self.database is None:
            return
        stats = jsonable(self.crawler.stats.get_stats())
        with self.database.sessions.begin() as session:
            finish_crawl_run(
                session,
                self.run_id,
                finished_at=datetime.now(UTC),
                status=run_status(reason, stats),
                stats=stats,
                arguments=jsonable(getattr(spider, "arguments", {})),
            )
        self.database.dispose()
        self.database = None
