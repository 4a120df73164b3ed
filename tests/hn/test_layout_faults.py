"""Fault injection: real HN pages mutated in memory must fail closed, never parse short.

Each mutation renames or breaks one thing a changed HN layout could change
(``comtr``, ``commtext``, ``hnuser``, ``score``, indent, ids, ages, a looping
"More"); each must raise :class:`HNLayoutError` naming what is missing. The
unmutated fixtures, HTML and API, must all still parse: nothing real is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from matome_crawl.hn.errors import (
    HNLayoutError,
    HNPageError,
    RateLimited,
    TruncatedPage,
    UnrecognisedLayout,
)
from matome_crawl.hn.firebase import ApiItem, build_thread, parse_item
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.page import is_rate_limit_page
from matome_crawl.hn.thread import join_pages, next_page_url, parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.hn.paging import split_thread

ITEMS = HN_FIXTURES / "html" / "item"
FRONT = HN_FIXTURES / "html" / "front"
API = HN_FIXTURES / "api"
HN = "https://news.ycombinator.com"
STORY = 48350598  # item_48350598.html: 124 comments on one page, no dead rows
STORY_URL = f"{HN}/item?id={STORY}"
FIRST_COMMENT = 48351450
SORRY = "Sorry, we're not able to serve your requests this quickly."


def raw(name: str, folder: Path = ITEMS) -> str:
    return (folder / name).read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, f"mutation target {old!r} not in the fixture"
    return text.replace(old, new, 1)


def replace_all(text: str, old: str, new: str) -> str:
    assert old in text, f"mutation target {old!r} not in the fixture"
    return text.replace(old, new)


# --- thread pages ------------------------------------------------------------------
THREAD_MUTATIONS: dict[str, tuple[Callable[[str], str], str]] = {
    # name: (mutation of item_48350598.html, what the error must name)
    "comtr renamed everywhere": (
        lambda t: replace_all(t, 'class="athing comtr"', 'class="athing comrow"'),
        "tr.comtr",
    ),
    "comtr renamed on one row": (
        lambda t: replace_once(
            t, 'class="athing comtr" id="48351877"', 'class="athing x" id="48351877"'
        ),
        "48351877",
    ),
    "commtext renamed everywhere": (
        lambda t: replace_all(t, 'class="commtext', 'class="commbody'),
        f"comment {FIRST_COMMENT} has no text",
    ),
    "commtext renamed on one comment": (
        lambda t: replace_once(
            t, '<div class="commtext c00">Excuse me.', '<div class="ct">Excuse me.'
        ),
        "comment 48351142 has no text",
    ),
    "comment row without an id": (
        lambda t: replace_once(
            t, f'class="athing comtr" id="{FIRST_COMMENT}"', 'class="athing comtr"'
        ),
        "without a numeric id",
    ),
    "non-numeric indent": (
        lambda t: replace_once(t, 'indent="1"', 'indent="one"'),
        "comment 48351877: indent 'one' is not a number",
    ),
    "indent cell renamed": (
        lambda t: replace_all(t, 'class="ind"', 'class="indentation"'),
        f"comment {FIRST_COMMENT} has no indent",
    ),
    "unreadable comment age": (
        lambda t: replace_once(t, "2026-06-01T00:51:16 1780275076", "yesterday"),
        f"comment {FIRST_COMMENT}: unreadable age 'yesterday'",
    ),
    "age removed from one comment": (
        lambda t: replace_once(
            t, '<span class="age" title="2026-06-01T00:51:16', '<span title="2026-06-01T00:51:16'
        ),
        f"comment {FIRST_COMMENT} has no age",
    ),
    "comment age renamed": (
        lambda t: replace_all(t, '<span class="age"', '<span class="when"'),
        "no age",
    ),
    "hnuser renamed everywhere": (
        lambda t: replace_all(t, 'class="hnuser"', 'class="author"'),
        "a.hnuser",
    ),
    "hnuser renamed on one comment": (
        lambda t: replace_once(t, 'class="hnuser">djfergus', 'class="u">djfergus'),
        "comment 48351877 has text but no author",
    ),
    "score renamed on the story": (
        lambda t: replace_all(t, 'class="score"', 'class="points"'),
        f"story {STORY}",
    ),
    "subtext renamed on the story": (
        lambda t: replace_all(t, 'class="subtext"', 'class="subline2"'),
        f"story {STORY}",
    ),
}


@pytest.mark.parametrize("name", sorted(THREAD_MUTATIONS))
def test_mutated_thread_page_is_a_layout_error(name):
    mutate, named = THREAD_MUTATIONS[name]
    body = mutate(raw("item_48350598.html"))
    with pytest.raises(HNLayoutError, match="does not look like HN's layout") as info:
        parse_thread_page(STORY_URL, body)
    assert named in str(info.value)
    assert not info.value.retryable  # retrying the same markup cannot help


def test_commtext_renamed_on_a_page_with_dead_and_flagged_rows():
    """Dead and flagged rows keep their text when showdead is on; none of them excuses a loss."""
    body = replace_all(raw("item_47536761.html"), 'class="commtext', 'class="ctext')
    with pytest.raises(HNLayoutError, match="comment 47537374 has no text"):
        parse_thread_page(f"{HN}/item?id=47536761", body)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            '<td class="comment"><div style="margin-top:1px',
            '<td class="option"><div style="',
            "text",
        ),
        ('<span class="score" id="score_126810">', '<span class="pts">', "score"),
    ],
    ids=["text", "score"],
)
def test_a_poll_option_without_its_text_or_score_is_a_layout_error(old, new, named):
    body = replace_once(raw("item_126809_poll.html"), old, new)
    with pytest.raises(HNLayoutError, match=f"poll option 1268.. has no {named}"):
        parse_thread_page(f"{HN}/item?id=126809", body)


def test_a_spacer_indent_that_is_not_a_number():
    """Without indent=N the 40 px spacer gives the depth; a width that is no number is refused."""
    text = re.sub(r' indent="\d+"', "", raw("item_48350598.html"))
    original = parse_thread_page(STORY_URL, raw("item_48350598.html"))
    assert parse_thread_page(STORY_URL, text).comments == original.comments
    broken = replace_once(text, 'width="40"', 'width="4O"')
    with pytest.raises(HNLayoutError, match="indent width '4O' is not a number"):
        parse_thread_page(STORY_URL, broken)


def test_comtr_renamed_on_a_comment_page():
    body = replace_all(raw("item_47536778_comment_page.html"), "athing comtr", "athing crow")
    with pytest.raises(HNLayoutError, match=r"tr\.comtr"):
        parse_thread_page(f"{HN}/item?id=47536778", body)


def test_a_comment_row_outside_the_comment_tree_is_counted():
    """The raw page has 124 tr.comtr; a row that left the tree table is not dropped silently."""
    text = raw("item_48350598.html")
    start = text.index('<tr class="athing comtr" id="48351142">')
    end = text.index("</table><br><br>", start)
    row = text[start:end]
    moved = text[:start] + text[end:].replace(
        "</table><br><br>", f"</table><br><br><table>{row}</table>", 1
    )
    with pytest.raises(HNLayoutError, match="124 comment rows"):
        parse_thread_page(STORY_URL, moved)


def test_comment_tree_renamed_on_a_comment_page():
    """A comment's own page shows no count; its 10 rows in the raw page must still be read."""
    body = replace_all(
        raw("item_47536778_comment_page.html"), 'class="comment-tree"', 'class="replies"'
    )
    with pytest.raises(HNLayoutError, match="10 comment rows"):
        parse_thread_page(f"{HN}/item?id=47536778", body)


