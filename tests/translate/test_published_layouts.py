"""The defaults on the models as users download them (issue 14).

FuguMT and NLLB-200 are rebuilt in the exact layouts their hub repos publish (the small
JSON files read from ``../shared/models`` and copied byte for byte, the vocabulary files
in each repo's conventions, weights only as ``pytorch_model.bin``) and put in a Hugging
Face cache as ``matome model download`` leaves them. The commands then run with **no**
``--model`` and no ``--backend``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.models import Comment, Story
from matome_crawl.cli import cli
from matome_crawl.translate import TranslationOptions, Translator
from matome_crawl.translate.models import METADATA_FILE, converted_dir, read_metadata
from tests.crawl.conftest import run_matome
from tests.tiny_models import (
    FUGUMT,
    FUGUMT_2022_REVISION,
    FUGUMT_FILES,
    FUGUMT_REVISION,
    NLLB,
    NLLB_FILES,
    NLLB_REVISION,
    hub_cache_put,
)

from .test_translation_stage import DAY, add_thread


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """An empty Hugging Face cache and models directory, used by default (as
    ``HF_HUB_CACHE``/``HF_HOME`` and ``MATOME_MODELS_DIR`` point a user's commands)."""
    cache = tmp_path / "hf-home" / "hub"
    cache.mkdir(parents=True)
    monkeypatch.setenv("HF_HOME", str(cache.parent))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("MATOME_MODELS_DIR", str(tmp_path / "matome-models"))
    return cache


@pytest.fixture
def fugumt(hub, fugumt_files) -> Path:
    return hub_cache_put(hub, FUGUMT, FUGUMT_REVISION, fugumt_files)


@pytest.fixture
def db_url(database, db_path) -> str:
    with database.sessions() as session, session.begin():
        add_thread(
            session,
            7,
            "Ask HN: How do you test?",
            [{"text_html": "With care. I read the logs.<p>Often."}],
            1,
        )
    return f"sqlite:///{db_path}"


@contextlib.contextmanager
def transformers_warnings() -> Iterator[list[str]]:
    """What transformers logs meanwhile (its loggers do not propagate to pytest's)."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    source = logging.getLogger("transformers")
    source.addHandler(handler)
    try:
        yield messages
    finally:
        source.removeHandler(handler)


def fields(result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # model info --format json is one object


def test_the_layout_is_the_published_one(fugumt):
    for name in ("config.json", "generation_config.json", "tokenizer_config.json"):
        assert (fugumt / name).read_bytes() == (FUGUMT_FILES / name).read_bytes()
    assert (fugumt / "tokenizer_config.json").stat().st_size == 42
    assert (fugumt / "source.spm").is_symlink()  # into blobs/, as huggingface_hub leaves it
    assert not list(fugumt.glob("*.safetensors"))
    import torch

    weights = torch.load(fugumt / "pytorch_model.bin", weights_only=True)
    assert {t.dtype for t in weights.values()} == {torch.float16}
    vocab = json.loads((fugumt / "vocab.json").read_text())
    assert len(vocab) == 32001 and vocab["<pad>"] == 32000 and vocab["</s>"] == 0


def test_translate_with_every_default_on_fugumt(fugumt, db_url, database):
    runner = CliRunner()
    result = runner.invoke(cli, ["translate", "--day", DAY.isoformat(), "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "Translated 1 titles and 1 comments" in result.stdout
    assert f"model {FUGUMT} [ctranslate2/int8/beam4/v2] into jpn_Jpan." in result.stdout
    with database.sessions() as session:
        story = session.execute(select(Story).where(Story.id == 7)).scalar_one()
        comment = session.execute(select(Comment).where(Comment.id == 700)).scalar_one()
        assert story.title_ja and story.title_ja_model == FUGUMT
        assert (story.title_ja_lang, comment.text_ja_lang) == ("jpn_Jpan", "jpn_Jpan")
        assert comment.text_ja.count("\n") == 1
    converted = converted_dir(FUGUMT, "int8")
    assert read_metadata(converted)["verified"] == "1"
    info = fields(runner.invoke(cli, ["model", "info", "--format", "json"]))
    assert info["available"] == "yes" and info["note"].startswith("converted")


def test_model_info_and_convert_with_the_defaults(fugumt, tmp_path):
    runner = CliRunner()
    info = fields(runner.invoke(cli, ["model", "info", "--format", "json"]))
    assert info["model"] == FUGUMT and info["family"] == "marian"
    assert info["license"] == "CC-BY-SA-4.0" and info["available"] == "yes"
    assert info["note"] == (
        "in the Hugging Face cache; converted for CTranslate2 on first use"
    )  # info converts nothing
    assert not converted_dir(FUGUMT, "int8").exists()
    assert info["cpu_defaults"].startswith("beam 4 (the model's own config asks for 12;")
    assert info["expect_cpu"].startswith("about 3 min per 1,000 segments")
    assert "at most 511 (the model's max_length)" in info["output_cap"]

    out = tmp_path / "fugumt-ct2"
    result = runner.invoke(cli, ["model", "convert", FUGUMT, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_metadata(out)["verified"] == "1" and (out / "source.spm").is_file()
    info = fields(runner.invoke(cli, ["model", "info", "--model", str(out), "--format", "json"]))
    assert info["available"] == "yes" and info["license"] == "CC-BY-SA-4.0"
    torch_info = runner.invoke(
        cli, ["model", "info", "--model", str(out), "--backend", "transformers", "--format", "json"]
    )
    assert fields(torch_info)["available"] == "no"  # translate would refuse it


def test_a_broken_cached_conversion_is_not_available_and_is_redone(fugumt, db_url):
    target = converted_dir(FUGUMT, "int8")
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"not a model")  # what an old, failed conversion left
    (target / "config.json").write_text("{}")
    (target / METADATA_FILE).write_text(json.dumps({"source": FUGUMT, "family": "marian"}))
    runner = CliRunner()
    info = fields(runner.invoke(cli, ["model", "info", "--format", "json"]))
    assert "never checked or does not load: it is converted again" in info["note"]
    assert info["path"] != str(target)
    result = runner.invoke(cli, ["translate", "--pending", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert read_metadata(target)["verified"] == "1"


def test_fugumt_2022_layout_translates_on_both_backends(hub, fugumt_2022_files):
    snapshot = hub_cache_put(hub, FUGUMT, FUGUMT_2022_REVISION, fugumt_2022_files)
    assert not (snapshot / "generation_config.json").exists()
    assert (snapshot / "special_tokens_map.json").stat().st_size == 65
    texts = ["I read the logs every day.", "It works."]
    for backend in ("ctranslate2", "transformers"):
        translator = Translator.load(TranslationOptions(backend=backend, beam=1, threads=1))
        assert translator.model.family == "marian"
        results = translator.translate(texts)
        assert all(r.text for r in results), backend


@pytest.fixture
def nllb(hub, nllb_files) -> Path:
    return hub_cache_put(hub, NLLB, NLLB_REVISION, nllb_files)


def test_nllb_published_layout_and_target_lang(nllb, db_url, database):
    for name in ("generation_config.json", "tokenizer_config.json", "special_tokens_map.json"):
        assert (nllb / name).read_bytes() == (NLLB_FILES / name).read_bytes()
    runner = CliRunner()
    info = fields(runner.invoke(cli, ["model", "info", "--model", NLLB, "--format", "json"]))
    assert info["family"] == "nllb" and info["license"] == "CC-BY-NC-4.0"
    assert "at most 199 (the model's max_length)" in info["output_cap"]
    assert info["cpu_defaults"].startswith("beam 2, batch 4,")  # measured for NLLB
    assert info["expect_cpu"].startswith("about 10 min per 1,000 segments")

    args = ["translate", "--pending", "--model", NLLB, "--target-lang", "fra_Latn", "--db", db_url]
    with transformers_warnings() as warned:
        result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "into fra_Latn" in result.stdout and "fra_Latn]" in result.stdout  # memory key
    # transformers took the CTranslate2 directory's config.json for an old Mistral one
    assert not [m for m in warned if "fix_mistral_regex" in m]
    with database.sessions() as session:
        assert session.scalar(select(Comment.text_ja_lang).where(Comment.id == 700)) == "fra_Latn"


def test_target_lang_is_refused_for_fugumt(fugumt, db_url):
    result = CliRunner().invoke(
        cli, ["translate", "--pending", "--target-lang", "fra_Latn", "--db", db_url]
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {FUGUMT} translates into Japanese only; --target-lang fra_Latn needs an NLLB model"
    ]


@pytest.mark.slow
def test_demo_with_the_default_model_present(fugumt, tmp_path):
    work = tmp_path / "demo"
    env = {k: os.environ[k] for k in ("HF_HOME", "HF_HUB_CACHE", "MATOME_MODELS_DIR")}
    result = run_matome("demo", "--dir", str(work), "--top", "1", env=env)
    assert result.returncode == 0, result.stderr
    assert "No translation" not in result.stdout
    with sqlite3.connect(work / "matome.sqlite3") as conn:
        pending = conn.execute(
            "SELECT count(*) FROM comments WHERE text IS NOT NULL AND text_ja IS NULL"
        ).fetchone()
        model = conn.execute("SELECT DISTINCT text_ja_model FROM comments").fetchall()
    assert pending == (0,) and (FUGUMT,) in model


def test_a_local_copy_reads_its_licence_from_the_model_card(fugumt, tmp_path):
    local = tmp_path / "my-fugumt"
    local.mkdir()
    for file in fugumt.iterdir():
        shutil.copyfile(file, local / file.name)
    runner = CliRunner()
    args = ["model", "info", "--model", str(local), "--format", "json"]
    assert fields(runner.invoke(cli, args))["license"].startswith("unknown")
    (local / "README.md").write_text(
        "---\nlicense: cc-by-sa-4.0\ntags:\n- translation\n---\n# FuguMT\n", encoding="utf-8"
    )
    assert fields(runner.invoke(cli, args))["license"] == "cc-by-sa-4.0"


def test_a_model_that_does_not_convert_is_one_line_and_leaves_nothing(fugumt, tmp_path):
    broken = tmp_path / "broken-fugumt"
    broken.mkdir()
    for file in fugumt.iterdir():
        shutil.copyfile(file, broken / file.name)
    (broken / "target.spm").write_bytes(b"not a sentencepiece model")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["model", "convert", str(broken), "--out", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing was kept" in lines[0], result.stderr
    assert "its tokenizer does not load" in lines[0]  # found before the weights are read
    assert not out.exists() and not list(tmp_path.glob(".out-*"))


def test_no_sequence_length_warning_for_text_the_splitter_cuts(fugumt):
    """The splitter measures whole paragraphs before cutting them: the tokenizer's own
    "Token indices sequence length is longer than…" warning was noise on every long one."""
    from matome_crawl.translate.backends import load_tokenizer
    from matome_crawl.translate.options import ResolvedModel

    tokenizer = load_tokenizer(
        ResolvedModel(FUGUMT, str(fugumt), "transformers", "marian"), "jpn_Jpan"
    )
    with transformers_warnings() as warned:
        ids = tokenizer(["I read the logs every day. " * 200])["input_ids"][0]
    assert len(ids) > 512  # past FuguMT's positions
    assert not [m for m in warned if "sequence length" in m]


def test_no_mistral_regex_warning_for_an_nllb_sized_vocabulary(nllb, tmp_path):
    """transformers checks tokenizers of over 100,000 tokens (NLLB's has 256,204) for
    Mistral's broken regex and, next to CTranslate2's config.json (no model_type), warned
    on every load of a converted NLLB to set `fix_mistral_regex=True`."""
    from transformers import NllbTokenizer

    from matome_crawl.translate.backends import load_tokenizer
    from matome_crawl.translate.options import ResolvedModel

    small = NllbTokenizer.from_pretrained(str(nllb), local_files_only=True)
    data = json.loads((nllb / "tokenizer.json").read_text())
    vocab = data["model"]["vocab"]
    for i in range(100_001 - len(vocab)):  # filler pieces: the size is what matters
        vocab[f"<filler{i}>"] = len(vocab)
    big = tmp_path / "nllb-ct2-like"
    big.mkdir()
    (big / "tokenizer.json").write_text(json.dumps(data))
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        (big / name).write_bytes((nllb / name).read_bytes())
    (big / "config.json").write_text(json.dumps({"bos_token": "<s>", "eos_token": "</s>"}))
    with transformers_warnings() as warned:
        tokenizer = load_tokenizer(ResolvedModel(NLLB, str(big), "ctranslate2", "nllb"), "jpn_Jpan")
    assert len(tokenizer) > 100_000
    assert tokenizer("It works.")["input_ids"] == small("It works.")["input_ids"]
    assert not [m for m in warned if "fix_mistral_regex" in m]
