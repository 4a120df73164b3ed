"""Comment HTML: the three forms a Body is written in agree with the product's parser."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from matome_crawl.demo import words
from matome_crawl.demo.markup import Body, CodeBlock, Italic, Link, Paragraph, link_text
from matome_crawl.hn.page import inner_html
from matome_crawl.hn.text import html_to_text

LONG_URL = "https://www.usenix.org/conference/osdi24/presentation/zhang-yifan?utm_source=hn&x=1"


def commtext(hn_html: str) -> etree._Element:
    """The commtext div of a comment row holding ``hn_html``, parsed like a whole HN page."""
    page = (
        '<html><body><table><tr><td><div class="comment"><div class="commtext c00">'
        f'{hn_html}</div><div class="reply"></div></div></td></tr></table></body></html>'
    )
    root = etree.fromstring(page.encode(), etree.HTMLParser(encoding="utf-8"))
    return root.xpath("//div[@class='commtext c00']")[0]


def check(body: Body) -> None:
    element = commtext(body.hn_html())
    assert inner_html(element) == body.parsed_html()
    assert html_to_text(element) == body.plain_text()


def test_hn_writes_entities_unclosed_paragraphs_and_code_blocks():
    body = Body(
        (
            Paragraph(('It\'s a/b "quoted" & <tagged> ', Italic("really"), " so.")),
            Paragraph(("> quoted line",)),
            CodeBlock("  if (a < b && c > 'd') {\n    return 1;\n  }"),
            Paragraph(("After the code.",)),
            Paragraph(("See ", Link(LONG_URL), " and ", Link("https://sqlite.org/"))),
        )
    )
    assert body.hn_html() == (
        "It&#x27;s a&#x2F;b &quot;quoted&quot; &amp; &lt;tagged&gt; <i>really</i> so."
        "<p>&gt; quoted line"
        "<p><pre><code>  if (a &lt; b &amp;&amp; c &gt; &#x27;d&#x27;) {\n    return 1;\n  }\n"
        "</code></pre>\nAfter the code."
        '<p>See <a href="https:&#x2F;&#x2F;www.usenix.org&#x2F;conference&#x2F;osdi24&#x2F;'
        'presentation&#x2F;zhang-yifan?utm_source=hn&amp;x=1" rel="nofollow">'
        "https:&#x2F;&#x2F;www.usenix.org&#x2F;conference&#x2F;osdi24&#x2F;presentation&#x2F;"
        'zhang-...</a> and <a href="https:&#x2F;&#x2F;sqlite.org&#x2F;" rel="nofollow">'
        "https:&#x2F;&#x2F;sqlite.org&#x2F;</a>"
    )
    assert body.plain_text() == (
        'It\'s a/b "quoted" & <tagged> really so.\n\n> quoted line\n\n'
        "  if (a < b && c > 'd') {\n    return 1;\n  }\n\nAfter the code.\n\n"
        f"See {LONG_URL} and https://sqlite.org/"
    )
    check(body)


def test_link_text_is_cut_at_60_characters():
    assert link_text("https://sqlite.org/") == "https://sqlite.org/"
    assert link_text(LONG_URL) == LONG_URL[:60] + "..."
    assert len(link_text(LONG_URL)) == 63


@pytest.mark.parametrize(
    "blocks",
    [
        (Paragraph(("one",)),),
        (Paragraph(("one",)), CodeBlock("  x = 1")),
        (Paragraph(("one",)), CodeBlock("  x = 1"), CodeBlock("  y = 2")),
        (Paragraph(("one",)), CodeBlock("  x"), Paragraph(("two",)), Paragraph(("three",))),
        (Paragraph((Italic("> quote"),)), Paragraph(("reply",))),
        (Paragraph((Link(LONG_URL),)),),
    ],
    ids=["one", "code-last", "two-codes", "code-between", "italic-quote", "only-link"],
)
def test_block_sequences_read_back(blocks):
    check(Body(blocks))


def test_generated_bodies_read_back():
    rng = random.Random(7)
    for _ in range(300):
        check(words.comment_body(rng, quote="A quoted sentence." if rng.random() < 0.2 else None))
    for kind in ("ask", "show", "job", "story"):
        check(words.op_body(rng, kind))


def test_a_body_starts_with_a_paragraph():
    with pytest.raises(ValueError, match="starts with a paragraph"):
        Body((CodeBlock("  x"),))
