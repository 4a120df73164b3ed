"""Finding models on disk: hub names in the local Hugging Face cache, local directories,
converted CTranslate2 models; downloading them where there is network.

Translation never downloads: a model that is not on this machine is a
:class:`ModelNotFoundError` naming the two ways to get it. Only :func:`download_model`
(``matome model download``) reaches the hub.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from matome_crawl.translate.options import (
    ModelFormatError,
    ModelNotFoundError,
    ResolvedModel,
    TranslateError,
)

logger = logging.getLogger(__name__)

MODELS_DIR_ENV = "MATOME_MODELS_DIR"
# Written next to a converted model: where it came from and what it is.
METADATA_FILE = "matome-model.json"
# Files a translation model needs (weights: safetensors preferred over PyTorch pickles).
MODEL_FILES = ("config.json", "generation_config.json")
TOKENIZER_FILES = (
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.json",
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "sentencepiece.bpe.model",
)
WEIGHT_PATTERNS = ("*.safetensors", "*.safetensors.index.json")
LEGACY_WEIGHT_PATTERNS = ("pytorch_model.bin", "pytorch_model*.bin", "pytorch_model.bin.index.json")


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What the product knows about a model it suggests."""

    name: str
    family: str  # "marian" or "nllb"
    license: str
    note: str


KNOWN_MODELS: dict[str, ModelCard] = {
    card.name: card
    for card in (
        ModelCard(
            "staka/fugumt-en-ja",
            "marian",
            "CC-BY-SA-4.0",
            "MarianMT English→Japanese (FuguMT), the default: strongest Marian en→ja model",
        ),
        ModelCard(
            "facebook/nllb-200-distilled-600M",
            "nllb",
            "CC-BY-NC-4.0",
            "NLLB-200 distilled 600M (eng_Latn → jpn_Jpan); non-commercial licence",
        ),
        ModelCard(
            "facebook/nllb-200-distilled-1.3B",
            "nllb",
            "CC-BY-NC-4.0",
            "NLLB-200 distilled 1.3B (eng_Latn → jpn_Jpan); slower, non-commercial licence",
        ),
    )
}

NLLB_SOURCE_LANG = "eng_Latn"
NLLB_TARGET_LANG = "jpn_Jpan"


def default_models_dir() -> Path:
    """Where converted models are kept: ``$MATOME_MODELS_DIR`` or ``~/.cache/matome/models``."""
    configured = os.environ.get(MODELS_DIR_ENV)
    if configured:
        return Path(configured)
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "matome" / "models"


def is_ctranslate2_dir(path: Path) -> bool:
    return (path / "model.bin").is_file()


def is_transformers_dir(path: Path) -> bool:
    if not (path / "config.json").is_file():
        return False
    return any(path.glob("*.safetensors")) or any(path.glob("pytorch_model*.bin"))


def read_metadata(path: Path) -> dict[str, str]:
    file = path / METADATA_FILE
    if not file.is_file():
        return {}
    return {str(k): str(v) for k, v in json.loads(file.read_text(encoding="utf-8")).items()}


def family_of(path: Path) -> str:
    """``marian``, ``nllb`` or ``m2m100``, from the model's metadata, config or tokenizer."""
    metadata = read_metadata(path)
    if metadata.get("family"):
        return metadata["family"]
    config_file = path / "config.json"
    if config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        model_type = config.get("model_type")
        if model_type == "marian":
            return "marian"
        if model_type in ("m2m_100", "nllb-moe"):
            return "nllb" if _tokenizer_class(path).startswith("Nllb") else "m2m100"
    tokenizer_class = _tokenizer_class(path)
    if tokenizer_class.startswith("Marian"):
        return "marian"
    if tokenizer_class.startswith("Nllb"):
        return "nllb"
    if tokenizer_class.startswith("M2M100"):
        return "m2m100"
    raise ModelFormatError(
        f"{path}: cannot tell which kind of translation model this is "
        "(expected a MarianMT or NLLB/M2M100 model)"
    )


def _tokenizer_class(path: Path) -> str:
    file = path / "tokenizer_config.json"
    if not file.is_file():
        return ""
    return str(json.loads(file.read_text(encoding="utf-8")).get("tokenizer_class") or "")


