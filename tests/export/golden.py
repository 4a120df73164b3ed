"""Reading a golden post's data back into the exporter's input (PostData).

Only the data is read: title, tags, URL, date, draft, feature image and each
comment's body, user name, createdAt and colour. Bodies keep the characters the
golden post has; the one reversible rewrite (``<br>`` for a line break) is undone.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path

from matome_crawl.export import PostData, QuoteComment
from matome_crawl.export.escape import unescape_line_breaks
from tests.conftest import GOLDEN

# golden file → the template set that reproduces its layout
GOLDEN_FORMATS = {
    "000_042df3f94546d621.txt": "seed",
    "kaigai_2025_02_05_fair_pricing.md": "kaigai-2025-02",
    "kaigai_2025_11_01_chat_control_proposal_fails_again_after_public_opposition.md": "kaigai",
}

_QUOTE = re.compile(
    r'\{\{<matomeQuote body="([^"]*)" userName="([^"]*)" createdAt="([^"]*)" color="([^"]*)">\}\}'
)
_SOURCE = re.compile(r"^引用元：(?:\[(?P<text>[^\]]+)\]\((?P<link>[^)]+)\)|(?P<plain>\S+))$", re.M)


def _created_at(value: str) -> datetime:
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"unknown createdAt format: {value!r}")


def read_golden(path: Path) -> PostData:
    text = path.read_text(encoding="utf-8")
    _, front_matter, body = text.split("+++\n", 2)
    meta = tomllib.loads(front_matter)
    source = _SOURCE.search(body)
    assert source, f"no 引用元 line in {path.name}"
    url = source.group("plain") or source.group("link")
    if source.group("link"):
        assert source.group("text") == source.group("link")
    comments = tuple(
        QuoteComment(
            body=unescape_line_breaks(m.group(1)),
            user_name=m.group(2),
            created_at=_created_at(m.group(3)),
            color=m.group(4),
        )
        for m in _QUOTE.finditer(body)
    )
    assert len(comments) == body.count("{{<matomeQuote"), "a quote the pattern missed"
    day = date.fromisoformat(meta["date"][:10])
    if "months" in meta:
        assert meta["months"] == day.strftime("%Y/%m")
    return PostData(
        day=day,
        title=meta["title"],
        url=url,
        tags=tuple(meta["tags"]),
        comments=comments,
        draft=meta["draft"],
        featureimage=meta.get("featureimage"),
    )


def golden_paths() -> list[Path]:
    return [GOLDEN / name for name in GOLDEN_FORMATS]
