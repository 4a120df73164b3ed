"""Scrapy extensions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from db.engine import connect
from db.store import finish_crawl_run, start_crawl_run


def jsonable(value: Any) -> Any:
    """Scrapy stats hold datetimes and other objects; keep them readable in JSON."""
    return json.loads(json.dumps(value, default=str))


class CrawlRunRecorder:
    """Record each spider run in ``crawl_runs``: arguments, start, end, status, final stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_url = crawler.settings.get("MATOME_DB_URL") or None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        database = connect(self.db_url)
        arguments = getattr(spider, "arguments", {})
        with database.sessions.begin() as session:
            self.run_id = start_crawl_run(
                session, spider.name, jsonable(arguments), datetime.now(UTC)
            )
        database.dispose()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        database = connect(self.db_url)
        stats = jsonable(self.crawler.stats.get_stats())
        with database.sessions.begin() as session:
            finish_crawl_run(
                session,
                self.run_id,
                finished_at=datetime.now(UTC),
                status=reason,
                stats=stats,
            )
        database.dispose()
