"""Scrapy items: plain dataclasses wrapping the parser's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from matome_crawl.hn.model import ListingPage, Thread


@dataclass
class ListingItem:
    """One fetched list page; ``source`` is ``front`` (a past day) or ``news`` (live)."""

    page: ListingPage
    source: str
    day: date
    captured_at: datetime


@dataclass
class ThreadItem:
    """A whole thread, every page fetched: stored in one transaction or not at all."""

    thread: Thread
    crawled_at: datetime
