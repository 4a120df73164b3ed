"""Parser speed: the product's parsers next to a bare lxml parse of the same bytes.

    python bench/parse.py [--seconds 3]

Thread pages and list pages, each timed in this process on the same fixture
bytes as a bare ``lxml`` parse. Timings are the best of several rounds, taken
in turn, so that a busy machine slows both sides alike; the ratios (product
time over bare parse time) are the figures to compare between machines. The
parsers check every page against HN's layout (row counts, ids, ages, texts,
story markers); that cost is inside the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matome_crawl.hn.listing import parse_listing  # noqa: E402
from matome_crawl.hn.thread import parse_thread_page  # noqa: E402

HTML = ROOT.parent / "shared" / "fixtures" / "hn" / "html"
THREADS = ["item_48350598.html", "item_126809_poll.html", "item_47536761.html"]
LISTS = ["front_2026-04-04.html", "news_2025-09-20_p2.html", "jobs_2026-03-26.html"]
BASE = "https://news.ycombinator.com"


def best_time(funcs: dict[str, Callable[[], None]], seconds: float) -> dict[str, float]:
    """Each function's fastest run, the functions run in turn for about ``seconds`` in all."""
    best = dict.fromkeys(funcs, float("inf"))
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def bare(bodies: list[bytes]) -> Callable[[], None]:
    def run() -> None:
        for body in bodies:
            etree.fromstring(body, etree.HTMLParser(encoding="utf-8"))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per page kind")
    args = parser.parse_args()

    threads = [(HTML / "item" / name).read_bytes() for name in THREADS]
    lists = [(HTML / "front" / name).read_bytes() for name in LISTS]
    list_urls = [f"{BASE}/front?day=2026-04-04", f"{BASE}/news?p=2", f"{BASE}/jobs"]
    thread_url = f"{BASE}/item?id=1"
    comments = sum(len(parse_thread_page(thread_url, b).comments) for b in threads)
    stories = sum(len(parse_listing(u, b).entries) for u, b in zip(list_urls, lists, strict=True))

    def thread_parser() -> None:
        for body in threads:
            parse_thread_page(thread_url, body)

    def list_parser() -> None:
        for url, body in zip(list_urls, lists, strict=True):
            parse_listing(url, body)

    for kind, names, count, unit, product, bodies in (
        ("thread", THREADS, comments, "comments", thread_parser, threads),
        ("list", LISTS, stories, "stories", list_parser, lists),
    ):
        megabytes = sum(map(len, bodies)) / 1e6
        print(f"{kind} pages: {', '.join(names)} ({count} {unit}, {megabytes:.2f} MB)")
        best = best_time({"bare lxml parse": bare(bodies), "matome parser": product}, args.seconds)
        for name, seconds in best.items():
            print(f"{name:>16}: {count / seconds:10,.0f} {unit}/s  ({seconds * 1e3:.2f} ms)")
        ratio = best["matome parser"] / best["bare lxml parse"]
        print(f"ratio: the matome {kind} parser takes {ratio:.2f}x the time of a bare lxml parse")


if __name__ == "__main__":
    main()
