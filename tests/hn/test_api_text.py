"""The string-only path of API comment text gives exactly what the HTML parser gives."""

from __future__ import annotations

import json
import random

import pytest
from lxml import etree

from matome_crawl.hn.page import inner_html
from matome_crawl.hn.text import _plain_parts, api_html_and_text, html_to_text
from tests.conftest import HN_FIXTURES


def parsed(raw: str) -> tuple[str, str]:
    """What the thread builders stored before the fast path: lxml, then both conversions."""
    body = etree.fromstring(f"<div>{raw}</div>", etree.HTMLParser()).find("body/div")
    return inner_html(body), html_to_text(body)


def fixture_texts() -> list[str]:
    texts = []
    for path in sorted((HN_FIXTURES / "api").rglob("*.json")):
        data = json.loads(path.read_bytes())
        stack = [data]
        while stack:  # Firebase items and node-hnapi's nested trees
            node = stack.pop()
            if isinstance(node, dict):
                texts += [v for k, v in node.items() if k in ("text", "content") and v]
                stack += node.values()
            elif isinstance(node, list):
                stack += node
    return texts


def test_real_api_texts_give_the_parser_s_pair():
    texts = fixture_texts()
    assert len(texts) > 1000
    assert sum(_plain_parts(t) is not None for t in texts) > len(texts) // 4  # the fast path
    for raw in texts:
        assert api_html_and_text(raw) == parsed(raw), raw


PIECES = (
    "a", "bc", " ", "  ", "\n", "\t", "<p>", "&#x27;", "&quot;", "&gt;", "&lt;", "&amp;",
    "&#x2F;", "&", ";", "#", "é", "漢字", "😀", "\xa0", "\u2028", "\x85", "\x0c", "\x7f",
    "\x1f", "\u3000", ">", "<", "<i>", "</i>", "<P>", "&nbsp;", "p>", "\r", "\ufeff", "\x00",
    "&#39;", "\ufdd0", "<p ",
)  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
def test_generated_texts_give_the_parser_s_pair(seed):
    """Markup, entities, whitespace and characters the HTML parser rewrites, shuffled."""
    rng = random.Random(seed)
    fast = 0
    for _ in range(2000):
        raw = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 10)))
        fast += _plain_parts(raw) is not None
        assert api_html_and_text(raw) == parsed(raw), repr(raw)
    assert fast > 200
