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