def max_positions(path: Path) -> int:
    """Positions the model's encoder and decoder have (inputs longer than this crash it)."""
    metadata = read_metadata(path)
    if metadata.get("max_positions"):
        return int(metadata["max_positions"])
    config_file = path / "config.json"
    if config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if "max_position_embeddings" in config:
            return int(config["max_position_embeddings"])
    return 512


def forces_eos(path: Path) -> bool:
    """Whether generation forces an end token at the length cap (Marian and NLLB do):
    transformers then counts that token inside ``max_new_tokens``."""
    metadata = read_metadata(path)
    if "forced_eos" in metadata:
        return metadata["forced_eos"] == "true"
    for name in ("generation_config.json", "config.json"):
        file = path / name
        if file.is_file():
            config = json.loads(file.read_text(encoding="utf-8"))
            if "forced_eos_token_id" in config and name == "generation_config.json":
                return config["forced_eos_token_id"] is not None
            if config.get("forced_eos_token_id") is not None:
                return True
    return False


def license_of(model_id: str, path: Path | None = None) -> str | None:
    if model_id in KNOWN_MODELS:
        return KNOWN_MODELS[model_id].license
    if path is not None:
        return read_metadata(path).get("license") or None
    return None


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


def looks_like_path(name: str) -> bool:
    """Whether ``name`` is meant as a directory rather than a hub id such as ``org/name``."""
    return _HUB_ID.match(name) is None or os.path.exists(name)


def cached_snapshot(name: str, cache_dir: str | None = None) -> Path:
    """The local copy of hub model ``name``, without any network access."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        path = snapshot_download(name, cache_dir=cache_dir, local_files_only=True)
    except (LocalEntryNotFoundError, HFValidationError) as exc:
        raise ModelNotFoundError(name) from exc
    return Path(str(path))


def converted_dir(model_id: str, quantization: str, models_dir: str | Path | None = None) -> Path:
    """Where the CTranslate2 conversion of ``model_id`` lives in the models directory."""
    root = Path(models_dir) if models_dir else default_models_dir()
    if Path(model_id).is_absolute():
        digest = hashlib.sha256(model_id.encode()).hexdigest()[:12]
        stem = f"{Path(model_id).name}-{digest}"
    else:
        stem = model_id.replace("/", "--")
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem)
    return root / f"{stem}-ct2-{quantization}"


def local_model_id(path: Path) -> str:
    """The name stored beside translations for a local directory: the model it was
    converted from when the metadata says so, else the directory itself."""
    source = read_metadata(path).get("source")
    return source or str(path.resolve())


def resolve_model(
    model: str,
    backend: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str = "int8",
) -> ResolvedModel:
    """Find ``model`` (a hub name or a local directory) in the form ``backend`` loads.

    For ``ctranslate2`` a transformers model is converted once (``quantization``) into the
    models directory and reused after that. Never downloads.
    """
    expanded = Path(os.path.expanduser(model))
    if expanded.is_dir():
        path = expanded.resolve()
        model_id = local_model_id(path)
        if is_ctranslate2_dir(path):
            if backend != "ctranslate2":
                raise ModelFormatError(
                    f"{model} is a converted CTranslate2 model: use --backend ctranslate2, "
                    "or pass the original transformers model"
                )
            return _resolved(model_id, path, "ctranslate2")
        if not is_transformers_dir(path):
            raise ModelFormatError(
                f"{model}: not a model directory (no model.bin, or config.json with weights)"
            )
        if backend == "transformers":
            return _resolved(model_id, path, "transformers")
        return _converted(model_id, path, quantization, models_dir)
    if looks_like_path(model):
        raise ModelNotFoundError(model, detail="no such directory")
    if backend == "ctranslate2":
        target = converted_dir(model, quantization, models_dir)
        if is_ctranslate2_dir(target):
            return _resolved(model, target, "ctranslate2")
        return _converted(model, cached_snapshot(model, cache_dir), quantization, models_dir)
    return _resolved(model, cached_snapshot(model, cache_dir), "transformers")


def _resolved(model_id: str, path: Path, fmt: str) -> ResolvedModel:
    return ResolvedModel(
        model_id=model_id,
        path=str(path),
        format=fmt,
        family=family_of(path),
        license=license_of(model_id, path),
    )


def _converted(
    model_id: str, source: Path, quantization: str, models_dir: str | None
) -> ResolvedModel:
    from matome_crawl.translate.convert import convert_model

    target = converted_dir(model_id, quantization, models_dir)
    if not is_ctranslate2_dir(target):
        logger.info("converting %s to CTranslate2 (%s) in %s, once", model_id, quantization, target)
        convert_model(str(source), target, quantization=quantization, model_id=model_id)
    return _resolved(model_id, target, "ctranslate2")


class ModelDownloadError(TranslateError):
    """The hub could not be reached or has no such model."""


def download_model(
    name: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str | None = "int8",
) -> list[ResolvedModel]:
    """Download hub model ``name`` into the Hugging Face cache (needs network) and, unless
    ``quantization`` is None, convert it for the CTranslate2 backend. Returns what is on disk."""
    from huggingface_hub import HfApi, snapshot_download

    advice = (
        "This needs network access to the Hugging Face hub; elsewhere, copy the model "
        "directory here and pass it with --model PATH"
    )
    _check_hub_reachable(advice)
    try:
        files = HfApi().list_repo_files(name)
        has_safetensors = any(f.endswith(".safetensors") for f in files)
        weights = WEIGHT_PATTERNS if has_safetensors else LEGACY_WEIGHT_PATTERNS
        path = snapshot_download(
            name,
            cache_dir=cache_dir,
            allow_patterns=[*MODEL_FILES, *TOKENIZER_FILES, *weights],
        )
    except _hub_errors() as exc:
        raise ModelDownloadError(f"cannot download {name}: {exc}. {advice}") from exc
    resolved = [_resolved(name, Path(str(path)), "transformers")]
    if quantization:
        resolved.append(_converted(name, Path(str(path)), quantization, models_dir))
    return resolved


def _check_hub_reachable(advice: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not after the hub client's retries, when there is no network."""
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise ModelDownloadError(f"HF_HUB_OFFLINE is set, so nothing can be downloaded. {advice}")
    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as exc:
        raise ModelDownloadError(f"cannot reach {host} ({exc}). {advice}") from exc