def test_comment_tree_without_rows_while_the_story_counts_comments():
    """The tree table is there but empty, and the story says 124 comments."""
    text = raw("item_48350598.html")
    start = text.index('<table border="0" class="comment-tree">')
    end = text.index("</table><br><br>", start)
    start += len('<table border="0" class="comment-tree">')
    with pytest.raises(HNLayoutError, match="124 comments but no comment rows"):
        parse_thread_page(STORY_URL, text[:start] + text[end:])


def test_the_rate_limit_sentence_inside_a_comment_is_just_text():
    body = replace_once(raw("item_48350598.html"), "Excuse me. I trust that.", SORRY)
    assert not is_rate_limit_page(body)
    page = parse_thread_page(STORY_URL, body)
    assert len(page.comments) == 124
    assert page.comments[-1].text == SORRY


def test_the_rate_limit_sentence_in_a_truncated_thread_is_a_truncation():
    """Cut after the quoting comment: a retry of the whole page, not a rate-limit backoff."""
    body = replace_once(raw("item_48350598.html"), "Excuse me. I trust that.", SORRY)
    cut = body[: body.index(SORRY) + len(SORRY) + 10]
    assert not is_rate_limit_page(cut)
    with pytest.raises(TruncatedPage):
        parse_thread_page(STORY_URL, cut)


