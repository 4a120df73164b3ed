"""Model backends: transformers ``generate()`` and CTranslate2, behind one small interface.

A backend turns a list of segments into a list of :class:`ModelOutput` in the same order,
or raises. It knows the model's position limit so the text splitter can keep every segment
under it. Generation settings are fixed when the backend is made (from the options) and
are the same for every batch, so a segment translates to the same tokens whichever
batch it lands in.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from matome_crawl.translate.cpu import (
    available_cores,
    configure_ctranslate2_cpu,
    default_batch_size,
    thread_layout,
)
from matome_crawl.translate.models import (
    NLLB_SOURCE_LANG,
    NLLB_TARGET_LANG,
    forces_eos,
    max_positions,
)
from matome_crawl.translate.options import ModelOutput, ResolvedModel, TranslationOptions

logger = logging.getLogger(__name__)


class Backend(Protocol):
    name: str
    device: str
    compute_type: str
    workers: int  # batches it runs at once
    batch_size: int
    max_source_tokens: int  # most input tokens (special tokens included) the encoder takes

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def translate(self, texts: Sequence[str]) -> list[ModelOutput]: ...


def load_backend(model: ResolvedModel, options: TranslationOptions) -> Backend:
    if options.backend == "transformers":
        return TransformersBackend(model, options)
    return CTranslate2Backend(model, options)


def _load_tokenizer(model: ResolvedModel) -> Any:
    from transformers import AutoTokenizer

    kwargs: dict[str, Any] = {"local_files_only": True}
    if model.family in ("nllb", "m2m100"):
        kwargs["src_lang"] = NLLB_SOURCE_LANG if model.family == "nllb" else "en"
        kwargs["tgt_lang"] = NLLB_TARGET_LANG if model.family == "nllb" else "ja"
    with warnings.catch_warnings():
        # MarianTokenizer asks for sacremoses for a punctuation normaliser that its
        # tokenisation never calls (transformers 5.24): nothing is lost without it.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        return AutoTokenizer.from_pretrained(model.path, **kwargs)


def _target_lang(model: ResolvedModel) -> str | None:
    if model.family == "nllb":
        return NLLB_TARGET_LANG
    if model.family == "m2m100":
        return "__ja__"
    return None


class _TokenizerMixin:
    tokenizer: Any

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
        return [len(ids) for ids in encoded]

    def _decode(self, ids: Sequence[int]) -> ModelOutput:
        special = set(self.tokenizer.all_special_ids)
        kept = tuple(int(i) for i in ids if i not in special)
        text = self.tokenizer.decode(list(kept), skip_special_tokens=True).strip()
        return ModelOutput(text=text, token_ids=kept)


class TransformersBackend(_TokenizerMixin):
    """``model.generate()`` with every generation setting passed explicitly (transformers 5
    has no translation pipeline, and FuguMT's own config asks for 12 beams)."""

    name = "transformers"

    def __init__(self, model: ResolvedModel, options: TranslationOptions) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if options.threads:
            torch.set_num_threads(options.threads)
        self.device = (
            ("cuda" if torch.cuda.is_available() else "cpu")
            if options.device == "auto"
            else options.device
        )
        self.tokenizer = _load_tokenizer(model)
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.model = AutoModelForSeq2SeqLM.from_pretrained(
            model.path, local_files_only=True, dtype=dtype
        ).to(self.device)
        self.model.eval()
        self.compute_type = "float16" if self.device == "cuda" else "float32"
        self.workers = 1
        self.batch_size = options.batch_size or default_batch_size(self.name, self.device)
        positions = int(getattr(self.model.config, "max_position_embeddings", 0) or 512)
        self.max_source_tokens = positions
        self.generation = self._generation_config(model, options, positions)

    def _generation_config(self, model: ResolvedModel, options: TranslationOptions, positions: int):  # type: ignore[no-untyped-def]
        import copy

        config = copy.deepcopy(self.model.generation_config)
        config.num_beams = options.beam
        config.do_sample = False
        config.num_return_sequences = 1
        if options.beam > 1:
            config.early_stopping = True  # stop once `beam` hypotheses are done, as CTranslate2
        config.length_penalty = 1.0
        # A cap no sentence reaches: the decoder's own position limit (max_length counts
        # the decoder start token). At least one token, as CTranslate2 does.
        config.max_new_tokens = None
        config.max_length = (options.max_new_tokens or positions - 1) + 1
        config.min_new_tokens = options.min_new_tokens or 1
        target = _target_lang(model)
        if target is not None:
            config.forced_bos_token_id = self.tokenizer.convert_tokens_to_ids(target)
        return config

    def translate(self, texts: Sequence[str]) -> list[ModelOutput]:
        import torch

        outputs: list[ModelOutput] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            encoded = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
            with torch.inference_mode():
                generated = self.model.generate(**encoded, generation_config=self.generation)
            outputs.extend(self._decode(row) for row in generated.tolist())
        return outputs


class CTranslate2Backend(_TokenizerMixin):
    """A converted model run by CTranslate2: int8 on CPU, int8_float16 on CUDA by default.

    On CPU the threads are spread as ``inter_threads`` workers of ``intra_threads`` each
    (see :func:`matome_crawl.translate.cpu.thread_layout`), and every call hands
    CTranslate2 all its segments with ``max_batch_size`` so the workers run batches side by
    side.
    """

    name = "ctranslate2"

    def __init__(self, model: ResolvedModel, options: TranslationOptions) -> None:
        configure_ctranslate2_cpu()  # before CTranslate2 loads its first model
        import ctranslate2

        if options.device == "auto":
            self.device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        else:
            self.device = options.device
        if options.compute_type != "auto":
            self.compute_type = options.compute_type
        else:
            self.compute_type = "int8_float16" if self.device == "cuda" else "int8"
        threads = options.threads or available_cores()
        if self.device == "cpu":
            self.workers, intra = thread_layout(threads)
        else:
            self.workers, intra = 1, threads
        self.translator = ctranslate2.Translator(
            model.path,
            device=self.device,
            compute_type=self.compute_type,
            inter_threads=self.workers,
            intra_threads=intra,
        )
        self.tokenizer = _load_tokenizer(model)
        self.batch_size = options.batch_size or default_batch_size(self.name, self.device)
        self.beam = options.beam
        positions = max_positions(Path(model.path))
        self.max_source_tokens = positions
        self.max_decoding_length = options.max_new_tokens or positions - 1
        if forces_eos(Path(model.path)):
            # transformers ends a capped output with a forced EOS inside max_new_tokens;
            # CTranslate2 does not count the EOS: one fewer keeps both backends identical.
            self.max_decoding_length -= 1
        self.min_decoding_length = min(options.min_new_tokens or 1, self.max_decoding_length)
        target = _target_lang(model)
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
        source = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        prefix = [self.target_prefix] * len(source) if self.target_prefix else None
        results = self.translator.translate_batch(
            source,
            prefix,
            max_batch_size=self.batch_size,
            batch_type="examples",
            beam_size=self.beam,
            num_hypotheses=1,
            max_input_length=0,  # never truncate: the splitter keeps inputs under the limit
            max_decoding_length=self.max_decoding_length,
            min_decoding_length=self.min_decoding_length,
        )
        return [
            self._decode(self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]))
            for result in results
        ]
