"""``front``: a day's front page (or the live /news), then its top threads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from matome_crawl.hn.errors import HNPageError
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.model import ListingEntry
from matome_crawl.hn.rules import top_threads
from matome_crawl.items import ListingItem
from matome_crawl.spiders.base import HNSpider, parse_positive_int
from matome_crawl.spiders.thread import parse_ids


def parse_day(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"day must be YYYY-MM-DD, got {value!r}") from None


def parse_days(value: str | date | list[date] | None) -> list[date]:
    """``"2026-04-04,2026-04-05"`` (the ``-a days=`` form), one day, or a list."""
    if not value:
        return []
    if isinstance(value, list):
        return [parse_day(v) for v in value]
    if isinstance(value, date):
        return [value]
    return [parse_day(v.strip()) for v in value.split(",") if v.strip()]


class FrontSpider(HNSpider):
    """A past front page and its top threads: ``scrapy crawl front -a day=2026-04-04``.

    ``-a days=D1,D2`` lists several days in one run (their pages share the HN
    slot's crawl delay), ``-a ids=…`` adds threads, no day means the live /news.
    ``-a pages=N`` list pages per day, ``-a top=N`` threads by points.
    """

    name = "front"

    def configure(
        self,
        day: str | date | None = None,
        days: str | list[date] | None = None,
        ids: str | list[int] = "",
        pages: int | str = 1,
        top: int | str = 10,
        **arguments: Any,
    ) -> None:
        super().configure(**arguments)
        self.days = list(dict.fromkeys(parse_days(day) + parse_days(days)))
        self.ids = parse_ids(ids) if ids else []
        self.pages = parse_positive_int("pages", pages)
        self.top = int(top)
        if self.top < 0:
            raise ValueError(f"top must be 0 or more, got {top!r}")
        self.scheduled: set[int] = set()

    @property
    def job_arguments(self) -> dict[str, Any]:
        listing = {"days": [d.isoformat() for d in self.days]} if self.days else {"live": True}
        extra = {"ids": self.ids} if self.ids else {}
        return {**listing, **extra, "pages": self.pages, "top": self.top}

    def job_requests(self) -> Iterator[scrapy.Request]:
        for day in self.days:
            yield self._listing_request(f"{self.base_url}/front?day={day}", day)
        if not self.days and not self.ids:
            yield self._listing_request(f"{self.base_url}/news", None)
        yield from self._threads(self.ids)

    def _listing_request(self, url: str, day: date | None) -> scrapy.Request:
        meta = {"listing_day": day.isoformat() if day else "live"}
        return self.hn_request(
            url, self.parse_listing, cb_kwargs={"seen": [], "day": day}, meta=meta
        )

    def _threads(self, story_ids: list[int]) -> Iterator[scrapy.Request]:
        """Each thread once per run, even when it is on two days' front pages."""
        for story_id in story_ids:
            if story_id not in self.scheduled:
                self.scheduled.add(story_id)
                yield self.thread_request(story_id)

    def parse_listing(
        self, response: Response, seen: list[ListingEntry], day: date | None
    ) -> Iterator[scrapy.Request | ListingItem]:
        elsewhere = self.redirected_elsewhere(response)
        if elsewhere is not None:
            # /front?day=D answered by a redirect to /news is not day D's front page.
            error = HNPageError(response.request.url, f"redirected to {elsewhere}")
            yield from self._page_failed(response, error)
            return
        try:
            page = parse_listing(response.url, response.body)
        except HNPageError as exc:
            yield from self._page_failed(response, exc)
            return
        now = datetime.now(UTC)
        yield ListingItem(
            page=page, source="front" if day else "news", day=day or now.date(), captured_at=now
        )
        seen = [*seen, *page.entries]
        fetched = response.meta.get("listing_page", 1)
        if page.next_url and fetched < self.pages:
            yield self.hn_request(
                page.next_url,
                self.parse_listing,
                cb_kwargs={"seen": seen, "day": day},
                meta={"listing_page": fetched + 1, "listing_day": response.meta.get("listing_day")},
            )
            return
        chosen = top_threads(seen, self.top)
        self.logger.info(
            "%s: %d stories listed; crawling the top %d", day or "live", len(seen), len(chosen)
        )
        yield from self._threads(chosen)
