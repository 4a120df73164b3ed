"""Thread-page parser against every modern thread page in the shared fixtures."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from matome_crawl.hn.errors import (
    NotAnItem,
    RateLimited,
    TruncatedPage,
    UnrecognisedLayout,
)
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES

ITEMS = HN_FIXTURES / "html" / "item"


def parse(name: str, item_id: int = 1):
    url = f"https://news.ycombinator.com/item?id={item_id}"
    return parse_thread_page(url, (ITEMS / name).read_bytes())


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_link_story_raw_page():
    page = parse("item_48350598.html", 48350598)
    story = page.story
    assert story is not None
    assert (story.id, story.type, story.title, story.author) == (
        48350598,
        "story",
        "Chuwi Minibook X",
        "thcipriani",
    )
    assert story.url == "https://tylercipriani.com/blog/2026/05/28/chuwi-minibook-x/"
    assert story.domain == "tylercipriani.com"
    assert (story.score, story.comment_count) == (148, 124)
    assert story.created_at == utc("2026-05-31T22:59:50")
    assert story.text_html is None  # toptext present but empty
    assert page.next_url is None

    comments = page.comments
    assert len(comments) == 124
    assert Counter(c.depth for c in comments) == {
        0: 36,
        1: 28,
        2: 21,
        3: 14,
        4: 13,
        5: 6,
        6: 5,
        7: 1,
    }
    assert [c.position for c in comments] == list(range(124))
    assert not any(c.dead or c.flagged or c.deleted for c in comments)

    first, second, third = comments[:3]
    assert (first.id, first.author, first.parent_id, first.depth) == (
        48351450,
        "winter_blue",
        48350598,
        0,
    )
    assert first.created_at == utc("2026-06-01T00:51:16")
    assert first.descendants == 17  # togg n=18 counts the comment itself
    assert first.text.startswith("Used laptops are such a good deal")
    # Paragraphs kept; HN's &#x27; decoded.
    assert "used price.\n\nOr really buy any laptop" in first.text
    assert (second.id, second.author, second.parent_id, second.depth) == (
        48351877,
        "djfergus",
        48351450,
        1,
    )
    assert second.text.startswith("This laptop has a 10” screen")
    assert (third.id, third.author, third.parent_id, third.depth) == (
        48352177,
        "winrid",
        48351877,
        2,
    )

    middle = comments[62]
    assert (middle.id, middle.author, middle.parent_id, middle.depth) == (
        48351939,
        "someotherperson",
        48351883,
        1,
    )
    last = comments[-1]
    assert (last.id, last.author, last.parent_id, last.depth) == (48351142, "AnonyMD", 48351040, 2)
    assert last.created_at == utc("2026-06-01T00:07:14")
    assert last.text == "Excuse me. I trust that."


def test_links_keep_their_full_url():
    comments = {c.id: c for c in parse("item_48350598.html").comments}
    shortened = next(c for c in comments.values() if "img.website.xin" in (c.text or ""))
    # HN shows ".../imag..." as the link text; the plain text carries the whole href.
    assert "https://img.website.xin/contents/sitefiles3601/18006016/images/456568.png" in (
        shortened.text
    )
    assert (
        '<a href="https://img.website.xin/contents/sitefiles3601/18006016/images/456568.png"'
        in (shortened.text_html)
    )
    # HN escapes "/" as &#x2F; in the raw body; nothing of that survives.
    assert all("&#x2F;" not in (c.text_html or "") for c in comments.values())


def test_poll_options_are_not_comments():
    page = parse("item_126809_poll.html", 126809)
    assert page.story.type == "poll"
    assert page.story.author == "pg"
    assert page.story.url is None
    assert [(o.id, o.score) for o in page.poll_options] == [
        (126812, 179),
        (126810, 73),
        (126811, 49),
    ]
    assert page.poll_options[0].text.startswith("We'd have the same number of polls")
    comments = page.comments
    assert len(comments) == 54
    assert {o.id for o in page.poll_options}.isdisjoint(c.id for c in comments)
    assert max(c.depth for c in comments) == 8
    first = comments[0]
    assert (first.id, first.author, first.parent_id, first.depth, first.descendants) == (
        126822,
        "mixmax",
        126809,
        0,
        14,
    )
    assert first.created_at == utc("2008-03-01T20:56:06")
    assert first.text.startswith("The reason I come here is to read interesting articles")
    assert comments[1].parent_id == 126822
    assert (comments[53].id, comments[53].author, comments[53].text) == (
        127535,
        "euccastro",
        "Users would ask for pie charts. ;)",
    )


def test_dead_flagged_and_collapsed_comments_browser_saved_page():
    page = parse("item_47536761.html", 47536761)
    assert page.story.type == "show"
    assert (page.story.score, page.story.comment_count) == (108, 42)
    comments = page.comments
    assert len(comments) == 42
    assert sum(c.dead for c in comments) == 6
    assert [c.id for c in comments if c.flagged] == [47537075]
    dead = [c.author for c in comments if c.dead]
    assert dead == [
        "johnwhitman",
        "chatmasta",
        "agentpiravi",
        "craxyfrog",
        "sayYayToLife",
        "felixagentai",
    ]
    # The collapsed row (comtr coll, hidden body "noshow") is a comment like any other.
    collapsed = comments[-1]
    assert (collapsed.id, collapsed.author, collapsed.parent_id, collapsed.depth) == (
        47537075,
        "felixagentai",
        47536761,
        0,
    )
    assert collapsed.text.startswith("The tiered inference approach is smart")
    assert collapsed.text.count("\n\n") == 2  # three paragraphs with closed </p> tags
    first = comments[0]
    assert (first.id, first.author, first.parent_id, first.depth, first.descendants) == (
        47537374,
        "InitialPhase55",
        47536761,
        0,
        4,
    )
    assert first.created_at == utc("2026-03-26T23:51:31")
    quoted = comments[21]
    assert (quoted.id, quoted.author) == (47538186, "agnishom")
    assert quoted.text.startswith("> The model can't tell you anything")


def test_comment_page_is_recognised():
    page = parse("item_47536778_comment_page.html", 47536778)
    assert page.story is None
    assert page.story_id == 47536761
    root = page.root_comment
    assert (root.id, root.author, root.parent_id) == (47536778, "j0rg3", 47536761)
    assert root.text.startswith("The stack: two agents on separate boxes.")
    assert len(page.comments) == 10
    assert page.comments[0].parent_id == 47536778
    assert (page.comments[5].id, page.comments[5].parent_id, page.comments[5].depth) == (
        47538077,
        47538057,
        4,
    )
    with pytest.raises(Exception, match="comment's page is not a thread"):
        join_pages([page])


def test_raw_and_browser_saved_copies_parse_the_same():
    """A browser save adds <tbody> and closes <p>; the records must not change."""
    raw = (ITEMS / "item_48350598.html").read_text()
    saved = re.sub(r"(<table[^>]*>)", r"\1<tbody>", raw).replace("</table>", "</tbody></table>")
    saved = re.sub(r"<p>(.*?)(?=<p>|</div>)", r"<p>\1</p>", saved)
    assert saved != raw
    url = "https://news.ycombinator.com/item?id=48350598"
    assert parse_thread_page(url, saved) == parse_thread_page(url, raw)


OLD_PAGES = sorted(p.name for p in ITEMS.glob("*_201[1-5]*.html"))


@pytest.mark.parametrize("name", OLD_PAGES)
def test_pre_2016_layout_is_refused(name):
    with pytest.raises(UnrecognisedLayout, match=r"does not look like HN.s layout"):
        parse(name)


def test_old_pages_are_all_covered():
    assert len(OLD_PAGES) == 10


def test_rate_limit_page_is_refused():
    body = b"Sorry, we're not able to serve your requests this quickly."
    with pytest.raises(RateLimited) as info:
        parse_thread_page("https://news.ycombinator.com/item?id=1", body)
    assert info.value.retryable


def test_truncated_page_is_refused():
    body = (ITEMS / "item_48350598.html").read_bytes()
    with pytest.raises(TruncatedPage, match="truncated"):
        parse_thread_page("https://news.ycombinator.com/item?id=48350598", body[: len(body) // 2])


def test_no_such_item():
    with pytest.raises(NotAnItem):
        parse_thread_page("https://news.ycombinator.com/item?id=1", b"No such item.")


def test_odd_unicode_survives():
    raw = (ITEMS / "item_48350598.html").read_text()
    odd = "Zero\u200bwidth, emoji 🦀, RTL \u202eevil\u202c, e\u0301, 日本語"
    body = raw.replace("Excuse me. I trust that.", odd)
    page = parse_thread_page("https://news.ycombinator.com/item?id=48350598", body)
    assert page.comments[-1].text == odd


def test_pages_join_into_one_thread():
    from tests.hn.paging import split_thread

    raw = (ITEMS / "item_48350598.html").read_text()
    base = "https://news.ycombinator.com/item?id=48350598"
    # Cut inside a subtree: page 2 starts with a reply whose parent is on page 1.
    bodies = split_thread(raw, 48350598, [49, 101])
    pages = []
    for number, body in enumerate(bodies, start=1):
        url = base if number == 1 else f"{base}&p={number}"
        pages.append(parse_thread_page(url, body))
    assert [p.next_url for p in pages] == [f"{base}&p=2", f"{base}&p=3", None]
    assert [p.page for p in pages] == [1, 2, 3]
    assert [len(p.comments) for p in pages] == [49, 52, 23]
    assert pages[1].comments[0].depth > 0
    whole = join_pages(pages)
    single = parse_thread_page(base, raw)
    assert whole.comments == single.comments
    assert whole.pages == 3


def test_missing_comment_tree_is_not_an_empty_thread():
    raw = (ITEMS / "item_48350598.html").read_text()
    renamed = raw.replace('class="comment-tree"', 'class="comments-v2"')
    with pytest.raises(UnrecognisedLayout, match="124 comments but no comment tree"):
        parse_thread_page("https://news.ycombinator.com/item?id=48350598", renamed)
