"""Store validated items in the archive, one transaction per thread or list page."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

from db.engine import Database, connect
from db.store import store_listing, store_thread
from matome_crawl.items import ListingItem, ThreadItem

logger = logging.getLogger(__name__)


class StorePipeline:
    """Upserts into the database named by the ``MATOME_DB_URL`` setting."""

    def __init__(self, crawler: Crawler, db_url: str | None) -> None:
        self.crawler = crawler
        self.db_url = db_url
        self.database: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, crawler.settings.get("MATOME_DB_URL") or None)

    def open_spider(self) -> None:
        self.database = connect(self.db_url)

    def close_spider(self) -> None:
        if self.database is not None:
            self.database.dispose()

    def process_item(self, item: object) -> object:
        assert self.database is not None
        stats = self.crawler.stats
        with self.database.sessions.begin() as session:
            if isinstance(item, ThreadItem):
                result = store_thread(session, item.thread, item.crawled_at)
                stats.inc_value("matome/threads_stored")
                stats.inc_value("matome/comments_stored", result.comments)
                stats.inc_value("matome/comments_added", result.added)
                stats.inc_value("matome/comments_edited", result.edited)
                stats.inc_value("matome/comments_vanished", result.vanished)
                logger.info(
                    "stored thread %s: %d comments (%d new, %d edited, %d vanished)",
                    result.story_id,
                    result.comments,
                    result.added,
                    result.edited,
                    result.vanished,
                )
            elif isinstance(item, ListingItem):
                rows = store_listing(
                    session,
                    item.page,
                    source=item.source,
                    day=item.day,
                    captured_at=item.captured_at,
                )
                stats.inc_value("matome/listing_rows_stored", rows)
        return item
