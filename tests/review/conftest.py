"""Fixtures of the review tests: a small archive (the export tests' threads), a site, the app."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from db.engine import Database
from matome_crawl.review.app import create_app
from matome_crawl.review.service import Settings
from tests.export.conftest import HOSTILE, C, ThreadSpec, add_thread

DAY = date(2025, 2, 9)
NOW = datetime(2025, 2, 10, 9, 0, tzinfo=UTC)
STORY = 101
UNTRANSLATED = 102
# Comment ids of STORY (add_thread numbers them story_id * 1000 + position + 1).
TOP, REPLY, SECOND, EVIL = 101001, 101002, 101003, 101004
HOSTILE_EN = "Try <script>alert(1)</script> and {{< param >}} or [/] here."
HOSTILE_JA = "訳 <script>alert(2)</script> {{< ref >}} [/]"


@pytest.fixture
def archive(database: Database) -> Database:
    """Two threads listed on DAY: one translated (with hostile text), one not."""
    add_thread(
        database,
        ThreadSpec(
            STORY,
            "Show HN: A Rust tool",
            title_ja="Show HN: 錆のツール",
            comments=[
                C(0, 3, text="Rust is great."),
                C(1, 0, text="I agree."),
                C(0, 0, text="Another view."),
                C(0, 0, text=HOSTILE_EN, text_ja=HOSTILE_JA),
            ],
        ),
    )
    add_thread(
        database,
        ThreadSpec(UNTRANSLATED, HOSTILE, rank=2, comments=[C(translated=False)]),
    )
    with database.sessions.begin() as session:
        from sqlalchemy import update

        from db.models import Comment, Story

        session.execute(update(Comment).values(text_ja_model="tiny-marian"))
        session.execute(update(Story).values(title_ja_model="tiny-marian"))
        session.execute(update(Story).where(Story.id == UNTRANSLATED).values(title_ja=None))
    return database


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """An empty site directory inside a git work tree with a committer set."""
    site = tmp_path / "site"
    site.mkdir()
    git = ["git", "-C", str(site)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "config", "user.email", "review@example.org"], check=True)
    subprocess.run([*git, "config", "user.name", "Review Test"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    return site


@pytest.fixture
def settings(site: Path) -> Settings:
    return Settings(site=site, reviewer="tester")


@pytest.fixture
def client(archive: Database, settings: Settings) -> TestClient:
    return TestClient(create_app(archive, settings, now=lambda: NOW))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post(client: TestClient, url: str, **data: str) -> object:
    """POST a form the way the page does: with the page's CSRF token."""
    token = csrf_of(client.get("/glossary").text)
    return client.post(url, data={"csrf": token, **data}, follow_redirects=False)
