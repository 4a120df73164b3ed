"""HN comment HTML → plain text, keeping paragraphs, code blocks and full link URLs.

The one HTML-to-text conversion of the product: the parsers store its output, and the
translation stage hands it to the translator. Paragraphs are parted by a blank line and
never start with a space; code blocks keep HN's two-space indentation.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from matome_crawl.hn.page import Element, inner_html, text_of

ELLIPSIS = "..."


def _link_text(link: Element) -> str:
    """HN shortens long link texts with "..."; the href holds the whole URL."""
    text = text_of(link)
    href = link.get("href") or ""
    if text.endswith(ELLIPSIS) and href.startswith(text[: -len(ELLIPSIS)]):
        return href
    return text


def _inline_text(element: Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == "a":
            parts.append(_link_text(child))
        elif isinstance(child.tag, str):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def html_to_text(element: Element) -> str:
    """Paragraphs joined by a blank line; ``<pre>`` blocks kept verbatim."""
    paragraphs: list[str] = []
    buffer: list[str] = [element.text or ""]

    def flush() -> None:
        text = "".join(buffer).strip()
        if text:
            paragraphs.append(text)
        buffer.clear()

    for child in element:
        if child.tag == "p":
            flush()
            buffer.append(_inline_text(child))
            flush()
        elif child.tag == "pre":
            flush()
            code = text_of(child).strip("\n")
            if code.strip():
                paragraphs.append(code)
        elif child.tag == "a":
            buffer.append(_link_text(child))
        elif isinstance(child.tag, str):
            buffer.append(_inline_text(child))
        buffer.append(child.tail or "")
    flush()
    return "\n\n".join(paragraphs)


def comment_html_to_text(html: str) -> str:
    """:func:`html_to_text` of a stored comment body (the ``commtext`` inner HTML)."""
    if not html.strip():
        return ""
    root = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
    body = root.find("body/div") if root is not None else None
    return html_to_text(body) if body is not None else ""


# What HN's API writes for a comment most of the time: text, paragraphs opened by a
# bare <p> (never closed) and these entities. Anything else (tags, other entities,
# a bare "&" or ">", control characters the HTML parser rewrites) goes through lxml.
_ENTITIES = {"&#x27;": "'", "&quot;": '"', "&gt;": ">", "&lt;": "<", "&amp;": "&", "&#x2F;": "/"}
_ENTITY = re.compile("|".join(re.escape(e) for e in _ENTITIES))
# Characters the fast path leaves to lxml: markup, and what the parser rewrites or drops.
_NOT_PLAIN = re.compile(r"[<>&\r\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_NOT_PLAIN_ASCII = re.compile(r"[<>&\r\x00-\x08\x0b-\x1f\x7f]")


def _plain_parts(raw: str) -> list[str] | None:
    """``raw`` split at ``<p>`` and unescaped, when it has no other markup; else None."""
    parts = raw.split("<p>")
    not_plain = _NOT_PLAIN_ASCII if raw.isascii() else _NOT_PLAIN
    if "&" not in raw:
        for part in parts:
            if not_plain.search(part):
                return None
        return parts
    decoded = []
    for part in parts:
        if not_plain.search(_ENTITY.sub("", part)):
            return None
        decoded.append(_ENTITY.sub(_unescape, part))
    return decoded


def _unescape(match: re.Match[str]) -> str:
    return _ENTITIES[match.group(0)]


def api_html_and_text(raw: str) -> tuple[str, str]:
    """An API item's ``text`` as the thread parsers store it: (inner HTML, plain text).

    The same pair as :func:`~matome_crawl.hn.page.inner_html` and :func:`html_to_text`
    of the text parsed as HTML inside a ``div``; plain paragraphs take a string-only
    path (a quarter of the time), anything else the HTML parser.
    """
    parts = _plain_parts(raw)
    if parts is None:
        root = etree.fromstring(f"<div>{raw}</div>", etree.HTMLParser())
        body = root.find("body/div") if root is not None else None
        if body is None:
            return "", ""
        return inner_html(body), html_to_text(body)
    # Only decoded entities can put &, < or > in a part: without "&" there is nothing to escape.
    escaped = [html.escape(p, quote=False) for p in parts] if "&" in raw else parts
    markup = escaped[0] + "".join(f"<p>{p}</p>" for p in escaped[1:])
    text = "\n\n".join(stripped for p in parts if (stripped := p.strip()))
    return markup.strip(), text
