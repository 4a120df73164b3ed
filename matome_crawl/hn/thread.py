"""Thread pages (``item?id=N``, ``item?id=N&p=2``): the top item, its comments, the next page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import parse_qs, urljoin, urlparse

from lxml.html import HtmlElement

from matome_crawl.hn.errors import HNPageError, UnrecognisedLayout
from matome_crawl.hn.model import CommentRecord, PollOption, StoryRecord, Thread, ThreadPage
from matome_crawl.hn.page import first_int, inner_html, load_page, parse_age
from matome_crawl.hn.story import parse_story_row, story_type, subtext_after
from matome_crawl.hn.text import html_to_text

# commtext colour classes: c00 is normal; cdd is the colour of dead text.
_DEAD_COLOUR = "cdd"
_PLACEHOLDERS = {"[deleted]": "deleted", "[dead]": "dead", "[flagged]": "flagged"}


def parse_thread_page(url: str, body: str | bytes) -> ThreadPage:
    """One page of a thread. Comment parents are linked within the page (see :func:`join_pages`).

    Raises :class:`~matome_crawl.hn.errors.HNPageError` subclasses for rate-limit,
    truncated, "No such item." and pre-2016 pages.
    """
    root = load_page(url, body)
    fatitems = root.find_class("fatitem")
    if not fatitems:
        raise UnrecognisedLayout(url, "unrecognised page layout: no fatitem table (pre-2016 HN?)")
    fatitem = fatitems[0]
    top_rows = [r for r in fatitem.iter("tr") if "athing" in (r.get("class") or "")]
    if not top_rows:
        raise UnrecognisedLayout(url, "unrecognised page layout: empty fatitem")
    top = top_rows[0]

    story: StoryRecord | None = None
    root_comment: CommentRecord | None = None
    poll_options: list[PollOption] = []
    if top.find_class("titleline"):
        story = parse_story_row(top, subtext_after(top), url)
        poll_options = [_poll_option(row) for row in top_rows[1:]]
        toptext = fatitem.find_class("toptext")
        text_html = inner_html(toptext[0]) if toptext else ""
        story = replace(
            story,
            text_html=text_html or None,
            type="poll"
            if poll_options
            else story_type(story.title, story.url, is_job=story.type == "job", is_poll=False),
        )
        story_id = story.id
    elif top.find_class("comhead"):
        root_comment = _parse_comment(url, top, depth=0, position=0, parent_id=0)
        story_id, parent_id = _comment_page_links(url, top)
        root_comment = replace(root_comment, parent_id=parent_id, depth=-1)
    else:
        raise UnrecognisedLayout(
            url, "unrecognised page layout: fatitem is neither story nor comment"
        )

    rows = [
        _parse_comment(url, row, depth=_indent(url, row), position=i, parent_id=0)
        for i, row in enumerate(_comment_rows(root))
    ]
    root_id = story.id if story is not None else root_comment.id  # type: ignore[union-attr]
    more = root.find_class("morelink")
    return ThreadPage(
        url=url,
        story_id=story_id,
        story=story,
        root_comment=root_comment,
        comments=link_parents(rows, root_id),
        next_url=urljoin(url, more[0].get("href")) if more else None,
        page=_page_number(url),
        poll_options=poll_options,
    )


def join_pages(pages: Sequence[ThreadPage]) -> Thread:
    """A whole thread from its pages in order: positions run on, parents link across pages."""
    if not pages:
        raise ValueError("join_pages needs at least one page")
    first = pages[0]
    if first.story is None:
        raise HNPageError(first.url, "a comment's page is not a thread; crawl its story instead")
    for page in pages[1:]:
        if page.story_id != first.story_id:
            raise HNPageError(
                page.url, f"page belongs to item {page.story_id}, not {first.story_id}"
            )
    rows = [comment for page in pages for comment in page.comments]
    rows = [replace(c, position=i) for i, c in enumerate(rows)]
    _check_unique(first.url, rows)
    return Thread(
        story=first.story,
        comments=link_parents(rows, first.story_id),
        pages=len(pages),
        poll_options=first.poll_options,
    )


def link_parents(rows: Iterable[CommentRecord], root_id: int) -> list[CommentRecord]:
    """Set each comment's parent from indent and order: the nearest earlier, shallower row."""
    stack: list[CommentRecord] = []
    linked = []
    for row in rows:
        while stack and stack[-1].depth >= row.depth:
            stack.pop()
        parent_id = stack[-1].id if stack else root_id
        row = replace(row, parent_id=parent_id)
        stack.append(row)
        linked.append(row)
    return linked


