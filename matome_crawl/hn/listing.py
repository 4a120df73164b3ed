"""List pages: /news, /news?p=N, /front?day=YYYY-MM-DD, /best, /ask, /show, /jobs, /active…"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlparse

from lxml import etree

from matome_crawl.hn.errors import HNLayoutError, UnrecognisedLayout
from matome_crawl.hn.model import ListingEntry, ListingPage
from matome_crawl.hn.page import first_int, index_classes, load_page, text_of
from matome_crawl.hn.story import parse_story_row, subtext_after

_TITLELINES = etree.XPath("//span[@class='titleline']")
MORELINK = etree.XPath("//a[contains(concat(' ', @class, ' '), ' morelink ')]")


def parse_listing(url: str, body: str | bytes) -> ListingPage:
    """Every story row of a list page, in rank order, and the absolute URL of its "More" link.

    Raises :class:`~matome_crawl.hn.errors.HNPageError` subclasses for rate-limit
    and truncated pages, and :class:`~matome_crawl.hn.errors.HNLayoutError` for
    a page that does not look like HN's (pre-2016 markup, a story row without
    its score or author, a page of only jobs that is not /jobs, a looping "More").
    """
    root = load_page(url, body)
    entries = []
    for titleline in _TITLELINES(root):
        row = titleline.getparent().getparent()  # span.titleline < td.title < tr.athing
        if "athing" not in (row.get("class") or ""):
            raise UnrecognisedLayout(url, "title line outside a story row")
        story = parse_story_row(row, subtext_after(row), url)
        rank_cell = index_classes(row).get("rank")
        rank = first_int(text_of(rank_cell)) if rank_cell is not None else None
        entries.append(ListingEntry(rank=rank or len(entries) + 1, story=story))
    if not entries:
        raise UnrecognisedLayout(url, "no story rows (span.titleline) on a list page")
    if all(e.story.type == "job" for e in entries) and not _is_jobs_list(url):
        # Stories always show a score and an author; a whole page without them lost its markup.
        raise HNLayoutError(
            url, "every row is a job (no span.score, no a.hnuser) on a list that is not /jobs"
        )
    more = MORELINK(root)
    next_url = urljoin(url, more[0].get("href")) if more else None
    if next_url is not None and _goes_back(url, next_url):
        raise HNLayoutError(
            url, f'the "More" link ({next_url}) loops back to this or an earlier page'
        )
    return ListingPage(url=url, entries=entries, next_url=next_url, day=_front_day(url))


def _goes_back(url: str, next_url: str) -> bool:
    """A "More" link to the same list at the same or a lower page number (no ``p`` is 1)."""
    here, there = urlparse(url), urlparse(next_url)
    here_query, there_query = parse_qs(here.query), parse_qs(there.query)
    here_page, there_page = here_query.pop("p", ["1"])[0], there_query.pop("p", ["1"])[0]
    if (here.path.rstrip("/"), here_query) != (there.path.rstrip("/"), there_query):
        return False
    if here_page.isdigit() and there_page.isdigit():
        return int(there_page) <= int(here_page)
    return here_page == there_page


def _is_jobs_list(url: str) -> bool:
    return urlparse(url).path.rstrip("/").endswith("/jobs")


def _front_day(url: str) -> str | None:
    parsed = urlparse(url)
    if not parsed.path.endswith("/front"):
        return None
    days = parse_qs(parsed.query).get("day")
    return days[0] if days else None
