"""Import of a synthetic whole-HN-style dump at scale, next to a bare scan + executemany.

    python bench/scale.py --days 1|30|365 [--stories 10] [--comments 300]
                          [--postgres | --db-url URL] [--translated 0.1]

Generates a Parquet dump (``matome_crawl.dump.synthetic``: DAYS x STORIES
threads x COMMENTS comments), imports it into a fresh archive with ``matome
import``'s library function, and in the same run scans the same dump and
``executemany``-s its rows into a plain table (no indexes, no FTS), the floor any
import pays. On SQLite it also times the archive's own floor: the imported comment
rows, ready made, ``executemany``-d into a fresh archive schema (indexes, FTS in
bulk, totals) with no Python work per row. Then a share of the comments gets a
synthetic Japanese translation (through the translation stage's store, so
``search ja`` has something to find) and the query latencies are timed.

The archive is a SQLite file by default; ``--postgres`` starts a throwaway
PostgreSQL server the way the tests do (tests/pg.py: Debian's ``initdb``,
127.0.0.1, a temp dir), ``--db-url`` uses an empty database you name. Prints one
table: items/s of the import and of the floors and their ratios, archive size,
peak RSS growth of the import, and the latency of ``search`` (an English and a
Japanese word), ``show``, ``threads --day`` and ``stats``.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from db import queries  # noqa: E402
from db.engine import Database, connect  # noqa: E402
from db.models import Comment  # noqa: E402
from matome_crawl.dump import import_dump  # noqa: E402
from matome_crawl.dump.read import dump_files, scan  # noqa: E402
from matome_crawl.dump.synthetic import write_synthetic_dump  # noqa: E402

START = date(2024, 1, 1)
BARE_COLUMNS = ("id", "type", "by", "time", "title", "text", "url", "score", "parent",
                "top_level_parent", "descendants")  # fmt: skip
BATCH = 5_000
JA_WORDS = str.split(
    "日本語 コンパイラ キャッシュ 遅延 データベース スレッド カーネル メモリ モデル 起動 "
    "索引 問い合わせ ブラウザ ネットワーク 個人情報 公開 ライセンス 速度 設計 試験"
)


def rss_kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


def bare_sqlite(dump: Path, db: Path) -> tuple[float, int]:
    """Scan the dump and insert every row into a plain table, 5,000 rows a transaction."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE items ({', '.join(BARE_COLUMNS)})")
    sql = f"INSERT INTO items VALUES ({', '.join('?' for _ in BARE_COLUMNS)})"
    started, rows = time.perf_counter(), 0
    for batch in scan(dump_files([dump]), BARE_COLUMNS, batch_rows=BATCH):
        columns = [batch.column(c).to_pylist() for c in BARE_COLUMNS]
        with conn:
            conn.executemany(sql, zip(*columns, strict=True))
        rows += batch.num_rows
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, rows


def bare_postgres(dump: Path, url: str) -> tuple[float, int]:
    """The same into a plain PostgreSQL table (psycopg's executemany, 5,000 rows a commit)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        types = ("bigint", "text", "text", "bigint", "text", "text", "text", "bigint", "bigint",
                 "bigint", "bigint")  # fmt: skip
        pairs = zip(BARE_COLUMNS, types, strict=True)
        columns = ", ".join(f"{c.replace('by', 'by_')} {t}" for c, t in pairs)
        conn.execute(f"CREATE TABLE bare_items ({columns})")
        conn.commit()
        sql = f"INSERT INTO bare_items VALUES ({', '.join('%s' for _ in BARE_COLUMNS)})"
        started, rows = time.perf_counter(), 0
        for batch in scan(dump_files([dump]), BARE_COLUMNS, batch_rows=BATCH):
            values = [batch.column(c).to_pylist() for c in BARE_COLUMNS]
            with conn.cursor() as cursor:
                cursor.executemany(sql, list(zip(*values, strict=True)))
            conn.commit()
            rows += batch.num_rows
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bare_items")
        conn.commit()
    return seconds, rows


def schema_floor(archive: Path, work: Path) -> tuple[float, int]:
    """The imported comments, as stored, into a fresh archive schema at the bulk store's
    cost with no Python per row: insert triggers dropped, rows, FTS and totals in bulk,
    5,000 rows a transaction. What any import of these rows into this schema pays."""
    fresh = work / "floor.sqlite3"
    connect(f"sqlite:///{fresh}").dispose()
    source = sqlite3.connect(archive)
    conn = sqlite3.connect(fresh, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")  # the stories are not copied: the rows alone
    names = [r[1] for r in source.execute("PRAGMA table_info(comments)")]
    totals = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'archive_totals'").fetchone()
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'comments'"
        " AND name LIKE '%\\_ai' ESCAPE '\\'"
    ).fetchall()
    insert = f"INSERT INTO comments VALUES ({', '.join('?' for _ in names)})"
    text_at, author_at = names.index("text"), names.index("author")
    cursor = source.execute("SELECT * FROM comments ORDER BY id")
    seconds, rows = 0.0, 0
    while chunk := cursor.fetchmany(BATCH):
        started = time.perf_counter()
        conn.execute("BEGIN")
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany(insert, chunk)
        conn.executemany(
            "INSERT INTO comments_fts(rowid, text) VALUES (?, ?)",
            [(r[0], r[text_at]) for r in chunk if r[text_at] is not None],
        )
        if totals:  # archives before migration 0009 have none
            conn.execute(
                "UPDATE archive_totals SET comments = comments + ?,"
                " comments_with_text = comments_with_text + ? WHERE id = 1",
                (len(chunk), sum(r[text_at] is not None for r in chunk)),
            )
            authors: dict[str, int] = {}
            for r in chunk:
                if r[author_at] is not None:
                    authors[r[author_at]] = authors.get(r[author_at], 0) + 1
            conn.executemany(
                "INSERT INTO author_totals VALUES (?, ?)"
                " ON CONFLICT (author) DO UPDATE SET comments = comments + excluded.comments",
                list(authors.items()),
            )
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
        seconds += time.perf_counter() - started
        rows += len(chunk)
    conn.close()
    source.close()
    return seconds, rows


def translate_share(database: Database, share: float, seed: int = 0) -> tuple[int, float]:
    """Give every ``1/share``-th comment a synthetic Japanese text_ja through the translation
    stage's store (triggers, FTS and totals as a real run). Returns (comments, seconds)."""
    from db.translation import store_comment_translations

    if share <= 0:
        return 0, 0.0
    rng = np.random.default_rng(seed)
    texts = ["".join(rng.choice(JA_WORDS, 12)) + "。" for _ in range(256)]
    step = max(1, round(1 / share))
    started, done = time.perf_counter(), 0
    now = datetime.now(UTC)
    with database.sessions() as session:
        rows = session.execute(
            select(Comment.id, Comment.content_hash).where(Comment.id % step == 0)
        ).all()
    for start in range(0, len(rows), BATCH):
        with database.sessions.begin() as session:
            done += store_comment_translations(
                session,
                {i: (h, texts[i % len(texts)], 0) for i, h in rows[start : start + BATCH]},
                "bench",
                now,
                "jpn_Jpan",
            )
    return done, time.perf_counter() - started


