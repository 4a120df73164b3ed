"""Typed data in and out of the translator: options, results, statistics and errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_MODEL = "staka/fugumt-en-ja"
BACKENDS = ("ctranslate2", "transformers")
DEVICES = ("auto", "cpu", "cuda")
# Bumped when a change to the generation code changes what a segment translates to, so the
# translation memory does not hand back outputs made the old way. 2: outputs are capped
# per segment from the source length and the model's own max_length.
GENERATION_VERSION = 2
# The language translations are stored in unless --target-lang says otherwise (NLLB codes
# name languages everywhere in the product; FuguMT translates into Japanese only).
DEFAULT_TARGET_LANG = "jpn_Jpan"
# Per-segment output cap: max_len_a × source tokens + max_len_b (fairseq's max_len_a·x+b).
# Japanese takes fewer SentencePiece tokens than English for the same sentence, so 3× is
# generous; the cap only stops a model that does not stop by itself.
MAX_LEN_A = 3.0
MAX_LEN_B = 16
# Segment length the text splitter aims for when the options do not say: shorter than any
# model's position limit (Marian: 512), so the decoder keeps room for a longer Japanese output.
DEFAULT_MAX_SEGMENT_TOKENS = 256
# Titles of these forms lose the prefix in Japanese ("Show HN: Foo" → "Foo" translated).
DEFAULT_TITLE_PREFIXES = ("Show HN:", "Ask HN:", "Tell HN:", "Launch HN:")


class Kind(StrEnum):
    """How a source text is read before it is cut into segments."""

    TITLE = "title"  # one line; a known prefix such as "Show HN:" is left out
    # plain text: blank lines part paragraphs, newlines part lines, and a paragraph
    # indented by two spaces is code, kept as it is (HN's own convention)
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Source:
    """One text to translate (a title, a comment)."""

    text: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class TranslationOptions:
    """Every setting of the translator, with its default; nothing is read from globals.

    ``model`` is a hub name (looked up in the local Hugging Face cache, never downloaded
    here: see :func:`matome_crawl.translate.models.download_model`) or a local directory
    holding a transformers model or a converted CTranslate2 model.
    """

    model: str = DEFAULT_MODEL
    backend: str = "ctranslate2"  # or "transformers"
    device: str = "auto"  # "auto" takes CUDA when there is one
    threads: int = 0  # CPU threads in all; 0 = every core this process may use
    batch_size: int | None = None  # segments per model batch; None: measured default per family
    beam: int | None = None  # None: the family's measured default (cpu.FAMILY_CPU_DEFAULTS)
    compute_type: str = "auto"  # CTranslate2: int8 on CPU, int8_float16 on CUDA
    max_segment_tokens: int | None = (
        None  # None: min(256, the model's positions); an explicit value is trusted
    )
    min_new_tokens: int | None = None  # None: the model stops when it is done
    # New tokens per segment at most. None: max_len_a × source tokens (rounded up to a
    # multiple of 8) + max_len_b. Either way capped by the model's own max_length and
    # positions (NLLB-200: 199 new tokens).
    max_new_tokens: int | None = None
    max_len_a: float = MAX_LEN_A
    max_len_b: int = MAX_LEN_B
    # An NLLB language code (fra_Latn…); None: Japanese. FuguMT translates into Japanese only.
    target_lang: str | None = None
    title_prefixes: tuple[str, ...] = DEFAULT_TITLE_PREFIXES
    cache_dir: str | None = None  # Hugging Face cache; None: its default
    models_dir: str | None = None  # where converted models go; None: ~/.cache/matome/models

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(
                f"unknown backend {self.backend!r}, expected one of: {', '.join(BACKENDS)}"
            )
        if self.device not in DEVICES:
            raise ValueError(
                f"unknown device {self.device!r}, expected one of: {', '.join(DEVICES)}"
            )
        if (
            (self.beam is not None and self.beam < 1)
            or (self.batch_size is not None and self.batch_size < 1)
            or self.threads < 0
        ):
            raise ValueError("beam and batch_size must be at least 1, threads at least 0")
        if self.max_len_a < 0 or self.max_len_b < 1 or (self.max_new_tokens or 1) < 1:
            raise ValueError("the output cap must allow at least one token")


@dataclass(frozen=True, slots=True)
class Translation:
    """The Japanese text of one :class:`Source`, with what it took to make it."""

    source: str
    text: str
    segments: int  # segments this text was cut into that needed the model (or the memory)
    cache_hits: int  # of those, how many the translation memory answered
    untranslated: int  # segments the model failed on and that were kept in English


@dataclass(slots=True)
class TranslationStats:
    """Running totals of a :class:`~matome_crawl.translate.engine.Translator`."""

    documents: int = 0
    segments: int = 0  # unique segments looked up
    cache_hits: int = 0
    translated: int = 0  # segments the model translated
    failed: int = 0  # segments kept in English after the model failed on them
    generated_tokens: int = 0
    model_seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.generated_tokens / self.model_seconds if self.model_seconds else 0.0


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """What a backend made of one segment."""

    text: str
    token_ids: tuple[int, ...]  # target tokens generated, special tokens left out

    @property
    def tokens(self) -> int:
        return len(self.token_ids)


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A model found on disk, ready for a backend."""

    model_id: str  # stable name stored beside translations (hub name, else the directory)
    path: str  # directory the backend loads
    format: str  # "transformers" or "ctranslate2"
    family: str  # "marian", "nllb" or "m2m100"
    license: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class TranslateError(Exception):
    """Base of the errors the translator raises on purpose."""


class ModelNotFoundError(TranslateError):
    """The model is neither a local directory nor in the local cache."""

    def __init__(self, model: str, detail: str | None = None) -> None:
        self.model = model
        message = (
            f"model {model} is not available on this machine: run `matome model download {model}` "
            "where there is network, or pass a local model directory with --model PATH"
        )
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class ModelFormatError(TranslateError):
    """A directory that is not a model this translator can load."""


def settings_key(
    backend: str,
    compute_type: str,
    beam: int,
    min_new_tokens: int | None,
    max_new_tokens: int | None,
    target_lang: str = DEFAULT_TARGET_LANG,
    max_len: tuple[float, int] = (MAX_LEN_A, MAX_LEN_B),
) -> str:
    """The translation memory's ``settings`` column: all but the model that changes output."""
    key = f"{backend}/{compute_type}/beam{beam}/v{GENERATION_VERSION}"
    if min_new_tokens is not None or max_new_tokens is not None:
        key += f"/len{min_new_tokens or ''}-{max_new_tokens or ''}"
    if max_len != (MAX_LEN_A, MAX_LEN_B) and max_new_tokens is None:
        key += f"/cap{max_len[0]:g}x+{max_len[1]}"
    if target_lang != DEFAULT_TARGET_LANG:
        key += f"/{target_lang}"
    if len(key) > 64:  # the column's width
        key = hashlib.sha256(key.encode()).hexdigest()
    return key
