"""``matome import``: dumps built from the API fixtures give the API source's rows, day listings."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from db.engine import connect
from matome_crawl.dump import import_dump
from matome_crawl.dump.read import api_items, scan
from matome_crawl.hn.firebase import parse_item
from tests.crawl.conftest import run_matome
from tests.dump.dumps import (
    FIREBASE,
    FIREBASE_ITEMS,
    THREAD_ID,
    fixture_items,
    thread_answers,
    write_jsonl,
    write_parquet,
)

# Crawl timestamps differ between a crawl and an import; every other column must not.
SEEN = {"first_seen_at", "last_seen_at", "last_crawled_at"}


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in SEEN]


def rows(db: Path, table: str, where: str = "1") -> list[tuple]:
    with sqlite3.connect(db) as conn:
        names = ", ".join(columns(conn, table))
        return conn.execute(f"SELECT {names} FROM {table} WHERE {where} ORDER BY id").fetchall()


def archive(db: Path) -> dict[str, list[tuple]]:
    return {t: rows(db, t) for t in ("stories", "comments")}


def imported(db: Path, *paths: Path, **options):
    database = connect(f"sqlite:///{db}")
    try:
        return import_dump(database, paths, **options)
    finally:
        database.dispose()


def test_dump_thread_equals_api_crawl(site, tmp_path):
    for path, body in thread_answers().items():
        site.routes.add(path, body)
    api_db, dump_db = tmp_path / "api.sqlite3", tmp_path / "dump.sqlite3"
    crawled = run_matome(
        "crawl", "--thread", str(THREAD_ID), "--source", "api", "--api-url", f"{site.url}/v0",
        "--delay", "0", "--base-url", site.url, "--db", str(api_db),
    )  # fmt: skip
    assert crawled.returncode == 0, crawled.stderr
    dump = write_parquet(tmp_path / "hn.parquet", fixture_items())

    result = run_matome("import", str(dump), "--db", str(dump_db))

    assert result.returncode == 0, result.stderr
    assert "imported 5 thread(s), 124 comments" in result.stdout
    story_rows = rows(api_db, "stories")
    assert len(story_rows) == 1
    assert rows(dump_db, "stories", f"id = {THREAD_ID}") == story_rows
    comment_rows = rows(api_db, "comments")
    assert len(comment_rows) == 124
    assert rows(dump_db, "comments") == comment_rows
    with sqlite3.connect(dump_db) as conn:
        positions = conn.execute(
            "SELECT position, depth, descendants FROM comments ORDER BY position"
        ).fetchall()
    assert [p for p, _, _ in positions] == list(range(124))
    assert max(d for _, d, _ in positions) == 7


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("float.parquet", {"variant": "float"}),
        ("timestamp.parquet", {"variant": "timestamp"}),
        ("timestamp_tz.parquet", {"variant": "timestamp_tz"}),
        ("no_top_level_parent.parquet", {"tlp": False}),
        ("hn.jsonl", None),
        ("hn.jsonl.gz", None),
    ],
)
def test_column_variants_and_formats_store_the_same_rows(tmp_path, name, options):
    base_dump = write_parquet(tmp_path / "base.parquet", fixture_items())
    base = imported(tmp_path / "base.sqlite3", base_dump)
    path = tmp_path / name
    if options is None:
        write_jsonl(path, fixture_items())
    else:
        write_parquet(path, fixture_items(), **options)

    result = imported(tmp_path / "variant.sqlite3", path)

    assert (result.threads_stored, result.comments) == (base.threads_stored, base.comments)
    assert (base.threads_stored, base.comments) == (5, 124)
    assert archive(tmp_path / "variant.sqlite3") == archive(tmp_path / "base.sqlite3")


def test_a_directory_of_files_in_any_order(tmp_path):
    items = fixture_items()
    base = imported(tmp_path / "base.sqlite3", write_parquet(tmp_path / "one.parquet", items))
    parts = tmp_path / "parts"
    (parts / "2026").mkdir(parents=True)
    reversed_items = items[::-1]  # replies before their parents, the story last
    write_parquet(parts / "a.parquet", reversed_items[:50], variant="float")
    write_parquet(parts / "2026" / "b.parquet", reversed_items[50:100])
    write_parquet(parts / "c.parquet", reversed_items[100:], tlp=False)

    result = imported(tmp_path / "dir.sqlite3", parts)

    assert result.files == 3
    assert (result.threads_stored, result.comments) == (base.threads_stored, base.comments)
    assert archive(tmp_path / "dir.sqlite3") == archive(tmp_path / "base.sqlite3")


def day_stories() -> list[dict]:
    """Stories on 2024-05-01 and 2024-05-02 (UTC) with scores, a dead one and a deleted one."""
    may1, may2 = 1714521600, 1714608000
    stories = [
        {"id": 1001, "type": "story", "title": "low", "score": 5, "time": may1 + 10},
        {"id": 1002, "type": "story", "title": "high", "score": 90, "time": may1 + 20},
        {"id": 1003, "type": "story", "title": "dead", "score": 500, "time": may1 + 30,
         "dead": True},
        {"id": 1004, "type": "story", "deleted": True, "time": may1 + 40},
        {"id": 1005, "type": "story", "title": "mid", "score": 40, "time": may1 + 86399},
        {"id": 2001, "type": "story", "title": "next day", "score": 7, "time": may2},
        {"id": 2002, "type": "comment", "by": "a", "text": "hi", "parent": 2001, "time": may2 + 5,
         "top_level_parent": 2001},
    ]  # fmt: skip
    stories[5]["kids"] = [2002]
    return stories


def test_day_range_and_listings(tmp_path, db_path):
    dump = write_jsonl(tmp_path / "days.jsonl", day_stories() + fixture_items())

    result = run_matome(
        "import", str(dump), "--from", "2024-05-01", "--to", "2024-05-01", "--top", "2",
        "--db", str(db_path),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db_path) as conn:
        stories = [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY id")]
        listing = conn.execute(
            "SELECT day, source, rank, story_id, score FROM front_pages ORDER BY rank"
        ).fetchall()
    assert stories == [1001, 1002, 1003, 1005]  # the deleted story and other days left out
    assert listing == [("2024-05-01", "dump", 1, 1002, 90), ("2024-05-01", "dump", 2, 1005, 40)]

    again = run_matome("import", str(dump), "--from", "2024-05-02", "--db", str(db_path))
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db_path) as conn:
        replies = conn.execute("SELECT count(*) FROM comments WHERE story_id = 2001").fetchone()
        assert replies == (1,)
        days = conn.execute("SELECT DISTINCT day FROM front_pages ORDER BY day").fetchall()
    assert [d for (d,) in days][:2] == ["2024-05-01", "2024-05-02"]
    assert THREAD_ID in [r[0] for r in rows(db_path, "stories")]


def test_reimport_stores_nothing_twice_and_a_new_dump_updates(tmp_path, db_path):
    items = fixture_items()
    dump = write_parquet(tmp_path / "hn.parquet", items)
    first = imported(db_path, dump)
    before = archive(db_path)
    assert first.listed_days[-1] == date(2026, 5, 31) and len(first.listed_days) == 5

    second = imported(db_path, dump)

    assert (second.threads_stored, second.threads_skipped, second.comments) == (0, 5, 0)
    assert archive(db_path) == before
    edited = next(i for i in items if i.get("top_level_parent") == THREAD_ID)
    edited["text"] = "An edited comment."
    write_parquet(dump, items)
    os.utime(dump, (first.snapshot.timestamp() + 60,) * 2)

    third = imported(db_path, dump)

    assert (third.threads_stored, third.threads_skipped) == (5, 0)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (124,)
        text = conn.execute("SELECT text FROM comments WHERE id = ?", (edited["id"],)).fetchone()
    assert text == ("An edited comment.",)


def test_a_killed_import_resumes(tmp_path, db_path):
    dump = write_parquet(tmp_path / "hn.parquet", fixture_items())
    clean = imported(tmp_path / "clean.sqlite3", dump)

    def kill_after_two_threads(progress):
        if progress.threads >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        imported(db_path, dump, progress=kill_after_two_threads, batch_comments=1)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM stories").fetchone()[0] in (1, 2, 3)

    resumed = imported(db_path, dump)

    assert resumed.threads_skipped >= 1
    assert resumed.threads_stored + resumed.threads_skipped == clean.threads_stored
    assert archive(db_path) == archive(tmp_path / "clean.sqlite3")


def test_unreadable_and_wrong_dumps_are_one_line_errors(tmp_path, db_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    wrong = write_parquet(tmp_path / "wrong.parquet", fixture_items())
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(wrong).drop_columns(["kids", "dead"]), wrong)
    bad_line = tmp_path / "bad.jsonl"
    bad_line.write_text('{"id": 1, "type": "story"}\n{"id": \n')
    bad_value = tmp_path / "bad_value.jsonl"
    bad_value.write_text('{"id": 1, "type": "story", "score": "many"}\n')

    for path, message in [
        (broken, "broken.parquet: cannot read Parquet"),
        (wrong, "wrong.parquet: not an HN item dump, missing columns: kids, dead"),
        (bad_line, "bad.jsonl:2: not JSON"),
        (bad_value, "bad_value.jsonl:1: bad score 'many'"),
        (tmp_path / "nowhere", "nowhere: no such file or directory"),
        (tmp_path / "notes.txt", "notes.txt: no such file or directory"),
    ]:
        result = run_matome("import", str(path), "--db", str(db_path))
        assert result.returncode == 1, path
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        errors = [line for line in lines if not line.startswith("import ")]  # progress lines
        assert len(errors) == 1 and message in errors[0], result.stderr
        assert errors[0].startswith("Error: ") and lines[-1] == errors[0]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_reader_items_equal_the_api_parser_items(tmp_path, suffix):
    raw = [(FIREBASE / name).read_bytes() for name in FIREBASE_ITEMS]
    path = tmp_path / f"items{suffix}"
    (write_parquet if suffix == ".parquet" else write_jsonl)(path, [json.loads(b) for b in raw])

    read = [row.item for batch in scan([path]) for row in api_items(batch)]

    expected = [parse_item(name, body) for name, body in zip(FIREBASE_ITEMS, raw, strict=True)]
    if suffix == ".parquet":  # the public dumps' columns have no ``parts``
        expected = [replace(e, parts=()) for e in expected]
    assert read == expected


def test_an_older_dump_never_overwrites_a_fresher_crawl(tmp_path, db_path):
    items = fixture_items()
    dump = write_parquet(tmp_path / "hn.parquet", items)
    fresh = imported(db_path, dump)  # stands for a crawl newer than the dump below
    before = archive(db_path)
    reply = next(i for i in items if i.get("top_level_parent") == THREAD_ID)
    items.remove(reply)  # the older dump lacks a reply the fresher crawl has
    old = write_parquet(tmp_path / "old.parquet", items)
    os.utime(old, (fresh.snapshot.timestamp() - 3600,) * 2)

    result = imported(db_path, old)

    assert (result.threads_stored, result.threads_skipped) == (0, 5)
    assert archive(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM comments WHERE missing_since IS NOT NULL"
        ).fetchone() == (0,)
