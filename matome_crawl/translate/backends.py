"""Model backends: transformers ``generate()`` and CTranslate2, behind one small interface.

A backend turns a list of segments into a list of :class:`ModelOutput` in the same order,
or raises. It knows the model's position limit so the text splitter can keep every segment
under it. Generation settings are fixed when the backend is made (from the options) and
are the same for every batch, so a segment translates to the same tokens whichever
batch it lands in.

Decoding is bounded per segment: at most ``max_len_a × source tokens + max_len_b`` new
tokens (fairseq's ``max_len_a·x + b``, Marian's ``--max-length-factor``), and never more
than the model's own ``max_length`` and positions allow. Segments with the same cap are
decoded together, so both backends give the same result whatever the batch.

Neither backend changes process-wide state: CTranslate2 gets its threads as
``inter_threads``/``intra_threads``, and torch's thread count is set only around a
``generate()`` call and put back after it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from matome_crawl.translate.cpu import available_cores, family_defaults, thread_layout
from matome_crawl.translate.models import (
    NLLB_SOURCE_LANG,
    forces_eos,
    max_positions,
    model_max_length,
)
from matome_crawl.translate.options import (
    ModelFormatError,
    ModelOutput,
    ResolvedModel,
    TranslationOptions,
)

logger = logging.getLogger(__name__)

# The tokenizer only counts and encodes: lengths are the translator's business (the text
# splitter keeps every segment under the model's positions), so its own "sequence too
# long" warning about text that is cut before the model sees it is noise.
_NO_TOKENIZER_LIMIT = 10**9
# Source lengths are rounded up to a multiple of this before the output cap is computed:
# one cap per exact length cut a round of sorted segments into many small batches (the
# transformers backend ran up to 6× more generate() calls); the cap only stops a model that
# does not stop by itself, so a few tokens more of headroom change no normal output.
CAP_STEP = 8


class Backend(Protocol):
    name: str
    device: str
    compute_type: str
    workers: int  # batches it runs at once
    batch_size: int
    beam: int
    max_source_tokens: int  # most input tokens (special tokens included) the encoder takes
    max_output_tokens: int  # most new tokens any segment may get (the model's own limit)

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def translate(self, texts: Sequence[str]) -> list[ModelOutput]: ...


def load_backend(model: ResolvedModel, options: TranslationOptions, target_lang: str) -> Backend:
    if options.backend == "transformers":
        return TransformersBackend(model, options, target_lang)
    return CTranslate2Backend(model, options, target_lang)


def load_tokenizer(model: ResolvedModel, target_lang: str) -> Any:
    """The tokenizer of what the model *is* (its family, from the config's ``model_type``),
    never a guess from a copied ``tokenizer_config.json``: FuguMT's and opus-mt's are 42
    bytes naming only the two languages, and the directory of a CTranslate2 conversion
    also holds CTranslate2's own ``config.json``."""
    path = Path(model.path)
    with warnings.catch_warnings():
        # MarianTokenizer asks for sacremoses for a punctuation normaliser that its
        # tokenisation never calls (transformers 5.24): nothing is lost without it.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        if model.family == "marian":
            from transformers import MarianTokenizer

            target_vocab = path / "target_vocab.json"
            tokenizer = MarianTokenizer(
                str(path / "source.spm"),
                str(path / "target.spm"),
                str(path / "vocab.json"),
                target_vocab_file=str(target_vocab) if target_vocab.is_file() else None,
                separate_vocabs=target_vocab.is_file(),
            )
        elif model.family == "nllb":
            tokenizer = _nllb_tokenizer(path, target_lang)
        elif model.family == "m2m100":
            from transformers import M2M100Tokenizer

            tokenizer = M2M100Tokenizer.from_pretrained(
                str(path), local_files_only=True, src_lang="en", tgt_lang="ja"
            )
        else:
            raise ModelFormatError(f"{model.path}: unknown model family {model.family!r}")
    tokenizer.model_max_length = _NO_TOKENIZER_LIMIT
    return tokenizer


def _nllb_tokenizer(path: Path, target_lang: str) -> Any:
    from transformers import NllbTokenizer

    # transformers 5 checks every tokenizer of more than 100,000 tokens for Mistral's broken
    # pre-tokenizer regex; next to a config.json with no model_type (CTranslate2's own, in
    # a conversion) it takes NLLB's for one and warns on every load to set
    # `fix_mistral_regex=True`. NLLB's pre-tokenizer has no such regex and the tokens are
    # the same either way; saying False explicitly is what transformers asks to silence it.
    tokenizer = NllbTokenizer.from_pretrained(
        str(path),
        local_files_only=True,
        src_lang=NLLB_SOURCE_LANG,
        tgt_lang=target_lang,
        fix_mistral_regex=False,
    )
    if tokenizer.convert_tokens_to_ids(target_lang) == tokenizer.unk_token_id:
        raise ModelFormatError(f"{path}: this model has no language {target_lang!r}")
    return tokenizer


def _language_token(model: ResolvedModel, target_lang: str) -> str | None:
    if model.family == "nllb":
        return target_lang
    if model.family == "m2m100":
        return "__ja__"
    return None


def output_limit(model_path: Path, positions: int) -> int:
    """New tokens the model itself allows: its ``max_length`` (which counts the decoder
    start token) and its positions, whichever is smaller."""
    limit = positions - 1
    own = model_max_length(model_path)
    if own is not None:
        limit = min(limit, own - 1)
    return max(1, limit)


class _TokenizerMixin:
    tokenizer: Any
    max_output_tokens: int
    options: TranslationOptions

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
        return [len(ids) for ids in encoded]

    def caps(self, source_lengths: Sequence[int]) -> list[int]:
        """Each segment's cap on new tokens: ``a·x + b`` with ``x`` its source tokens
        rounded up to a multiple of :data:`CAP_STEP` (so neighbouring lengths share a cap
        and decode in one batch), then the model's own limit."""
        if self.options.max_new_tokens is not None:
            return [min(self.options.max_new_tokens, self.max_output_tokens)] * len(source_lengths)
        a, b = self.options.max_len_a, self.options.max_len_b
        return [
            max(1, min(int(a * (-(-x // CAP_STEP) * CAP_STEP) + b), self.max_output_tokens))
            for x in source_lengths
        ]

    def _decode(self, ids: Sequence[int]) -> ModelOutput:
        special = set(self.tokenizer.all_special_ids)
        kept = tuple(int(i) for i in ids if i not in special)
        text = self.tokenizer.decode(list(kept), skip_special_tokens=True).strip()
        return ModelOutput(text=text, token_ids=kept)


def _groups(caps: Sequence[int]) -> dict[int, list[int]]:
    """Indices of the segments of each cap, in order."""
    groups: dict[int, list[int]] = {}
    for index, cap in enumerate(caps):
        groups.setdefault(cap, []).append(index)
    return groups


def load_ctranslate2(path: str, **settings: Any) -> Any:
    """``ctranslate2.Translator(path, **settings)``, made in a thread of its own: loading
    sets the OpenMP thread count of the calling thread to ``intra_threads`` (torch's
    included), which would change the caller's process for everything it runs after."""
    import ctranslate2

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(ctranslate2.Translator, path, **settings).result()


@contextlib.contextmanager
def contained_transformers() -> Iterator[None]:
    """While a model is loaded or converted: no "Loading weights" / "Writing model shards"
    bars from transformers (the product shows its own progress), and no variable left in
    ``os.environ`` (importing transformers' model code imports ``torch._dynamo``, which
    sets ``TORCHINDUCTOR_CACHE_DIR``). Both put back after."""
    from transformers.utils import logging as transformers_logging

    environment = set(os.environ)
    enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            transformers_logging.enable_progress_bar()
        for added in set(os.environ) - environment:
            del os.environ[added]


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """torch's intra-op threads for one call, put back after it (0: leave them)."""
    if not threads:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class TransformersBackend(_TokenizerMixin):
    """``model.generate()`` with every generation setting passed explicitly (transformers 5
    has no translation pipeline, and FuguMT's own config asks for 12 beams)."""

    name = "transformers"

    def __init__(self, model: ResolvedModel, options: TranslationOptions, target_lang: str) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        self.options = options
        self.device = (
            ("cuda" if torch.cuda.is_available() else "cpu")
            if options.device == "auto"
            else options.device
        )
        self.tokenizer = load_tokenizer(model, target_lang)
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        with _torch_threads(options.threads), contained_transformers():
            self.model = AutoModelForSeq2SeqLM.from_pretrained(
                model.path, local_files_only=True, dtype=dtype
            ).to(self.device)
        self.model.eval()
        self.compute_type = "float16" if self.device == "cuda" else "float32"
        self.workers = 1
        defaults = family_defaults(model.family, self.name, self.device)
        self.batch_size = options.batch_size or defaults.batch_size
        self.beam = options.beam or defaults.beam
        positions = int(getattr(self.model.config, "max_position_embeddings", 0) or 512)
        self.max_source_tokens = positions
        self.max_output_tokens = output_limit(Path(model.path), positions)
        self.generation = self._generation_config(model, options, target_lang)
        self._by_cap: dict[int, Any] = {}

    def _generation_config(  # type: ignore[no-untyped-def]
        self, model: ResolvedModel, options: TranslationOptions, target_lang: str
    ):
        import copy

        config = copy.deepcopy(self.model.generation_config)
        config.num_beams = self.beam
        config.do_sample = False
        config.num_return_sequences = 1
        if self.beam > 1:
            config.early_stopping = True  # stop once `beam` hypotheses are done, as CTranslate2
        config.length_penalty = 1.0
        # The cap is per segment (see translate()); max_length counts the decoder start.
        config.max_new_tokens = None
        config.max_length = self.max_output_tokens + 1
        config.min_new_tokens = options.min_new_tokens or 1
        target = _language_token(model, target_lang)
        if target is not None:
            config.forced_bos_token_id = self.tokenizer.convert_tokens_to_ids(target)
        return config

    def translate(self, texts: Sequence[str]) -> list[ModelOutput]:
        outputs: list[ModelOutput | None] = [None] * len(texts)
        caps = self.caps(self.count_tokens(texts))
        for cap, indices in _groups(caps).items():
            for start in range(0, len(indices), self.batch_size):
                batch = indices[start : start + self.batch_size]
                rows = self._generate([texts[i] for i in batch], cap)
                for index, row in zip(batch, rows, strict=True):
                    outputs[index] = self._decode(row)
        return [output for output in outputs if output is not None]

    def _generate(self, batch: list[str], cap: int) -> list[list[int]]:
        import torch

        encoded = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
        with torch.inference_mode(), _torch_threads(self.options.threads):
            generated = self.model.generate(**encoded, generation_config=self._capped(cap))
        return generated.tolist()

    def _capped(self, cap: int):  # type: ignore[no-untyped-def]
        """The generation settings with ``cap`` new tokens at most (a forced end token,
        where the model has one, counts inside it)."""
        config = self._by_cap.get(cap)
        if config is None:
            import copy

            config = copy.deepcopy(self.generation)
            config.max_length = cap + 1  # counts the decoder start token
            config.min_new_tokens = min(self.generation.min_new_tokens, cap)
            self._by_cap[cap] = config
        return config


class CTranslate2Backend(_TokenizerMixin):
    """A converted model run by CTranslate2: int8 on CPU, int8_float16 on CUDA by default.

    On CPU the threads are spread as ``inter_threads`` workers of ``intra_threads`` each
    (see :func:`matome_crawl.translate.cpu.thread_layout`), and every call hands
    CTranslate2 all its segments with ``max_batch_size`` so the workers run batches side by
    side (one asynchronous call per cap, all in flight together).
    """

    name = "ctranslate2"

    def __init__(self, model: ResolvedModel, options: TranslationOptions, target_lang: str) -> None:
        import ctranslate2

        self.options = options
        if options.device == "auto":
            self.device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        else:
            self.device = options.device
        if options.compute_type != "auto":
            self.compute_type = options.compute_type
        else:
            self.compute_type = "int8_float16" if self.device == "cuda" else "int8"
        defaults = family_defaults(model.family, self.name, self.device)
        threads = options.threads or available_cores()
        if self.device == "cpu":
            self.workers, intra = thread_layout(threads, defaults.threads_per_worker)
        else:
            self.workers, intra = 1, threads
        self.translator = load_ctranslate2(
            model.path,
            device=self.device,
            compute_type=self.compute_type,
            inter_threads=self.workers,
            intra_threads=intra,
        )
        self.tokenizer = load_tokenizer(model, target_lang)
        self.batch_size = options.batch_size or defaults.batch_size
        self.beam = options.beam or defaults.beam
        positions = max_positions(Path(model.path))
        self.max_source_tokens = positions
        self.max_output_tokens = output_limit(Path(model.path), positions)
        # transformers ends a capped output with a forced EOS inside its cap; CTranslate2
        # does not count the EOS: one fewer keeps both backends identical.
        self.eos_offset = 1 if forces_eos(Path(model.path)) else 0
        target = _language_token(model, target_lang)
        self.target_prefix = [target] if target else None
        logger.info(
            "CTranslate2 %s on %s (%s), %d worker(s) × %d thread(s)",
            model.path,
            self.device,
            self.compute_type,
            self.workers,
            intra,
        )

    def translate(self, texts: Sequence[str]) -> list[ModelOutput]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
        caps = self.caps([len(ids) for ids in encoded])
        source = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        pending = []
        for cap, indices in _groups(caps).items():
            length = max(1, cap - self.eos_offset)
            minimum = min(self.options.min_new_tokens or 1, length)
            prefix = [self.target_prefix] * len(indices) if self.target_prefix else None
            results = self.translator.translate_batch(
                [source[i] for i in indices],
                prefix,
                max_batch_size=self.batch_size,
                batch_type="examples",
                beam_size=self.beam,
                num_hypotheses=1,
                max_input_length=0,  # never truncate: the splitter keeps inputs under the limit
                max_decoding_length=length,
                min_decoding_length=minimum,
                asynchronous=True,
            )
            pending.append((indices, results))
        outputs: list[ModelOutput | None] = [None] * len(texts)
        for indices, results in pending:
            for index, result in zip(indices, results, strict=True):
                hypothesis = result.result().hypotheses[0]
                outputs[index] = self._decode(self.tokenizer.convert_tokens_to_ids(hypothesis))
        return [output for output in outputs if output is not None]
