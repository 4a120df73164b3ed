"""Decoding is bounded per segment (issue 12, item 1): a model that never emits its end
token stops at ``max_len_a × source tokens + b`` new tokens, and never past the model's
own ``max_length``, on both backends, with the same tokens on both."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from matome_crawl.translate import TranslationOptions, Translator
from matome_crawl.translate.backends import CAP_STEP
from matome_crawl.translate.options import MAX_LEN_A, MAX_LEN_B
from tests.tiny_models import MARIAN_POSITIONS, NLLB, NLLB_REVISION, hub_cache_put

SENTENCES = [
    "It works.",
    "I read the logs of the server every day, and the files are open.",
    "Short.",
    "The quick brown fox jumps over the lazy dog while the server restarts twice, and "
    "then the logs of every server in the room fill the disk again.",
]


def never_stop(source: Path, target: Path, eos: int) -> Path:
    """A copy of a transformers model that can never pick the end token."""
    import torch
    from transformers import AutoModelForSeq2SeqLM

    shutil.copytree(source, target, symlinks=False)
    model = AutoModelForSeq2SeqLM.from_pretrained(target, local_files_only=True)
    with torch.no_grad():
        if hasattr(model, "final_logits_bias"):
            model.final_logits_bias[0, eos] = -1e4
        else:
            model.lm_head.weight[eos] = 0.0
            model.model.shared.weight[eos] = 0.0  # tied: the same row
    for old in target.glob("*.safetensors"):
        old.unlink()
    model.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def endless_marian(marian_dir, tmp_path_factory) -> Path:
    return never_stop(marian_dir, tmp_path_factory.mktemp("endless") / "marian", eos=0)


def translators(model: str, models_dir: Path, **options) -> list[Translator]:
    return [
        Translator.load(
            TranslationOptions(
                model=model,
                backend=backend,
                threads=1 if backend == "transformers" else 0,  # see tiny_models
                compute_type="float32",
                models_dir=str(models_dir),
                **options,
            )
        )
        for backend in ("ctranslate2", "transformers")
    ]


@pytest.mark.parametrize("beam", [1, 4])
def test_a_model_that_never_stops_gets_a_cap_from_the_source_length(endless_marian, tmp_path, beam):
    ct2, torch_ = translators(str(endless_marian), tmp_path, beam=beam)
    lengths = ct2.backend.count_tokens(SENTENCES)
    started = time.perf_counter()
    outputs = [t.backend.translate(SENTENCES) for t in (ct2, torch_)]
    assert time.perf_counter() - started < 30
    limit = ct2.backend.max_output_tokens  # the tiny model's positions, less the start token
    assert limit == torch_.backend.max_output_tokens == MARIAN_POSITIONS - 1
    caps = [min(int(MAX_LEN_A * -(-x // CAP_STEP) * CAP_STEP + MAX_LEN_B), limit) for x in lengths]
    assert caps[-1] == limit > caps[1]  # the model's own limit and the source length both bind
    expected = [cap - 1 for cap in caps]  # then the forced </s>
    for got in outputs:
        assert [o.tokens for o in got] == expected
    # Same lengths on both; the tokens of such a degenerate, repeating output are not
    # compared (near-ties that float rounding settles differently in the two libraries):
    # test_engine compares the tokens of outputs that stop by themselves.


def test_the_cap_is_the_same_whatever_the_batch(endless_marian, tmp_path):
    ct2, _ = translators(str(endless_marian), tmp_path, beam=1)
    together = ct2.backend.translate(SENTENCES)
    alone = [ct2.backend.translate([s])[0] for s in SENTENCES]
    assert [o.token_ids for o in together] == [o.token_ids for o in alone]


def test_nllb_stops_at_its_own_max_length_on_both_backends(nllb_files, tmp_path):
    cache = tmp_path / "hub"
    snapshot = hub_cache_put(cache, NLLB, NLLB_REVISION, nllb_files)
    endless = never_stop(snapshot, tmp_path / "nllb-endless", eos=2)
    # A generous factor: the cap is then the model's own max_length (200, start token
    # included: 199 new tokens, the language code first).
    ct2, torch_ = translators(str(endless), tmp_path, beam=2, max_len_a=50.0)
    assert ct2.backend.max_output_tokens == torch_.backend.max_output_tokens == 199
    started = time.perf_counter()
    outputs = [t.backend.translate(SENTENCES[:2]) for t in (ct2, torch_)]
    assert time.perf_counter() - started < 60
    for got in outputs:
        assert [o.tokens for o in got] == [198, 198]  # 199 less the language code
