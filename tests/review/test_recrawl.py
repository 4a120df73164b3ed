"""A re-crawl that changes the English keeps a person's translation and marks it stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from db.engine import Database
from db.models import Comment, Story
from db.store import store_thread
from tests.db.test_store import thread

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HUMAN_ID, MODEL_ID, STORY_ID = 48351450, 48351877, 48350598


def test_an_edited_comment_keeps_the_human_text_and_is_marked_stale(database: Database) -> None:
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
        human = session.get(Comment, HUMAN_ID)
        assert human is not None
        human.text_ja, human.text_ja_by, human.text_ja_model = "人の訳", "human", "m"
        model = session.get(Comment, MODEL_ID)
        assert model is not None
        model.text_ja, model.text_ja_model = "機械の訳", "m"
    index = {c.id: i for i, c in enumerate(t.comments)}
    comments = list(t.comments)
    for cid in (HUMAN_ID, MODEL_ID):
        comments[index[cid]] = replace(comments[index[cid]], text_html="Edited.", text="Edited.")
    with database.sessions.begin() as session:
        result = store_thread(session, replace(t, comments=comments), T0)
    assert result.edited == 2
    with database.sessions() as session:
        human = session.get(Comment, HUMAN_ID)
        assert human is not None
        assert (human.text, human.text_ja, human.text_ja_by) == ("Edited.", "人の訳", "human")
        assert human.text_ja_stale is True
        model = session.get(Comment, MODEL_ID)
        assert model is not None
        assert (model.text_ja, model.text_ja_model, model.text_ja_stale) == (None, None, False)


def test_an_unchanged_recrawl_leaves_a_human_text_fresh(database: Database) -> None:
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
        human = session.get(Comment, HUMAN_ID)
        assert human is not None
        human.text_ja, human.text_ja_by = "人の訳", "human"
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
    with database.sessions() as session:
        human = session.get(Comment, HUMAN_ID)
        assert human is not None
        assert (human.text_ja, human.text_ja_stale) == ("人の訳", False)


def test_a_changed_title_keeps_the_human_title_and_is_marked_stale(database: Database) -> None:
    t = thread()
    with database.sessions.begin() as session:
        store_thread(session, t, T0)
        story = session.get(Story, STORY_ID)
        assert story is not None
        story.title_ja, story.title_ja_by = "人のタイトル", "human"
    with database.sessions.begin() as session:
        store_thread(session, replace(t, story=replace(t.story, title="A new title")), T0)
    with database.sessions() as session:
        story = session.get(Story, STORY_ID)
        assert story is not None
        assert (story.title_ja, story.title_ja_stale) == ("人のタイトル", True)
