"""Downloader middleware and cache policy for HN's rate limiting."""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.httpcache import DummyPolicy
from scrapy.http import Response

from matome_crawl.addons import HN_SLOT
from matome_crawl.hn.page import is_complete_page, is_rate_limit_page

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 503})


class HNRateLimitMiddleware:
    """Retry HN's 200 "Sorry…" page like a 429, and back off the HN slot after any rate limit.

    The slot's delay is multiplied by ``HN_BACKOFF_FACTOR`` (up to
    ``HN_BACKOFF_MAX``) after a rate-limit answer and returns to
    ``HN_CRAWL_DELAY`` after a success.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.base_delay = settings.getfloat("HN_CRAWL_DELAY")
        self.backoff_factor = settings.getfloat("HN_BACKOFF_FACTOR")
        self.backoff_max = settings.getfloat("HN_BACKOFF_MAX")
        self.max_retry_times = settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HNRateLimitMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("download_slot") != HN_SLOT:
            return response
        rate_limited = response.status == 200 and is_rate_limit_page(response.body)
        if rate_limited or response.status in BACKOFF_STATUSES:
            self._back_off(response.status)
        elif response.status == 200:
            self._relax()
        if not rate_limited:
            return response
        self.crawler.stats.inc_value("matome/rate_limit_page")
        retry = get_retry_request(
            request,
            spider=self._spider,
            reason="hn_rate_limit_page",
            max_retry_times=self.max_retry_times,
        )
        if retry is None:
            raise IgnoreRequest(f"HN kept answering with its rate-limit page: {request.url}")
        return retry

    @property
    def _spider(self) -> Spider:
        return self.crawler.spider

    def _slot(self):  # type: ignore[no-untyped-def]
        return self.crawler.engine.downloader.slots.get(HN_SLOT)

    def _back_off(self, status: int) -> None:
        slot = self._slot()
        if slot is None:
            return
        delay = min(self.backoff_max, max(self.base_delay, slot.delay) * self.backoff_factor)
        if delay > slot.delay:
            logger.warning(
                "HN is rate limiting (HTTP %s): waiting %.0f s between requests", status, delay
            )
        slot.delay = delay

    def _relax(self) -> None:
        slot = self._slot()
        if slot is not None and slot.delay != self.base_delay:
            slot.delay = self.base_delay


class HNCachePolicy(DummyPolicy):
    """Scrapy's default cache policy, minus HN's rate-limit and truncated pages."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if is_rate_limit_page(response.body):
            return False
        if request.meta.get("download_slot") == HN_SLOT and not is_complete_page(response.body):
            return False
        return super().should_cache_response(response, request)
