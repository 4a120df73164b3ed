"""The exporter against a real temporary SQLite: posts, idempotence, slugs, dry run, git."""

from __future__ import annotations

import os
import subprocess
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Post
from matome_crawl.export import (
    ExportError,
    ExportRequest,
    ExportResult,
    PostStatus,
    SelectionLimits,
    export_posts,
)
from matome_crawl.export.exporter import pick_feature_image, quote_text
from tests.export.conftest import HOSTILE, C

DAY = date(2025, 2, 9)
NOW = datetime(2025, 2, 10, 7, 0, tzinfo=UTC)


def run(database: Database, site: Path, **kwargs: object) -> ExportResult:
    if "story_ids" not in kwargs:
        kwargs.setdefault("day", DAY)
    request = ExportRequest(out_dir=site, **kwargs)  # type: ignore[arg-type]
    with database.sessions.begin() as session:
        return export_posts(session, request, now=NOW)


def front_matter(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8").split("+++\n")[1])


def posts_rows(database: Database) -> list[tuple[int, date, str]]:
    with database.sessions() as session:
        return [
            (p.story_id, p.day, p.slug)
            for p in session.scalars(select(Post).order_by(Post.story_id))
        ]


def test_a_day_exports_one_post_per_crawled_thread(database, thread, site) -> None:
    thread(101, "LIMO: Less Is More for Reasoning", domain="arxiv.org", rank=2)
    thread(102, "Fair pricing", rank=1, title_ja="公正な価格設定")
    thread(103, "Not crawled yet", rank=3, crawled=False)
    thread(104, "Listed another day", day=date(2025, 2, 8))
    result = run(database, site, format="seed")
    assert [p.story_id for p in result.posts] == [102, 101]  # best rank first
    assert [p.status for p in result.posts] == [PostStatus.NEW, PostStatus.NEW]
    path = site / "content/posts/2025_02/2025_02_09_limo_less_is_more_for/index.md"
    assert result.posts[1].path == path.relative_to(site)
    text = path.read_text(encoding="utf-8")
    meta = front_matter(path)
    assert meta["date"] == "2025-02-09T00:00:00"
    assert meta["draft"] is False
    assert meta["title"] == "LIMO: Less Is More for Reasoning（訳）"
    assert "学術論文" in meta["tags"]  # type: ignore[operator]
    assert "引用元：https://news.ycombinator.com/item?id=101\n" in text
    assert text.count("{{<matomeQuote") == 3
    assert 'body="コメント101001の訳です。" userName="user101001"' in text
    assert 'createdAt="2025-02-09T15:00:00"' in text
    assert posts_rows(database) == [
        (101, DAY, "limo_less_is_more_for"),
        (102, DAY, "fair_pricing"),
    ]


def test_re_export_rewrites_nothing_unchanged(database, thread, site) -> None:
    thread(101, "First thread")
    thread(102, "Second thread", rank=2)
    first = run(database, site)
    paths = [site / p.path for p in first.posts if p.path]
    for path in paths:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    again = run(database, site)
    assert [p.status for p in again.posts] == [PostStatus.UNCHANGED] * 2
    assert all(p.stat().st_mtime_ns == 1_000_000_000 for p in paths)
    # A new translation changes one post only.
    with database.sessions.begin() as session:
        from db.models import Comment

        session.get(Comment, 102001).text_ja = "新しい訳。"
    changed = run(database, site)
    assert [p.status for p in changed.posts] == [PostStatus.UNCHANGED, PostStatus.CHANGED]
    assert "新しい訳。" in (site / changed.posts[1].path).read_text(encoding="utf-8")
    assert paths[0].stat().st_mtime_ns == 1_000_000_000


def test_dry_run_lists_changes_and_writes_nothing(database, thread, site) -> None:
    thread(101, "First thread")
    result = run(database, site, dry_run=True)
    assert [p.status for p in result.posts] == [PostStatus.NEW]
    assert result.dry_run
    assert not site.exists()
    assert posts_rows(database) == []
    run(database, site)
    assert [p.status for p in run(database, site, dry_run=True).posts] == [PostStatus.UNCHANGED]
    before = (site / result.posts[0].path).read_bytes()
    assert [p.status for p in run(database, site, dry_run=True, draft=True).posts] == [
        PostStatus.CHANGED
    ]
    assert (site / result.posts[0].path).read_bytes() == before


def test_slug_collisions_get_a_suffix_and_slugs_stay_put(database, thread, site) -> None:
    thread(201, "Ask HN: What are you working on?", rank=1)
    thread(202, "Ask HN: What are you reading?", rank=2)
    thread(203, "Ask HN: What are you building now", rank=3)
    result = run(database, site)
    slugs = [p.path.parent.name for p in result.posts if p.path]
    assert slugs == [
        "2025_02_09_ask_hn_what_are_you",
        "2025_02_09_ask_hn_what_are_you_2",
        "2025_02_09_ask_hn_what_are_you_3",
    ]
    # The slug is kept even if the English title is edited later.
    with database.sessions.begin() as session:
        from db.models import Story

        session.get(Story, 202).title = "Completely different"
    again = run(database, site)
    assert [p.path.parent.name for p in again.posts if p.path] == slugs


def test_dry_run_reserves_suffixes_within_the_run(database, thread, site) -> None:
    thread(201, "Same title here", rank=1)
    thread(202, "Same title here", rank=2)
    result = run(database, site, dry_run=True)
    assert [p.path.parent.name for p in result.posts if p.path] == [
        "2025_02_09_same_title_here",
        "2025_02_09_same_title_here_2",
    ]


def test_story_export_is_dated_by_listing_else_own_day(database, thread, site) -> None:
    thread(301, "Listed thread", day=date(2025, 2, 7))
    thread(302, "Unlisted thread", day=None, created_at=datetime(2025, 1, 31, 23, 0, tzinfo=UTC))
    result = run(database, site, story_ids=(301, 302))
    assert [p.day for p in result.posts] == [date(2025, 2, 7), date(2025, 1, 31)]
    assert (site / "content/posts/2025_01/2025_01_31_unlisted_thread/index.md").is_file()


def test_a_story_posted_on_another_day_is_skipped(database, thread, site) -> None:
    thread(301, "Two days on the front page", day=date(2025, 2, 8))
    run(database, site, day=date(2025, 2, 8))
    with database.sessions.begin() as session:
        from db.models import FrontPage

        session.add(FrontPage(day=DAY, source="front", rank=5, story_id=301, captured_at=NOW))
    result = run(database, site)
    assert result.posts[0].status == PostStatus.SKIPPED
    assert result.posts[0].reason == "already posted on 2025-02-08"


def test_untranslated_title_is_skipped_unless_allowed(database, thread, site) -> None:
    thread(401, "No translation yet", title_ja="")
    skipped = run(database, site)
    assert skipped.posts[0].status == PostStatus.SKIPPED
    assert "matome translate" in skipped.posts[0].reason
    allowed = run(database, site, allow_untranslated=True)
    assert allowed.posts[0].draft
    meta = front_matter(site / allowed.posts[0].path)
    assert meta["title"] == "No translation yet"
    assert meta["draft"] is True


def test_untranslated_comments_are_left_out_unless_allowed(database, thread, site) -> None:
    thread(501, "Partly translated", comments=[C(), C(translated=False), C()])
    result = run(database, site)
    assert result.posts[0].comments == 2
    assert not result.posts[0].draft
    allowed = run(database, site, allow_untranslated=True)
    assert (allowed.posts[0].comments, allowed.posts[0].untranslated) == (3, 1)
    text = (site / allowed.posts[0].path).read_text(encoding="utf-8")
    assert "Comment 501002 in English." in text
    assert "draft = true" in text


def test_dead_deleted_and_flagged_comments_stay_out(database, thread, site) -> None:
    thread(
        502,
        "Moderated thread",
        comments=[C(), C(dead=True), C(deleted=True, text="", text_ja=""), C(flagged=True), C()],
    )
    result = run(database, site)
    text = (site / result.posts[0].path).read_text(encoding="utf-8")
    assert result.posts[0].comments == 2
    assert "502002" not in text and "502004" not in text


def test_a_thread_without_quotable_comments_is_skipped(database, thread, site) -> None:
    thread(503, "Nothing translated", comments=[C(translated=False)])
    result = run(database, site)
    assert result.posts[0].status == PostStatus.SKIPPED
    assert result.posts[0].reason == "no comment to quote (1 untranslated)"


def test_limits_and_highlights_reach_the_post(database, thread, site) -> None:
    comments = [C(0, 10), *[C(1, 0) for _ in range(12)], C(0, 0), C(0, 0)]
    thread(601, "Busy thread", comments=comments)
    result = run(database, site, limits=SelectionLimits(max_replies=5, highlight_share=0.5))
    assert result.posts[0].comments == 8
    assert result.posts[0].highlighted == 4
    text = (site / result.posts[0].path).read_text(encoding="utf-8")
    assert text.count('color=""') == 4


def test_hostile_text_stays_inside_its_shortcode(database, thread, site) -> None:
    thread(
        701,
        'Title with "quotes" and <b>tags</b>',
        title_ja='悪い"タイトル"<script>',
        comments=[C(text_ja=HOSTILE), C(text_ja="行1\n\n\n行2\r\n行3")],
    )
    result = run(database, site)
    text = (site / result.posts[0].path).read_text(encoding="utf-8")
    assert front_matter(site / result.posts[0].path)["title"] == '悪い"タイトル"<script>'
    body = text.split("+++\n", 2)[2]
    assert "<script" not in body
    assert 'body="”＞＜script＞alert(1)＜/script＞｛｛＜ param ＞｝｝＼"' in body
    assert 'body="行1<br>行2<br>行3"' in body
    assert "> 悪い”タイトル”＜script＞\n" in body


def test_kaigai_format_picks_a_stable_feature_image(database, thread, site) -> None:
    thread(801, "Kaigai thread")
    result = run(database, site, format="kaigai")
    meta = front_matter(site / result.posts[0].path)
    assert meta["months"] == "2025/02"
    assert meta["featureimage"] == pick_feature_image(801, _kaigai_images())
    assert (
        (site / result.posts[0].path)
        .read_text(encoding="utf-8")
        .endswith('[記事一覧へ]({{% ref "/posts/" %}})\n')
    )


def _kaigai_images() -> tuple[str, ...]:
    from matome_crawl.export import load_template_set

    return load_template_set("kaigai").feature_images


def test_user_templates_are_escaped_too(database, thread, site, tmp_path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "post.md.j2").write_text(
        "<% for c in post.comments %><< c.user_name >>: << c.body >>\n<% endfor %>",
        encoding="utf-8",
    )
    thread(901, "Custom", comments=[C(text_ja=HOSTILE)])
    result = run(database, site, templates_dir=mine)
    assert result.format == "mine"
    text = (site / result.posts[0].path).read_text(encoding="utf-8")
    assert text == "user901001: ”＞＜script＞alert(1)＜/script＞｛｛＜ param ＞｝｝＼\n"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day": date(2030, 1, 1)}, "nothing to export for 2030-01-01: no listing"),
        ({"story_ids": (999,)}, "story 999 not in the database"),
        ({"story_ids": (102,)}, "comments were never crawled"),
        ({"format": "nope"}, "unknown template set 'nope': choose one of kaigai"),
    ],
)
def test_expected_failures_say_how_to_fix_them(database, thread, site, kwargs, message) -> None:
    thread(101, "Crawled")
    thread(102, "Not crawled", crawled=False, rank=2)
    with pytest.raises(ExportError, match=message):
        run(database, site, **kwargs)


