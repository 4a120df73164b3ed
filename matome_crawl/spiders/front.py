"""``front``: a day's front page (or the live /news), then its top threads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from matome_crawl.hn.errors import HNPageError
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.model import ListingEntry
from matome_crawl.items import ListingItem
from matome_crawl.spiders.base import HNSpider, parse_positive_int


def parse_day(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"day must be YYYY-MM-DD, got {value!r}") from None


def top_threads(entries: list[ListingEntry], top: int) -> list[int]:
    """The ``top`` stories by points, skipping dead stories and jobs (which have no thread)."""
    candidates = [e for e in entries if not e.story.dead and e.story.type != "job"]
    candidates.sort(key=lambda e: (-(e.story.score or 0), e.rank))
    return [e.story.id for e in candidates[:top]]


class FrontSpider(HNSpider):
    """``scrapy crawl front -a day=2026-04-04 [-a pages=1] [-a top=10]``; no day = live /news."""

    name = "front"

    def __init__(
        self,
        *args: Any,
        day: str | date | None = None,
        pages: int | str = 1,
        top: int | str = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.day = parse_day(day) if day else None
        self.pages = parse_positive_int("pages", pages)
        self.top = int(top)
        if self.top < 0:
            raise ValueError(f"top must be 0 or more, got {top!r}")

    @property
    def arguments(self) -> dict[str, Any]:
        day = self.day.isoformat() if self.day else None
        return {**super().arguments, "day": day, "pages": self.pages, "top": self.top}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        url = f"{self.base_url}/front?day={self.day}" if self.day else f"{self.base_url}/news"
        yield self.hn_request(url, self.parse_listing, cb_kwargs={"seen": []})

    def parse_listing(
        self, response: Response, seen: list[ListingEntry]
    ) -> Iterator[scrapy.Request | ListingItem]:
        try:
            page = parse_listing(response.url, response.body)
        except HNPageError as exc:
            yield from self._page_failed(response, exc)
            return
        now = datetime.now(UTC)
        yield ListingItem(
            page=page,
            source="front" if self.day else "news",
            day=self.day or now.date(),
            captured_at=now,
        )
        seen = [*seen, *page.entries]
        fetched = response.meta.get("listing_page", 1)
        if page.next_url and fetched < self.pages:
            yield self.hn_request(
                page.next_url,
                self.parse_listing,
                cb_kwargs={"seen": seen},
                meta={"listing_page": fetched + 1},
            )
            return
        chosen = top_threads(seen, self.top)
        self.logger.info("listing has %d stories; crawling the top %d", len(seen), len(chosen))
        for story_id in chosen:
            yield self.thread_request(story_id)
