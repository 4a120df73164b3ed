"""The demo server over real HTTP: prefixes, robots.txt, faults, threads, the command line."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from matome_crawl.demo.server import DemoServer, Fault
from matome_crawl.demo.synthetic import DEMO_DAY, demo_world
from matome_crawl.hn.listing import parse_listing
from matome_crawl.hn.page import RATE_LIMIT_MARKER, is_complete_page
from tests.conftest import REPO_ROOT, popen_interruptible


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_site_and_api_share_a_free_port(world, day):
    with DemoServer(world) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        assert server.api_url == server.url + "/v0"
        status, kind, body = get(server.front_url())
        assert (status, kind) == (200, "text/html; charset=utf-8")
        page = parse_listing(server.front_url(), body)
        assert page.entries == day.listing_entries()[:30]
        assert page.next_url == f"{server.url}/front?day={DEMO_DAY}&p=2"
        story = day.threads[0].story
        status, kind, body = get(f"{server.api_url}/item/{story.id}.json")
        assert (status, kind) == (200, "application/json; charset=utf-8")
        assert json.loads(body)["title"] == story.title
        assert get(server.item_url(story.id))[0] == 200
        assert server.hits[f"/item?id={story.id}"] == 1
    with pytest.raises(OSError):
        urllib.request.urlopen(server.front_url(), timeout=2)  # stopped: nothing listens


def test_prefixes_place_the_site_and_the_api(world):
    with DemoServer(world, site_prefix="/hn/", api_prefix="api/v0") as server:
        assert server.url.endswith("/hn") and server.api_url.endswith("/api/v0")
        assert get(server.front_url())[0] == 200
        assert get(server.api_url + "/maxitem.json")[2] == str(world.max_item()).encode()
        assert get(server.origin + "/front?day=2026-03-14")[0] == 404  # outside both prefixes
        # robots.txt belongs at the host's root whatever the prefix.
        # A mirror on this machine serves HN's rules without HN's Crawl-delay.
        robots = get(server.origin + "/robots.txt")[2]
        assert robots.startswith(b"User-Agent: *\nDisallow: /collapse?")
        assert b"Crawl-delay" not in robots
    with DemoServer(world, robots_txt=None) as server:
        assert get(server.origin + "/robots.txt")[2].startswith(b"User-Agent: *\nCrawl-delay: 30")
    with pytest.raises(ValueError, match="different prefixes"):
        DemoServer(world, site_prefix="/v0")


def test_robots_txt_can_be_replaced(world):
    with DemoServer(world, robots_txt="User-Agent: *\nDisallow: /item?\n") as server:
        assert get(server.url + "/robots.txt")[2] == b"User-Agent: *\nDisallow: /item?\n"


def test_faults_hit_the_first_matching_requests_only(world, day):
    story = day.threads[0].story.id
    faults = [
        Fault("/item?id=*", "rate_limit", times=2),
        Fault("/front*", "truncate"),
        Fault("/news", "error", status=429),
        Fault("/item/*.json", "cut"),
    ]
    with DemoServer(world, faults=faults) as server:
        for _ in range(2):
            status, _, body = get(server.item_url(story))
            assert status == 200 and RATE_LIMIT_MARKER in body
        status, _, body = get(server.item_url(story))
        assert status == 200 and is_complete_page(body)

        status, _, body = get(server.front_url())
        assert status == 200 and not is_complete_page(body) and len(body) > 1000
        assert is_complete_page(get(server.front_url())[2])

        assert get(server.url + "/news")[0] == 429
        assert get(server.url + "/news")[0] == 200

        with pytest.raises(http.client.IncompleteRead):
            get(f"{server.api_url}/item/{story}.json")
        assert json.loads(get(f"{server.api_url}/item/{story}.json")[2])["id"] == story
        assert [f.used for f in faults] == [2, 1, 1, 1]
        assert server.hits[f"/item?id={story}"] == 3
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("*", "teapot")


def test_concurrent_requests_get_whole_pages():
    world = demo_world(other_days=(5, 30))  # days made on request, from many threads at once
    days = [f"2025-01-{d:02d}" for d in range(1, 7)]
    with DemoServer(world) as server, ThreadPoolExecutor(16) as pool:
        urls = [f"{server.url}/front?day={d}" for d in days for _ in range(4)]
        bodies = list(pool.map(lambda url: get(url)[2], urls))
    assert all(is_complete_page(b) for b in bodies)
    for i in range(0, len(bodies), 4):
        assert len(set(bodies[i : i + 4])) == 1  # the same day is the same bytes


def test_command_line_prints_urls_and_stops_on_ctrl_c():
    process = popen_interruptible(
        [sys.executable, "-m", "matome_crawl.demo.server", "--comments-per-page", "20"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        banner = [process.stdout.readline() for _ in range(4)]
        assert banner[0].startswith("HN site: http://127.0.0.1:"), banner
        url = banner[0].split()[2]
        thread = max(demo_world(other_days=None).front_day.threads, key=lambda t: len(t.comments))
        body = get(f"{url}/item?id={thread.story.id}")[2]
        assert f'href="item?id={thread.story.id}&amp;p=2"'.encode() in body
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert f"matome crawl --day 2026-03-14 --top 10 --delay 0 --base-url {url}" in banner[2]
    assert "stopped." in err
