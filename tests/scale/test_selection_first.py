"""Selection first (issue 12, item 2): a day's run translates the titles and the comments
its posts quote; ``translate --all-comments`` does the rest; the posts are the same."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from db import translation as store
from db.models import Comment, Story
from matome_crawl.cli import cli
from matome_crawl.export import ExportRequest, export_posts
from matome_crawl.hn.text import comment_html_to_text
from matome_crawl.translate import Kind, Source
from matome_crawl.translate.engine import segment_hash
from matome_crawl.translation_stage import Selection, translate_archive
from tests.scale.archive import CRAWLED_AT, DAY, big_day, store_day, translated


def export(database, out: Path) -> dict[str, str]:
    with database.sessions.begin() as session:
        export_posts(session, ExportRequest(out_dir=out, day=DAY), now=CRAWLED_AT)
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8")
        for p in sorted((out / "content").rglob("index.md"))
    }


def quoted_ids(posts: dict[str, str]) -> int:
    return sum(text.count("{{<matomeQuote") for text in posts.values())


def test_a_day_translates_only_what_its_posts_quote_and_all_comments_does_the_rest(
    database, db_path, marian_dir, marian_translator, tmp_path
):
    store_day(database, big_day())
    result = translate_archive(database, marian_translator, Selection(day=DAY))
    done, total = translated(database)
    first = export(database, tmp_path / "site-selection")
    assert result.titles == 2
    assert done == result.comments == quoted_ids(first) == 2 * 90 < total

    runner = CliRunner()
    out = runner.invoke(
        cli,
        ["translate", "--all-comments", "--db", str(db_path), "--model", str(marian_dir)],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    assert translated(database) == (total, total)
    # The posts of a fully translated archive are those of the selection first.
    assert export(database, tmp_path / "site-all") == first


def test_a_blank_translation_brings_in_the_next_comment_as_a_full_translation_would(
    database, marian_translator, tmp_path
):
    store_day(database, big_day(threads=1))
    with database.sessions() as session:
        blank = session.execute(
            select(Comment.id, Comment.text_html)
            .where(Comment.text_html.is_not(None))
            .order_by(Comment.position)
        ).first()
    # The first comment (quoted by the post) translates to nothing: the memory says so.
    source = Source(comment_html_to_text(blank.text_html), Kind.TEXT)
    segments = marian_translator.plan([source]).segments
    with database.sessions.begin() as session:
        store.memory_store(
            session,
            marian_translator.model_id,
            marian_translator.settings,
            [(segment_hash(s), s, "") for s in segments],
            CRAWLED_AT,
        )
    first = translate_archive(database, marian_translator, Selection(day=DAY))
    posts = export(database, tmp_path / "site-selection")
    with database.sessions() as session:
        assert session.get(Comment, blank.id).text_ja.strip() == ""
    # 90 quoted: the blank one is left out and one more comment was translated instead.
    assert quoted_ids(posts) == 90 and first.comments == 91

    translate_archive(database, marian_translator, Selection(day=DAY, all_comments=True))
    assert export(database, tmp_path / "site-all") == posts


def test_pending_still_means_every_comment(database, marian_translator):
    store_day(database, big_day(threads=1))
    translate_archive(database, marian_translator, Selection(pending=True))
    done, total = translated(database)
    assert done == total > 90
    with database.sessions() as session:
        assert session.scalar(
            select(Story.title_ja).where(Story.id == big_day(1).threads[0].story.id)
        )