def _hub_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean the hub refused or the network failed (the HTTP client's
    base error included, whichever client huggingface_hub uses)."""
    import importlib

    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, LocalEntryNotFoundError

    errors: list[type[BaseException]] = [
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        OSError,
    ]
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        errors.append(module.HTTPError)
    return tuple(errors)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Where a model stands on this machine (``matome model info``); nothing is loaded."""

    model: str
    backend: str
    family: str | None
    license: str | None
    available: bool
    path: str | None
    note: str


def model_status(
    model: str,
    backend: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str = "int8",
) -> ModelStatus:
    """Describe ``model`` for ``backend`` without loading, converting or downloading it."""
    card = KNOWN_MODELS.get(model)
    expanded = Path(os.path.expanduser(model))
    if expanded.is_dir():
        path = expanded.resolve()
        if not (is_ctranslate2_dir(path) or is_transformers_dir(path)):
            return ModelStatus(
                model, backend, None, None, False, str(path), "not a model directory"
            )
        family = family_of(path)
        kind = "CTranslate2" if is_ctranslate2_dir(path) else "transformers"
        note = f"local {kind} model"
        if kind == "transformers" and backend == "ctranslate2":
            target = converted_dir(local_model_id(path), quantization, models_dir)
            note += (
                f"; converted copy in {target}"
                if is_ctranslate2_dir(target)
                else "; converted for CTranslate2 on first use"
            )
        return ModelStatus(
            model, backend, family, license_of(local_model_id(path), path), True, str(path), note
        )
    family = card.family if card else None
    licence = card.license if card else None
    how = (
        f"not on this machine: run `matome model download {model}` where there is network, "
        "or pass a local model directory with --model PATH"
    )
    if backend == "ctranslate2":
        target = converted_dir(model, quantization, models_dir)
        if is_ctranslate2_dir(target):
            return ModelStatus(model, backend, family, licence, True, str(target), "converted")
    try:
        snapshot = cached_snapshot(model, cache_dir)
    except ModelNotFoundError:
        return ModelStatus(model, backend, family, licence, False, None, how)
    note = "in the Hugging Face cache"
    if backend == "ctranslate2":
        note += "; converted for CTranslate2 on first use"
    return ModelStatus(
        model, backend, family or family_of(snapshot), licence, True, str(snapshot), note
    )
