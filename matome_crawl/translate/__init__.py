"""English → Japanese translation with a local MarianMT / NLLB model.

The engine knows nothing of Hacker News storage or the database: typed sources in,
typed translations out. See :class:`Translator` for the flow and
:mod:`matome_crawl.translate.text` for how text is cut into segments.
"""

from matome_crawl.translate.convert import convert_model
from matome_crawl.translate.engine import (
    InMemoryTranslationMemory,
    Plan,
    TranslationMemory,
    Translator,
    segment_hash,
)
from matome_crawl.translate.models import (
    KNOWN_MODELS,
    ModelCard,
    ModelDownloadError,
    download_model,
    resolve_model,
)
from matome_crawl.translate.options import (
    DEFAULT_MODEL,
    Kind,
    ModelFormatError,
    ModelNotFoundError,
    ResolvedModel,
    Source,
    TranslateError,
    Translation,
    TranslationOptions,
    TranslationStats,
)

__all__ = [
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "InMemoryTranslationMemory",
    "Kind",
    "ModelCard",
    "ModelDownloadError",
    "ModelFormatError",
    "ModelNotFoundError",
    "Plan",
    "ResolvedModel",
    "Source",
    "TranslateError",
    "Translation",
    "TranslationMemory",
    "TranslationOptions",
    "TranslationStats",
    "Translator",
    "convert_model",
    "download_model",
    "resolve_model",
    "segment_hash",
]
