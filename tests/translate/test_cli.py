"""``matome translate`` and ``matome model`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.models import Comment, Story
from matome_crawl.cli import cli

from .test_translation_stage import DAY, add_thread


@pytest.fixture
def runner(monkeypatch, models_dir) -> CliRunner:
    monkeypatch.setenv("MATOME_MODELS_DIR", str(models_dir))
    return CliRunner()


@pytest.fixture
def db_url(database, db_path) -> str:
    with database.sessions() as session, session.begin():
        add_thread(
            session, 7, "Ask HN: How do you test?", [{"text_html": "With care.<p>Often."}], 1
        )
    return f"sqlite:///{db_path}"


def test_translate_a_day(runner, db_url, database, marian_dir):
    args = ["translate", "--day", DAY.isoformat(), "--model", str(marian_dir), "--db", db_url]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Translated 1 titles and 1 comments of 1 stories in 1 batches." in result.stdout
    assert (
        "Distinct segments: 3 = 0 from the translation memory + 3 by the model + 0 kept in "
        "English." in result.stdout
    )
    assert "translated 2/2 titles and comments, 3/3 segments" in result.stderr
    assert "segments/s" in result.stdout
    with database.sessions() as session:
        assert session.scalar(select(Story.title_ja).where(Story.id == 7))
        assert session.scalar(select(Comment.text_ja).where(Comment.id == 700)).count("\n") == 1
    again = runner.invoke(cli, [*args, "--backend", "transformers", "--beam", "2"])
    assert again.exit_code == 0, again.output
    assert again.stdout == "Nothing to translate (1 stories looked at); no model loaded.\n"


def test_pending_with_nothing_pending_loads_and_converts_no_model(runner, database, db_path):
    # A model that is not on this machine: loading it would fail, so success means the
    # command never tried (and the models directory stays empty: nothing converted).
    url = f"sqlite:///{db_path}"
    result = runner.invoke(
        cli, ["translate", "--pending", "--model", "nobody/missing", "--db", url]
    )
    assert result.exit_code == 0, result.output
    assert "no model loaded" in result.stdout


def test_story_option_takes_several_ids(runner, db_url, marian_dir):
    result = runner.invoke(
        cli,
        ["translate", "--story", "7,8", "--story", "9", "--model", str(marian_dir), "--db", db_url],
    )
    assert result.exit_code == 0, result.output
    assert "Translated 1 titles and 1 comments of 1 stories" in result.stdout
    assert "story 8 is not in the archive" in result.stderr
    bad = runner.invoke(cli, ["translate", "--story", "x1", "--db", db_url])
    assert bad.exit_code == 2 and "'x1' is not a story id" in bad.output


def test_translate_needs_one_selection(runner, db_url):
    for args in ([], ["--pending", "--day", "2025-01-01"]):
        result = runner.invoke(cli, ["translate", *args, "--db", db_url])
        assert result.exit_code == 2
        assert "--day D, --story ID, --pending or --all-comments" in result.output


def test_missing_model_is_one_line_not_a_traceback(runner, db_url, tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    result = runner.invoke(
        cli, ["translate", "--pending", "--model", "nobody/missing", "--db", db_url]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Error: model nobody/missing is not available on this machine: run `matome model "
        "download nobody/missing` where there is network, or pass a local model directory "
        "with --model PATH"
    ]


def test_model_convert_and_info(runner, marian_dir, tmp_path):
    out = tmp_path / "converted"
    result = runner.invoke(cli, ["model", "convert", str(marian_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model.bin").is_file() and (out / "source.spm").is_file()
    assert f"--model {out}" in result.stdout
    metadata = json.loads((out / "matome-model.json").read_text())
    assert metadata["family"] == "marian" and metadata["quantization"] == "int8"
    again = runner.invoke(cli, ["model", "convert", str(marian_dir), "--out", str(out)])
    assert again.exit_code == 1 and "already holds a converted model" in again.stderr
    info = runner.invoke(cli, ["model", "info", "--model", str(out), "--format", "json"])
    assert info.exit_code == 0, info.output
    fields = json.loads(info.stdout)  # one object
    assert fields["family"] == "marian" and fields["available"] == "yes"
    assert fields["note"] == "local CTranslate2 model"


def test_model_info_for_the_default_model(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    info = runner.invoke(cli, ["model", "info", "--format", "json"])
    assert info.exit_code == 0, info.output
    fields = json.loads(info.stdout)  # one object
    assert fields["model"] == "staka/fugumt-en-ja"
    assert fields["license"] == "CC-BY-SA-4.0"
    assert fields["backend"] == "ctranslate2"
    assert fields["available"] == "no" and "matome model download" in fields["note"]


def test_model_download_offline_is_a_clear_error(runner):
    result = runner.invoke(cli, ["model", "download", "staka/fugumt-en-ja"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: HF_HUB_OFFLINE is set")
    assert "--model PATH" in result.stderr
