"""Scrapy add-ons: settings derived from other settings after the command line is applied."""

from __future__ import annotations

from scrapy.settings import BaseSettings

HN_SLOT = "hn"
API_SLOT = "hn-api"


def hn_slot_delay(crawl_delay: float, settings: BaseSettings) -> float:
    """The HN slot's delay between sends, so that requests *arrive* ``crawl_delay`` apart."""
    return crawl_delay + settings.getfloat("HN_DELAY_MARGIN") if crawl_delay > 0 else 0.0


class HNPoliteness:
    """Route HN requests through one download slot with HN's crawl delay and concurrency.

    A slot (rather than the global DOWNLOAD_DELAY) keeps the API host fast
    while the HN site gets ``HN_CRAWL_DELAY`` seconds between requests. The
    official API (one request per item) gets its own slot with
    ``HN_API_CONCURRENCY`` requests in flight and no delay.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots[HN_SLOT] = {
            "delay": hn_slot_delay(settings.getfloat("HN_CRAWL_DELAY"), settings),
            "concurrency": settings.getint("HN_CONCURRENCY"),
            "jitter": 0,  # random jitter would go below the asked-for delay
        }
        slots[API_SLOT] = {
            "delay": 0,
            "concurrency": settings.getint("HN_API_CONCURRENCY"),
            "jitter": 0,
        }
        settings.set("DOWNLOAD_SLOTS", slots, priority="addon")
