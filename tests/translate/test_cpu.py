"""CPU settings: the measured choices, applied only where they fit."""

from __future__ import annotations

from matome_crawl.translate.cpu import (
    default_batch_size,
    family_defaults,
    preferred_isa,
    thread_layout,
)


def test_avx512_only_where_the_cpu_has_it():
    assert preferred_isa(frozenset({"avx2", "avx512f", "avx512bw", "avx512dq", "avx512vl"})) == (
        "AVX512"
    )
    assert preferred_isa(frozenset({"avx2", "avx512f"})) is None  # partial AVX-512
    assert preferred_isa(frozenset({"sse4_1", "avx", "avx2"})) is None


def test_one_worker_per_thread_and_small_cpu_batches():
    assert thread_layout(2) == (2, 1)
    assert thread_layout(0) == (1, 1)
    assert thread_layout(4, 2) == (2, 2)
    assert thread_layout(1, 2) == (1, 1)
    assert default_batch_size("ctranslate2", "cpu") == 4
    assert default_batch_size("ctranslate2", "cuda") == 32
    assert default_batch_size("transformers", "cpu") == 16


def test_each_family_has_measured_cpu_defaults():
    marian = family_defaults("marian", "ctranslate2", "cpu")
    assert (marian.beam, marian.batch_size, marian.threads_per_worker) == (4, 4, 1)
    assert marian.cpu_seconds_per_1000 is not None
    nllb = family_defaults("nllb", "ctranslate2", "cpu")
    assert nllb.cpu_seconds_per_1000 is not None
    assert nllb.cpu_seconds_per_1000 > marian.cpu_seconds_per_1000  # a 600M model is slower
    assert (nllb.beam, nllb.batch_size, nllb.threads_per_worker) == (2, 4, 1)
    assert family_defaults("nllb", "ctranslate2", "cuda").batch_size == 32
