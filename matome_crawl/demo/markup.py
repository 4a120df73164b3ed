"""Comment and OP text as a small structure, written out the three ways the product meets it.

A :class:`Body` is a list of blocks (paragraphs and code blocks); paragraphs hold
plain text, ``<i>`` runs and links. From one body come:

- :meth:`Body.hn_html`: the HTML that HN writes into its pages and that the Firebase
  API sends as ``text`` (first paragraph bare, later ones opened by an unclosed
  ``<p>``, ``<p><pre><code>`` blocks followed by a newline, ``&#x27;``/``&#x2F;``
  entities, link texts over 60 characters cut to 60 plus ``...``);
- :meth:`Body.parsed_html`: that HTML as the product's parser reads it back
  (:func:`matome_crawl.hn.page.inner_html` of an lxml tree: paragraphs closed,
  entities decoded, the empty ``<p></p>`` that lxml leaves before a ``<pre>``);
- :meth:`Body.plain_text`: the text the parser derives from it
  (:func:`matome_crawl.hn.text.html_to_text`: paragraphs split by a blank line,
  code kept verbatim, shortened links given as their whole URL).

The three are written here from the structure, not by running the parser, so the
round-trip tests check the parser against an independent expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

# HN shows at most this many characters of a URL as link text, then "...".
LINK_TEXT_LIMIT = 60
ELLIPSIS = "..."

_HN_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "/": "&#x2F;",
}
_TITLE_ESCAPES = {k: v for k, v in _HN_ESCAPES.items() if k != "/"}
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escape(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in text)


def hn_escape(text: str) -> str:
    """HN's escaping of comment text and attribute values (``'`` and ``/`` included)."""
    return _escape(text, _HN_ESCAPES)


def hn_escape_title(text: str) -> str:
    """HN's escaping of titles and user-visible labels (``/`` left alone)."""
    return _escape(text, _TITLE_ESCAPES)


def xml_escape(text: str) -> str:
    """How lxml writes text back out: only ``&``, ``<`` and ``>`` escaped."""
    return _escape(text, _XML_ESCAPES)


def link_text(url: str) -> str:
    """The text HN shows for a bare URL in a comment."""
    if len(url) > LINK_TEXT_LIMIT:
        return url[:LINK_TEXT_LIMIT] + ELLIPSIS
    return url


@dataclass(frozen=True, slots=True)
class Italic:
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str


Inline = str | Italic | Link


@dataclass(frozen=True, slots=True)
class Paragraph:
    parts: tuple[Inline, ...]

    def hn_html(self) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, Italic):
                out.append(f"<i>{hn_escape(part.text)}</i>")
            elif isinstance(part, Link):
                out.append(
                    f'<a href="{hn_escape(part.url)}" rel="nofollow">'
                    f"{hn_escape(link_text(part.url))}</a>"
                )
            else:
                out.append(hn_escape(part))
        return "".join(out)

    def parsed_html(self) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, Italic):
                out.append(f"<i>{xml_escape(part.text)}</i>")
            elif isinstance(part, Link):
                href = part.url.replace("&", "&amp;")
                out.append(f'<a href="{href}" rel="nofollow">{xml_escape(link_text(part.url))}</a>')
            else:
                out.append(xml_escape(part))
        return "".join(out)

    def plain_text(self) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, Italic):
                out.append(part.text)
            elif isinstance(part, Link):
                out.append(part.url)
            else:
                out.append(part)
        return "".join(out).strip()


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """Lines of code as typed (HN keeps the two-space indent that marks code)."""

    code: str  # no trailing newline

    def hn_html(self) -> str:
        return f"<pre><code>{hn_escape(self.code)}\n</code></pre>"

    def parsed_html(self) -> str:
        return f"<pre><code>{xml_escape(self.code)}\n</code></pre>"


Block = Paragraph | CodeBlock


@dataclass(frozen=True, slots=True)
class Body:
    """A comment's or a self post's text. The first block is always a paragraph."""

    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if not self.blocks or not isinstance(self.blocks[0], Paragraph):
            raise ValueError("a body starts with a paragraph")

    def hn_html(self) -> str:
        """As HN's pages and the Firebase API's ``text`` carry it."""
        out = []
        previous: Block | None = None
        for block in self.blocks:
            if isinstance(block, CodeBlock):
                out.append("<p>" + block.hn_html())
            elif previous is None:
                out.append(block.hn_html())
            elif isinstance(previous, CodeBlock):
                out.append("\n" + block.hn_html())  # HN starts no <p> right after a code block
            else:
                out.append("<p>" + block.hn_html())
            previous = block
        return "".join(out)

    def parsed_html(self) -> str:
        """As :func:`matome_crawl.hn.page.inner_html` gives it back from an HN page."""
        out = []
        previous: Block | None = None
        for block in self.blocks:
            if isinstance(block, CodeBlock):
                out.append("<p></p>" + block.parsed_html())  # the <p> closes before <pre>
            elif previous is None:
                out.append(block.parsed_html())
            elif isinstance(previous, CodeBlock):
                out.append("\n" + block.parsed_html())
            else:
                out.append(f"<p>{block.parsed_html()}</p>")
            previous = block
        return "".join(out).strip()

    def plain_text(self) -> str:
        """As :func:`matome_crawl.hn.text.html_to_text` gives it back."""
        paragraphs = []
        for block in self.blocks:
            text = block.code.strip("\n") if isinstance(block, CodeBlock) else block.plain_text()
            if text.strip():
                paragraphs.append(text)
        return "\n\n".join(paragraphs)

    def first_sentence(self) -> str:
        """The opening words, for a reply that quotes this body."""
        first = self.blocks[0]
        assert isinstance(first, Paragraph)
        text = first.plain_text()
        for end in (". ", "? ", "! "):
            if end in text:
                return text[: text.index(end) + 1]
        return text
