"""The shipped Datasette metadata loads, and Japanese search goes to the trigram indexes."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from db.engine import connect
from db.translation import store_comment_translations, store_title_translations
from matome_crawl.datasette import metadata_for
from matome_crawl.datasette.__main__ import main
from tests.deploy.conftest import THREAD_ID, build_archive

JA = "検索テスト用の日本語訳"
TITLE_JA = "海外の反応：検索できるタイトル"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fixture thread, three comments and the title translated (an archive not named
    ``matome``, so the metadata has to follow the file name)."""
    path = tmp_path_factory.mktemp("datasette") / "hn-archive.sqlite3"
    build_archive(path)
    with sqlite3.connect(path) as conn:
        comments = conn.execute(
            "SELECT id, content_hash FROM comments WHERE text IS NOT NULL ORDER BY position LIMIT 3"
        ).fetchall()
        title = conn.execute("SELECT title FROM stories WHERE id = ?", (THREAD_ID,)).fetchone()[0]
    database = connect(f"sqlite:///{path}")
    now = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    with database.sessions.begin() as session:
        translations = {cid: (h, f"{JA}{i}です。", 0) for i, (cid, h) in enumerate(comments)}
        assert store_comment_translations(session, translations, "test-model", now, "jpn_Jpan") == 3
        assert (
            store_title_translations(session, {THREAD_ID: (title, TITLE_JA)}, "m", now, "jpn_Jpan")
            == 1
        )
    database.dispose()
    return path


def get(archive: Path, path: str) -> Any:
    async def fetch() -> Any:
        datasette = Datasette(files=[str(archive)], metadata=metadata_for(archive))
        response = await datasette.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


def test_metadata_names_title_license_and_source(archive) -> None:
    metadata = get(archive, "/-/metadata.json")
    assert metadata["title"] == "matome-crawl archive"
    assert metadata["source"] == "Hacker News" and metadata["license"]
    assert set(metadata["databases"]) == {"hn-archive"}


def test_search_on_comments_and_stories_is_japanese(archive) -> None:
    rows = get(archive, f"/hn-archive/comments.json?_search={JA}&_shape=array")
    assert sorted(r["text_ja"] for r in rows) == [f"{JA}{i}です。" for i in range(3)]
    stories = get(archive, "/hn-archive/stories.json?_search=検索できる&_shape=array")
    assert [s["id"] for s in stories] == [THREAD_ID]
    assert get(archive, "/hn-archive/stories.json?_search=見当たらない語&_shape=array") == []
    # Three characters at least: the trigram tokenizer finds nothing shorter.
    assert get(archive, "/hn-archive/comments.json?_search=日本語訳0&_shape=array")
    assert get(archive, "/hn-archive/comments.json?_search=検索テ&_shape=array")


def test_canned_queries_search_each_language(archive) -> None:
    rows = get(archive, f"/hn-archive/search_ja.json?q={JA}1&_shape=array")
    assert [r["text_ja"] for r in rows] == [f"{JA}1です。"]
    with sqlite3.connect(archive) as conn:
        text = conn.execute("SELECT text FROM comments WHERE text IS NOT NULL LIMIT 1").fetchone()
    word = max(re.findall(r"[A-Za-z]{5,}", text[0]), key=len)
    english = get(archive, f"/hn-archive/search_en.json?q={word}&_shape=array")
    assert english and all(word.lower() in r["text"].lower() for r in english)
    also = get(archive, f"/hn-archive/comments.json?_search={word}&_fts_table=comments_fts")
    assert also["filtered_table_rows_count"] == len(english)


def test_runner_refuses_a_missing_archive_in_one_line(tmp_path, capsys) -> None:
    assert main([str(tmp_path / "nothing.sqlite3")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert main([]) == 2
    assert not (tmp_path / "nothing.sqlite3").exists()
