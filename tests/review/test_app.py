"""Every route of the review app through Starlette's TestClient, on a real SQLite archive."""

from __future__ import annotations

import html
import subprocess
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from db.engine import Database
from db.models import Comment, CommentReview, GlossaryRule, PostReview, Story
from matome_crawl.export import ExportRequest, PostStatus, SelectionLimits, export_posts
from matome_crawl.review.app import create_app
from matome_crawl.review.service import Settings

from .conftest import (
    DAY,
    HOSTILE_EN,
    HOSTILE_JA,
    NOW,
    REPLY,
    SECOND,
    STORY,
    TOP,
    UNTRANSLATED,
    csrf_of,
    post,
)


def comment(database: Database, comment_id: int) -> Comment:
    with database.sessions() as session:
        row = session.get(Comment, comment_id)
        assert row is not None
        session.expunge(row)
        return row


def post_file(site: Path) -> Path:
    files = list((site / "content").rglob("index.md"))
    assert len(files) == 1, files
    return files[0]


def test_days_page_lists_days_with_their_states(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert DAY.isoformat() in page.text
    assert 'href="/day/2025-02-09"' in page.text


def test_days_filter_shows_only_days_that_need_review(
    client: TestClient, archive: Database
) -> None:
    assert DAY.isoformat() in client.get("/?todo=1").text
    with archive.sessions.begin() as session:
        for story_id in (STORY, UNTRANSLATED):
            session.add(PostReview(story_id=story_id, approved_at=NOW, updated_at=NOW))
    assert DAY.isoformat() not in client.get("/?todo=1").text
    assert DAY.isoformat() in client.get("/").text


def test_day_page_lists_threads_with_state_and_filter(client: TestClient) -> None:
    page = client.get(f"/day/{DAY}")
    assert page.status_code == 200
    assert f'href="/thread/{STORY}"' in page.text
    assert "translated" in page.text and "crawled" in page.text
    assert client.get("/day/2025-13-01").status_code == 404


def test_thread_page_shows_english_beside_japanese_and_the_model(client: TestClient) -> None:
    page = client.get(f"/thread/{STORY}")
    assert page.status_code == 200
    assert "Rust is great." in page.text
    assert f"コメント{TOP}の訳です。" in page.text
    assert "model: tiny-marian" in page.text
    assert "The post quotes 4 of 4 comments" in page.text
    assert client.get("/thread/999").status_code == 404


def test_hostile_stored_text_is_shown_as_text(client: TestClient) -> None:
    for url in ("/", f"/day/{DAY}", f"/thread/{STORY}", f"/thread/{UNTRANSLATED}"):
        page = client.get(url).text
        assert "<script>alert" not in page, url
    thread = client.get(f"/thread/{STORY}").text
    assert html.escape(HOSTILE_EN) in thread  # <, >, &: the text, never markup
    assert html.escape(HOSTILE_JA) in thread
    assert "{{&lt; param &gt;}}" in thread and "[/]" in thread
    day = client.get(f"/day/{DAY}").text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{&lt; param &gt;}}" in day


def test_edit_comment_stores_a_human_translation(client: TestClient, archive: Database) -> None:
    response = post(client, f"/comment/{TOP}/text", text_ja="Rustは素晴らしい。")
    assert response.status_code == 303
    assert response.headers["location"] == f"/thread/{STORY}#c{TOP}"
    row = comment(archive, TOP)
    assert (row.text_ja, row.text_ja_by, row.text_ja_model) == (
        "Rustは素晴らしい。",
        "human",
        "tiny-marian",
    )
    assert "edited by a person" in client.get(f"/thread/{STORY}").text


def test_an_empty_edit_hands_the_comment_back_to_the_model(
    client: TestClient, archive: Database
) -> None:
    post(client, f"/comment/{TOP}/text", text_ja="人の訳")
    post(client, f"/comment/{TOP}/text", text_ja="  ")
    row = comment(archive, TOP)
    assert (row.text_ja, row.text_ja_by) == (None, None)


def test_a_human_translation_reaches_identical_comments_elsewhere(
    client: TestClient, archive: Database
) -> None:
    with archive.sessions.begin() as session:
        twin = session.get(Comment, SECOND)
        assert twin is not None
        twin.text, twin.content_hash = "Rust is great.", "x"
    post(client, f"/comment/{TOP}/text", text_ja="Rustは最高。")
    row = comment(archive, SECOND)
    assert (row.text_ja, row.text_ja_by) == ("Rustは最高。", "human")