@pytest.mark.parametrize(
    "body",
    [
        SORRY,
        SORRY + "\n",
        f"<html><body>{SORRY}</body></html>",
        f"<html><head></head><body><p>{SORRY}</p>\n</body></html>\n",
    ],
)
def test_the_real_rate_limit_page_is_still_recognised(body):
    assert is_rate_limit_page(body) and is_rate_limit_page(body.encode())
    with pytest.raises(RateLimited):
        parse_thread_page(STORY_URL, body)
    with pytest.raises(RateLimited):
        parse_listing(f"{HN}/news", body)


# --- "More" pages ------------------------------------------------------------------
def more_pages(loop_to: int | None = None) -> list[str]:
    """item_48350598 as 3 "More" pages; page 3 links back to ``loop_to`` if given."""
    bodies = split_thread(raw("item_48350598.html"), STORY, [49, 101])
    if loop_to is not None:
        target = f'<a href="item?id={STORY}&amp;p={loop_to}" class="morelink"'
        bodies[2] = replace_once(
            bodies[2],
            "</table><br><br>",
            f'</table><br><br><table border="0"><tr><td class="title">{target} rel="next">More'
            "</a></td></tr></table>",
        )
    return bodies


def page_url(number: int) -> str:
    return STORY_URL if number == 1 else f"{STORY_URL}&p={number}"


@pytest.mark.parametrize("loop_to", [1, 2, 3])
def test_a_looping_more_link_is_an_error_not_an_endless_crawl(loop_to):
    pages = [parse_thread_page(page_url(n), b) for n, b in enumerate(more_pages(loop_to), 1)]
    assert next_page_url(pages[:1]) == page_url(2)
    assert next_page_url(pages[:2]) == page_url(3)
    with pytest.raises(HNLayoutError, match="loops back to a page already read"):
        next_page_url(pages)
    with pytest.raises(HNLayoutError, match="loops back to a page already read"):
        join_pages(pages)


def test_the_same_page_read_twice_is_an_error():
    """p=2 answered for p=3: the crawl would never end, and the comments would repeat."""
    bodies = more_pages()
    pages = [parse_thread_page(page_url(n), b) for n, b in enumerate(bodies, 1)]
    again = parse_thread_page(page_url(2), bodies[1])
    with pytest.raises(HNLayoutError, match="read twice"):
        join_pages([pages[0], pages[1], again])
    with pytest.raises(HNLayoutError, match="read twice"):
        next_page_url([pages[0], pages[1], again])


def test_a_page_that_adds_no_comment_is_an_error():
    """Page 3 served with page 2's rows under a new number: HN kept answering the same page."""
    bodies = more_pages()
    first = parse_thread_page(page_url(1), bodies[0])
    second = parse_thread_page(page_url(2), bodies[1])
    repeat = parse_thread_page(page_url(3), bodies[1].replace("p=3", "p=4"))
    with pytest.raises(HNLayoutError, match="only comments already read"):
        join_pages([first, second, repeat])


def test_a_thread_whose_last_page_still_links_on_is_incomplete():
    bodies = more_pages()
    pages = [parse_thread_page(page_url(n), b) for n, b in enumerate(bodies[:2], 1)]
    with pytest.raises(HNPageError, match="incomplete"):
        join_pages(pages)


