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
from dataclasses import dataclass, replace
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
# The metadata's "verified" value once a conversion has been loaded and has translated a
# sentence; a conversion without it (interrupted, or made by an older version that did
# not check) is made again rather than trusted.
VERIFIED = "1"
# Files a translation model needs (weights: safetensors preferred over PyTorch pickles).
MODEL_FILES = ("config.json", "generation_config.json", "README.md")
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


def _json(path: Path) -> dict:  # type: ignore[type-arg]
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def family_of(path: Path) -> str:
    """``marian``, ``nllb`` or ``m2m100``: what the model *is*, from the metadata of a
    conversion or the config's ``model_type`` (a copied ``tokenizer_config.json`` often
    does not say: FuguMT's and opus-mt's hold only the two languages)."""
    metadata = read_metadata(path)
    if metadata.get("family"):
        return metadata["family"]
    config = _json(path / "config.json")
    model_type = config.get("model_type")
    if model_type == "marian":
        return "marian"
    if model_type in ("m2m_100", "nllb-moe"):
        hints = (
            str(config.get("tokenizer_class") or ""),
            str(_json(path / "tokenizer_config.json").get("tokenizer_class") or ""),
        )
        if any(hint.startswith("Nllb") for hint in hints) or model_type == "nllb-moe":
            return "nllb"
        return "m2m100"
    if model_type is None and is_ctranslate2_dir(path):
        # A CTranslate2 conversion made elsewhere: its config.json is CTranslate2's own,
        # and the vocabulary files say which family it came from.
        if (path / "source.spm").is_file():
            return "marian"
        if (path / "sentencepiece.bpe.model").is_file():
            return "nllb"
    raise ModelFormatError(
        f"{path}: cannot tell which kind of translation model this is "
        "(expected a MarianMT or NLLB/M2M100 model)"
    )


def model_max_length(path: Path) -> int | None:
    """The longest output the model's own generation settings allow (``max_length``,
    which counts the decoder start token): NLLB-200 says 200, FuguMT 512."""
    return _generation_setting(path, "max_length", minimum=2)


def model_num_beams(path: Path) -> int | None:
    """The beam the model's own generation settings ask for (FuguMT: 12)."""
    return _generation_setting(path, "num_beams")


def _generation_setting(path: Path, key: str, minimum: int | None = None) -> int | None:
    """``key`` from a conversion's metadata, else the model's generation config, else its
    config (where 2022-era repos keep it); a value under ``minimum`` is not a setting."""
    metadata = read_metadata(path)
    if metadata.get(key):
        return int(metadata[key])
    for name in ("generation_config.json", "config.json"):
        value = _json(path / name).get(key)
        if isinstance(value, int) and (minimum is None or value >= minimum):
            return value
    return None


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


def hub_id_of(path: Path) -> str | None:
    """The hub name of a snapshot in a Hugging Face cache
    (``…/models--staka--fugumt-en-ja/snapshots/<rev>``), else None."""
    path = path.resolve() if path.exists() else path
    if path.parent.name == "snapshots" and path.parent.parent.name.startswith("models--"):
        return path.parent.parent.name.removeprefix("models--").replace("--", "/")
    return None


_FRONT_MATTER_LICENSE = re.compile(r"^license:\s*['\"]?([\w.+-]+)", re.MULTILINE)


def license_of(model_id: str, path: Path | None = None) -> str | None:
    """From the product's own list for the models it suggests (also for a snapshot of one
    in a Hugging Face cache), else the conversion's metadata, else the ``license:`` of the
    model card's front matter (``README.md``) when the copy has one."""
    for name in (model_id, hub_id_of(path) if path is not None else None):
        if name in KNOWN_MODELS:
            return KNOWN_MODELS[name].license
    if path is None:
        return None
    recorded = read_metadata(path).get("license")
    if recorded:
        return recorded
    readme = path / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---"):
            front = text[3:].split("\n---", 1)[0]
            match = _FRONT_MATTER_LICENSE.search(front)
            if match:
                return match.group(1)
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


def is_verified_conversion(path: Path) -> bool:
    """A conversion this product made, loaded and tried before keeping it."""
    return is_ctranslate2_dir(path) and read_metadata(path).get("verified") == VERIFIED


