"""Import of a synthetic whole-HN-style dump at scale, next to a bare scan + executemany.

    python bench/scale.py --days 1|30|365 [--stories 10] [--comments 300]

Generates a Parquet dump (``matome_crawl.dump.synthetic``: DAYS x STORIES
threads x COMMENTS comments), imports it into a fresh SQLite archive with
``matome import``'s library function, and in the same run scans the same dump
and ``executemany``-s its rows into a plain table (no indexes, no FTS), the
floor any import pays. Prints one table: items/s of both and their ratio,
archive size, peak RSS growth of the import, and the latency of ``search``
(an English and a Japanese word), ``show``, ``threads --day`` and ``stats``.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import queries  # noqa: E402
from db.engine import connect  # noqa: E402
from matome_crawl.dump import import_dump  # noqa: E402
from matome_crawl.dump.read import dump_files, scan  # noqa: E402
from matome_crawl.dump.synthetic import write_synthetic_dump  # noqa: E402

START = date(2024, 1, 1)
BARE_COLUMNS = ("id", "type", "by", "time", "title", "text", "url", "score", "parent",
                "top_level_parent", "descendants")  # fmt: skip


def rss_kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def bare(dump: Path, db: Path) -> tuple[float, int]:
    """Scan the dump and insert every row into a plain table, 5,000 rows a transaction."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE items ({', '.join(BARE_COLUMNS)})")
    sql = f"INSERT INTO items VALUES ({', '.join('?' for _ in BARE_COLUMNS)})"
    started, rows = time.perf_counter(), 0
    for batch in scan(dump_files([dump]), BARE_COLUMNS, batch_rows=5_000):
        columns = [batch.column(c).to_pylist() for c in BARE_COLUMNS]
        with conn:
            conn.executemany(sql, zip(*columns, strict=True))
        rows += batch.num_rows
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, rows


def latency(call: Callable[[], object], repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1, help="1, 30 or 365")
    parser.add_argument("--stories", type=int, default=10)
    parser.add_argument("--comments", type=int, default=300)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="matome-scale-"))
    dump = work / "hn.parquet"
    started = time.perf_counter()
    items = write_synthetic_dump(
        dump, days=args.days, stories=args.stories, comments=args.comments, start=START
    )
    generated = time.perf_counter() - started
    print(
        f"dump: {args.days} day(s) x {args.stories} stories x {args.comments} comments = "
        f"{items:,} items, {dump.stat().st_size / 2**20:.1f} MB Parquet ({generated:.1f} s)"
    )

    db_path = work / "archive.sqlite3"
    database = connect(f"sqlite:///{db_path}")  # schema creation is not the import's time
    Path("/proc/self/clear_refs").write_text("5")
    before = rss_kib("VmRSS")
    result = import_dump(database, [dump])
    peak_mb = (rss_kib("VmHWM") - before) / 1024
    bare_seconds, bare_rows = bare(dump, work / "bare.sqlite3")
    assert bare_rows == result.items == items, (bare_rows, result.items, items)

    last_day = START + timedelta(days=args.days - 1)
    story_id = 1_000_000
    with database.sessions() as session:
        lat = {
            "search en (ms)": latency(lambda: queries.search(session, "compiler latency")),
            "search ja (ms)": latency(lambda: queries.search(session, "日本語")),
            "show (ms)": latency(lambda: queries.thread(session, story_id)),
            "threads --day (ms)": latency(lambda: queries.day_threads(session, last_day)),
            "stats (ms)": latency(lambda: queries.stats(session), repeat=2),
        }
    database.dispose()
    size_mb = sum(p.stat().st_size for p in work.glob("archive.sqlite3*")) / 2**20

    import_rate = result.items / result.seconds
    bare_rate = bare_rows / bare_seconds
    table = {
        "days": args.days,
        "items": f"{items:,}",
        "threads stored": result.threads_stored,
        "comments stored": f"{result.comments:,}",
        "import (s)": f"{result.seconds:.1f}",
        "import (items/s)": f"{import_rate:,.0f}",
        "bare scan+executemany (s)": f"{bare_seconds:.1f}",
        "bare (items/s)": f"{bare_rate:,.0f}",
        "import / bare rate": f"{import_rate / bare_rate:.2f}x",
        "archive on disk (MB)": f"{size_mb:.1f}",
        "peak RSS growth (MB)": f"{peak_mb:.1f}",
        **{name: f"{ms:.1f}" for name, ms in lat.items()},
    }
    width = max(len(k) for k in table)
    print("| measure | value |\n| --- | --- |")
    for key, value in table.items():
        print(f"| {key:<{width}} | {value} |")
    print(f"(work files in {work})")


if __name__ == "__main__":
    main()
