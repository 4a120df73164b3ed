"""Post slugs and paths: ``content/posts/YYYY_MM/YYYY_MM_DD_<slug>/index.md``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from datetime import date
from pathlib import PurePosixPath

SLUG_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+")


def slugify(title: str, story_id: int, *, words: int = SLUG_WORDS) -> str:
    """The first ``words`` ``[a-z0-9]+`` words of the lowercased title, joined by ``_``.

    Accents are folded first (``Café`` gives ``cafe``). A title with no such
    word (all Japanese, say) gives ``hn<story_id>``.
    """
    folded = unicodedata.normalize("NFKD", title)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    found = _WORD.findall(folded)[:words]
    return "_".join(found) if found else f"hn{story_id}"


def unique_slug(base: str, taken: Container[str]) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever is not ``taken`` on that day."""
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def post_path(day: date, slug: str) -> PurePosixPath:
    """The post's file, relative to the site directory."""
    return PurePosixPath(
        "content", "posts", day.strftime("%Y_%m"), f"{day.strftime('%Y_%m_%d')}_{slug}", "index.md"
    )