def _check_unique(url: str, rows: list[CommentRecord]) -> None:
    seen: set[int] = set()
    for row in rows:
        if row.id in seen:
            raise HNPageError(url, f"comment {row.id} appears twice across the thread's pages")
        seen.add(row.id)


def _comment_rows(root: HtmlElement) -> list[HtmlElement]:
    trees = root.find_class("comment-tree")
    if not trees:
        return []
    return [r for r in trees[0].iter("tr") if "comtr" in (r.get("class") or "").split()]


def _indent(url: str, row: HtmlElement) -> int:
    cells = row.find_class("ind")
    if not cells:
        raise UnrecognisedLayout(
            url, f"unrecognised page layout: comment {row.get('id')} has no indent"
        )
    indent = cells[0].get("indent")
    if indent is not None:
        return int(indent)
    img = cells[0].find("img")  # older modern pages: a spacer 40 px per level
    return int(img.get("width", "0")) // 40 if img is not None else 0


def _parse_comment(
    url: str, row: HtmlElement, *, depth: int, position: int, parent_id: int
) -> CommentRecord:
    comhead = row.find_class("comhead")
    if not comhead:
        raise UnrecognisedLayout(
            url, f"unrecognised page layout: comment {row.get('id')} has no comhead"
        )
    head = comhead[0]
    users = head.find_class("hnuser")
    ages = head.find_class("age")
    toggles = row.find_class("togg")
    head_text = "".join(t for t in head.itertext())
    commtexts = row.find_class("commtext")
    text_html = text = None
    dead = "[dead]" in head_text
    flagged = "[flagged]" in head_text
    deleted = False
    if commtexts:
        body = commtexts[0]
        text_html = inner_html(body)
        text = html_to_text(body)
        dead = dead or _DEAD_COLOUR in (body.get("class") or "").lower().split()
    else:
        comment = row.find_class("comment")
        placeholder = comment[0].text_content().strip() if comment else ""
        state = _PLACEHOLDERS.get(placeholder)
        deleted = state == "deleted"
        dead = dead or state == "dead"
        flagged = flagged or state == "flagged"
    toggle_n = first_int(toggles[0].get("n")) if toggles else None
    return CommentRecord(
        id=int(row.get("id")),
        parent_id=parent_id,
        depth=depth,
        position=position,
        author=users[0].text_content().strip() if users else None,
        created_at=parse_age(ages[0].get("title")) if ages else None,
        text_html=text_html,
        text=text,
        descendants=toggle_n - 1 if toggle_n else None,
        dead=dead,
        flagged=flagged,
        deleted=deleted or (not users and not commtexts),
    )


def _comment_page_links(url: str, row: HtmlElement) -> tuple[int, int]:
    """A comment's own page links to its parent and ("on:") to its story."""
    parent_id = story_id = None
    for link in row.iter("a"):
        href = link.get("href") or ""
        if not href.startswith("item?id="):
            continue
        item_id = first_int(href)
        if link.text_content() == "parent":
            parent_id = item_id
        elif link.getparent() is not None and "onstory" in (link.getparent().get("class") or ""):
            story_id = item_id
    if story_id is None:
        raise UnrecognisedLayout(
            url, "unrecognised page layout: comment page without its story link"
        )
    return story_id, parent_id if parent_id is not None else story_id


def _poll_option(row: HtmlElement) -> PollOption:
    cells = row.find_class("comment")
    score_row = row.getnext()
    scores = score_row.find_class("score") if score_row is not None else []
    return PollOption(
        id=int(row.get("id")),
        text=cells[0].text_content().strip() if cells else "",
        score=first_int(scores[0].text_content()) if scores else None,
    )


def _page_number(url: str) -> int:
    pages = parse_qs(urlparse(url).query).get("p")
    return int(pages[0]) if pages and pages[0].isdigit() else 1
