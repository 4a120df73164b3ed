"""Parser speed: the product's thread parser next to a bare lxml parse of the same bytes.

    python bench/parse.py [--seconds 3]

Both run in this process on the same fixture bytes; the ratio (product time
over bare parse time) is the figure to compare between machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matome_crawl.hn.thread import parse_thread_page  # noqa: E402

ITEMS = ROOT.parent / "shared" / "fixtures" / "hn" / "html" / "item"
LARGEST = ["item_48350598.html", "item_126809_poll.html", "item_47536761.html"]


def rate(func, bodies: list[bytes], seconds: float) -> tuple[float, int]:
    """Runs of ``func`` over all bodies per second, measured for about ``seconds``."""
    runs = 0
    start = time.perf_counter()
    while True:
        for body in bodies:
            func(body)
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return runs / elapsed, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()

    bodies = [(ITEMS / name).read_bytes() for name in LARGEST]
    url = "https://news.ycombinator.com/item?id=1"
    comments = sum(len(parse_thread_page(url, b).comments) for b in bodies)

    def bare(body: bytes) -> None:
        etree.fromstring(body, etree.HTMLParser(encoding="utf-8"))

    def product(body: bytes) -> None:
        parse_thread_page(url, body)

    bare(bodies[0])
    product(bodies[0])
    megabytes = sum(map(len, bodies)) / 1e6
    print(f"fixtures: {', '.join(LARGEST)} ({comments} comments, {megabytes:.2f} MB)")
    results = {}
    for name, func in (("bare lxml parse", bare), ("matome parser", product)):
        per_second, runs = rate(func, bodies, args.seconds)
        results[name] = per_second
        print(f"{name:>16}: {per_second * comments:10,.0f} comments/s  ({runs} runs)")
    ratio = results["bare lxml parse"] / results["matome parser"]
    print(f"ratio: the matome parser takes {ratio:.2f}x the time of a bare lxml parse")


if __name__ == "__main__":
    main()
