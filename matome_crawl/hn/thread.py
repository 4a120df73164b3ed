"""Thread pages (``item?id=N``, ``item?id=N&p=2``): the top item, its comments, the next page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import parse_qs, urljoin, urlparse

from lxml import etree

from matome_crawl.hn.errors import HNLayoutError, HNPageError, UnrecognisedLayout
from matome_crawl.hn.listing import MORELINK
from matome_crawl.hn.model import CommentRecord, PollOption, StoryRecord, Thread, ThreadPage
from matome_crawl.hn.page import (
    Element,
    as_bytes,
    first_int,
    index_classes,
    inner_html,
    load_page,
    read_age,
    row_id,
    text_of,
)
from matome_crawl.hn.story import parse_story_row, subtext_after
from matome_crawl.hn.text import html_to_text

_FATITEM = etree.XPath("//table[@class='fatitem']")
_COMMENT_TREE = etree.XPath("//table[@class='comment-tree']")
# The tree's own rows (a browser save adds <tbody>); each comment nests a table of its own.
_TREE_ROWS = etree.XPath("./tr | ./tbody/tr")
# A comment row's opening tag in the raw bytes, counted apart from the tree that lxml builds.
_RAW_COMMENT_ROW = re.compile(rb"""<tr\s[^>]*\bclass\s*=\s*["']?[^"'>]*\bcomtr\b""", re.IGNORECASE)
# commtext colour classes: c00 is normal; cdd is the colour of dead text.
_DEAD_COLOUR = "cdd"
_PLACEHOLDERS = {"[deleted]": "deleted", "[dead]": "dead", "[flagged]": "flagged"}


def parse_thread_page(url: str, body: str | bytes) -> ThreadPage:
    """One page of a thread. Comment parents are linked within the page (see :func:`join_pages`).

    Raises :class:`~matome_crawl.hn.errors.HNPageError` subclasses for rate-limit,
    truncated and "No such item." pages, and
    :class:`~matome_crawl.hn.errors.HNLayoutError` for a page that does not look
    like HN's: pre-2016 markup, or any row that would be lost or stored short
    (comment rows the tree does not give, rows without id, indent, age, author
    or text where HN always shows them).
    """
    data = as_bytes(body)
    root = load_page(url, data)
    fatitems = _FATITEM(root)
    if not fatitems:
        raise UnrecognisedLayout(url, "no fatitem table (pre-2016 HN?)")
    fatitem = fatitems[0]
    top_rows = [r for r in fatitem.iter("tr") if "athing" in (r.get("class") or "")]
    if not top_rows:
        raise UnrecognisedLayout(url, "empty fatitem")
    top = top_rows[0]

    story: StoryRecord | None = None
    root_comment: CommentRecord | None = None
    poll_options: list[PollOption] = []
    top_cells = index_classes(top)
    if "titleline" in top_cells:
        story = parse_story_row(top, subtext_after(top), url)
        poll_options = [_poll_option(url, row) for row in top_rows[1:]]
        toptext = index_classes(fatitem).get("toptext")
        text_html = inner_html(toptext) if toptext is not None else ""
        # parse_story_row already typed the story; only a thread page shows poll options.
        kind = "poll" if poll_options else story.type
        story = replace(story, text_html=text_html or None, type=kind)
        story_id = story.id
    elif "comhead" in top_cells:
        story_id, parent_id = _comment_page_links(url, top)
        root_comment = _parse_comment(
            url, top, top_cells, depth=-1, parent_id=parent_id, position=0
        )
    else:
        raise UnrecognisedLayout(url, "fatitem is neither story nor comment")

    root_id = story.id if story is not None else root_comment.id  # type: ignore[union-attr]
    trees = _COMMENT_TREE(root)
    if not trees and story is not None and story.comment_count:
        # Never mistake a changed layout for a thread without comments.
        raise UnrecognisedLayout(url, f"{story.comment_count} comments but no comment tree")
    rows = _comment_rows(url, trees[0]) if trees else []
    if not rows and story is not None and story.comment_count:
        raise HNLayoutError(
            url, f"{story.comment_count} comments but no comment rows (tr.comtr) in the tree"
        )
    in_raw_page = len(_RAW_COMMENT_ROW.findall(data))
    if in_raw_page != len(rows):
        raise HNLayoutError(
            url,
            f"the page has {in_raw_page} comment rows (tr.comtr) but its comment tree"
            f" (table.comment-tree) gives {len(rows)}",
        )
    ids = [row_id(url, row, "comment") for row in rows]
    cells = [index_classes(row) for row in rows]
    depths = [_indent(url, i, c) for i, c in zip(ids, cells, strict=True)]
    parents = parent_ids(zip(ids, depths, strict=True), root_id)
    comments = [
        _parse_comment(url, row, c, depth=d, parent_id=p, position=i)
        for i, (row, c, d, p) in enumerate(zip(rows, cells, depths, parents, strict=True))
    ]
    more = MORELINK(root)
    return ThreadPage(
        url=url,
        story_id=story_id,
        story=story,
        root_comment=root_comment,
        comments=comments,
        next_url=urljoin(url, more[0].get("href")) if more else None,
        page=_page_number(url),
        poll_options=poll_options,
    )


def join_pages(pages: Sequence[ThreadPage]) -> Thread:
    """A whole thread from its pages in order: positions run on, parents link across pages.

    A comment that moved between two page fetches (it shows on both pages)
    is kept once, where it was first seen. Pages that loop (a page read twice,
    a "More" link back to a page already read, a page of comments already
    read) are a :class:`HNLayoutError`; a last page that links on is incomplete.
    """
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
    check_page_sequence(pages)
    if pages[-1].next_url is not None:
        raise HNPageError(
            pages[-1].url, f"thread incomplete: its last page links on to {pages[-1].next_url}"
        )
    comments = first.comments
    if len(pages) > 1:
        seen: set[int] = set()
        rows = []
        for comment in (c for page in pages for c in page.comments):
            if comment.id not in seen:
                seen.add(comment.id)
                rows.append(comment)
        parents = parent_ids(((c.id, c.depth) for c in rows), first.story_id)
        comments = [
            replace(c, position=i, parent_id=parent)
            for i, (c, parent) in enumerate(zip(rows, parents, strict=True))
        ]
    return Thread(
        story=first.story, comments=comments, pages=len(pages), poll_options=first.poll_options
    )


def next_page_url(pages: Sequence[ThreadPage]) -> str | None:
    """The "More" link to follow after ``pages`` (read in order), or ``None`` when done.

    Raises :class:`HNLayoutError` when the pages loop, so that a crawl that
    follows this link ends instead of reading the same pages forever.
    """
    check_page_sequence(pages)
    return pages[-1].next_url if pages else None


def check_page_sequence(pages: Sequence[ThreadPage]) -> None:
    """Refuse pages that loop: one read twice, a "More" link back, a page adding nothing."""
    read: set[tuple[str, ...]] = set()
    comment_ids: set[int] = set()
    for number, page in enumerate(pages, start=1):
        key = _page_key(page.url)
        if key in read:
            raise HNLayoutError(page.url, f"page {number} of the thread was read twice")
        read.add(key)
        ids = {c.id for c in page.comments}
        if number > 1 and ids and ids <= comment_ids:
            raise HNLayoutError(
                page.url,
                f"page {number} of the thread holds only comments already read: HN repeats a page",
            )
        comment_ids |= ids
        if page.next_url is not None and _page_key(page.next_url) in read:
            raise HNLayoutError(
                page.url,
                f'the "More" link of page {number} ({page.next_url}) loops back to a page'
                " already read",
            )


def _page_key(url: str) -> tuple[str, ...]:
    """Which page a URL names: path, item id and page number (no ``p`` is page 1)."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return (
        parsed.path.rstrip("/"),
        ",".join(query.get("id", [])),
        query.get("p", ["1"])[0],
    )


def parent_ids(ids_and_depths: Iterable[tuple[int, int]], root_id: int) -> list[int]:
    """Each row's parent from indent and order: the nearest earlier row one level up."""
    stack: list[tuple[int, int]] = []  # (depth, id) of the open ancestors
    parents = []
    for item_id, depth in ids_and_depths:
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents.append(stack[-1][1] if stack else root_id)
        stack.append((depth, item_id))
    return parents


def _comment_rows(url: str, tree: Element) -> list[Element]:
    """The ``tr.comtr`` rows of the comment tree, in page order.

    Every row of the tree table must be one: a row HN renders as a comment but
    under another class would otherwise be skipped without a word. Only rows
    with no id and no text (spacers) are let through.
    """
    rows = [r for r in tree.iter("tr") if "comtr" in (r.get("class") or "").split()]
    for number, row in enumerate(_TREE_ROWS(tree), start=1):
        if "comtr" not in (row.get("class") or "").split() and (
            row.get("id") is not None or text_of(row).strip()
        ):
            raise HNLayoutError(
                url,
                f"row {row.get('id') or f'#{number}'} of the comment tree is not a comment row"
                f" (tr.comtr; its class is {row.get('class')!r})",
            )
    return rows


def _indent(url: str, comment_id: int, cells: dict[str, Element]) -> int:
    cell = cells.get("ind")
    if cell is None:
        raise HNLayoutError(url, f"comment {comment_id} has no indent (td.ind)")
    indent = cell.get("indent")
    if indent is None:
        img = cell.find("img")  # older modern pages: a spacer 40 px per level
        width = img.get("width", "0") if img is not None else "0"
        if not width.strip().isdigit():
            raise HNLayoutError(
                url, f"comment {comment_id}: indent width {width!r} is not a number"
            )
        return int(width) // 40
    if not indent.strip().isdigit():
        raise HNLayoutError(url, f"comment {comment_id}: indent {indent!r} is not a number")
    return int(indent)


def _parse_comment(
    url: str,
    row: Element,
    cells: dict[str, Element],
    *,
    depth: int,
    parent_id: int,
    position: int,
) -> CommentRecord:
    comment_id = row_id(url, row, "comment")
    what = f"comment {comment_id}"
    head = cells.get("comhead")
    if head is None:
        raise HNLayoutError(url, f"{what} has no header (span.comhead)")
    user = cells.get("hnuser")
    age = cells.get("age")
    toggle = cells.get("togg")
    body = cells.get("commtext")
    head_text = text_of(head)
    text_html = text = None
    dead = "[dead]" in head_text
    flagged = "[flagged]" in head_text
    deleted = False
    if body is not None:
        if user is None:
            raise HNLayoutError(url, f"{what} has text but no author (a.hnuser)")
        text_html = inner_html(body)
        text = html_to_text(body)
        dead = dead or _DEAD_COLOUR in (body.get("class") or "").lower().split()
    else:
        comment = cells.get("comment")
        placeholder = text_of(comment).strip() if comment is not None else ""
        state = _PLACEHOLDERS.get(placeholder)
        if state is None:
            # Only a dead, deleted or flagged comment shows no text; anything else lost it.
            raise HNLayoutError(
                url,
                f"{what} has no text (div.commtext) and is not marked dead, deleted or flagged",
            )
        deleted = state == "deleted"
        # HN only shows a "[flagged]" placeholder for a comment it has killed.
        dead = dead or state in ("dead", "flagged")
        flagged = flagged or state == "flagged"
    deleted = deleted or (user is None and body is None)
    # HN dates every row; a deleted one may come without, but never with an unreadable age.
    created_at = None if deleted and age is None else read_age(url, what, age)
    toggle_n = first_int(toggle.get("n")) if toggle is not None else None
    return CommentRecord(
        id=comment_id,
        parent_id=parent_id,
        depth=depth,
        position=position,
        author=text_of(user).strip() if user is not None else None,
        created_at=created_at,
        text_html=text_html,
        text=text,
        descendants=toggle_n - 1 if toggle_n else None,
        dead=dead,
        flagged=flagged,
        deleted=deleted,
    )


def _comment_page_links(url: str, row: Element) -> tuple[int, int]:
    """A comment's own page links to its parent and ("on:") to its story."""
    parent_id = story_id = None
    for link in row.iter("a"):
        href = link.get("href") or ""
        if not href.startswith("item?id="):
            continue
        item_id = first_int(href)
        if text_of(link) == "parent":
            parent_id = item_id
        elif link.getparent() is not None and "onstory" in (link.getparent().get("class") or ""):
            story_id = item_id
    if story_id is None:
        raise UnrecognisedLayout(url, "comment page without its story link")
    return story_id, parent_id if parent_id is not None else story_id


def _poll_option(url: str, row: Element) -> PollOption:
    option_id = row_id(url, row, "poll option")
    cell = index_classes(row).get("comment")
    score_row = row.getnext()
    score = index_classes(score_row).get("score") if score_row is not None else None
    if cell is None or score is None:
        missing = "text (td.comment)" if cell is None else "score (span.score)"
        raise HNLayoutError(url, f"poll option {option_id} has no {missing}")
    return PollOption(
        id=option_id,
        text=text_of(cell).strip(),
        score=first_int(text_of(score)),
    )


def _page_number(url: str) -> int:
    pages = parse_qs(urlparse(url).query).get("p")
    return int(pages[0]) if pages and pages[0].isdigit() else 1
