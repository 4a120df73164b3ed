"""What every HN page parser does first: refuse bad bodies, then build the lxml tree."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from lxml import etree

from matome_crawl.hn.errors import HNLayoutError, NotAnItem, RateLimited, TruncatedPage

RATE_LIMIT_MARKER = b"Sorry, we're not able to serve your requests this quickly"
# HN's rate-limit page is that one sentence, a few bytes; any HN page (tables) is longer.
RATE_LIMIT_MAX_BYTES = 8192
# The footer links are the last thing HN renders; a body without them was cut short.
FOOTER_MARKER = b'class="yclinks"'
FOOTER_MARKER_SINGLE = b"class='yclinks'"
_NOT_AN_ITEM = (b"No such item.", b"Unknown.")

_INT = re.compile(r"\d+")

Element = etree._Element
# Plain lxml.etree elements (not lxml.html's): no per-element class lookup, and
# precompiled XPath instead of find_class, which compiles one per call.
text_of = etree.XPath("string()", smart_strings=False)


def as_bytes(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def is_rate_limit_page(body: str | bytes) -> bool:
    """HN's soft rate limit answers HTTP 200 with a "Sorry…" text instead of the page.

    Only a body that *is* that page counts: short, with the sentence and none of
    HN's page structure. A thread whose comment quotes the sentence is a page.
    """
    data = as_bytes(body)
    return (
        len(data) <= RATE_LIMIT_MAX_BYTES
        and RATE_LIMIT_MARKER in data
        and b"<table" not in data.lower()
        and not is_complete_page(data)
    )


def is_complete_page(body: str | bytes) -> bool:
    data = as_bytes(body)
    return FOOTER_MARKER in data or FOOTER_MARKER_SINGLE in data


def load_page(url: str, body: str | bytes) -> Element:
    """Check a body for HN's error pages and truncation, then parse it (UTF-8)."""
    data = as_bytes(body)
    if is_rate_limit_page(data):
        raise RateLimited(
            url, 'HN rate limit page ("Sorry, we\'re not able to serve…"): retry later'
        )
    stripped = data.strip()
    if stripped in _NOT_AN_ITEM:
        raise NotAnItem(url, f"HN answered {stripped.decode()!r}")
    if not is_complete_page(data):
        raise TruncatedPage(url, f"page ends before HN's footer after {len(data)} bytes: truncated")
    return etree.fromstring(data, etree.HTMLParser(encoding="utf-8"))


def parse_age(title: str | None) -> datetime | None:
    """``span.age[title]``: ``"2026-05-31T22:59:50 1780268390"`` (ISO, then epoch), both UTC."""
    if not title:
        return None
    parts = title.split()
    if len(parts) > 1 and parts[1].isdigit():
        return datetime.fromtimestamp(int(parts[1]), tz=UTC)
    value = datetime.fromisoformat(parts[0].rstrip("Z"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_age(url: str, what: str, age: Element | None) -> datetime:
    """A row's ``span.age[title]``, which HN always shows: missing or unreadable is refused."""
    if age is None:
        raise HNLayoutError(url, f"{what} has no age (span.age)")
    title = age.get("title")
    try:
        value = parse_age(title)
    except (ValueError, OverflowError, OSError):
        value = None
    if value is None:
        raise HNLayoutError(url, f"{what}: unreadable age {title!r} (span.age[title])")
    return value


def row_id(url: str, row: Element, what: str) -> int:
    """The item id of a ``tr.athing`` row (its ``id`` attribute)."""
    value = (row.get("id") or "").strip()
    if not value.isdigit():
        raise HNLayoutError(url, f"a {what} row without a numeric id (id={row.get('id')!r})")
    return int(value)


def first_int(text: str | None) -> int | None:
    if not text:
        return None
    match = _INT.search(text.replace(",", ""))
    return int(match.group()) if match else None


def inner_html(element: Element) -> str:
    """The element's children serialised as HTML (entities decoded, tags closed)."""
    parts = [html.escape(element.text, quote=False)] if element.text else []
    parts.extend(etree.tostring(child, method="html", encoding="unicode") for child in element)
    return "".join(parts).strip()


def index_classes(element: Element) -> dict[str, Element]:
    """The first element at or under ``element`` for each class token, in one pass."""
    index: dict[str, Element] = {}
    for node in element.iter():
        classes = node.get("class")
        if classes:
            for token in classes.split():
                index.setdefault(token, node)
    return index
