"""Product rules over parsed HN records (pure: no Scrapy, no database)."""

from __future__ import annotations

from collections.abc import Sequence

from matome_crawl.hn.model import ListingEntry


def top_threads(entries: Sequence[ListingEntry], top: int) -> list[int]:
    """The ``top`` stories of a listing by points, skipping dead stories and jobs.

    Jobs have no thread and dead stories are hidden from readers; ties keep
    the listing's rank order. The day pipeline and the ``front`` spider both
    choose a day's threads with this one rule.
    """
    candidates = [e for e in entries if not e.story.dead and e.story.type != "job"]
    candidates = sorted(candidates, key=lambda e: (-(e.story.score or 0), e.rank))
    return [e.story.id for e in candidates[:top]]
