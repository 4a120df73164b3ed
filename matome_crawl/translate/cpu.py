"""CPU settings for CTranslate2, chosen from measurements rather than guessed.

Measured with ``bench/translate.py --isa-sweep`` on the project's 2-core machine (Xeon
with AVX-512, VNNI and AMX; FuguMT-shaped Marian, int8, beam 4, 200 HN comments, 48 target
tokens each; target tokens/s, one run; earlier interleaved repeats gave the same order):

==========================================  ==========
AVX2 (CTranslate2's own pick), MKL          737
AVX512 (``CT2_FORCE_CPU_ISA``), MKL         789
AVX2, ``CT2_USE_MKL=0`` (oneDNN)            590
AVX512, ``CT2_USE_MKL=0`` (oneDNN)          607
==========================================  ==========

So where the CPU has AVX-512 the command line asks for it (CTranslate2 stays on AVX2 by
itself), and ``CT2_USE_MKL`` is left alone: on Intel CPUs CTranslate2 already uses MKL,
which beat oneDNN here. A value the user set in the environment always wins. The variable
is process-wide and read when CTranslate2 loads its first model, so only the application's
entry point sets it (:func:`configure_ctranslate2_cpu`); the translator never does.

Threads: with 2 cores, 2 workers of 1 thread each ran 1.7-1.9× faster than 1 worker of 2
threads at any batch size, and small batches won (4 examples per batch: ~690, 8: ~650,
16: ~570, 32: ~400 tok/s on whole comments; on sentences 4: ~1060, 8: ~1020, 16: ~940),
presumably because the beam's logits over a 32k vocabulary stay in cache for a small batch.
Machines with more cores were not measured: they get one worker per core all the same.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

ISA_ENV = "CT2_FORCE_CPU_ISA"
_AVX512_FLAGS = frozenset({"avx512f", "avx512bw", "avx512dq", "avx512vl"})
# Segments per batch: CTranslate2 on CPU as measured above; CUDA was not measured here (no
# GPU on the project's machines) and takes CTranslate2's advice of large batches; the
# transformers backend uses the batch of the benchmark's (b).
CPU_BATCH_SIZE = 4
CUDA_BATCH_SIZE = 32
TORCH_CPU_BATCH_SIZE = 16


def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def preferred_isa(flags: frozenset[str] | None = None) -> str | None:
    """The ISA to force, or None to leave CTranslate2's own choice."""
    flags = cpu_flags() if flags is None else flags
    return "AVX512" if flags >= _AVX512_FLAGS else None


@lru_cache(maxsize=1)
def configure_ctranslate2_cpu() -> str | None:
    """Set ``CT2_FORCE_CPU_ISA`` before CTranslate2 loads its first model (it reads the
    variable then, once per process). For an application's entry point only (the
    ``matome`` command calls it): it changes the process's environment. Returns the ISA
    in effect when known."""
    if os.environ.get(ISA_ENV):
        return os.environ[ISA_ENV]
    isa = preferred_isa()
    if isa:
        os.environ[ISA_ENV] = isa
        logger.debug("CTranslate2 CPU instruction set: %s", isa)
    return isa


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def thread_layout(threads: int, threads_per_worker: int = 1) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for ``threads`` CPU threads: workers of
    ``threads_per_worker`` threads each (see the module docstring)."""
    threads = max(1, threads)
    per_worker = max(1, min(threads_per_worker, threads))
    return max(1, threads // per_worker), per_worker


def default_batch_size(backend: str, device: str) -> int:
    if device == "cuda":
        return CUDA_BATCH_SIZE
    return CPU_BATCH_SIZE if backend == "ctranslate2" else TORCH_CPU_BATCH_SIZE


@dataclass(frozen=True, slots=True)
class FamilyDefaults:
    """What a model family runs with when the options do not say."""

    beam: int
    batch_size: int
    threads_per_worker: int
    # CTranslate2 int8 on this project's 2-core machine, 2 threads, these defaults, HN
    # comment sentences: seconds per 1,000 segments (what ``matome model info`` quotes).
    cpu_seconds_per_1000: float | None = None


# Per family, ``bench/translate.py --defaults-sweep FAMILY`` on the project's 2-core machine
# (random weights of the real shape: FuguMT's Marian; NLLB-200-distilled-600M's config
# verbatim, 12+12 layers, d_model 1024, 256,206 output rows), CTranslate2 int8, 48 HN
# sentences, 24 target tokens each, seconds per 1,000 segments. The machine was shared
# (load average 3-6), so single figures move by up to 1.5× between runs; what held in
# every run is kept:
#
# =======================================  ===========  ===========
# setting                                  Marian       NLLB-600M
# =======================================  ===========  ===========
# beam 4, batch 4, 2 workers × 1 thread    158          1,661 / 1,120
# beam 4, batch 4, 1 worker × 2 threads    796          6,726
# beam 2, batch 4, 2 workers × 1 thread    100          821 / 475
# beam 2, batch 8                          --           746 / 612
# beam 1, batch 4 / 8                      --           1,284 / 476
# beam 4, batch 8                          98           1,252
# =======================================  ===========  ===========
#
# One thread per worker wins for both (4-5×). NLLB: beam 2 is about twice as fast as beam
# 4 in every run, beam 1 no faster than 2 beyond the noise, and batch 4 vs 8 within it:
# beam 2, batch 4. Marian keeps beam 4 and batch 4 (the interleaved runs of the module
# docstring; the batch-8 figure above came later in a run whose load was falling).
FAMILY_CPU_DEFAULTS: dict[str, FamilyDefaults] = {
    "marian": FamilyDefaults(4, 4, 1, cpu_seconds_per_1000=160),
    "nllb": FamilyDefaults(2, 4, 1, cpu_seconds_per_1000=600),
    "m2m100": FamilyDefaults(4, 4, 1),  # not measured: Marian's
}


def family_defaults(family: str, backend: str, device: str) -> FamilyDefaults:
    """The family's CPU defaults; on CUDA (not measured here) large batches and beam 4,
    and the transformers backend keeps the batch of the benchmark's (b)."""
    base = FAMILY_CPU_DEFAULTS.get(family, FAMILY_CPU_DEFAULTS["marian"])
    if device == "cuda":
        return FamilyDefaults(4, CUDA_BATCH_SIZE, 1)
    if backend != "ctranslate2":
        return FamilyDefaults(base.beam, TORCH_CPU_BATCH_SIZE, 1, None)
    return base
