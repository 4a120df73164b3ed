"""The story row shared by list pages and a thread's ``fatitem``: title line plus subtext."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml.html import HtmlElement

from matome_crawl.hn.model import StoryRecord
from matome_crawl.hn.page import first_int, parse_age

_SHOW_PREFIX = "show hn"
_ASK_PREFIXES = ("ask hn", "tell hn")


def story_type(title: str, url: str | None, *, is_job: bool, is_poll: bool) -> str:
    if is_job:
        return "job"
    if is_poll:
        return "poll"
    lowered = title.lower()
    if lowered.startswith(_SHOW_PREFIX):
        return "show"
    if lowered.startswith(_ASK_PREFIXES) or url is None:
        return "ask"
    return "story"


def _comment_count(subline: HtmlElement) -> int | None:
    """The last ``item?id=`` link reads "124 comments", "1 comment" or "discuss" (= 0)."""
    for link in reversed(subline.findall(".//a")):
        text = link.text_content().replace("\xa0", " ").strip()
        if text == "discuss":
            return 0
        if "comment" in text:
            return first_int(text)
    return None


def parse_story_row(row: HtmlElement, subtext: HtmlElement | None, page_url: str) -> StoryRecord:
    """A ``tr.athing`` story row and the ``td.subtext`` cell below it."""
    titleline = row.find_class("titleline")[0]
    link = titleline.find("a")
    title = link.text_content().strip()
    href = link.get("href") or ""
    story_id = int(row.get("id"))
    # Self posts link to their own item page; dead jobs have no link at all.
    url = None if not href or href.startswith("item?id=") else urljoin(page_url, href)
    sitestr = titleline.find_class("sitestr")
    markers = (titleline.text or "") + " " + (subtext.text_content() if subtext is not None else "")

    author = score = created_at = comment_count = None
    if subtext is not None:
        users = subtext.find_class("hnuser")
        author = users[0].text_content().strip() if users else None
        scores = subtext.find_class("score")
        score = first_int(scores[0].text_content()) if scores else None
        ages = subtext.find_class("age")
        created_at = parse_age(ages[0].get("title")) if ages else None
        comment_count = _comment_count(subtext)
    is_job = author is None and score is None
    return StoryRecord(
        id=story_id,
        type=story_type(title, url, is_job=is_job, is_poll=False),
        title=title,
        url=url,
        domain=sitestr[0].text_content().strip() if sitestr else None,
        author=author,
        score=score,
        created_at=created_at,
        comment_count=None if is_job else comment_count,
        dead="[dead]" in markers,
        flagged="[flagged]" in markers,
    )


def subtext_after(row: HtmlElement) -> HtmlElement | None:
    """The ``td.subtext`` in the row right after a story row."""
    sibling = row.getnext()
    if sibling is None:
        return None
    cells = sibling.find_class("subtext")
    return cells[0] if cells else None
