"""The story row shared by list pages and a thread's ``fatitem``: title line plus subtext."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from matome_crawl.hn.errors import HNLayoutError
from matome_crawl.hn.model import StoryRecord
from matome_crawl.hn.page import Element, first_int, index_classes, read_age, row_id, text_of

_SHOW_PREFIX = "show hn"
_ASK_PREFIXES = ("ask hn", "tell hn")
_POINTS = re.compile(r"\d\s*points?\b")
_BY = re.compile(r"\bby\s")


def story_type(title: str, url: str | None, *, is_job: bool) -> str:
    """Job, show, ask or story; polls are told apart by their options (thread page or API)."""
    if is_job:
        return "job"
    lowered = title.lower()
    if lowered.startswith(_SHOW_PREFIX):
        return "show"
    if lowered.startswith(_ASK_PREFIXES) or url is None:
        return "ask"
    return "story"


def _comment_count(subline: Element) -> int | None:
    """The last ``item?id=`` link reads "124 comments", "1 comment" or "discuss" (= 0)."""
    for link in reversed(subline.findall(".//a")):
        text = text_of(link).replace("\xa0", " ").strip()
        if text == "discuss":
            return 0
        if "comment" in text:
            return first_int(text)
    return None


def parse_story_row(row: Element, subtext: Element | None, page_url: str) -> StoryRecord:
    """A ``tr.athing`` story row and the ``td.subtext`` cell below it.

    A job has neither score nor author; a story always has both. Which one a
    row is comes from several signs in its subtext, so that a renamed
    ``score``/``hnuser`` class is a :class:`HNLayoutError`, not a page of jobs.
    """
    story_id = row_id(page_url, row, "story")
    what = f"story {story_id}"
    titleline = index_classes(row).get("titleline")
    link = titleline.find("a") if titleline is not None else None
    if link is None:
        raise HNLayoutError(page_url, f"{what} has no title link (span.titleline > a)")
    if subtext is None:
        raise HNLayoutError(page_url, f"{what} has no subtext (td.subtext) below its title")
    title = text_of(link).strip()
    href = link.get("href") or ""
    # Self posts link to their own item page; dead jobs have no link at all.
    url = None if not href or href.startswith("item?id=") else urljoin(page_url, href)
    sitestr = index_classes(titleline).get("sitestr")
    subtext_text = text_of(subtext)
    markers = (titleline.text or "") + " " + subtext_text

    cells = index_classes(subtext)
    user, score_cell = cells.get("hnuser"), cells.get("score")
    author = text_of(user).strip() if user is not None else None
    score = first_int(text_of(score_cell)) if score_cell is not None else None
    created_at = read_age(page_url, what, cells.get("age"))
    comment_count = _comment_count(subtext)
    signs = _story_signs(cells, subtext_text, comment_count)
    is_job = user is None and score_cell is None and not signs
    if not is_job and (author is None or score is None):
        missing = [
            label
            for label, absent in (
                ("no score (span.score)", score is None),
                ("no author (a.hnuser)", author is None),
            )
            if absent
        ]
        shown = ", ".join(signs) or "a score or an author"
        raise HNLayoutError(
            page_url,
            f"{what} has {' and '.join(missing)} though its subtext is a story's ({shown})",
        )
    return StoryRecord(
        id=story_id,
        type=story_type(title, url, is_job=is_job),
        title=title,
        url=url,
        domain=text_of(sitestr).strip() if sitestr is not None else None,
        author=author,
        score=score,
        created_at=created_at,
        comment_count=None if is_job else comment_count,
        dead="[dead]" in markers,
        flagged="[flagged]" in markers,
    )


def _story_signs(cells: dict[str, Element], text: str, comment_count: int | None) -> list[str]:
    """What in a subtext says "story", apart from the score and author themselves.

    A job's subtext is its age (and "hide"); a story's is wrapped in
    ``span.subline`` and reads "N points by U … | N comments".
    """
    signs = []
    if "subline" in cells:
        signs.append("span.subline")
    if _POINTS.search(text):
        signs.append("'points'")
    if _BY.search(text):
        signs.append("'by'")
    if comment_count is not None:
        signs.append("a comments link")
    return signs


def subtext_after(row: Element) -> Element | None:
    """The ``td.subtext`` in the row right after a story row."""
    sibling = row.getnext()
    if sibling is None:
        return None
    return index_classes(sibling).get("subtext")
