"""The translator: sources in, :class:`Translation` out, with dedup, batching and a memory.

Usage::

    translator = Translator(TranslationOptions(model="staka/fugumt-en-ja"))
    [t.text for t in translator.translate([Source("Hello.<p>Bye.", Kind.HTML)])]

Work for one call: every source is parsed and cut into segments
(:mod:`matome_crawl.translate.text`); the distinct segments are looked up in the
translation memory, if one is given; the rest are sorted by length, sent to the model in
rounds and stored in the memory; then each source is put back together in its own order.
A segment the model fails on is logged, kept in English and counted in
:attr:`Translation.untranslated`; it is not stored in the memory, so a later run tries it
again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from matome_crawl.translate import text as textmod
from matome_crawl.translate.backends import Backend, load_backend
from matome_crawl.translate.models import find_model, resolve_model
from matome_crawl.translate.options import (
    DEFAULT_MAX_SEGMENT_TOKENS,
    DEFAULT_TARGET_LANG,
    Kind,
    ModelFormatError,
    ModelOutput,
    ResolvedModel,
    Source,
    Translation,
    TranslationOptions,
    TranslationStats,
    settings_key,
)

logger = logging.getLogger(__name__)

# Errors a model raises on an input it cannot handle (torch: IndexError/RuntimeError for a
# position past its table; CTranslate2: RuntimeError/ValueError). Anything else is a bug
# and propagates.
MODEL_ERRORS: tuple[type[Exception], ...] = (RuntimeError, IndexError, ValueError)
# A round is this many batches per worker: large enough to keep every worker busy, small
# enough for a live progress bar and a small loss when one segment makes a batch fail.
BATCHES_PER_ROUND = 4

Progress = Callable[[int], None]
# Translates distinct segments elsewhere (another engine): ``(segments, progress) →
# (segment → translation, segments it failed on)``.
SegmentTranslate = Callable[[list[str], Progress | None], tuple[dict[str, str], set[str]]]


def target_language(model: ResolvedModel, requested: str | None) -> str:
    """The NLLB code of the language ``model`` will translate into. NLLB takes any of its
    codes; Marian (FuguMT) and M2M100 here translate into Japanese only."""
    if requested is None or requested == DEFAULT_TARGET_LANG:
        return DEFAULT_TARGET_LANG
    if model.family != "nllb":
        raise ModelFormatError(
            f"{model.model_id} translates into Japanese only; --target-lang {requested} "
            "needs an NLLB model"
        )
    if not re.fullmatch(r"[a-z]{3}_[A-Z][a-z]{3}", requested):
        raise ModelFormatError(
            f"{requested!r} is not an NLLB language code (such as jpn_Jpan or fra_Latn)"
        )
    return requested


def segment_hash(segment: str) -> str:
    """The translation memory's key for a segment: SHA-256 of its UTF-8 text."""
    return hashlib.sha256(segment.encode("utf-8")).hexdigest()


class TranslationMemory(Protocol):
    """Where translated segments are kept between runs (see ``db.translation``)."""

    def lookup(self, segments: Sequence[str]) -> Mapping[str, str]:
        """The stored translations of those ``segments`` that have one."""
        ...

    def store(self, translations: Mapping[str, str]) -> None:
        """Keep ``segment → translation`` pairs."""
        ...


