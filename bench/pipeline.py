"""Pipeline speed on a synthetic day: crawl (loopback, delay 0) → store → export.

    python bench/pipeline.py [--threads 10] [--comments 300]

Prints each stage's time and comments/s, and the store stage next to a bare
``sqlite3`` ``executemany`` of the same rows in the same run (the ratio is the
figure to compare between machines). Translation is off.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import connect  # noqa: E402
from db.store import comment_row, store_thread  # noqa: E402
from matome_crawl.crawl import CrawlJob, crawl_settings, run_crawl  # noqa: E402
from matome_crawl.demo.server import DemoServer  # noqa: E402
from matome_crawl.demo.synthetic import World, synthetic_day  # noqa: E402
from matome_crawl.export import ExportRequest, export_posts  # noqa: E402
from matome_crawl.hn.model import Thread  # noqa: E402
from matome_crawl.hn.thread import join_pages, parse_thread_page  # noqa: E402

DAY = date(2026, 2, 2)


def fetch_thread(base_url: str, story_id: int) -> Thread:
    """All pages of a thread over HTTP, parsed and joined (the crawl's own parser)."""
    pages = []
    url: str | None = f"{base_url}/item?id={story_id}"
    while url:
        with urllib.request.urlopen(url) as response:
            page = parse_thread_page(url, response.read())
        pages.append(page)
        url = page.next_url
    return join_pages(pages)


def bare_store(path: Path, threads: list[Thread], now: datetime) -> float:
    """The same comment rows into a plain table with sqlite3 executemany; seconds taken."""
    columns = list(comment_row(threads[0].story.id, threads[0].comments[0], now))
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE comments ({', '.join(columns)}, PRIMARY KEY (id))")
    sql = f"INSERT INTO comments VALUES ({', '.join('?' for _ in columns)})"
    rows = [
        [[comment_row(t.story.id, c, now)[k] for k in columns] for c in t.comments] for t in threads
    ]
    started = time.perf_counter()
    for thread_rows in rows:  # one transaction per thread, as the product stores them
        with conn:
            conn.executemany(sql, [[_sqlite_value(v) for v in row] for row in thread_rows])
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def _sqlite_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--comments", type=int, default=300)
    args = parser.parse_args()

    world = World(days=[synthetic_day(DAY, threads=args.threads, comments=args.comments)])
    total = args.threads * args.comments
    work = Path(tempfile.mkdtemp(prefix="matome-bench-"))
    print(f"synthetic day {DAY}: {args.threads} threads x {args.comments} comments = {total}")
    rows = []
    with DemoServer(world) as server:
        # 1. crawl: list the day, fetch every page, parse, validate and store (in-process).
        db_url = f"sqlite:///{work / 'crawl.sqlite3'}"
        connect(db_url).dispose()  # schema creation is not part of the crawl's time
        settings = crawl_settings(db_url, base_url=server.url, crawl_delay=0)
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        job = CrawlJob.build(days=[DAY], top=args.threads)
        started = time.perf_counter()
        report = run_crawl(job, settings)
        crawl_seconds = time.perf_counter() - started
        assert report.comments_stored == total, report
        rows.append(("crawl (fetch+parse+store)", crawl_seconds, total))

        # 2. store alone: the product's upserts next to a bare executemany, same rows.
        listing = connect(db_url)
        with listing.sessions() as session:
            from db.days import listed_entries

            ids = [e.story.id for e in listed_entries(session, DAY)][: args.threads]
        threads = [fetch_thread(server.url, story_id) for story_id in ids]
    now = datetime.now(UTC)
    store_db = connect(f"sqlite:///{work / 'store.sqlite3'}")
    started = time.perf_counter()
    for thread in threads:
        with store_db.sessions.begin() as session:
            store_thread(session, thread, now)
    store_seconds = time.perf_counter() - started
    bare_seconds = bare_store(work / "bare.sqlite3", threads, now)
    rows.append(("store (matome upserts)", store_seconds, total))
    rows.append(("store (bare executemany)", bare_seconds, total))

    # 3. export the day from the crawl's database (untranslated: drafts).
    request = ExportRequest(out_dir=work / "site", day=DAY, allow_untranslated=True)
    started = time.perf_counter()
    with listing.sessions.begin() as session:
        result = export_posts(session, request)
    export_seconds = time.perf_counter() - started
    exported = sum(p.comments for p in result.posts)
    rows.append((f"export ({len(result.posts)} posts)", export_seconds, exported))

    for name, seconds, comments in rows:
        print(f"{name:>28}: {seconds:8.3f} s  {comments / seconds:12,.0f} comments/s")
    print(
        f"ratio: matome's store takes {store_seconds / bare_seconds:.2f}x the time of a bare "
        "sqlite3 executemany of the same rows"
    )
    print(f"(work files in {work})")


if __name__ == "__main__":
    main()
