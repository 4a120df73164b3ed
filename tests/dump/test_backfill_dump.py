"""`matome backfill --dump`: days archived, listed and exported from a dump, with no request."""

from __future__ import annotations

import sqlite3
from datetime import date

from matome_crawl.dump.synthetic import write_synthetic_dump
from tests.crawl.conftest import run_matome


def test_backfill_from_a_dump_lists_and_exports_with_no_request(site, tmp_path):
    dump = tmp_path / "hn.parquet"
    write_synthetic_dump(dump, days=3, stories=4, comments=12, start=date(2024, 1, 1))
    db_path = tmp_path / "archive.sqlite3"
    out = tmp_path / "site"
    args = (
        "backfill", "--from", "2024-01-01", "--to", "2024-01-02", "--dump", str(dump),
        "--top", "2", "--no-translate", "--allow-untranslated", "--out", str(out),
        "--base-url", site.url, "--db", str(db_path),
    )  # fmt: skip
    result = run_matome(*args)
    assert result.returncode == 0, result.stderr
    assert "2/2 day(s) done: 4 threads" in result.stdout
    assert sum(site.routes.hits.values()) == 0  # not even robots.txt
    with sqlite3.connect(db_path) as conn:
        listed = conn.execute(
            "SELECT day, count(*) FROM front_pages WHERE source = 'dump' GROUP BY day ORDER BY day"
        ).fetchall()
        assert listed == [("2024-01-01", 2), ("2024-01-02", 2)]
        assert conn.execute("SELECT count(*) FROM days WHERE status = 'done'").fetchone() == (2,)
    posts = sorted((out / "content" / "posts").rglob("index.md"))
    assert len(posts) == 4

    again = run_matome(*args)  # resumable and idempotent
    assert again.returncode == 0, again.stderr
    assert "2 of 2 day(s) already done; 0 to go" in again.stderr


def test_source_dump_needs_its_files(tmp_path):
    result = run_matome(
        "backfill", "--from", "2024-01-01", "--to", "2024-01-01", "--source", "dump",
        "--db", str(tmp_path / "a.sqlite3"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "--source dump needs --dump PATH" in result.stderr
