"""Downloader middleware and cache policy for HN's politeness and rate limiting."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.httpcache import DummyPolicy
from scrapy.http import Response

from matome_crawl.addons import API_SLOT, HN_SLOT, hn_slot_delay
from matome_crawl.hn.page import is_complete_page, is_rate_limit_page

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 503})
RETRY_AFTER_MAX = 3600.0  # a Retry-After beyond an hour is taken as an hour


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds from now; None if absent."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def robots_crawl_delay(body: bytes, user_agent: str) -> float | None:
    """The ``Crawl-delay`` robots.txt asks of ``user_agent`` (or of ``*``), if any."""
    from protego import Protego

    try:
        robots = Protego.parse(body.decode("utf-8", errors="replace"))
    except Exception:  # a robots.txt Protego cannot read asks for nothing it can tell
        logger.warning("could not read robots.txt for its Crawl-delay")
        return None
    delay = robots.crawl_delay(user_agent)
    return float(delay) if delay is not None else None


class HNPolitenessMiddleware:
    """Every request is polite unless it is explicitly routed elsewhere.

    - **Routing, fail closed**: a request in the API slot (the official API,
      which asks for no delay) keeps it; every other request (HN pages,
      robots.txt, redirects, anything unforeseen) goes through the HN slot:
      one request at a time, ``HN_CRAWL_DELAY`` seconds apart.
    - **robots.txt**: a ``Crawl-delay`` larger than the setting wins.
    - **Rate limits**: after a 429/503 or HN's 200 "Sorry…" page the slot's
      delay grows by ``HN_BACKOFF_FACTOR`` from at least ``HN_BACKOFF_MIN``
      (so a delay of 0 still backs off), up to ``HN_BACKOFF_MAX``, and never
      below a ``Retry-After``; it returns to the crawl delay after a success.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.settings = settings
        self.crawl_delay = hn_slot_delay(settings.getfloat("HN_CRAWL_DELAY"), settings)
        self.backoff_factor = settings.getfloat("HN_BACKOFF_FACTOR")
        self.backoff_min = settings.getfloat("HN_BACKOFF_MIN")
        self.backoff_max = settings.getfloat("HN_BACKOFF_MAX")
        self.max_retry_times = settings.getint("RETRY_TIMES")
        self.user_agent = settings.get("USER_AGENT") or "*"
        self.api_host = urlsplit(settings.get("HN_API_URL") or "").netloc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HNPolitenessMiddleware:
        return cls(crawler)

    # --- routing --------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        if request.meta.get("download_slot") == API_SLOT:
            return
        if request.meta.get("dont_obey_robotstxt") and self._is_api_robots(request):
            request.meta["download_slot"] = API_SLOT
            return
        request.meta["download_slot"] = HN_SLOT

    def _is_api_robots(self, request: Request) -> bool:
        parts = urlsplit(request.url)
        return parts.path == "/robots.txt" and parts.netloc == self.api_host

    # --- answers --------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("download_slot") != HN_SLOT:
            return response
        if urlsplit(request.url).path == "/robots.txt" and response.status == 200:
            self._apply_robots(response.body)
            return response
        rate_limited = response.status == 200 and is_rate_limit_page(response.body)
        if rate_limited or response.status in BACKOFF_STATUSES:
            self._back_off(
                response.status, retry_after_seconds(response.headers.get("Retry-After"))
            )
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

    def _slot(self) -> Any:
        return self.crawler.engine.downloader.slots.get(HN_SLOT)

    def _apply_robots(self, body: bytes) -> None:
        asked = robots_crawl_delay(body, self.user_agent)
        if asked is None:
            return
        asked = hn_slot_delay(asked, self.settings)
        if asked <= self.crawl_delay:
            return
        logger.info("robots.txt asks for Crawl-delay %s s: using it instead of %s s",
                    asked, self.crawl_delay)  # fmt: skip
        self.crawl_delay = asked
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(HN_SLOT, {})["delay"] = asked
        slot = self._slot()
        if slot is not None and slot.delay < asked:
            slot.delay = asked

    def _back_off(self, status: int, retry_after: float | None) -> None:
        slot = self._slot()
        if slot is None:
            return
        grown = max(self.crawl_delay, slot.delay) * self.backoff_factor
        delay = min(self.backoff_max, max(self.backoff_min, grown))
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
        if delay > slot.delay:
            logger.warning(
                "HN is rate limiting (HTTP %s): waiting %.1f s between requests", status, delay
            )
        slot.delay = delay

    def _relax(self) -> None:
        slot = self._slot()
        if slot is not None and slot.delay != self.crawl_delay:
            slot.delay = self.crawl_delay


class HNCachePolicy(DummyPolicy):
    """Scrapy's default cache policy, minus HN's rate-limit and truncated pages."""

    def should_cache_response(self, response: Response, request: Request) -> bool:
        if is_rate_limit_page(response.body):
            return False
        if request.meta.get("download_slot") == HN_SLOT and not is_complete_page(response.body):
            return False
        return super().should_cache_response(response, request)
