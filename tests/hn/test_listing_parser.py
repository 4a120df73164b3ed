"""List-page parser against every list page in the shared fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from matome_crawl.hn.errors import RateLimited, TruncatedPage, UnrecognisedLayout
from matome_crawl.hn.listing import parse_listing
from tests.conftest import HN_FIXTURES

FRONT = HN_FIXTURES / "html" / "front"
BASE = "https://news.ycombinator.com"

MODERN = {
    # file: (url, first rank, last rank, next url)
    "front_2026-04-04.html": ("/front?day=2026-04-04", 1, 30, "/front?day=2026-04-04&p=2"),
    "news_2025-09-20_p1.html": ("/news", 1, 30, "/news?p=2"),
    "news_2025-09-20_p2.html": ("/news?p=2", 31, 60, "/news?p=3"),
    "news_2025-09-20_p3.html": ("/news?p=3", 61, 90, "/news?p=4"),
    "news_2025-09-20_p4.html": ("/news?p=4", 91, 120, "/news?p=5"),
    "news_2025-09-20_p5.html": ("/news?p=5", 121, 150, "/news?p=6"),
    "news_2026-06-01.html": ("/news", 1, 30, "/news?p=2"),
    "news_2026-04-26.html": ("/news", 1, 30, "/news?p=2"),
    "news_2026-03-27_loggedin_dom.html": ("/news", 1, 30, "/news?p=2"),
    "best_2026-04-05.html": ("/best", 1, 30, "/best?p=2"),
    "active_2026-04-05.html": ("/active", 1, 30, "/active?p=2"),
    "asknew_2026-04-05.html": ("/asknew", 1, 30, "/asknew?next=47648098&n=31"),
    "shownew_2026-04-05.html": ("/shownew", 1, 30, "/shownew?next=47651642&n=31"),
    "jobs_2026-03-26.html": ("/jobs", 1, 30, "/jobs?next=47125026&n=31"),
}


def parse(name: str):
    path, *_ = MODERN[name]
    return parse_listing(BASE + path, (FRONT / name).read_bytes())


@pytest.mark.parametrize("name", sorted(MODERN))
def test_every_modern_list_page(name):
    _, first, last, next_path = MODERN[name]
    page = parse(name)
    assert len(page.entries) == 30
    assert [e.rank for e in page.entries] == list(range(first, last + 1))
    assert page.next_url == BASE + next_path
    assert len({e.story.id for e in page.entries}) == 30
    assert all(e.story.title and e.story.created_at for e in page.entries)


def test_past_front_page():
    page = parse("front_2026-04-04.html")
    assert page.day == "2026-04-04"
    first = page.entries[0].story
    assert (first.id, first.type, first.author, first.score, first.comment_count) == (
        47633396,
        "ask",
        "firloop",
        1067,
        861,
    )
    assert first.title == (
        "Tell HN: Anthropic no longer allowing Claude Code subscriptions to use OpenClaw"
    )
    assert first.url is None  # a self post links to its own item page
    assert first.created_at == datetime(2026, 4, 3, 22, 55, 24, tzinfo=UTC)
    second = page.entries[1].story
    assert (second.id, second.type, second.url, second.domain) == (
        47640728,
        "show",
        "https://jaso1024.com/mvidia/",
        "jaso1024.com",
    )
    last = page.entries[-1].story
    assert (last.id, last.domain, last.author, last.score, last.comment_count) == (
        47591707,
        "ieee.org",
        "prabal97",
        38,
        16,
    )


def test_discuss_counts_as_zero_and_jobs_in_news():
    entries = {e.rank: e.story for e in parse("news_2025-09-20_p2.html").entries}
    assert [r for r, s in entries.items() if s.comment_count == 0] == [35, 40, 48]
    job = entries[56]
    assert (job.type, job.author, job.score, job.comment_count) == ("job", None, None, None)


def test_dead_stories_and_jobs():
    ask = {e.rank: e.story for e in parse("asknew_2026-04-05.html").entries}
    assert [r for r, s in ask.items() if s.dead] == [
        2,
        8,
        9,
        10,
        11,
        13,
        14,
        17,
        18,
        19,
        22,
        24,
        29,
        30,
    ]
    assert ask[2].title == "What's the most annoying step between AI output and using it?"
    jobs = parse("jobs_2026-03-26.html").entries
    assert {e.story.type for e in jobs} == {"job"}
    dead_job = jobs[3].story
    assert dead_job.dead and dead_job.url is None  # a dead job keeps no link
    assert jobs[0].story.domain == "ashbyhq.com"


def test_flagged_story():
    active = {e.rank: e.story for e in parse("active_2026-04-05.html").entries}
    assert [r for r, s in active.items() if s.flagged] == [21]


def test_domain_with_path():
    last = parse("news_2026-06-01.html").entries[-1].story
    assert last.domain == "github.com/pewdiepie-archdaemon"


OLD = sorted(p.name for p in FRONT.glob("*20[01][0-9]-*.html")) + sorted(
    p.name for p in FRONT.glob("news_2015-*.html")
)


@pytest.mark.parametrize("name", sorted(set(OLD)))
def test_pre_2016_list_pages_are_refused(name):
    with pytest.raises(UnrecognisedLayout, match=r"does not look like HN.s layout"):
        parse_listing(BASE + "/news", (FRONT / name).read_bytes())


def test_every_fixture_is_covered():
    assert set(OLD) | set(MODERN) == {p.name for p in FRONT.glob("*.html")}


def test_rate_limit_and_truncation():
    with pytest.raises(RateLimited):
        parse_listing(BASE + "/news", b"Sorry, we're not able to serve your requests this quickly.")
    body = (FRONT / "news_2026-06-01.html").read_bytes()
    with pytest.raises(TruncatedPage):
        parse_listing(BASE + "/news", body[:20000])