def test_a_day_whose_threads_are_not_crawled_says_so(database, thread, site) -> None:
    thread(102, "Not crawled", crawled=False)
    with pytest.raises(ExportError, match="1 listed stories still need their comments crawled"):
        run(database, site)


def test_quote_text_trims_and_joins_paragraphs() -> None:
    assert quote_text("  para one\n\npara two  \n \n\npara three\n") == (
        "para one\npara two\npara three"
    )
    assert quote_text("a\r\n\r\nb") == "a\nb"


def git(site: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        ["git", "-C", str(site), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def test_git_commit_adds_the_day(database, thread, site, monkeypatch) -> None:
    for name, value in [("GIT_AUTHOR_NAME", "t"), ("GIT_COMMITTER_NAME", "t")]:
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "t@example.org")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "t@example.org")
    site.mkdir()
    git(site, "init", "-q")
    (site / "unrelated.txt").write_text("staged but not ours\n")
    git(site, "add", "unrelated.txt")
    thread(101, "First thread")
    thread(102, "Second thread", rank=2)
    result = run(database, site, git_commit=True)
    assert [c.message for c in result.commits] == ["add 2025-02-09"]
    assert git(site, "log", "--format=%s").splitlines() == ["add 2025-02-09"]
    committed = git(site, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == sorted(p.path.as_posix() for p in result.posts if p.path)
    assert "A  unrelated.txt" in git(site, "status", "--short")  # left staged, not committed
    again = run(database, site, git_commit=True)
    assert again.commits == ()
    assert len(git(site, "log", "--format=%s").splitlines()) == 1


def test_git_commit_needs_a_work_tree_and_writes_nothing_otherwise(database, thread, site) -> None:
    site.mkdir()
    thread(101, "First thread")
    with pytest.raises(ExportError, match="not a git work tree: run `git init"):
        run(database, site, git_commit=True)
    assert list(site.iterdir()) == []


def test_a_post_file_unknown_to_the_database_is_only_taken_over_by_its_story(
    database, thread, site
) -> None:
    # The site was exported from a database since lost: the file at the slug is
    # another thread's post, so this story takes the next suffix.
    other = site / "content/posts/2025_02/2025_02_09_same_title/index.md"
    other.parent.mkdir(parents=True)
    other.write_text("引用元：https://news.ycombinator.com/item?id=1010\n", encoding="utf-8")
    thread(101, "Same title")
    result = run(database, site)
    assert result.posts[0].path.parent.name == "2025_02_09_same_title_2"
    assert other.read_text(encoding="utf-8").endswith("id=1010\n")
    # Its own post, found without a posts row, is adopted in place.
    with database.sessions.begin() as session:
        session.query(Post).delete()
    again = run(database, site)
    assert again.posts[0].path == result.posts[0].path
    assert again.posts[0].status == PostStatus.UNCHANGED
