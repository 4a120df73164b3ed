"""Shared pieces for the demo tests: the built-in world and a fetch-and-join helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from matome_crawl.demo.render import Response
from matome_crawl.demo.synthetic import DEMO_DAY, SynthDay, World, demo_world
from matome_crawl.hn.model import Thread, ThreadPage
from matome_crawl.hn.thread import join_pages, parse_thread_page

BASE = "http://127.0.0.1:8000"  # pages are parsed with this URL; nothing listens there


@pytest.fixture(scope="session")
def world() -> World:
    return demo_world(other_days=None)


@pytest.fixture(scope="session")
def day(world: World) -> SynthDay:
    found = world.day(DEMO_DAY)
    assert found is not None
    return found


def crawl_thread(
    answer: Callable[[str], Response], story_id: int
) -> tuple[Thread, list[ThreadPage]]:
    """Follow a thread's More links through ``answer`` (a Site's ``page``); join the pages."""
    pages = []
    url: str | None = f"{BASE}/item?id={story_id}"
    while url is not None:
        response = answer(url.removeprefix(BASE))
        assert response.status == 200, url
        page = parse_thread_page(url, response.body)
        pages.append(page)
        url = page.next_url
        assert len(pages) < 1000, "More links never end"
    return join_pages(pages), pages
