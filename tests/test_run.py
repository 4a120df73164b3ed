"""``matome run``: one day through every stage, on the demo server with a tiny real model."""

from __future__ import annotations

import sqlite3

from matome_crawl.demo.server import DemoServer
from matome_crawl.demo.synthetic import DEMO_DAY, demo_world
from tests.crawl.conftest import run_matome


def run_day(server, db_path, site, marian_dir, *global_options):
    return run_matome(
        *global_options, "run", "--day", DEMO_DAY.isoformat(), "--top", "3", "--delay", "0",
        "--base-url", server.url, "--db", str(db_path), "--out", str(site),
        "--model", str(marian_dir),
    )  # fmt: skip


def test_run_crawls_translates_exports_and_a_second_run_does_nothing(tmp_path, db_path, marian_dir):
    site = tmp_path / "site"
    with DemoServer(demo_world()) as server:
        first = run_day(server, db_path, site, marian_dir)
        hits_after_first = sum(server.hits.values())
        posts = sorted((site / "content" / "posts").rglob("index.md"))
        mtimes = {p: p.stat().st_mtime_ns for p in posts}

        second = run_day(server, db_path, site, marian_dir, "-v")
        hits_after_second = sum(server.hits.values())

    assert first.returncode == 0, first.stderr
    assert "1/1 day(s) done: 3 threads" in first.stdout
    assert (site / "hugo.toml").is_file()
    assert len(posts) == 3
    assert all(p.parent.name.startswith("2026_03_14_") for p in posts)
    text = posts[0].read_text()
    assert "date = '2026-03-14T00:00:00'" in text and "{{<matomeQuote body=" in text
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status, stage FROM days").fetchall() == [("done", "exported")]
        (translated,) = conn.execute("SELECT count(*) FROM comments WHERE text_ja IS NOT NULL")
    # Selection first: the comments the posts quote, and no other, are translated; the
    # rest waits for `matome translate --all-comments`.
    assert translated[0] == sum(p.read_text().count("{{<matomeQuote") for p in posts)

    # Same day again: no request, no model, no rewritten post.
    assert second.returncode == 0, second.stderr
    assert hits_after_second == hits_after_first
    assert "nothing left to translate" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in posts} == mtimes


def test_run_without_the_model_fails_the_day_with_one_line(tmp_path, db_path):
    with DemoServer(demo_world()) as server:
        result = run_matome(
            "run", "--day", DEMO_DAY.isoformat(), "--top", "1", "--delay", "0",
            "--base-url", server.url, "--db", str(db_path), "--out", str(tmp_path / "site"),
            "--model", "staka/fugumt-en-ja",
        )  # fmt: skip
    assert result.returncode == 1
    assert "2026-03-14: failed: translating:" in result.stderr
    assert "staka/fugumt-en-ja" in result.stderr
    assert "Traceback" not in result.stderr
