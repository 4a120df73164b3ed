"""``matome demo`` (the README's main job) end to end, offline, with and without a model."""

from __future__ import annotations

import sqlite3

from tests.crawl.conftest import run_matome


def test_demo_without_a_model_exports_drafts_and_builds_the_site(tmp_path):
    work = tmp_path / "demo"
    result = run_matome("demo", "--dir", str(work), "--model", "staka/fugumt-en-ja")

    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("No translation: model staka/fugumt-en-ja is not on this machine")
    assert "1/1 day(s) done: 10 threads, 420 comments" in result.stdout
    posts = sorted((work / "site" / "content" / "posts").rglob("index.md"))
    assert len(posts) == 10
    assert all("draft = true" in p.read_text() for p in posts)
    pages = sorted((work / "site" / "public" / "posts").rglob("index.html"))
    assert len(pages) == 11  # ten posts and the list
    assert "matomeQuote" not in pages[0].read_text()  # the shortcode was rendered
    assert f"database: {work.resolve() / 'matome.sqlite3'}" in result.stdout

    again = run_matome("demo", "--dir", str(work), "--model", "staka/fugumt-en-ja")
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(work / "matome.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (420,)
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone() == (1,)  # no 2nd crawl


def test_demo_with_a_local_model_translates(tmp_path, marian_dir):
    work = tmp_path / "demo"
    result = run_matome("demo", "--dir", str(work), "--top", "2", "--model", str(marian_dir))

    assert result.returncode == 0, result.stderr
    assert "No translation" not in result.stdout
    with sqlite3.connect(work / "matome.sqlite3") as conn:
        pending = conn.execute(
            "SELECT count(*) FROM comments WHERE text IS NOT NULL AND text_ja IS NULL"
        ).fetchone()
        titles = conn.execute("SELECT count(*) FROM stories WHERE title_ja IS NOT NULL").fetchone()
    assert pending == (0,)
    assert titles[0] >= 2
    posts = sorted((work / "site" / "content" / "posts").rglob("index.md"))
    assert len(posts) == 2
    assert all("draft = false" in p.read_text() for p in posts)