def test_three_honest_pages_join():
    pages = [parse_thread_page(page_url(n), b) for n, b in enumerate(more_pages(), 1)]
    assert next_page_url(pages) is None
    assert len(join_pages(pages).comments) == 124


# --- list pages ------------------------------------------------------------------
LISTING_MUTATIONS: dict[str, tuple[Callable[[str], str], str]] = {
    "hnuser and score renamed": (
        lambda t: replace_all(
            replace_all(t, 'class="hnuser"', 'class="user"'), 'class="score"', 'class="pts"'
        ),
        "story 47633396",
    ),
    "score renamed": (
        lambda t: replace_all(t, 'class="score"', 'class="pts"'),
        "no score (span.score)",
    ),
    "hnuser renamed": (
        lambda t: replace_all(t, 'class="hnuser"', 'class="user"'),
        "no author (a.hnuser)",
    ),
    "hnuser, score and subline renamed": (
        lambda t: replace_all(
            replace_all(
                replace_all(t, 'class="hnuser"', 'class="u"'), 'class="score"', 'class="s"'
            ),
            'class="subline"',
            'class="sl"',
        ),
        "story 47633396",
    ),
    "subtext renamed": (
        lambda t: replace_all(t, 'class="subtext"', 'class="sub"'),
        "no subtext",
    ),
    "unreadable story age": (
        lambda t: re.sub(r'(<span class="age" title=")[^"]*"', r'\1an hour ago"', t, count=1),
        "unreadable age 'an hour ago'",
    ),
    "story id missing": (
        lambda t: replace_once(t, 'id="47633396"', ""),
        "without a numeric id",
    ),
}


@pytest.mark.parametrize("name", sorted(LISTING_MUTATIONS))
def test_mutated_front_page_is_a_layout_error(name):
    mutate, named = LISTING_MUTATIONS[name]
    body = mutate(raw("front_2026-04-04.html", FRONT))
    with pytest.raises(HNLayoutError, match="does not look like HN's layout") as info:
        parse_listing(f"{HN}/front?day=2026-04-04", body)
    assert named in str(info.value)


def test_renamed_hnuser_and_score_on_a_page_with_a_real_job():
    """news p2 has a real job at rank 56; renaming must not hide behind it."""
    text = raw("news_2025-09-20_p2.html", FRONT)
    assert parse_listing(f"{HN}/news?p=2", text).entries[25].story.type == "job"
    mutated = replace_all(
        replace_all(text, 'class="hnuser"', 'class="user"'), 'class="score"', 'class="pts"'
    )
    with pytest.raises(HNLayoutError, match="no score"):
        parse_listing(f"{HN}/news?p=2", mutated)


def test_real_job_postings_still_parse_as_jobs():
    page = parse_listing(f"{HN}/jobs", raw("jobs_2026-03-26.html", FRONT))
    assert [e.story.type for e in page.entries] == ["job"] * 30


def test_a_front_page_of_nothing_but_jobs_is_refused():
    """Jobs rows put on a front page: HN never lists a day of jobs only."""
    jobs = raw("jobs_2026-03-26.html", FRONT)
    with pytest.raises(HNLayoutError, match="every row is a job"):
        parse_listing(f"{HN}/front?day=2026-03-26", jobs)


@pytest.mark.parametrize(
    ("name", "url", "old", "new"),
    [
        ("front_2026-04-04.html", "/front?day=2026-04-04", "&amp;p=2", ""),
        ("front_2026-04-04.html", "/front?day=2026-04-04&p=3", "&amp;p=2", "&amp;p=2"),
        ("news_2025-09-20_p5.html", "/news?p=5", "'?p=6'", "'?p=5'"),
        ("news_2025-09-20_p5.html", "/news?p=5", "'?p=6'", "'news'"),
        ("asknew_2026-04-05.html", "/asknew?next=47648098&n=31", "", ""),
    ],
    ids=["front-to-itself", "front-p3-to-p2", "news-p5-to-itself", "news-p5-to-p1", "cursor"],
)
def test_a_list_more_link_that_loops_is_a_layout_error(name, url, old, new):
    """The front spider follows "More" up to --pages; a loop would re-read (or drop) a page."""
    text = raw(name, FRONT)
    more = re.search(r"<a href=[\"'][^\"']*[\"'] class=[\"']morelink", text).group()
    body = text.replace(more, more.replace(old, new), 1)
    with pytest.raises(HNLayoutError, match="loops back to this or an earlier page"):
        parse_listing(f"{HN}{url}", body)