def test_edit_title(client: TestClient, archive: Database) -> None:
    assert (
        post(client, f"/thread/{STORY}/title", title_ja="Show HN: Rustのツール").status_code == 303
    )
    with archive.sessions() as session:
        story = session.get(Story, STORY)
        assert story is not None
        assert (story.title_ja, story.title_ja_by) == ("Show HN: Rustのツール", "human")


def test_exclude_then_auto(client: TestClient, archive: Database) -> None:
    post(client, f"/comment/{SECOND}/include", included="exclude")
    page = client.get(f"/thread/{STORY}").text
    assert "The post quotes 3 of 4 comments" in page
    assert "(excluded by a person)" in page
    post(client, f"/comment/{SECOND}/include", included="auto")
    assert "The post quotes 4 of 4 comments" in client.get(f"/thread/{STORY}").text
    assert post(client, f"/comment/{SECOND}/include", included="maybe").status_code == 400
    assert post(client, "/comment/5/include", included="include").status_code == 404


def test_highlight_override(client: TestClient, archive: Database) -> None:
    post(client, f"/comment/{REPLY}/highlight", highlight="#785bff")
    post(client, f"/comment/{TOP}/highlight", highlight="none")
    with archive.sessions() as session:
        reviews = {r.comment_id: r.highlight for r in session.scalars(select(CommentReview))}
    assert reviews == {REPLY: "#785bff", TOP: ""}
    page = client.get(f"/thread/{STORY}").text
    assert "border-left-color: #785bff" in page
    assert post(client, f"/comment/{TOP}/highlight", highlight="red;x").status_code == 400


def test_tags_override_and_reset(client: TestClient, archive: Database) -> None:
    post(client, f"/thread/{STORY}/tags", tags="Rust, ツール, ")
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.tags == ["Rust", "ツール"]
    assert 'value="Rust, ツール"' in client.get(f"/thread/{STORY}").text
    post(client, f"/thread/{STORY}/tags", tags="", reset="1")
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.tags is None


def test_approve_exports_the_post_with_the_persons_choices(
    client: TestClient, archive: Database, site: Path
) -> None:
    post(client, f"/comment/{TOP}/text", text_ja="人が直した訳。")
    post(client, f"/comment/{SECOND}/include", included="exclude")
    post(client, f"/thread/{STORY}/tags", tags="Rust")
    response = post(client, f"/thread/{STORY}/approve")
    assert response.status_code == 303
    assert "exported" in response.headers["location"]
    text = post_file(site).read_text(encoding="utf-8")
    assert "人が直した訳。" in text
    assert f"コメント{SECOND}の訳です。" not in text
    assert "draft = false" in text
    assert 'tags = ["Rust"]' in text
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.approved_by == "tester"
    assert "approved by tester" in client.get(f"/thread/{STORY}").text


def test_an_approved_post_is_left_as_approved_by_matome_export(
    client: TestClient, archive: Database, site: Path
) -> None:
    post(client, f"/comment/{REPLY}/include", included="exclude")
    post(client, f"/thread/{STORY}/approve")
    before = post_file(site).read_bytes()
    # A later crawl adds a comment; the export runs with other limits and --draft.
    with archive.sessions.begin() as session:
        late = comment(archive, TOP)
        session.add(
            Comment(
                id=101099,
                story_id=STORY,
                parent_id=STORY,
                depth=0,
                position=9,
                text="Late.",
                text_ja="遅いコメント。",
                content_hash="late",
                first_seen_at=late.first_seen_at,
                last_seen_at=late.last_seen_at,
            )
        )
    with archive.sessions.begin() as session:
        request = ExportRequest(
            out_dir=site,
            day=DAY,
            draft=True,
            limits=SelectionLimits(max_comments=1, highlight_share=1.0),
        )
        result = export_posts(session, request)
    statuses = {p.story_id: p.status for p in result.posts}
    assert statuses[STORY] == PostStatus.UNCHANGED
    assert post_file(site).read_bytes() == before


def test_an_edit_after_approval_withdraws_it(client: TestClient, archive: Database) -> None:
    post(client, f"/thread/{STORY}/approve")
    post(client, f"/comment/{TOP}/text", text_ja="もう一度。")
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.approved_at is None


