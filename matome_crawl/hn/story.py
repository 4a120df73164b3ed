"""The story row shared by list pages and a thread's ``fatitem``: title line plus subtext."""

from __future__ import annotations

from urllib.parse import urljoin

from matome_crawl.hn.model import StoryRecord
from matome_crawl.hn.page import Element, first_int, index_classes, parse_age, text_of

_SHOW_PREFIX = "show hn"
_ASK_PREFIXES = ("ask hn", "tell hn")


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
    """A ``tr.athing`` story row and the ``td.subtext`` cell below it."""
    titleline = index_classes(row)["titleline"]
    link = titleline.find("a")
    title = text_of(link).strip()
    href = link.get("href") or ""
    story_id = int(row.get("id"))
    # Self posts link to their own item page; dead jobs have no link at all.
    url = None if not href or href.startswith("item?id=") else urljoin(page_url, href)
    sitestr = index_classes(titleline).get("sitestr")
    markers = (titleline.text or "") + " " + (text_of(subtext) if subtext is not None else "")

    author = score = created_at = comment_count = None
    if subtext is not None:
        cells = index_classes(subtext)
        user, score_cell, age = cells.get("hnuser"), cells.get("score"), cells.get("age")
        author = text_of(user).strip() if user is not None else None
        score = first_int(text_of(score_cell)) if score_cell is not None else None
        created_at = parse_age(age.get("title")) if age is not None else None
        comment_count = _comment_count(subtext)
    is_job = author is None and score is None
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


def subtext_after(row: Element) -> Element | None:
    """The ``td.subtext`` in the row right after a story row."""
    sibling = row.getnext()
    if sibling is None:
        return None
    return index_classes(sibling).get("subtext")