def test_list_more_links_going_on_are_kept():
    page = parse_listing(f"{HN}/front?day=2026-04-04&p=1", raw("front_2026-04-04.html", FRONT))
    assert page.next_url == f"{HN}/front?day=2026-04-04&p=2"


# --- the API -----------------------------------------------------------------------
def item(item_id: int, kids: tuple[int, ...] = (), **fields: Any) -> ApiItem:
    base: dict[str, Any] = {
        "type": "comment",
        "by": f"user{item_id}",
        "time": 1_700_000_000 + item_id,
        "text": f"comment {item_id}",
        "parent": None,
        "dead": False,
        "deleted": False,
    }
    base.update(fields)
    return ApiItem(id=item_id, kids=kids, **base)


def story(kids: tuple[int, ...]) -> ApiItem:
    return item(1, kids, type="story", title="A story", url="https://example.com/", text=None)


@pytest.mark.parametrize(
    ("items", "named"),
    [
        # 2 -> 3 -> 2
        ([story((2,)), item(2, (3,), parent=1), item(3, (2,), parent=2)], "item 3"),
        # a comment that is its own reply
        ([story((2,)), item(2, (2,), parent=1)], "item 2"),
        # back to the story
        ([story((2,)), item(2, (3,), parent=1), item(3, (1,), parent=2)], "item 3"),
        # a long way down, then up to the top comment
        (
            [
                story((2,)),
                *[item(i, (i + 1,), parent=i - 1) for i in range(2, 500)],
                item(500, (2,), parent=499),
            ],
            "item 500",
        ),
    ],
    ids=["two", "self", "story", "deep"],
)
def test_an_api_reply_cycle_is_a_layout_error(items, named):
    with pytest.raises(HNLayoutError, match="reply cycle") as info:
        build_thread(1, {i.id: i for i in items})
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"id": 5, "type": "comment", "kids": ["6", "7"]}, "kids is not a list of item ids"),
        ({"id": 5, "type": "comment", "kids": 6}, "kids is not a list of item ids"),
        ({"id": 5, "type": "poll", "parts": [1, None]}, "parts is not a list of item ids"),
        ({"id": "5x", "type": "comment"}, "id '5x' is not a number"),
        ({"id": 5, "type": "comment", "time": "yesterday"}, "time 'yesterday' is not a number"),
    ],
)
def test_a_malformed_api_item_is_a_layout_error(answer, named):
    """String kids were dropped silently (a subtree lost); a string id raised ValueError."""
    with pytest.raises(HNLayoutError, match=named):
        parse_item("item/5.json", json.dumps(answer))


def test_a_2000_deep_api_thread_is_stored_whole():
    depth = 2000
    chain = [item(i, (i + 1,) if i < depth + 1 else (), parent=i - 1) for i in range(2, depth + 2)]
    thread = build_thread(1, {i.id: i for i in [story((2,)), *chain]})
    comments = thread.comments
    assert len(comments) == depth
    assert [c.depth for c in comments] == list(range(depth))
    assert [c.position for c in comments] == list(range(depth))
    assert [c.descendants for c in comments] == list(range(depth - 1, -1, -1))
    assert [c.parent_id for c in comments] == list(range(1, depth + 1))


def test_a_comment_listed_under_two_parents_is_kept_once():
    """A comment moved between fetches: kept where it is first reached, like join_pages does."""
    items = [story((2, 3)), item(2, (4,), parent=1), item(3, (4,), parent=1), item(4, parent=3)]
    thread = build_thread(1, {i.id: i for i in items})
    assert [(c.id, c.depth, c.descendants) for c in thread.comments] == [
        (2, 0, 1),
        (4, 1, 0),
        (3, 0, 0),
    ]


