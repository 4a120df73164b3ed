"""Converting a transformers model to CTranslate2 (wraps CTranslate2's transformers converter)."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

from matome_crawl.translate.backends import contained_transformers
from matome_crawl.translate.models import (
    METADATA_FILE,
    TOKENIZER_FILES,
    VERIFIED,
    cached_snapshot,
    family_of,
    forces_eos,
    is_ctranslate2_dir,
    is_transformers_dir,
    license_of,
    local_model_id,
    looks_like_path,
    max_positions,
    model_max_length,
    model_num_beams,
)
from matome_crawl.translate.options import DEFAULT_TARGET_LANG, ModelFormatError, ResolvedModel

logger = logging.getLogger(__name__)

# What loading a broken model or tokenizer raises (sentencepiece, transformers, CTranslate2).
CONVERSION_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    RuntimeError,
    KeyError,
    TypeError,
)
QUANTIZATIONS = ("int8", "int8_float16", "int8_float32", "int16", "float16", "float32")


def convert_model(
    model: str,
    out_dir: str | Path,
    *,
    quantization: str | None = "int8",
    force: bool = False,
    cache_dir: str | None = None,
    model_id: str | None = None,
) -> ResolvedModel:
    """Convert ``model`` (a local transformers directory, or a hub name already in the local
    cache) into a CTranslate2 model in ``out_dir``, with its tokenizer files beside it.

    The conversion is written to a temporary directory next to ``out_dir``, loaded and
    tried on one sentence (model and tokenizer), and only then moved in place and marked
    as checked, so neither an interrupted run nor a conversion that does not load is ever
    kept as a model that looks whole.
    """
    from ctranslate2.converters import TransformersConverter

    if quantization is not None and quantization not in QUANTIZATIONS:
        raise ValueError(
            f"unknown quantization {quantization!r}, expected one of: {', '.join(QUANTIZATIONS)}"
        )
    source = Path(model).expanduser()
    if source.is_dir():
        source = source.resolve()
        model_id = model_id or local_model_id(source)
    elif looks_like_path(model):
        raise ModelFormatError(f"{model}: no such directory")
    else:
        model_id = model_id or model
        source = cached_snapshot(model, cache_dir)
    if is_ctranslate2_dir(source):
        raise ModelFormatError(f"{model} is already a CTranslate2 model")
    if not is_transformers_dir(source):
        raise ModelFormatError(
            f"{model}: not a transformers model directory (config.json and weights)"
        )
    out = Path(out_dir)
    if out.exists() and not force:
        if is_ctranslate2_dir(out):
            raise ModelFormatError(
                f"{out} already holds a converted model (pass --force to replace it)"
            )
        if any(out.iterdir()):
            raise ModelFormatError(f"{out} exists and is not empty")
    family = family_of(source)
    _check_tokenizer(ResolvedModel(model_id, str(source), "transformers", family))
    copy_files = [name for name in TOKENIZER_FILES if (source / name).is_file()]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        logger.info(
            "converting %s (%s) to %s, quantization %s", model_id, source, out, quantization
        )
        with warnings.catch_warnings(), contained_transformers():
            # see backends._load_tokenizer: MarianTokenizer's sacremoses hint is moot
            warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
            try:
                TransformersConverter(str(source), copy_files=copy_files).convert(
                    str(staging), quantization=quantization, force=True
                )
            except CONVERSION_ERRORS as exc:
                raise ModelFormatError(
                    f"cannot convert {model_id} to CTranslate2 ({_first_line(exc)}); "
                    "nothing was kept"
                ) from exc
        metadata = {
            "source": model_id,
            "family": family,
            "quantization": quantization or "float32",
            "max_positions": max_positions(source),
            "max_length": model_max_length(source) or "",
            "num_beams": model_num_beams(source) or "",
            "forced_eos": "true" if forces_eos(source) else "false",
            "license": license_of(model_id, source) or "",
        }
        _write_metadata(staging, metadata)
        check_conversion(ResolvedModel(model_id, str(staging), "ctranslate2", family))
        _write_metadata(staging, {**metadata, "verified": VERIFIED})
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return ResolvedModel(
        model_id=model_id,
        path=str(out),
        format="ctranslate2",
        family=family,
        license=metadata["license"] or None,
    )


def _write_metadata(directory: Path, metadata: dict[str, object]) -> None:
    (directory / METADATA_FILE).write_text(
        json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _check_tokenizer(model: ResolvedModel) -> None:
    """Load the source's tokenizer before its weights: a broken tokenizer file fails in a
    fraction of a second, not after loading (and converting) gigabytes of weights."""
    from matome_crawl.translate.backends import load_tokenizer

    try:
        load_tokenizer(model, DEFAULT_TARGET_LANG)
    except CONVERSION_ERRORS as exc:
        raise ModelFormatError(
            f"cannot convert {model.model_id} to CTranslate2: its tokenizer does not load "
            f"({_first_line(exc)}); nothing was kept"
        ) from exc


def check_conversion(model: ResolvedModel) -> None:
    """Load a CTranslate2 conversion with its tokenizer and translate one short sentence;
    a :class:`ModelFormatError` if anything fails (the conversion is then not kept)."""
    from matome_crawl.translate.backends import load_ctranslate2, load_tokenizer

    try:
        tokenizer = load_tokenizer(model, DEFAULT_TARGET_LANG)
        translator = load_ctranslate2(
            model.path, device="cpu", compute_type="auto", inter_threads=1, intra_threads=1
        )
        tokens = tokenizer.convert_ids_to_tokens(tokenizer("Hello.")["input_ids"])
        prefix = [[DEFAULT_TARGET_LANG]] if model.family == "nllb" else None
        translator.translate_batch([tokens], prefix, beam_size=1, max_decoding_length=4)
    except CONVERSION_ERRORS as exc:
        raise ModelFormatError(
            f"the CTranslate2 conversion of {model.model_id} does not load "
            f"({_first_line(exc)}); nothing was kept"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
