"""HN comment HTML → plain text, keeping paragraphs, code blocks and full link URLs.

The one HTML-to-text conversion of the product: the parsers store its output, and the
translation stage hands it to the translator. Paragraphs are parted by a blank line and
never start with a space; code blocks keep HN's two-space indentation.
"""

from __future__ import annotations

from lxml import etree

from matome_crawl.hn.page import Element, text_of

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
