"""Every rendered page parses, with the product's parsers, into exactly the synthetic records."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from matome_crawl.demo.render import NO_SUCH_ITEM, ROBOTS_TXT, Site, SiteOptions, ago
from matome_crawl.demo.synthetic import DEMO_DAY, World, large_thread, synthetic_day
from matome_crawl.hn.errors import NotAnItem, UnrecognisedLayout
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.thread import parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.demo.conftest import BASE, crawl_thread


@pytest.fixture(scope="module", params=[False, True], ids=["logged-out", "showdead"])
def site(request, world) -> Site:
    return Site(world, SiteOptions(showdead=request.param))


def listing(site: Site, target: str):
    response = site.page(target)
    assert (response.status, response.content_type) == (200, "text/html; charset=utf-8")
    return parse_listing(BASE + target, response.body)


def test_front_pages_list_every_story_as_it_is(site, day):
    first = listing(site, f"/front?day={DEMO_DAY}")
    assert first.day == "2026-03-14"
    assert first.next_url == f"{BASE}/front?day=2026-03-14&p=2"
    second = listing(site, f"/front?day={DEMO_DAY}&p=2")
    assert second.next_url is None
    expected = day.listing_entries()
    assert [e.rank for e in first.entries + second.entries] == list(range(1, 35))
    assert first.entries == expected[:30]
    assert second.entries == expected[30:]
    # The odd ones: a dead story without a comments link, jobs without points or author.
    dead = next(e.story for e in expected if e.story.dead)
    assert dead.comment_count is None and dead.author is not None
    jobs = [e.story for e in expected if e.story.type == "job"]
    assert [(j.author, j.score, j.comment_count) for j in jobs] == [(None, None, None)] * 2
    assert {e.story.comment_count for e in expected} >= {0, 1}  # "discuss", "1 comment"


def test_news_pages_show_the_newest_day(site, day):
    first = listing(site, "/news")
    assert first.next_url == f"{BASE}/news?p=2"
    second = listing(site, "/news?p=2")
    assert first.entries + second.entries == day.listing_entries()
    assert listing(site, "/").entries == first.entries


def test_every_thread_joins_into_the_synthetic_thread(site, day):
    showdead = site.options.showdead
    pages_seen = []
    for thread in day.threads:
        joined, pages = crawl_thread(site.page, thread.story.id)
        assert joined == thread.thread_record(showdead=showdead), thread.story.id
        pages_seen.append(len(pages))
        # Each page: the same story on top, its own rows numbered from 0.
        assert {p.story for p in pages} == {thread.story_record(on_thread_page=True)}
        assert [c.position for c in pages[-1].comments] == list(range(len(pages[-1].comments)))
    assert sorted(pages_seen)[-1] == 2
    dead_rows = [c for t in day.threads for c in t.comment_records(showdead=showdead) if c.dead]
    assert dead_rows and all((c.text is not None) == showdead for c in dead_rows)


def test_dead_flagged_and_deleted_rows_read_as_hn_shows_them(world, day):
    def rows(showdead: bool) -> dict[int, object]:
        site = Site(world, SiteOptions(showdead=showdead))
        found = {}
        for thread in day.top_threads(10):
            found.update({c.id: c for c in crawl_thread(site.page, thread.story.id)[0].comments})
        return found

    hidden_view, showdead_view = rows(False), rows(True)
    comments = {c.id: c for t in day.top_threads(10) for c in t.comments}
    flagged = [i for i, c in comments.items() if c.flagged and i in hidden_view]
    dead = [i for i, c in comments.items() if c.dead and not c.flagged and i in hidden_view]
    deleted = [i for i, c in comments.items() if c.deleted and i in hidden_view]
    assert flagged and dead and deleted
    for i in flagged:
        assert (hidden_view[i].flagged, hidden_view[i].dead, hidden_view[i].text) == (
            True, True, None,
        )  # fmt: skip
        assert (showdead_view[i].flagged, showdead_view[i].dead) == (True, True)
        assert showdead_view[i].text == comments[i].body.plain_text()
    for i in dead:
        assert (hidden_view[i].dead, hidden_view[i].text, hidden_view[i].author) == (
            True, None, comments[i].by,
        )  # fmt: skip
        assert showdead_view[i].text == comments[i].body.plain_text()
    for i in deleted:
        for view in (hidden_view, showdead_view):
            assert (view[i].deleted, view[i].author, view[i].text) == (True, None, None)
    # The dead reply without replies shows only with showdead; the deleted one never.
    assert len(showdead_view) == len(hidden_view) + 1


def test_thread_pages_split_inside_subtrees_and_join_back(world, day):
    thread = max(day.threads, key=lambda t: len(t.comments))
    site = Site(world, SiteOptions(comments_per_page=7))
    joined, pages = crawl_thread(site.page, thread.story.id)
    assert len(pages) == -(-150 // 7) == joined.pages
    assert joined == thread.thread_record(comments_per_page=7)
    assert any(p.comments[0].depth > 0 for p in pages[1:])  # a page starts mid-subtree
    assert [p.page for p in pages] == list(range(1, len(pages) + 1))


def test_a_large_thread_paginates_and_joins():
    thread = large_thread(3000, seed=1)
    site = Site(World(threads=[thread]), SiteOptions(comments_per_page=250))
    joined, pages = crawl_thread(site.page, thread.story.id)
    assert len(pages) == 12
    assert pages[0].next_url == f"{BASE}/item?id={thread.story.id}&p=2"
    assert len(joined.comments) == 3000
    assert joined == thread.thread_record(comments_per_page=250)
    assert joined.story.comment_count == thread.descendants


def test_comment_pages_show_the_comment_and_its_replies(site, day):
    showdead = site.options.showdead
    checked = 0
    for thread in day.threads:
        records = {c.id: c for c in thread.comment_records(showdead=showdead)}
        for comment in thread.visible(showdead=showdead):
            url = f"{BASE}/item?id={comment.id}"
            page = parse_thread_page(url, site.page(url.removeprefix(BASE)).body)
            assert (page.story, page.story_id) == (None, thread.story.id)
            # The head of a comment page has no toggle, so no descendant count.
            expected = replace(records[comment.id], depth=-1, position=0, descendants=None)
            assert page.root_comment == expected
            below = thread.subtree(comment.id, showdead=showdead)
            assert page.comments == [
                replace(records[c.id], depth=c.depth - comment.depth - 1, position=i)
                for i, c in enumerate(below)
            ]
            checked += 1
    assert checked == sum(len(t.visible(showdead=showdead)) for t in day.threads)


def test_unknown_items_and_paths_answer_like_hn(site):
    response = site.page("/item?id=5")
    assert (response.status, response.body) == (200, NO_SUCH_ITEM.encode())
    with pytest.raises(NotAnItem):
        parse_thread_page(BASE + "/item?id=5", response.body)
    assert site.page("/item?id=abc").body == NO_SUCH_ITEM.encode()
    assert site.page("/nonsense").status == 404
    robots = site.page("/robots.txt")
    assert robots.body.decode() == ROBOTS_TXT
    real = (HN_FIXTURES / "robots" / "news.ycombinator.com_robots_2026.txt").read_text()
    assert ROBOTS_TXT.split() == real.split()
    # A day nobody made: HN's empty past page, which the parser refuses.
    empty = site.page("/front?day=2001-01-01")
    assert empty.status == 200
    with pytest.raises(UnrecognisedLayout, match="no story rows"):
        parse_listing(BASE + "/front?day=2001-01-01", empty.body)


def test_pages_are_the_same_bytes_every_time(world):
    one = Site(world).page("/front?day=2026-03-14").body
    other = Site(World([world.front_day])).page("/front?day=2026-03-14").body
    assert one == other
    assert b"6 days ago" in one and b"hours ago" not in one  # seen a week later, at noon
    assert b"Stories from March 14, 2026 (UTC)" in one


def test_ages_read_like_hn():
    now = datetime(2026, 3, 21, 12, tzinfo=UTC)
    epoch = int(now.timestamp())
    assert [ago(epoch - s, now) for s in (0, 60, 150, 3600, 7300, 86_400, 700_000)] == [
        "0 minutes ago", "1 minute ago", "2 minutes ago", "1 hour ago", "2 hours ago",
        "1 day ago", "8 days ago",
    ]  # fmt: skip


# --- the Firebase API ------------------------------------------------------------
def api(site: Site, target: str):
    response = site.api(target)
    assert (response.status, response.content_type) == (200, "application/json; charset=utf-8")
    return json.loads(response.body)


def api_tree(site: Site, story_id: int) -> list[tuple[int, int, int]]:
    """(id, parent, depth) in display order, from ``kids``, as an API source would walk it.

    Items HN leaves off the page (deleted with nothing shown below, and for a
    logged-out reader dead likewise) are dropped, so the result compares with the page.
    """
    showdead = site.options.showdead
    rows: list[tuple[int, int, int]] = []

    def walk(item_id: int, depth: int) -> bool:
        item = api(site, f"/item/{item_id}.json")
        start = len(rows)
        rows.append((item["id"], item["parent"], depth))
        shown_below = False
        for kid in item.get("kids", []):
            shown_below |= walk(kid, depth + 1)
        hidden = item.get("deleted", False) or (item.get("dead", False) and not showdead)
        if hidden and not shown_below:
            del rows[start:]
            return False
        return True

    for kid in api(site, f"/item/{story_id}.json").get("kids", []):
        walk(kid, 0)
    return rows


def test_api_and_pages_give_the_same_tree(site, day):
    for thread in day.threads:
        joined, _ = crawl_thread(site.page, thread.story.id)
        html_tree = [(c.id, c.parent_id, c.depth) for c in joined.comments]
        assert api_tree(site, thread.story.id) == html_tree, thread.story.id


def test_api_items_are_shaped_like_firebase(site, day):
    story = next(t for t in day.threads if t.story.kind == "ask")
    item = api(site, f"/item/{story.story.id}.json")
    assert list(item) == sorted(item)
    assert set(item) == {"by", "descendants", "id", "kids", "score", "text", "time", "title",
                         "type"}  # fmt: skip
    assert item["type"] == "story" and item["descendants"] == story.descendants
    assert item["text"] == story.story.body.hn_html()  # the HTML HN serves, entities and all
    link = next(t for t in day.threads if t.story.kind == "story" and t.comments)
    assert "url" in api(site, f"/item/{link.story.id}.json")

    comments = [c for t in day.threads for c in t.comments]
    deleted = next(c for c in comments if c.deleted)
    expected = {"deleted": True, "id": deleted.id, "parent": deleted.parent}
    expected |= {"time": deleted.time, "type": "comment"}
    kids = next(t.kids[deleted.id] for t in day.threads if deleted.id in t.kids)
    if kids:
        expected["kids"] = list(kids)
    assert api(site, f"/item/{deleted.id}.json") == expected  # no by, no text
    dead = next(c for c in comments if c.flagged)
    dead_item = api(site, f"/item/{dead.id}.json")
    assert dead_item["dead"] is True and dead_item["by"] == dead.by and "flagged" not in dead_item
    job = next(t.story for t in day.threads if t.story.kind == "job")
    job_item = api(site, f"/item/{job.id}.json")
    assert job_item["type"] == "job" and "descendants" not in job_item and "by" in job_item
    dead_story = next(t.story for t in day.threads if t.story.dead)
    assert api(site, f"/item/{dead_story.id}.json")["dead"] is True


def test_api_lists_and_unknown_items(site, world, day):
    assert api(site, "/maxitem.json") == world.max_item()
    top = api(site, "/topstories.json")
    assert top == [s.id for s in day.stories if not s.dead]
    assert set(api(site, "/askstories.json")) == {s.id for s in day.stories if s.kind == "ask"}
    assert api(site, "/item/5.json") is None
    assert api(site, "/user/pg.json") is None
    pretty = site.api("/maxitem.json?print=pretty").body
    assert json.loads(pretty) == world.max_item()
    assert site.api("/nothing").status == 404


def test_pages_of_other_days_come_from_the_factory():
    world = World(day_factory=lambda d: synthetic_day(d, threads=3, comments=12))
    site = Site(world)
    page = listing(site, "/front?day=2025-12-31")
    assert [e.story for e in page.entries] == [
        e.story for e in synthetic_day(date(2025, 12, 31), 3, 12).listing_entries()
    ]
    joined, _ = crawl_thread(site.page, page.entries[0].story.id)
    assert len(joined.comments) == 12
