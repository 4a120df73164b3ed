"""Validation and cache policy, without a crawl."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from matome_crawl.addons import HN_SLOT
from matome_crawl.hn.thread import join_pages, parse_thread_page
from matome_crawl.items import ThreadItem
from matome_crawl.middlewares import HNCachePolicy
from pipelines.validate import ValidatePipeline
from tests.conftest import HN_FIXTURES

PAGE = HN_FIXTURES / "html" / "item" / "item_48350598.html"
URL = "https://news.ycombinator.com/item?id=48350598"


@pytest.fixture
def pipeline():
    crawler = SimpleNamespace(settings=Settings(), spider=None)
    crawler.stats = MemoryStatsCollector(crawler)
    return ValidatePipeline(crawler)


def item(**changes):
    thread = join_pages([parse_thread_page(URL, PAGE.read_bytes())])
    return ThreadItem(thread=replace(thread, **changes), crawled_at=datetime.now(UTC))


def test_a_valid_thread_passes(pipeline):
    good = item()
    assert pipeline.process_item(good) is good


def test_broken_threads_are_dropped_and_counted(pipeline):
    good = item()
    orphan = replace(good.thread.comments[1], parent_id=1)
    bad = item(comments=[good.thread.comments[0], orphan, *good.thread.comments[2:]])
    with pytest.raises(DropItem, match="parent 1 not in the thread"):
        pipeline.process_item(bad)
    untitled = item(story=replace(good.thread.story, title=" "))
    with pytest.raises(DropItem, match="has no title"):
        pipeline.process_item(untitled)
    assert pipeline.stats.get_value("matome/invalid_thread") == 2


def test_counted_comments_but_none_visible_is_logged(pipeline, caplog):
    empty = item(comments=[])
    pipeline.process_item(empty)
    assert "HN counts 124 comments but none are visible" in caplog.text
    assert pipeline.stats.get_value("matome/thread_without_visible_comments") == 1


def test_cache_policy_never_keeps_rate_limit_or_truncated_pages():
    policy = HNCachePolicy(SimpleNamespace(getlist=lambda *_: [], get=lambda *_: None))
    request = Request(URL, meta={"download_slot": HN_SLOT})
    body = PAGE.read_bytes()

    def response(data: bytes) -> HtmlResponse:
        return HtmlResponse(URL, body=data, request=request)

    assert policy.should_cache_response(response(body), request)
    sorry = b"Sorry, we're not able to serve your requests this quickly."
    assert not policy.should_cache_response(response(sorry), request)
    assert not policy.should_cache_response(response(body[:5000]), request)
