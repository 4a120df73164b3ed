"""The translate and export stages as ``matome run``/``backfill``/``demo`` call them per day.

Each stage does only what a day still needs: the translator (a model load
of seconds and hundreds of MB) is built the first time a day has untranslated
text, and the exporter leaves unchanged posts alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from db.engine import Database
from matome_crawl.export import ExportRequest, ExportResult, export_posts
from matome_crawl.translate import TranslationOptions, Translator
from matome_crawl.translate.cpu import configure_ctranslate2_cpu
from matome_crawl.translation_stage import (
    Selection,
    StageProgress,
    StageResult,
    translate_archive,
)

logger = logging.getLogger(__name__)


@dataclass
class TranslateDays:
    """Translate the days' stories; the model is loaded once, and only when needed."""

    database: Database
    options: TranslationOptions
    progress: Callable[[StageProgress], None] | None = None
    results: list[StageResult] = field(default_factory=list)
    _translator: Translator | None = None

    @property
    def translator(self) -> Translator:
        """Loaded on first use: the model is found, converted once if the backend needs
        it (an explicit step, never inside the translator's constructor) and loaded.

        The application (``matome run``/``backfill``/``demo``) picks CTranslate2's CPU
        instruction set for its process first, as ``matome translate`` does; the
        translator itself changes no process-wide setting."""
        if self._translator is None:
            configure_ctranslate2_cpu()
            self._translator = Translator.load(self.options)
        return self._translator

    def _get_translator(self) -> Translator:
        return self.translator

    def __call__(self, days: Sequence[date]) -> None:
        for day in days:
            result = translate_archive(
                self.database, self._get_translator, Selection(day=day), progress=self.progress
            )
            if result.model_id is None:
                logger.info("%s: nothing left to translate", day)
                continue
            self.results.append(result)


@dataclass
class ExportDays:
    """Export each day's threads into ``out_dir``; ``settings`` are further ExportRequest fields."""

    database: Database
    out_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)
    results: list[ExportResult] = field(default_factory=list)

    def __call__(self, days: Sequence[date]) -> None:
        for day in days:
            request = ExportRequest(out_dir=self.out_dir, day=day, **self.settings)
            with self.database.sessions.begin() as session:
                self.results.append(export_posts(session, request))
