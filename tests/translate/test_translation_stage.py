"""The translate stage on a real temporary SQLite archive."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from db import translation as store
from db.models import Comment, FrontPage, Story, TranslationMemory
from matome_crawl.translation_stage import Selection, StageProgress, translate_archive

DAY = date(2025, 2, 9)
NOW = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)


def add_thread(session, story_id: int, title: str, comments: list[dict], rank: int | None = None):
    session.add(Story(id=story_id, type="story", title=title, first_seen_at=NOW))
    session.flush()
    if rank is not None:
        session.add(
            FrontPage(day=DAY, source="front", rank=rank, story_id=story_id, captured_at=NOW)
        )
    for position, fields in enumerate(comments):
        session.add(
            Comment(
                id=story_id * 100 + position,
                story_id=story_id,
                parent_id=story_id,
                depth=0,
                position=position,
                content_hash=f"h{story_id}-{position}",
                first_seen_at=NOW,
                last_seen_at=NOW,
                **fields,
            )
        )


@pytest.fixture
def archive(database):
    with database.sessions() as session, session.begin():
        add_thread(
            session,
            1,
            "Show HN: A faster way to read logs",
            [
                {"text_html": "I tried it. It works well.<p>&gt; It works well.<p>Agreed."},
                {"text_html": 'See <a href="https://example.com/">https://example.com/</a> now.'},
                {"text_html": "[deleted]", "text": "[deleted]", "deleted": True},
                {"text_html": None, "text": None},
                {"text_html": None, "text": "Plain text only.\n\nSecond paragraph."},
            ],
            rank=1,
        )
        add_thread(session, 2, "Databases are fun", [{"text_html": "It works well."}], rank=2)
        add_thread(session, 3, "Not on the front page", [{"text_html": "Elsewhere."}])
    return database


def rows(database, model, *columns):
    with database.sessions() as session:
        return session.execute(select(*columns).order_by(model.id)).all()


def test_a_day_is_translated_and_stored(archive, marian_translator):
    seen: list[StageProgress] = []
    result = translate_archive(
        archive,
        marian_translator,
        Selection(day=DAY),
        progress=seen.append,
        clock=lambda: NOW,
    )
    assert result.stories == 2 and result.titles == 2 and result.comments == 4
    assert result.batches == 1 and result.untranslated == 0
    assert result.segments == result.translated > 0 and result.cache_hits == 0
    stories = {
        r.id: r
        for r in rows(
            archive,
            Story,
            Story.id,
            Story.title,
            Story.title_ja,
            Story.title_ja_model,
            Story.title_ja_at,
        )
    }
    for story_id in (1, 2):
        assert stories[story_id].title_ja
        assert stories[story_id].title_ja_model == marian_translator.model_id
        assert stories[story_id].title_ja_at == NOW
    assert "Show HN" not in stories[1].title_ja and stories[1].title.startswith("Show HN:")
    assert stories[3].title_ja is None  # not listed that day
    comments = {
        r.id: r
        for r in rows(
            archive,
            Comment,
            Comment.id,
            Comment.text_ja,
            Comment.text_ja_model,
            Comment.text_ja_untranslated,
        )
    }
    assert (
        comments[100].text_ja.count("\n") == 2 and comments[100].text_ja.split("\n")[1][0] == "＞"
    )
    assert "https://example.com/" in comments[101].text_ja
    assert comments[102].text_ja is None  # deleted
    assert comments[103].text_ja is None  # no text
    assert comments[104].text_ja.count("\n") == 1
    assert comments[200].text_ja and comments[300].text_ja is None
    assert {comments[i].text_ja_model for i in (100, 101, 104, 200)} == {marian_translator.model_id}
    assert {comments[i].text_ja_untranslated for i in (100, 101, 104, 200)} == {0}
    with archive.sessions() as session:
        memory = session.scalar(select(func.count()).select_from(TranslationMemory))
    assert memory == result.translated
    assert seen[-1].segments_done == seen[-1].segments_total == result.segments


def test_rerun_finds_nothing_and_retranslation_is_all_cache_hits(archive, marian_translator):
    first = translate_archive(archive, marian_translator, Selection(pending=True))
    assert first.titles == 3 and first.comments == 5
    again = translate_archive(archive, marian_translator, Selection(pending=True))
    assert (again.titles, again.comments, again.segments) == (0, 0, 0)
    before = rows(archive, Comment, Comment.id, Comment.text_ja)
    with archive.sessions() as session, session.begin():  # as after a re-crawl edits them
        session.execute(Comment.__table__.update().values(text_ja=None))
        session.execute(Story.__table__.update().values(title_ja=None))
    third = translate_archive(archive, marian_translator, Selection(pending=True))
    assert third.segments > 0 and third.cache_hits == third.segments and third.translated == 0
    assert rows(archive, Comment, Comment.id, Comment.text_ja) == before


class Interrupted(Exception):
    pass


def test_an_interrupted_run_keeps_its_committed_batches(archive, marian_translator):
    def crash_after_first_commit(state: StageProgress) -> None:
        if state.documents_done >= 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        translate_archive(
            archive,
            marian_translator,
            Selection(pending=True),
            batch_documents=3,
            progress=crash_after_first_commit,
        )
    with archive.sessions() as session:
        done = session.scalar(select(func.count()).where(Story.title_ja.is_not(None)))
        done += session.scalar(select(func.count()).where(Comment.text_ja.is_not(None)))
        stored = session.scalar(select(func.count()).select_from(TranslationMemory))
    assert done == 3 and stored > 0
    rest = translate_archive(archive, marian_translator, Selection(pending=True), batch_documents=3)
    assert rest.titles + rest.comments == 8 - 3
    assert rest.batches == 2


def test_story_selection_and_unknown_ids(archive, marian_translator):
    result = translate_archive(archive, marian_translator, Selection(story_ids=(3, 99)))
    assert (result.stories, result.titles, result.comments) == (1, 1, 1)
    assert result.missing_story_ids == [99]


def test_selection_needs_exactly_one_choice():
    with pytest.raises(ValueError):
        Selection()
    with pytest.raises(ValueError):
        Selection(day=DAY, pending=True)


def test_memory_is_keyed_by_model_and_settings(database):
    with database.sessions() as session, session.begin():
        store.memory_store(session, "m1", "s1", [("h", "Hello.", "こんにちは。")], NOW)
        store.memory_store(session, "m1", "s1", [("h", "Hello.", "やあ。")], NOW)  # upsert
    with database.sessions() as session:
        assert store.memory_lookup(session, "m1", "s1", ["h", "x"]) == {"h": "やあ。"}
        assert store.memory_lookup(session, "m2", "s1", ["h"]) == {}
        assert store.memory_lookup(session, "m1", "s2", ["h"]) == {}


def test_a_comment_edited_while_translating_is_left_for_the_next_run(archive, marian_translator):
    def crawl_edits_a_comment(state: StageProgress) -> None:
        if state.segments_done == 0 and state.documents_done == 0:
            with archive.sessions() as session, session.begin():
                session.execute(
                    Comment.__table__.update()
                    .where(Comment.id == 200)
                    .values(text_html="Edited since.", content_hash="new")
                )

    result = translate_archive(
        archive, marian_translator, Selection(day=DAY), progress=crawl_edits_a_comment
    )
    assert result.changed_meanwhile == 1 and result.comments == 3
    with archive.sessions() as session:
        assert session.scalar(select(Comment.text_ja).where(Comment.id == 200)) is None
    again = translate_archive(archive, marian_translator, Selection(day=DAY))
    assert (again.comments, again.changed_meanwhile) == (1, 0)


def test_summary_counts_distinct_segments_once(database, marian_translator):
    """A segment the model fails on in two comments is one distinct segment kept in English
    (the old summary added occurrences to distinct counts: "74 (… 101 kept in English)")."""
    from matome_crawl.translate import Translator
    from matome_crawl.translate.options import ModelOutput

    class Blanking:
        def __init__(self, backend):
            self.backend = backend

        def __getattr__(self, name):
            return getattr(self.backend, name)

        def translate(self, texts):
            outputs = self.backend.translate(texts)
            return [
                ModelOutput("", ()) if "blank" in t else o
                for t, o in zip(texts, outputs, strict=True)
            ]

    blanking = Translator(
        marian_translator.options,
        model=marian_translator.model,
        backend=Blanking(marian_translator.backend),
    )
    with database.sessions() as session, session.begin():
        add_thread(
            session,
            5,
            "Logs",
            [{"text_html": "Please blank this. Fine."}, {"text_html": "Please blank this."}],
            rank=1,
        )
    result = translate_archive(database, blanking, Selection(day=DAY))
    assert result.untranslated == 1 and result.untranslated_documents == 2
    assert result.segments == result.cache_hits + result.translated + result.untranslated
