"""``matome translate`` never overwrites a person's translation (it only fills NULL texts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.engine import Database
from db.models import Comment, Story
from tests.crawl.conftest import run_matome

from .conftest import NOW, SECOND, STORY, TOP


@pytest.mark.slow
def test_translate_pending_leaves_human_edits_alone(
    archive: Database, db_path: Path, marian_dir: Path, models_dir: Path
) -> None:
    with archive.sessions.begin() as session:
        top = session.get(Comment, TOP)
        assert top is not None
        top.text_ja, top.text_ja_by, top.text_ja_at = "人の訳。", "human", NOW
        top.text_ja_stale = True  # a re-crawl changed the English since
        second = session.get(Comment, SECOND)
        assert second is not None
        second.text_ja = None  # pending: the run must translate this one
        story = session.get(Story, STORY)
        assert story is not None
        story.title_ja, story.title_ja_by = "人のタイトル", "human"
    outcome = run_matome(
        "translate",
        "--pending",
        "--model",
        str(marian_dir),
        "--db",
        f"sqlite:///{db_path}",
        env={"MATOME_MODELS_DIR": str(models_dir)},
    )
    assert outcome.returncode == 0, outcome.stderr
    with archive.sessions() as session:
        top = session.get(Comment, TOP)
        assert top is not None
        assert (top.text_ja, top.text_ja_by, top.text_ja_stale) == ("人の訳。", "human", True)
        second = session.get(Comment, SECOND)
        assert second is not None
        assert second.text_ja and second.text_ja_model and second.text_ja_by is None
        story = session.get(Story, STORY)
        assert story is not None
        assert (story.title_ja, story.title_ja_by) == ("人のタイトル", "human")


def test_a_human_edit_saved_while_a_run_translates_is_not_overwritten(archive):
    """The store step itself refuses to write over a person's text (a race with review)."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from db.models import Comment, Story
    from db.translation import store_comment_translations, store_title_translations
    from tests.review.conftest import STORY, TOP

    now = datetime.now(UTC)
    with archive.sessions.begin() as session:  # the person saves first…
        comment = session.get(Comment, TOP)
        content_hash, title = comment.content_hash, session.get(Story, STORY).title
        session.execute(
            update(Comment).where(Comment.id == TOP).values(text_ja="人の訳", text_ja_by="human")
        )
        session.execute(
            update(Story).where(Story.id == STORY).values(title_ja="人の題", title_ja_by="human")
        )
    with archive.sessions.begin() as session:  # …then the model's batch is stored
        written = store_comment_translations(
            session, {TOP: (content_hash, "機械の訳", 0)}, "m", now, "jpn_Jpan"
        )
        titles = store_title_translations(
            session, {STORY: (title, "機械の題")}, "m", now, "jpn_Jpan"
        )
    assert (written, titles) == (0, 0)
    with archive.sessions() as session:
        assert session.get(Comment, TOP).text_ja == "人の訳"
        assert session.get(Story, STORY).title_ja == "人の題"


def test_the_same_english_elsewhere_takes_the_persons_translation(archive):
    """A pending comment with the English a person translated gets that text, marked human,
    before any model runs (and the person's stale texts are not spread)."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from db.models import Comment
    from db.translation import reuse_human_translations
    from tests.review.conftest import SECOND, TOP

    with archive.sessions.begin() as session:
        session.execute(
            update(Comment).where(Comment.id == TOP).values(text_ja="人の訳", text_ja_by="human")
        )
        english = session.get(Comment, TOP).text
        session.execute(
            update(Comment).where(Comment.id == SECOND).values(text=english, text_ja=None)
        )
    with archive.sessions.begin() as session:
        assert reuse_human_translations(session, datetime.now(UTC)) == 1
    with archive.sessions() as session:
        reused = session.get(Comment, SECOND)
        assert (reused.text_ja, reused.text_ja_by, reused.text_ja_model) == (
            "人の訳",
            "human",
            None,
        )