def latency(call: Callable[[], object], repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (tests/pg.py) and an empty database in it."""
    from tests import pg

    with pg.cluster() as server:
        yield pg.new_database(server)


def archive_size(database: Database, work: Path) -> float:
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as conn:
            return conn.scalar(text("SELECT pg_database_size(current_database())")) / 2**20
    with database.engine.connect() as conn:  # the WAL's pages into the file first
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in work.glob("archive.sqlite3*")) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1, help="1, 30 or 365")
    parser.add_argument("--stories", type=int, default=10)
    parser.add_argument("--comments", type=int, default=300)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL server")
    where.add_argument("--db-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument(
        "--translated", type=float, default=0.1, help="share of comments given a text_ja"
    )
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
    server = postgres_database() if args.postgres else nullcontext(args.db_url)
    with server as url:
        report(args, work, dump, items, url or f"sqlite:///{work / 'archive.sqlite3'}")
    print(f"(work files in {work})")


def report(args: argparse.Namespace, work: Path, dump: Path, items: int, url: str) -> None:
    database = connect(url)  # schema creation is not the import's time
    sqlite = database.engine.dialect.name == "sqlite"
    Path("/proc/self/clear_refs").write_text("5")
    before = rss_kib("VmRSS")
    result = import_dump(database, [dump])
    peak_mb = (rss_kib("VmHWM") - before) / 1024
    if sqlite:
        bare_seconds, bare_rows = bare_sqlite(dump, work / "bare.sqlite3")
        floor_seconds, floor_rows = schema_floor(work / "archive.sqlite3", work)
    else:
        bare_seconds, bare_rows = bare_postgres(dump, url)
    assert bare_rows == result.items == items, (bare_rows, result.items, items)
    translated, translate_seconds = translate_share(database, args.translated)

    last_day = START + timedelta(days=args.days - 1)
    story_id = 1_000_000
    with database.sessions() as session:
        en = queries.search(session, "compiler latency")
        ja = queries.search(session, "日本語")
        lat = {
            "search en (ms)": latency(lambda: queries.search(session, "compiler latency")),
            "search ja (ms)": latency(lambda: queries.search(session, "日本語")),
            "show (ms)": latency(lambda: queries.thread(session, story_id)),
            "threads --day (ms)": latency(lambda: queries.day_threads(session, last_day)),
            "stats (ms)": latency(lambda: queries.stats(session), repeat=2),
        }
    size_mb = archive_size(database, work)
    database.dispose()

    import_rate = result.items / result.seconds
    bare_rate = bare_rows / bare_seconds
    table: dict[str, Any] = {
        "backend": database.engine.dialect.name,
        "days": args.days,
        "items": f"{items:,}",
        "threads stored": result.threads_stored,
        "comments stored": f"{result.comments:,}",
        "import (s)": f"{result.seconds:.1f}",
        "import (items/s)": f"{import_rate:,.0f}",
        "bare scan+executemany (s)": f"{bare_seconds:.1f}",
        "bare (items/s)": f"{bare_rate:,.0f}",
        "import / bare rate": f"{import_rate / bare_rate:.2f}x",
    }
    if sqlite:
        floor_rate = floor_rows / floor_seconds
        table["schema floor (comments/s)"] = f"{floor_rate:,.0f}"
        table["schema floor / bare rate"] = f"{floor_rate / bare_rate:.2f}x"
        table["import / schema floor"] = f"{import_rate / floor_rate:.2f}x"
    table |= {
        "archive on disk (MB)": f"{size_mb:.1f}",
        "peak RSS growth (MB)": f"{peak_mb:.1f}",
        "translated (comments, s)": f"{translated:,}, {translate_seconds:.1f}",
        "hits en / ja": f"{len(en)} / {len(ja)}",
        **{name: f"{ms:.1f}" for name, ms in lat.items()},
    }
    width = max(len(k) for k in table)
    print("| measure | value |\n| --- | --- |")
    for key, value in table.items():
        print(f"| {key:<{width}} | {value} |")


if __name__ == "__main__":
    main()
