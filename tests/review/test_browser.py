"""End to end in a real browser: Playwright drives Debian's Chromium against uvicorn.

Edit a translation, exclude a comment, approve; the exported post holds the edit
and lacks the comment, and a following ``matome translate --pending`` and
``matome export`` leave the edit alone. A screenshot of the thread view is
saved as ``thread.png`` in the test's temporary directory.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from db.engine import Database
from db.models import Comment
from matome_crawl.review.app import create_app
from matome_crawl.review.service import Settings
from tests.crawl.conftest import run_matome

from .conftest import DAY, SECOND, TOP

CHROMIUM = Path(os.environ.get("MATOME_CHROMIUM", "/usr/bin/chromium"))
EDIT = "ブラウザで直した訳。"


def _chromium() -> Path:
    if not CHROMIUM.is_file():
        if os.environ.get("MATOME_REQUIRE_BROWSER", "1") == "0":
            pytest.skip(f"no Chromium at {CHROMIUM} (MATOME_REQUIRE_BROWSER=0)")
        pytest.fail(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (make test does), "
            "or MATOME_REQUIRE_BROWSER=0 to skip this test"
        )
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(archive: Database, settings: Settings) -> Iterator[str]:
    """The review app on a free loopback port, served by uvicorn in a thread."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(archive, settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.slow
def test_edit_exclude_approve_in_the_browser(
    served: str,
    archive: Database,
    site: Path,
    db_path: Path,
    tmp_path: Path,
    marian_dir: Path,
    models_dir: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(_chromium()))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{served}/day/{DAY}")
            page.get_by_role("link", name="Show HN: 錆のツール").click()
            top = page.locator(f"#c{TOP}")
            top.locator("textarea[name=text_ja]").fill(EDIT)
            top.get_by_role("button", name="Save translation").click()
            expect(page.locator(f"#c{TOP}")).to_contain_text("edited by a person")
            page.locator(f"#c{SECOND}").get_by_role("button", name="Exclude").click()
            expect(page.locator(f"#c{SECOND}")).to_contain_text("excluded by a person")
            expect(page.locator("#post")).to_contain_text("The post quotes 3 of 4 comments")
            page.screenshot(path=str(tmp_path / "thread.png"), full_page=True)
            page.locator("#approve").click()
            expect(page.locator(".message")).to_contain_text("exported")
            expect(page.locator("body")).to_contain_text("approved by tester")
        finally:
            browser.close()

    posts = list((site / "content").rglob("index.md"))
    assert len(posts) == 1
    exported = posts[0].read_text(encoding="utf-8")
    assert EDIT in exported
    assert f"コメント{SECOND}の訳です。" not in exported
    assert "draft = false" in exported

    db_url = f"sqlite:///{db_path}"
    translate = run_matome(
        "translate",
        "--pending",
        "--model",
        str(marian_dir),
        "--db",
        db_url,
        env={"MATOME_MODELS_DIR": str(models_dir)},
    )
    assert translate.returncode == 0, translate.stderr
    with archive.sessions() as session:
        row = session.get(Comment, TOP)
        assert row is not None and (row.text_ja, row.text_ja_by) == (EDIT, "human")
    export = run_matome("export", "--day", DAY.isoformat(), "--out", str(site), "--db", db_url)
    assert export.returncode == 0, export.stderr
    assert posts[0].read_text(encoding="utf-8") == exported