def test_a_stale_mark_shows_until_the_thread_is_approved(
    client: TestClient, archive: Database
) -> None:
    with archive.sessions.begin() as session:
        row = session.get(Comment, TOP)
        assert row is not None
        row.text_ja, row.text_ja_by, row.text_ja_stale = "人の訳", "human", True
    assert "source changed, review again" in client.get(f"/thread/{STORY}").text
    assert f'href="/thread/{STORY}"' in client.get(f"/day/{DAY}?todo=1").text
    post(client, f"/thread/{STORY}/approve")
    assert "source changed, review again" not in client.get(f"/thread/{STORY}").text
    assert f'href="/thread/{STORY}"' not in client.get(f"/day/{DAY}?todo=1").text
    assert comment(archive, TOP).text_ja == "人の訳"


def test_unapprove(client: TestClient, archive: Database) -> None:
    post(client, f"/thread/{STORY}/approve")
    assert post(client, f"/thread/{STORY}/unapprove").status_code == 303
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.approved_at is None


def test_approving_an_untranslated_thread_is_refused(client: TestClient, site: Path) -> None:
    response = post(client, f"/thread/{UNTRANSLATED}/approve")
    assert response.status_code == 409
    assert "title not translated yet" in response.text
    assert not (site / "content").exists()


def test_publish_day_commits_the_approved_posts(
    client: TestClient, archive: Database, site: Path
) -> None:
    assert post(client, f"/day/{DAY}/publish").status_code == 409  # nothing approved yet
    post(client, f"/thread/{STORY}/approve")
    response = post(client, f"/day/{DAY}/publish")
    assert response.status_code == 303
    assert "published+1" in response.headers["location"]
    log = subprocess.run(
        ["git", "-C", str(site), "log", "--name-only", "--format=%s", "-1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.startswith(f"add {DAY}")
    assert post_file(site).relative_to(site).as_posix() in log
    with archive.sessions() as session:
        review = session.get(PostReview, STORY)
        assert review is not None and review.published_at == NOW
    assert "published" in client.get(f"/day/{DAY}").text


def test_glossary_rules_apply_to_model_text_and_show_in_the_thread(
    client: TestClient, archive: Database, site: Path
) -> None:
    assert "No rule yet." in client.get("/glossary").text
    assert post(client, "/glossary", source="錆", target="Rust", match_case="on").status_code == 303
    assert "錆" in client.get("/glossary").text
    post(client, f"/comment/{REPLY}/text", text_ja="錆びた鉄の話。")  # a person's text: kept
    thread = client.get(f"/thread/{STORY}").text
    assert "glossary: Show HN: Rustのツール" in thread
    assert "glossary: Rustびた" not in thread
    post(client, f"/thread/{STORY}/approve")
    exported = post_file(site).read_text(encoding="utf-8")
    assert "title = 'Show HN: Rustのツール'" in exported
    assert "錆びた鉄の話。" in exported
    with archive.sessions() as session:
        rule = session.scalar(select(GlossaryRule))
        assert rule is not None
        rule_id = rule.id
    assert post(client, "/glossary", source="", target="x").status_code == 400
    assert post(client, f"/glossary/{rule_id}/delete").status_code == 303
    assert "No rule yet." in client.get("/glossary").text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, archive: Database) -> None:
    for data in ({}, {"csrf": "wrong"}):
        response = client.post(
            f"/comment/{TOP}/text", data={"text_ja": "乗っ取り", **data}, follow_redirects=False
        )
        assert response.status_code == 403
    token = csrf_of(client.get("/glossary").text)
    cross_site = client.post(
        f"/thread/{STORY}/approve",
        data={"csrf": token},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403
    assert comment(archive, TOP).text_ja == f"コメント{TOP}の訳です。"
    with archive.sessions() as session:
        assert session.get(PostReview, STORY) is None


def test_a_token_guards_every_page(archive: Database, settings: Settings) -> None:
    client = TestClient(create_app(archive, settings, token="s3cret"))
    assert client.get("/").status_code == 401
    assert client.get("/", auth=("anyone", "wrong")).status_code == 401
    assert client.get("/", auth=("anyone", "s3cret")).status_code == 200
    bearer = client.get(f"/thread/{STORY}", headers={"Authorization": "Bearer s3cret"})
    assert bearer.status_code == 200
