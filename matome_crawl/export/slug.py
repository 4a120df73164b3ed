"""Post slugs and paths: ``content/posts/YYYY_MM/YYYY_MM_DD_<slug>/index.md``.

A slug is ``[a-z0-9]`` words joined by ``_``, at most :data:`MAX_SLUG_BYTES`
bytes, so its directory name always fits a file system's 255-byte limit. A
slug read back from the database is checked (:func:`check_slug`) before it
becomes a path: a tampered row cannot point outside the site.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from datetime import date
from pathlib import PurePosixPath

SLUG_WORDS = 5
MAX_SLUG_BYTES = 100
# Slugs stored by earlier versions were not bounded; any that fits a directory name is kept.
MAX_STORED_SLUG_BYTES = 200
_WORD = re.compile(r"[a-z0-9]+")
_SAFE_SLUG = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def bounded(slug: str, max_bytes: int = MAX_SLUG_BYTES) -> str:
    """``slug`` cut to ``max_bytes`` UTF-8 bytes on a character boundary, no trailing ``_``."""
    cut = slug.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    return cut.rstrip("_")


def slugify(title: str, story_id: int, *, words: int = SLUG_WORDS) -> str:
    """The first ``words`` ``[a-z0-9]+`` words of the lowercased title, joined by ``_``,
    at most :data:`MAX_SLUG_BYTES` bytes.

    Accents are folded first (``Café`` gives ``cafe``). A title with no such
    word (all Japanese, say) gives ``hn<story_id>``.
    """
    folded = unicodedata.normalize("NFKD", title)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    found = _WORD.findall(folded)[:words]
    return bounded("_".join(found)) if found else f"hn{story_id}"


def unique_slug(base: str, taken: Container[str]) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever is not ``taken`` on that day,
    cut so that the suffix too fits in :data:`MAX_SLUG_BYTES`."""
    base = bounded(base)
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = bounded(base, MAX_SLUG_BYTES - len(suffix)) + suffix
        if candidate not in taken:
            return candidate
        n += 1


def check_slug(slug: str, max_bytes: int = MAX_STORED_SLUG_BYTES) -> str:
    """``slug`` if it is safe as a directory name (``[a-z0-9]`` words joined by ``_``,
    at most ``max_bytes`` bytes), else :class:`ValueError`."""
    if not _SAFE_SLUG.fullmatch(slug) or len(slug.encode("utf-8")) > max_bytes:
        raise ValueError(f"{slug[:60]!r} is not a safe post name")
    return slug


def post_path(day: date, slug: str) -> PurePosixPath:
    """The post's file, relative to the site directory (the slug is checked first)."""
    check_slug(slug)
    return PurePosixPath(
        "content", "posts", day.strftime("%Y_%m"), f"{day.strftime('%Y_%m_%d')}_{slug}", "index.md"
    )
