"""``thread``: fetch whole threads (every "More" page) by story id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy

from matome_crawl.spiders.base import HNSpider


def parse_ids(value: str | list[int] | tuple[int, ...]) -> list[int]:
    """``"1,2,3"`` (the ``-a ids=`` form) or a list of ints, deduplicated in order."""
    if isinstance(value, str):
        parts = [p for p in value.replace(" ", ",").split(",") if p]
    else:
        parts = list(value)
    try:
        ids = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"ids must be HN item ids separated by commas, got {value!r}") from None
    if not ids or any(i < 1 for i in ids):
        raise ValueError(f"ids must be positive HN item ids, got {value!r}")
    return list(dict.fromkeys(ids))


class ThreadSpider(HNSpider):
    """Crawl threads by id: ``scrapy crawl thread -a ids=47536761,48350598``."""

    name = "thread"

    def configure(self, ids: str | list[int] = "", **arguments: Any) -> None:
        super().configure(**arguments)
        self.ids = parse_ids(ids)

    @property
    def job_arguments(self) -> dict[str, Any]:
        return {"ids": self.ids}

    def job_requests(self) -> Iterator[scrapy.Request]:
        for story_id in self.ids:
            yield self.thread_request(story_id)