def find_model(
    model: str,
    backend: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str = "int8",
) -> ResolvedModel:
    """Find ``model`` (a hub name or a local directory) on disk; never converts, loads
    or downloads anything.

    For ``ctranslate2`` this is the checked conversion in the models directory when there
    is one, else the transformers model itself (``format == "transformers"``), which
    :func:`resolve_model` converts.
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
        source = path
    elif looks_like_path(model):
        raise ModelNotFoundError(model, detail="no such directory")
    else:
        model_id = model
        source = None
    if backend == "ctranslate2":
        target = converted_dir(model_id, quantization, models_dir)
        if is_verified_conversion(target):
            return _resolved(model_id, target, "ctranslate2")
    if source is None:
        source = cached_snapshot(model, cache_dir)
    return _resolved(model_id, source, "transformers")


def resolve_model(
    model: str,
    backend: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str = "int8",
) -> ResolvedModel:
    """:func:`find_model`, then, for ``ctranslate2``, the one-time conversion (checked
    before it is kept) of a transformers model into the models directory. The explicit
    step that callers take once, when there is something to translate."""
    found = find_model(
        model, backend, cache_dir=cache_dir, models_dir=models_dir, quantization=quantization
    )
    if backend == "ctranslate2" and found.format != "ctranslate2":
        return _converted(found.model_id, Path(found.path), quantization, models_dir)
    return found


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
    if not is_verified_conversion(target):
        if target.exists():
            logger.warning(
                "the conversion in %s was never checked or did not load: converting again",
                target,
            )
        logger.info("converting %s to CTranslate2 (%s) in %s, once", model_id, quantization, target)
        convert_model(str(source), target, quantization=quantization, model_id=model_id, force=True)
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
    model_beams: int | None = None  # the beam the model's own config asks for
    max_length: int | None = None  # the model's own output limit (decoder start included)


def _status(model: str, backend: str, path: Path, note: str, model_id: str) -> ModelStatus:
    return ModelStatus(
        model,
        backend,
        family_of(path),
        license_of(model_id, path),
        True,
        str(path),
        note,
        model_num_beams(path),
        model_max_length(path),
    )


def _conversion_note(target: Path) -> str:
    if is_verified_conversion(target):
        return f"; converted copy in {target}"
    if target.exists():
        return (
            f"; the copy in {target} was never checked or does not load: it is converted "
            "again on first use"
        )
    return "; converted for CTranslate2 on first use"


def model_status(
    model: str,
    backend: str,
    *,
    cache_dir: str | None = None,
    models_dir: str | None = None,
    quantization: str = "int8",
) -> ModelStatus:
    """Describe ``model`` for ``backend`` without loading, converting or downloading it.

    ``available`` means the backend can use it as it is, or after the one-time conversion
    (a conversion that failed its check does not count)."""
    card = KNOWN_MODELS.get(model)
    expanded = Path(os.path.expanduser(model))
    if expanded.is_dir():
        path = expanded.resolve()
        if not (is_ctranslate2_dir(path) or is_transformers_dir(path)):
            return ModelStatus(
                model, backend, None, None, False, str(path), "not a model directory"
            )
        model_id = local_model_id(path)
        if is_ctranslate2_dir(path):
            if backend != "ctranslate2":
                status = _status(model, backend, path, "", model_id)
                return replace(
                    status,
                    available=False,
                    note="a converted CTranslate2 model: only --backend ctranslate2 loads it",
                )
            return _status(model, backend, path, "local CTranslate2 model", model_id)
        note = "local transformers model"
        if backend == "ctranslate2":
            note += _conversion_note(converted_dir(model_id, quantization, models_dir))
        return _status(model, backend, path, note, model_id)
    family = card.family if card else None
    licence = card.license if card else None
    how = (
        f"not on this machine: run `matome model download {model}` where there is network, "
        "or pass a local model directory with --model PATH"
    )
    target = converted_dir(model, quantization, models_dir)
    try:
        snapshot = cached_snapshot(model, cache_dir)
    except ModelNotFoundError:
        if backend == "ctranslate2" and is_verified_conversion(target):
            return _status(model, backend, target, "converted", model)
        return ModelStatus(model, backend, family, licence, False, None, how)
    if backend == "ctranslate2" and is_verified_conversion(target):
        status = _status(model, backend, target, f"converted (from {snapshot})", model)
        return replace(
            status, model_beams=model_num_beams(snapshot), max_length=model_max_length(snapshot)
        )
    note = "in the Hugging Face cache"
    if backend == "ctranslate2":
        note += _conversion_note(target)
    return _status(model, backend, snapshot, note, model)