class InMemoryTranslationMemory:
    """A dict-backed memory for one process (the database keeps one across runs)."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    def lookup(self, segments: Sequence[str]) -> Mapping[str, str]:
        return {s: self.entries[s] for s in segments if s in self.entries}

    def store(self, translations: Mapping[str, str]) -> None:
        self.entries.update(translations)


@dataclass(frozen=True, slots=True)
class PlannedSource:
    source: Source
    document: textmod.Document


@dataclass(frozen=True, slots=True)
class Plan:
    """Sources cut into segments, before any model work: ``segments`` are the distinct
    segments in first-seen order."""

    sources: list[PlannedSource]
    segments: list[str]


class Translator:
    """English → Japanese (or, with NLLB, another language) translation of titles and
    comments with a local model.

    The constructor loads a model that is ready for its backend and nothing else: it never
    converts one. :meth:`load` is the explicit step that finds the model and, for
    CTranslate2, converts a transformers model once (checked before it is kept).
    """

    def __init__(
        self,
        options: TranslationOptions | None = None,
        *,
        model: ResolvedModel | None = None,
        backend: Backend | None = None,
    ) -> None:
        """Load the model named by ``options`` (or the given ``model``/``backend``).

        Raises :class:`~matome_crawl.translate.options.ModelNotFoundError` when the model is
        not on this machine (nothing is downloaded), and
        :class:`~matome_crawl.translate.options.ModelFormatError` when it still needs the
        conversion that :meth:`load` does.
        """
        self.options = options or TranslationOptions()
        self.model = model or find_model(
            self.options.model,
            self.options.backend,
            cache_dir=self.options.cache_dir,
            models_dir=self.options.models_dir,
        )
        if self.options.backend == "ctranslate2" and self.model.format != "ctranslate2":
            raise ModelFormatError(
                f"{self.options.model} is not converted for CTranslate2 yet: "
                "Translator.load() converts it once (or run `matome model convert`)"
            )
        self.target_lang = target_language(self.model, self.options.target_lang)
        self.backend = backend or load_backend(self.model, self.options, self.target_lang)
        limit = self.options.max_segment_tokens
        if limit is None:
            limit = min(DEFAULT_MAX_SEGMENT_TOKENS, self.backend.max_source_tokens)
        self.max_segment_tokens = limit
        self.settings = settings_key(
            self.backend.name,
            self.backend.compute_type,
            self.backend.beam,
            self.options.min_new_tokens,
            self.options.max_new_tokens,
            self.target_lang,
            (self.options.max_len_a, self.options.max_len_b),
        )
        self.stats = TranslationStats()

    @classmethod
    def load(cls, options: TranslationOptions | None = None) -> Translator:
        """Find the model, convert it for CTranslate2 if it needs it (once; later runs
        reuse the conversion), then load it."""
        options = options or TranslationOptions()
        found = find_model(
            options.model,
            options.backend,
            cache_dir=options.cache_dir,
            models_dir=options.models_dir,
        )
        target_language(found, options.target_lang)  # refused before any conversion
        model = resolve_model(
            options.model,
            options.backend,
            cache_dir=options.cache_dir,
            models_dir=options.models_dir,
        )
        return cls(options, model=model)

    @property
    def model_id(self) -> str:
        return self.model.model_id

    # ----------------------------------------------------------------- planning

    def fits(self, segment: str) -> bool:
        """Whether ``segment`` (with the model's special tokens) is within the limit."""
        if len(segment.encode("utf-8")) + 3 <= self.max_segment_tokens:
            return True  # a token covers at least one byte: no need to tokenize
        return self.backend.count_tokens([segment])[0] <= self.max_segment_tokens

    def plan(self, sources: Iterable[Source | str]) -> Plan:
        """Parse and segment ``sources`` (no model work)."""
        planned: list[PlannedSource] = []
        seen: dict[str, None] = {}
        for item in sources:
            source = item if isinstance(item, Source) else Source(item, Kind.TEXT)
            document = textmod.parse(
                source.text, source.kind, self.fits, self.options.title_prefixes
            )
            planned.append(PlannedSource(source, document))
            for segment in document.segments():
                seen.setdefault(segment, None)
        return Plan(planned, list(seen))

    # ------------------------------------------------------------------ running

    def translate(
        self,
        sources: Iterable[Source | str],
        *,
        memory: TranslationMemory | None = None,
        progress: Progress | None = None,
    ) -> list[Translation]:
        """Translate ``sources``; results come back in the same order."""
        return self.run(self.plan(sources), memory=memory, progress=progress)

    def run(
        self,
        plan: Plan,
        *,
        memory: TranslationMemory | None = None,
        progress: Progress | None = None,
        translate_segments: SegmentTranslate | None = None,
    ) -> list[Translation]:
        """Translate a :meth:`plan`. ``progress(n)`` is called as ``n`` more distinct
        segments are done (from the memory or the model). ``translate_segments`` does the
        model's part instead of this translator's own model (another engine)."""
        hits = dict(memory.lookup(plan.segments)) if memory is not None and plan.segments else {}
        if progress and hits:
            progress(len(hits))
        missing = [s for s in plan.segments if s not in hits]
        translated, failed = (translate_segments or self.translate_segments)(missing, progress)
        self.stats.translated += len(translated)
        self.stats.failed += len(failed)
        if memory is not None and translated:
            memory.store(translated)
        outputs = {**hits, **translated}
        results = []
        for planned in plan.sources:
            segments = list(planned.document.segments())
            results.append(
                Translation(
                    source=planned.source.text,
                    text=textmod.render(planned.document, outputs),
                    segments=len(segments),
                    cache_hits=sum(1 for s in segments if s in hits),
                    untranslated=sum(1 for s in segments if s in failed),
                )
            )
        self.stats.documents += len(plan.sources)
        self.stats.segments += len(plan.segments)
        self.stats.cache_hits += len(hits)
        return results

    def sort_by_length(self, segments: Sequence[str]) -> list[str]:
        """``segments`` shortest first in model tokens (stable), as the model gets them."""
        lengths = dict(zip(segments, self.backend.count_tokens(list(segments)), strict=True))
        return sorted(segments, key=lengths.__getitem__)

    @property
    def round_size(self) -> int:
        """Segments sent to the backend at once."""
        return self.backend.batch_size * self.backend.workers * BATCHES_PER_ROUND

    def translate_segments(
        self, segments: list[str], progress: Progress | None = None
    ) -> tuple[dict[str, str], set[str]]:
        """Distinct segments through the model alone (no memory): ``(segment →
        translation, segments it failed on)``."""
        if not segments:
            return {}, set()
        ordered = self.sort_by_length(segments)  # stable: equal lengths keep order
        round_size = self.round_size
        translated: dict[str, str] = {}
        failed: set[str] = set()
        for start in range(0, len(ordered), round_size):
            chunk = ordered[start : start + round_size]
            for segment, output in self._translate_round(chunk):
                if output is None or not output.text:
                    failed.add(segment)
                else:
                    translated[segment] = output.text
            if progress:
                progress(len(chunk))
        return translated, failed

    def _translate_round(self, chunk: list[str]) -> list[tuple[str, ModelOutput | None]]:
        """The model's output for each segment; None where it failed, after isolating the
        failing segment by retrying smaller batches."""
        try:
            outputs = self._call_backend(chunk)
        except MODEL_ERRORS as exc:
            if len(chunk) == 1:
                logger.warning(
                    "model failed on a segment (%d chars), kept in English: %s: %s",
                    len(chunk[0]),
                    type(exc).__name__,
                    exc,
                )
                return [(chunk[0], None)]
            logger.info("a batch of %d failed (%s); retrying in halves", len(chunk), exc)
            middle = len(chunk) // 2
            return self._translate_round(chunk[:middle]) + self._translate_round(chunk[middle:])
        pairs: list[tuple[str, ModelOutput | None]] = []
        for segment, output in zip(chunk, outputs, strict=True):
            self.stats.generated_tokens += output.tokens
            if not output.text:
                logger.warning("model returned nothing for a segment (%d chars)", len(segment))
            pairs.append((segment, output))
        return pairs

    def _call_backend(self, chunk: list[str]) -> list[ModelOutput]:
        started = time.perf_counter()
        try:
            return self.backend.translate(chunk)
        finally:
            self.stats.model_seconds += time.perf_counter() - started
