"""Politeness measured where it matters: request arrival times at a loopback server.

The risk is on in every test: a nonzero crawl delay, real backoff, real robots.txt.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import date, timedelta

import pytest

from matome_crawl.crawl import CrawlJob, CrawlSession, crawl_settings
from matome_crawl.demo.server import DemoServer
from matome_crawl.demo.synthetic import demo_world
from tests.conftest import HN_FIXTURES
from tests.crawl.conftest import run_matome
from tests.hnserver import Answer

ITEM = HN_FIXTURES / "html" / "item"
FIRST_DAY = date(2026, 5, 4)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.mark.slow
def test_backfill_keeps_the_crawl_delay_across_batches_and_leaves_the_api_fast(tmp_path):
    """3 days, one batch each, 0.5 s delay: no two HN requests (robots.txt too) closer."""
    delay = 0.5
    db = tmp_path / "archive.sqlite3"
    with DemoServer(demo_world(other_days=(4, 6))) as server:
        result = run_matome(
            "backfill", "--from", str(FIRST_DAY), "--to", str(FIRST_DAY + timedelta(days=2)),
            "--batch-days", "1", "--top", "2", "--delay", str(delay), "--source", "api",
            "--no-translate", "--base-url", server.url, "--api-url", server.api_url,
            "--db", str(db),
        )  # fmt: skip
        arrivals = list(server.arrivals)
    assert result.returncode == 0, result.stderr
    assert "3/3 day(s) done: 6 threads" in result.stdout

    api = [t for t, target in arrivals if target.startswith("/v0/")]
    hn = [t for t, target in arrivals if not target.startswith("/v0/")]
    hn_targets = [target for _, target in arrivals if not target.startswith("/v0/")]
    assert hn_targets[0] == "/robots.txt"
    assert sorted(hn_targets[1:]) == [
        f"/front?day={FIRST_DAY + timedelta(days=n)}" for n in range(3)
    ]
    smallest = min(gaps(hn))
    print(f"smallest gap between HN requests: {smallest:.3f} s (delay {delay} s)")
    assert smallest >= delay
    # The API is not slowed: its dozens of item requests share no crawl delay.
    assert len(api) >= 6 * 7
    assert min(gaps(api)) < delay / 5
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone() == (1,)  # one crawler


def test_rate_limits_back_off_from_a_floor_even_with_no_delay(site, db_path):
    """429 three times then the page, delay 0: retries spaced by the floor, then growing."""
    page = ITEM / "item_48350598.html"
    too_fast = Answer(b"Too many requests", status=429, content_type="text/plain")
    site.routes.add("/item?id=48350598", too_fast, too_fast, too_fast, page)
    floor = 0.3
    settings = crawl_settings(
        f"sqlite:///{db_path}",
        base_url=site.url,
        crawl_delay=0,
        overrides={"HN_BACKOFF_MIN": floor},
    )
    job = CrawlJob.build(ids=[48350598])
    with CrawlSession(settings, job.spider) as session:
        report = session.crawl(**job.arguments)
    assert report.ok, report.problems()
    assert report.comments_stored == 124
    times = [t for t, target in site.routes.arrivals if target == "/item?id=48350598"]
    spacing = gaps(times)
    assert len(spacing) == 3
    # Scrapy spaces sends; arrivals on loopback differ by a few ms at most.
    jitter = 0.02
    assert spacing[0] >= floor - jitter
    assert spacing[1] >= 2 * floor - jitter and spacing[2] >= 4 * floor - jitter
    assert spacing[0] < spacing[1] < spacing[2] < 8 * floor


def test_retry_after_is_honoured(site, db_path):
    page = ITEM / "item_48350598.html"
    slow_down = Answer(b"busy", status=503, content_type="text/plain", headers={"Retry-After": "1"})
    site.routes.add("/item?id=48350598", slow_down, page)
    settings = crawl_settings(
        f"sqlite:///{db_path}", base_url=site.url, crawl_delay=0, overrides={"HN_BACKOFF_MIN": 0.1}
    )
    job = CrawlJob.build(ids=[48350598])
    with CrawlSession(settings, job.spider) as session:
        assert session.crawl(**job.arguments).ok
    times = [t for t, target in site.routes.arrivals if target == "/item?id=48350598"]
    assert len(times) == 2 and times[1] - times[0] >= 1.0 - 0.02


def test_a_larger_robots_crawl_delay_wins_over_the_setting(site, db_path):
    site.routes.add("/robots.txt", b"User-Agent: *\nCrawl-delay: 0.6\n")
    for story_id in (48350598, 47536761):
        site.routes.add(f"/item?id={story_id}", ITEM / f"item_{story_id}.html")
    result = run_matome(
        "crawl", "--thread", "48350598", "47536761", "--delay", "0",
        "--base-url", site.url, "--db", str(db_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert site.routes.arrivals[0][1] == "/robots.txt"
    assert min(gaps([t for t, _ in site.routes.arrivals])) >= 0.6


def test_one_session_runs_many_jobs_with_one_robots_fetch(site, db_path):
    """Jobs share the crawler: robots.txt is read once and the delay spans job boundaries."""
    for story_id in (48350598, 47536761):
        site.routes.add(f"/item?id={story_id}", ITEM / f"item_{story_id}.html")
    settings = crawl_settings(f"sqlite:///{db_path}", base_url=site.url, crawl_delay=0.4)
    with CrawlSession(settings, "front") as session:
        first = session.crawl(**CrawlJob.build(ids=[48350598]).arguments)
        second = session.crawl(**CrawlJob.build(ids=[47536761]).arguments)
        again = session.crawl(**CrawlJob.build(ids=[48350598]).arguments)  # a later job refetches
    assert first.ok and second.ok and again.ok
    assert (first.threads_stored, second.threads_stored, again.threads_stored) == (1, 1, 1)
    targets = [target for _, target in site.routes.arrivals]
    assert targets.count("/robots.txt") == 1
    assert min(gaps([t for t, _ in site.routes.arrivals])) >= 0.4
