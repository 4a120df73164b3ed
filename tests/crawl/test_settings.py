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
