"""Politeness settings as the add-on resolves them (no network, no reactor)."""

from __future__ import annotations

from matome_crawl.addons import HN_SLOT, HNPoliteness
from matome_crawl.crawl import crawl_settings


def resolved(**kwargs):
    settings = crawl_settings("sqlite:///unused.sqlite3", **kwargs)
    assert "matome_crawl.addons.HNPoliteness" in settings.getdict("ADDONS")
    HNPoliteness().update_settings(settings)
    return settings


def test_hn_slot_carries_robots_crawl_delay_by_default():
    settings = resolved()
    slot = settings.getdict("DOWNLOAD_SLOTS")[HN_SLOT]
    # 30 s plus the margin that makes requests arrive (not only leave) 30 s apart.
    assert slot == {"delay": 30.25, "concurrency": 1, "jitter": 0}
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.get("USER_AGENT").startswith("matome-crawl/")
    assert 429 in settings.getlist("RETRY_HTTP_CODES")


def test_delay_is_overridable():
    slot = resolved(crawl_delay=0).getdict("DOWNLOAD_SLOTS")[HN_SLOT]
    assert slot["delay"] == 0


def test_no_spider_callback_is_a_generator_that_returns_a_value():
    """What Scrapy's WARN_ON_GENERATOR_RETURN_VALUE checks per response, checked once here."""
    import inspect

    from scrapy.utils.misc import is_generator_with_return_value

    from matome_crawl.spiders.api import ApiSpider
    from matome_crawl.spiders.front import FrontSpider
    from matome_crawl.spiders.thread import ThreadSpider

    checked = []
    for spider in (ApiSpider, FrontSpider, ThreadSpider):
        for name, method in inspect.getmembers(spider, inspect.isgeneratorfunction):
            checked.append(name)
            assert not is_generator_with_return_value(method), f"{spider.__name__}.{name}"
    assert {"parse_item", "parse_listing", "parse_thread_page"} <= set(checked)
    assert not crawl_settings("sqlite:///unused.sqlite3").getbool("WARN_ON_GENERATOR_RETURN_VALUE")