# --- every real fixture still parses ---------------------------------------------------
MODERN_ITEMS = sorted(p.name for p in ITEMS.glob("*.html") if not re.search(r"_20(1[0-5])", p.name))
OLD_ITEMS = sorted(p.name for p in ITEMS.glob("*.html") if p.name not in MODERN_ITEMS)
MODERN_LISTS = sorted(p.name for p in FRONT.glob("*.html") if not re.search(r"_201[0-5]", p.name))
OLD_LISTS = sorted(p.name for p in FRONT.glob("*.html") if p.name not in MODERN_LISTS)


def test_fixture_sets_are_what_this_module_expects():
    assert (len(MODERN_ITEMS), len(OLD_ITEMS), len(MODERN_LISTS), len(OLD_LISTS)) == (5, 10, 14, 8)


@pytest.mark.parametrize("name", MODERN_ITEMS)
def test_every_modern_thread_fixture_parses(name):
    item_id = int(re.search(r"item_(\d+)", name).group(1))
    page = parse_thread_page(f"{HN}/item?id={item_id}", (ITEMS / name).read_bytes())
    assert page.comments
    assert all(c.created_at for c in page.comments)
    assert all(c.text or c.dead or c.deleted for c in page.comments)
    if page.story is not None:
        assert len(join_pages([page]).comments) == page.story.comment_count


@pytest.mark.parametrize("name", MODERN_LISTS)
def test_every_modern_list_fixture_parses(name):
    path = "/jobs" if name.startswith("jobs") else "/news"
    page = parse_listing(f"{HN}{path}", (FRONT / name).read_bytes())
    assert len(page.entries) == 30


@pytest.mark.parametrize("name", [*OLD_ITEMS, *OLD_LISTS])
def test_pre_2016_fixtures_stay_refused_as_layout_errors(name):
    folder = ITEMS if name in OLD_ITEMS else FRONT
    parse = parse_thread_page if folder is ITEMS else parse_listing
    with pytest.raises(UnrecognisedLayout) as info:
        parse(f"{HN}/item?id=1", (folder / name).read_bytes())
    assert isinstance(info.value, HNLayoutError)


@pytest.mark.parametrize(
    "path", sorted((API / "firebase").glob("item_*.json")), ids=lambda p: p.name
)
def test_every_firebase_item_fixture_parses(path):
    parsed = parse_item(path.name, path.read_bytes())
    assert parsed is not None and parsed.id == int(path.name.split("_")[1])
    if parsed.type in ("story", "job", "poll"):
        thread = build_thread(parsed.id, {parsed.id: parsed})
        assert thread.story.id == parsed.id and thread.comments == []


def hnapi_items(node: dict[str, Any], parent: int | None, out: dict[int, ApiItem]) -> None:
    """node-hnapi's nested tree as the Firebase items it was made from."""
    kids = tuple(child["id"] for child in node["comments"])
    out[node["id"]] = ApiItem(
        id=node["id"],
        type="comment" if parent is not None else "story",
        by=node.get("user"),
        time=node.get("time"),
        text=node.get("content") or None,
        kids=kids,
        parent=parent,
        dead=bool(node.get("dead")),
        deleted=bool(node.get("deleted")),
        title=node.get("title"),
        url=node.get("url"),
    )
    for child in node["comments"]:
        hnapi_items(child, node["id"], out)


def test_the_large_real_api_tree_builds_with_its_levels():
    tree = json.loads((API / "hnapi" / "hnapi_item_25015967.json").read_bytes())
    items: dict[int, ApiItem] = {}
    hnapi_items(tree, None, items)
    levels: dict[int, int] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            levels[node["id"]] = node["level"]
            walk(node["comments"])

    walk(tree["comments"])
    thread = build_thread(tree["id"], items)
    left_out = {i for i, it in items.items() if it.deleted and not it.kids}
    assert len(thread.comments) == len(levels) - len(left_out) > 2000
    assert all(c.depth == levels[c.id] for c in thread.comments)
