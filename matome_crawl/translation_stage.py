"""The translate stage: stored titles and comments → Japanese in the same rows.

The adapter between the archive and the translator: it reads the work through
``db.translation``, turns comment HTML into plain text with the HN parsers' own function
(:func:`matome_crawl.hn.text.comment_html_to_text`), and hands plain text to the engine
(:class:`~matome_crawl.translate.engine.Translator`), which knows nothing of HN or the
database. The translator is made (model loaded, converted once if needed) only when
there is something to translate. Work is cut into batches of documents; each batch is
translated (segments deduplicated and batched across all its comments and threads),
written and committed in its own transaction, so an interrupted run keeps every finished
batch and a re-run picks up the rest (and finds the finished segments in the translation memory).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session, sessionmaker

from db import export as export_queries
from db import translation as store
from db.engine import Database
from matome_crawl.export.exporter import thread_comment
from matome_crawl.export.model import SelectionLimits
from matome_crawl.export.select import ThreadComment, select_comments
from matome_crawl.hn.text import comment_html_to_text
from matome_crawl.translate.engine import Plan, Progress, Translator, segment_hash
from matome_crawl.translate.options import Kind, Source

if TYPE_CHECKING:
    from matome_crawl.translate.ray_engine import RayOptions

logger = logging.getLogger(__name__)

DEFAULT_BATCH_DOCUMENTS = 100


@dataclass(frozen=True, slots=True)
class Selection:
    """What to translate: one day's stories, given stories, or everything pending.

    For a day or stories, comments are those their posts will quote (under ``limits``,
    the export's) unless ``all_comments``; ``pending`` always means every comment.
    """

    day: date | None = None
    story_ids: tuple[int, ...] = ()
    pending: bool = False
    all_comments: bool = False
    limits: SelectionLimits = field(default_factory=SelectionLimits)

    @property
    def shown_only(self) -> bool:
        """Whether only the comments the posts will quote are translated."""
        return not (self.pending or self.all_comments)

    def __post_init__(self) -> None:
        chosen = sum((self.day is not None, bool(self.story_ids), self.pending))
        if chosen != 1:
            raise ValueError("choose exactly one of a day, story ids, or everything pending")


@dataclass(slots=True)
class StageProgress:
    """Passed to the progress callback after each round of segments and each commit."""

    segments_total: int = 0
    segments_done: int = 0
    documents_total: int = 0
    documents_done: int = 0


@dataclass(slots=True)
class StageResult:
    """What a run did (the CLI's summary)."""

    model_id: str | None = None  # None when there was nothing to translate (no model loaded)
    settings: str | None = None
    target_lang: str | None = None
    stories: int = 0  # story ids in the selection
    titles: int = 0  # titles translated
    comments: int = 0  # comments translated
    # Distinct segments (counted once per batch however often they occur), and how each
    # was done: cache_hits + translated + untranslated == segments.
    segments: int = 0
    cache_hits: int = 0
    translated: int = 0  # segments the model translated
    untranslated: int = 0  # segments kept in English after the model failed on them
    untranslated_documents: int = 0  # titles and comments with any segment kept in English
    generated_tokens: int = 0
    batches: int = 0  # transactions committed
    seconds: float = 0.0
    changed_meanwhile: int = 0  # edited by a crawl while translating: left for the next run
    reused_human: int = 0  # titles and comments given a person's translation of the same text
    missing_story_ids: list[int] = field(default_factory=list)

    @property
    def segments_per_second(self) -> float:
        return self.segments / self.seconds if self.seconds else 0.0


class DatabaseTranslationMemory:
    """The engine's translation memory over the ``translation_memory`` table.

    Look-ups run in short read-only sessions of their own; new entries are held until
    :meth:`flush` writes them in the caller's transaction, with the rows they belong to.
    So no transaction stays open while the model works (SQLite could not upgrade a read
    snapshot that a crawl wrote past in the meantime).
    """

    def __init__(
        self, sessions: sessionmaker[Session], model_id: str, settings: str, now: datetime
    ) -> None:
        self.sessions = sessions
        self.model_id = model_id
        self.settings = settings
        self.now = now
        self.pending: dict[str, str] = {}

    def lookup(self, segments: Sequence[str]) -> Mapping[str, str]:
        hashes = {segment_hash(s): s for s in segments}
        with self.sessions() as session:
            found = store.memory_lookup(session, self.model_id, self.settings, list(hashes))
        return {hashes[h]: target for h, target in found.items()}

    def store(self, translations: Mapping[str, str]) -> None:
        self.pending.update(translations)

    def flush(self, session: Session) -> None:
        store.memory_store(
            session,
            self.model_id,
            self.settings,
            ((segment_hash(s), s, t) for s, t in self.pending.items()),
            self.now,
        )
        self.pending.clear()


@dataclass(frozen=True, slots=True)
class _Item:
    kind: str  # "title" or "comment"
    row_id: int
    source: Source
    version: str  # the title, or the comment's content hash, as read


def _work(session: Session, selection: Selection) -> tuple[list[_Item], int, list[int]]:
    missing: list[int] = []
    story_ids: list[int] | None
    if selection.pending:
        story_ids = None
    elif selection.day is not None:
        story_ids = store.story_ids_for_day(session, selection.day)
    else:
        wanted = list(dict.fromkeys(selection.story_ids))
        story_ids = store.existing_story_ids(session, wanted)
        missing = [i for i in wanted if i not in set(story_ids)]
    titles = store.pending_titles(session, story_ids)
    comments = store.pending_comments(session, story_ids)
    if selection.shown_only:
        comments = _shown(session, comments, selection.limits)
    by_story: dict[int, list[_Item]] = {}
    for title in titles:
        by_story.setdefault(title.story_id, []).append(
            _Item("title", title.story_id, Source(title.title, Kind.TITLE), title.title)
        )
    for comment in comments:
        text = comment_html_to_text(comment.text_html) if comment.text_html else comment.text
        source = Source(text or "", Kind.TEXT)
        by_story.setdefault(comment.story_id, []).append(
            _Item("comment", comment.comment_id, source, comment.content_hash)
        )
    order = story_ids if story_ids is not None else sorted(by_story)
    items = [item for story_id in order for item in by_story.get(story_id, [])]
    count = len(story_ids) if story_ids is not None else len(by_story)
    return items, count, missing


# What a pending comment is taken to read once translated: any non-blank text will do,
# since the selection only asks whether a translation is there (never what it says).
_WILL_BE_TRANSLATED = "\u2026"


def shown_comment_ids(
    comments: Sequence[ThreadComment], pending: set[int], limits: SelectionLimits
) -> set[int]:
    """The comments a thread's post will quote once the ``pending`` ones are translated.

    The exporter's selection, with each pending comment taken as translated. The
    selection reads the English text (exclusions, the reply ranking and the highlight
    score use ``text`` and descendants), and of a translation only whether it is there.
    """
    assumed = [replace(c, text_ja=_WILL_BE_TRANSLATED) if c.id in pending else c for c in comments]
    return set(select_comments(assumed, limits).ids)


def _shown(
    session: Session, comments: list[store.PendingComment], limits: SelectionLimits
) -> list[store.PendingComment]:
    by_story: dict[int, set[int]] = {}
    for comment in comments:
        by_story.setdefault(comment.story_id, set()).add(comment.comment_id)
    shown: set[int] = set()
    for story_id, pending in by_story.items():
        thread = [thread_comment(row) for row in export_queries.story_comments(session, story_id)]
        shown |= shown_comment_ids(thread, pending, limits)
    return [c for c in comments if c.comment_id in shown]


TranslatorSource = Translator | Callable[[], Translator]


class SegmentRunner(Protocol):
    """Another engine for the model's part of :func:`translate_archive`."""

    def prepare(
        self,
        translator: Translator,
        plans: Sequence[Plan],
        database: Database,
        clock: Callable[[], datetime],
    ) -> None:
        """Called once with every batch's plan before the first batch is run."""
        ...

    def translate(
        self, segments: list[str], progress: Progress | None
    ) -> tuple[dict[str, str], set[str]]:
        """Segments the memory did not have → ``(translations, failed)``."""
        ...


class RaySegmentRunner:
    """The archive side of the Ray engine (:mod:`matome_crawl.translate.ray_engine`).

    :meth:`prepare` looks every distinct segment up in the translation memory (the same
    code as the local engine), sends the rest, sorted by length, to the Ray actor pool,
    and stores each block's results in the translation memory as it comes back, one
    commit per block: a run killed midway keeps every finished block, and the next run
    finds them in the memory. The batches of :func:`translate_archive` then find their
    segments there and store titles and comments as the local engine does; a segment a
    worker failed on stays English, as a local failure does.
    """

    def __init__(self, ray_options: RayOptions) -> None:
        self.ray_options = ray_options
        self.failed: set[str] = set()
        self.blocks = 0
        self.sent = 0

    def prepare(
        self,
        translator: Translator,
        plans: Sequence[Plan],
        database: Database,
        clock: Callable[[], datetime],
    ) -> None:
        from matome_crawl.translate.ray_engine import translate_blocks

        segments = list(dict.fromkeys(s for plan in plans for s in plan.segments))
        lookup = DatabaseTranslationMemory(
            database.sessions, translator.model_id, translator.settings, clock()
        )
        known = lookup.lookup(segments) if segments else {}
        missing = translator.sort_by_length([s for s in segments if s not in known])
        self.sent += len(missing)
        for results in translate_blocks(
            missing,
            translator.options,
            settings=translator.settings,
            block_size=translator.round_size,
            ray_options=self.ray_options,
        ):
            memory = DatabaseTranslationMemory(
                database.sessions, translator.model_id, translator.settings, clock()
            )
            memory.store({s: t for s, t in results.items() if t is not None})
            self.failed.update(s for s, t in results.items() if t is None)
            with database.sessions() as session, session.begin():
                memory.flush(session)
            self.blocks += 1
            logger.info("ray block %d committed (%d segments)", self.blocks, len(results))

    def translate(
        self, segments: list[str], progress: Progress | None
    ) -> tuple[dict[str, str], set[str]]:
        # What prepare() stored is found in the memory before this is called; what is
        # left failed on a worker (or changed meanwhile): kept in English this run.
        if progress and segments:
            progress(len(segments))
        return {}, set(segments)


def translate_archive(
    database: Database,
    translator: TranslatorSource,
    selection: Selection,
    *,
    batch_documents: int = DEFAULT_BATCH_DOCUMENTS,
    progress: Callable[[StageProgress], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    segment_runner: SegmentRunner | None = None,
) -> StageResult:
    """Translate what ``selection`` names and store it; one commit per batch of documents.

    ``translator`` may be a callable that makes one: it is called only when there is
    something to translate, so a run with nothing pending loads (and converts) no model.
    ``segment_runner`` translates the segments the memory does not have instead of the
    translator's own model (another engine, such as Ray's); everything else (planning,
    the memory, storing, commits) is this function's either way.
    """
    started = time.perf_counter()
    result = StageResult()
    state = StageProgress()
    attempted: set[tuple[str, int]] = set()
    first = True
    with database.sessions() as session, session.begin():
        # A person's translation of the same English comes first (matome review).
        result.reused_human = store.reuse_human_translations(session, clock())
    while True:
        with database.sessions() as session:
            items, stories, missing = _work(session, selection)
        if first:
            result.stories, result.missing_story_ids = stories, missing
            first = False
        # Later rounds (selection first only) take what the choice newly needs, once; a
        # row edited meanwhile waits for the next run, as in one round.
        items = [i for i in items if (i.kind, i.row_id) not in attempted]
        if not items:
            break
        attempted.update((i.kind, i.row_id) for i in items)
        if not isinstance(translator, Translator):
            translator = translator()
        _translate_items(
            database,
            translator,
            items,
            result,
            state,
            batch_documents=batch_documents,
            progress=progress,
            clock=clock,
            segment_runner=segment_runner,
        )
        if not selection.shown_only:
            break
    result.seconds = time.perf_counter() - started
    return result


def _translate_items(
    database: Database,
    translator: Translator,
    items: list[_Item],
    result: StageResult,
    state: StageProgress,
    *,
    batch_documents: int,
    progress: Callable[[StageProgress], None] | None,
    clock: Callable[[], datetime],
    segment_runner: SegmentRunner | None,
) -> None:
    result.model_id = translator.model_id
    result.settings = translator.settings
    result.target_lang = translator.target_lang
    batches = [items[i : i + batch_documents] for i in range(0, len(items), batch_documents)]
    plans: list[Plan] = [translator.plan(item.source for item in batch) for batch in batches]
    state.segments_total += sum(len(plan.segments) for plan in plans)
    state.documents_total += len(items)
    if progress:
        progress(state)

    def advance(segments: int) -> None:
        state.segments_done += segments
        if progress:
            progress(state)

    if segment_runner is not None:
        segment_runner.prepare(translator, plans, database, clock)
    tokens_before = translator.stats.generated_tokens
    for number, (batch, plan) in enumerate(zip(batches, plans, strict=True), 1):
        now = clock()
        memory = DatabaseTranslationMemory(
            database.sessions, translator.model_id, translator.settings, now
        )
        hits_before = translator.stats.cache_hits
        translated_before = translator.stats.translated
        failed_before = translator.stats.failed
        translations = translator.run(
            plan,
            memory=memory,
            progress=advance,
            translate_segments=segment_runner.translate if segment_runner else None,
        )
        titles = {
            item.row_id: (item.version, t.text)
            for item, t in zip(batch, translations, strict=True)
            if item.kind == "title"
        }
        comments = {
            item.row_id: (item.version, t.text, t.untranslated)
            for item, t in zip(batch, translations, strict=True)
            if item.kind == "comment"
        }
        with database.sessions() as session, session.begin():
            memory.flush(session)
            written_titles = store.store_title_translations(
                session, titles, translator.model_id, now, translator.target_lang
            )
            written_comments = store.store_comment_translations(
                session, comments, translator.model_id, now, translator.target_lang
            )
        result.batches += 1
        result.titles += written_titles
        result.comments += written_comments
        result.changed_meanwhile += len(titles) + len(comments) - written_titles - written_comments
        result.segments += len(plan.segments)
        result.cache_hits += translator.stats.cache_hits - hits_before
        result.translated += translator.stats.translated - translated_before
        result.untranslated += translator.stats.failed - failed_before
        result.untranslated_documents += sum(1 for t in translations if t.untranslated)
        state.documents_done += len(batch)
        if progress:
            progress(state)
        logger.info("batch %d/%d committed (%d documents)", number, len(batches), len(batch))
    result.generated_tokens += translator.stats.generated_tokens - tokens_before


def pending_documents(database: Database, selection: Selection) -> int:
    """Titles and comments the selection still needs translated (no model is loaded)."""
    with database.sessions() as session:
        items, _, _ = _work(session, selection)
    return len(items)
