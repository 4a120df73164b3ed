"""Build a paginated thread from a one-page fixture (HN's ``item?id=N&p=2`` "More" pages)."""

from __future__ import annotations

import itertools
import re

ROW = re.compile(r'<tr class="athing comtr[^"]*" id="\d+">')
TREE_END = "</table><br><br>"


def split_thread(raw: str, story_id: int, cuts: list[int]) -> list[str]:
    """The same page as several pages, rows split before the given row indexes."""
    starts = [m.start() for m in ROW.finditer(raw)]
    end = raw.index(TREE_END, starts[-1])
    head, tail = raw[: starts[0]], raw[end:]
    bounds = [0, *cuts, len(starts)]
    positions = [*starts, end]
    pages = []
    for number, (a, b) in enumerate(itertools.pairwise(bounds), start=1):
        rows = raw[positions[a] : positions[b]]
        more = ""
        if b < len(starts):
            more = (
                f'<table border="0"><tr><td class="title"><a href="item?id={story_id}'
                f'&amp;p={number + 1}" class="morelink" rel="next">More</a></td></tr></table>'
            )
        pages.append(head + rows + tail.replace(TREE_END, TREE_END + more, 1))
    return pages
