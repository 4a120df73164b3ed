"""Scrapy add-ons: settings derived from other settings after the command line is applied."""

from __future__ import annotations

from scrapy.settings import BaseSettings

HN_SLOT = "hn"


class HNPoliteness:
    """Route HN requests through one download slot with HN's crawl delay and concurrency.

    A slot (rather than the global DOWNLOAD_DELAY) keeps the API host fast
    while the HN site gets ``HN_CRAWL_DELAY`` seconds between requests.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots[HN_SLOT] = {
            "delay": settings.getfloat("HN_CRAWL_DELAY"),
            "concurrency": settings.getint("HN_CONCURRENCY"),
            "jitter": 0,  # random jitter would go below the asked-for delay
        }
        settings.set("DOWNLOAD_SLOTS", slots, priority="addon")
