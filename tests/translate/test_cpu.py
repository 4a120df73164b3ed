"""CPU settings: the measured choices, applied only where they fit."""

from __future__ import annotations

from matome_crawl.translate.cpu import default_batch_size, preferred_isa, thread_layout


def test_avx512_only_where_the_cpu_has_it():
    assert preferred_isa(frozenset({"avx2", "avx512f", "avx512bw", "avx512dq", "avx512vl"})) == (
        "AVX512"
    )
    assert preferred_isa(frozenset({"avx2", "avx512f"})) is None  # partial AVX-512
    assert preferred_isa(frozenset({"sse4_1", "avx", "avx2"})) is None


def test_one_worker_per_thread_and_small_cpu_batches():
    assert thread_layout(2) == (2, 1)
    assert thread_layout(0) == (1, 1)
    assert default_batch_size("ctranslate2", "cpu") == 4
    assert default_batch_size("ctranslate2", "cuda") == 32
    assert default_batch_size("transformers", "cpu") == 16
