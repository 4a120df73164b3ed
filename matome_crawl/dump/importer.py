"""Import whole-HN dumps into the archive: threads as the API source stores them, day listings.

Three streaming passes over the dump, memory bounded by one UTC day's items:

1. **index**: ``id, type, time, deleted, top_level_parent`` only; the stories
   posted in the day range go into two sorted numpy arrays (id, day): 12 bytes
   a story, the only state that grows with the range.
2. **route**: every column; each item's thread (``top_level_parent``, or the
   story's own id) is looked up in the index and the row is appended to its
   story's day in a scratch file (:class:`~matome_crawl.dump.spill.DaySpill`,
   32 MB of buffers). A dump without ``top_level_parent`` first resolves roots
   by walking ``parent`` links over ``id, parent`` passes (one pass, plus one
   to confirm, when the dump is in id order); that map holds the range's
   comments (about 100 bytes each).
3. **store**: day by day, the day's items as columns. A thread the archive
   holds no comment of (:func:`db.bulk.unstored_threads`) is walked with the API
   source's own tree order (:func:`~matome_crawl.hn.firebase.thread_order`,
   :func:`~matome_crawl.hn.firebase.comment_record`) straight from the columns and
   stored in bulk (:func:`db.bulk.store_new_threads`, ``batch_comments`` a
   transaction); a thread stored before goes through
   :func:`~matome_crawl.hn.firebase.build_thread` and :func:`db.store.store_thread`,
   which compare and update. The day's top stories by score go to ``front_pages``
   with ``source = 'dump'``.

Threads are stored with the dump's snapshot time (the newest file's mtime) as
their crawl time, so a re-run skips every thread this dump already stored:
re-importing stores nothing twice and a killed import resumes where it stopped.
A thread stored later than the snapshot (a fresher crawl) is skipped too: an
older dump would mark its newer comments as vanished.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from db.bulk import refresh_statistics, store_new_threads, unstored_threads
from db.engine import Database
from db.store import record_crawl_failure, store_listing, store_thread, threads_stored_since
from matome_crawl.dump.read import DumpError, ItemColumns, dump_files, scan
from matome_crawl.dump.spill import DaySpill
from matome_crawl.hn.firebase import (
    STORY_KINDS,
    ApiItem,
    build_thread,
    comment_record,
    story_from_item,
    thread_order,
)
from matome_crawl.hn.model import ListingEntry, ListingPage, Thread

logger = logging.getLogger(__name__)

EPOCH = date(1970, 1, 1)
SOURCE = "dump"
LISTED_KINDS = frozenset({"story", "poll", "job"})
_STORY_KINDS = pa.array(sorted(STORY_KINDS))


@dataclass
class ImportProgress:
    """Where an import is; handed to the ``progress`` callback after every batch."""

    stage: str = "index"  # index, walk, route, store
    items: int = 0  # rows done in the current stage
    total_items: int | None = None  # rows the current stage will do, when known
    days_done: int = 0
    days: int = 0
    threads: int = 0
    comments: int = 0


@dataclass(frozen=True)
class ImportResult:
    files: int
    items: int  # rows in the dump
    days: int  # days with at least one story
    threads_stored: int
    threads_skipped: int  # already stored from this dump, or from a later crawl
    threads_failed: int
    comments: int
    listing_rows: int
    seconds: float
    snapshot: datetime  # the crawl time its threads were stored with
    listed_days: tuple[date, ...] = ()  # days whose 'dump' listing was stored, in order


@dataclass
class _Index:
    ids: np.ndarray  # sorted story ids in the range
    days: np.ndarray  # their UTC day (days since 1970-01-01)
    items: int
    needs_walk: bool


@dataclass
class _Counts:
    stored: int = 0
    skipped: int = 0
    failed: int = 0
    comments: int = 0
    listing_rows: int = 0


def import_dump(
    database: Database,
    paths: Iterable[str | Path],
    *,
    first: date | None = None,
    last: date | None = None,
    top: int = 10,
    progress: Callable[[ImportProgress], None] | None = None,
    batch_comments: int = 5_000,
    scratch: Path | None = None,
) -> ImportResult:
    """Import the dumps at ``paths`` (files or directories), stories posted from ``first`` to
    ``last`` (UTC days, inclusive), with a ``top``-story listing per day.

    Raises :class:`~matome_crawl.dump.read.DumpError` for a file that cannot be read.
    """
    started = time.monotonic()
    files = dump_files(paths)
    snapshot = datetime.fromtimestamp(int(max(f.stat().st_mtime for f in files)), tz=UTC)
    state = ImportProgress()
    report = progress or (lambda _p: None)
    index = _index(files, _day_number(first), _day_number(last), state, report)
    state.total_items = index.items
    roots = _walk(files, index, state, report) if index.needs_walk else {}
    counts = _Counts()
    with tempfile.TemporaryDirectory(prefix="matome-dump-", dir=scratch) as tmp:
        spill = DaySpill(Path(tmp))
        _route(files, index, roots, spill, state, report)
        del roots
        days = sorted(spill.days)
        state.stage, state.days = "store", len(days)
        state.items, state.total_items = 0, spill.rows
        report(state)
        for day in days:
            table = spill.read(day)
            spill.drop(day)
            if table is not None:
                done_before = state.items
                _store_day(
                    database, day, table, snapshot, top, batch_comments, counts, state, report
                )
                state.items = done_before + table.num_rows
            state.days_done += 1
            report(state)
    if counts.stored:
        refresh_statistics(database.engine)  # the planner's row counts, after a bulk load
    return ImportResult(
        files=len(files),
        items=index.items,
        days=len(days),
        threads_stored=counts.stored,
        threads_skipped=counts.skipped,
        threads_failed=counts.failed,
        comments=counts.comments,
        listing_rows=counts.listing_rows,
        seconds=time.monotonic() - started,
        snapshot=snapshot,
        listed_days=tuple(EPOCH + timedelta(days=d) for d in days),
    )


def _day_number(day: date | None) -> int | None:
    return None if day is None else (day - EPOCH).days


def _index(
    files: Sequence[Path],
    first: int | None,
    last: int | None,
    state: ImportProgress,
    report: Callable[[ImportProgress], None],
) -> _Index:
    ids: list[np.ndarray] = []
    days: list[np.ndarray] = []
    items = 0
    needs_walk = False
    columns = ("id", "type", "time", "deleted", "top_level_parent")
    for batch in scan(files, columns):
        items += batch.num_rows
        is_story = pc.is_in(batch["type"], value_set=_STORY_KINDS)
        if not needs_walk:
            orphans = pc.and_(pc.invert(is_story), pc.is_null(batch["top_level_parent"]))
            needs_walk = bool(pc.any(orphans).as_py())
        day = pc.floor(pc.divide(pc.cast(batch["time"], pa.float64()), 86_400.0))
        keep = pc.and_(is_story, pc.is_valid(batch["time"]))
        keep = pc.and_(keep, pc.invert(pc.fill_null(batch["deleted"], False)))
        if first is not None:
            keep = pc.and_(keep, pc.greater_equal(day, first))
        if last is not None:
            keep = pc.and_(keep, pc.less_equal(day, last))
        keep = pc.fill_null(keep, False)
        ids.append(pc.filter(batch["id"], keep).to_numpy())
        days.append(pc.cast(pc.filter(day, keep), pa.int32()).to_numpy())
        state.items = items
        report(state)
    all_ids = np.concatenate(ids) if ids else np.empty(0, np.int64)
    all_days = np.concatenate(days) if days else np.empty(0, np.int32)
    all_ids, first_seen = np.unique(all_ids, return_index=True)
    return _Index(all_ids, all_days[first_seen], items, needs_walk)


def _lookup(index: _Index, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row mask of ``roots`` in the index, their days)."""
    if len(index.ids) == 0:
        return np.zeros(len(roots), bool), np.empty(0, np.int32)
    where = np.minimum(np.searchsorted(index.ids, roots), len(index.ids) - 1)
    found = index.ids[where] == roots
    return found, index.days[where[found]]


def _walk(
    files: Sequence[Path],
    index: _Index,
    state: ImportProgress,
    report: Callable[[ImportProgress], None],
) -> dict[int, int]:
    """Roots of the range's items that have no ``top_level_parent``, by following ``parent``."""
    state.stage = "walk"
    roots: dict[int, int] = {}
    changed = True
    while changed:
        changed = False
        state.items = 0
        for batch in scan(files, ("id", "type", "parent", "top_level_parent")):
            state.items += batch.num_rows
            orphan = pc.and_(
                pc.invert(pc.is_in(batch["type"], value_set=_STORY_KINDS)),
                pc.is_null(batch["top_level_parent"]),
            )
            rows = pc.filter(batch, pc.fill_null(orphan, False))
            parents = pc.fill_null(rows["parent"], -1).to_numpy()
            in_index, _ = _lookup(index, parents)
            for item_id, parent, is_story in zip(
                rows["id"].to_pylist(), parents.tolist(), in_index.tolist(), strict=True
            ):
                if item_id in roots:
                    continue
                root = parent if is_story else roots.get(parent)
                if root is not None:
                    roots[item_id] = root
                    changed = True
            report(state)
    return roots


def _route(
    files: Sequence[Path],
    index: _Index,
    roots: dict[int, int],
    spill: DaySpill,
    state: ImportProgress,
    report: Callable[[ImportProgress], None],
) -> None:
    state.stage, state.items = "route", 0
    for batch in scan(files):
        state.items += batch.num_rows
        is_story = pc.is_in(batch["type"], value_set=_STORY_KINDS)
        root = pc.if_else(is_story, batch["id"], batch["top_level_parent"])
        if roots and root.null_count:
            walked = [roots.get(i, -1) for i in batch["id"].to_pylist()]
            root = pc.coalesce(root, pa.array(walked, pa.int64()))
        root_np = pc.fill_null(root, -1).to_numpy()
        found, days = _lookup(index, root_np)
        rows = np.flatnonzero(found)
        if len(rows):
            kept = batch.append_column("root", pa.array(root_np)).take(pa.array(rows))
            order = np.argsort(days, kind="stable")
            sorted_days = days[order]
            starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
            for start, end in zip(starts, [*starts[1:], len(order)], strict=True):
                spill.add(int(sorted_days[start]), kept.take(pa.array(order[start:end])))
        report(state)
    spill.flush()


def _store_day(
    database: Database,
    day_number: int,
    table: pa.Table,
    snapshot: datetime,
    top: int,
    batch_comments: int,
    counts: _Counts,
    state: ImportProgress,
    report: Callable[[ImportProgress], None],
) -> None:
    day = EPOCH + timedelta(days=day_number)
    items = _DayItems(table)
    stories = items.stories()
    with database.sessions.begin() as session:
        done = threads_stored_since(session, [s.id for s in stories], snapshot)
        new = unstored_threads(
            session, {s.id: items.ids_of(s.id) for s in stories if s.id not in done}
        )
    pending: list[Thread] = []  # new threads not stored yet, for one bulk insert
    pending_comments = 0
    session = database.sessions()
    session.begin()

    def commit() -> None:
        nonlocal pending, pending_comments
        if pending:
            counts.comments += store_new_threads(session, pending, snapshot)
            counts.stored += len(pending)
            state.items += sum(items.size_of(t.story.id) for t in pending)
            state.threads, state.comments = counts.stored, counts.comments
            report(state)
            pending = []
        session.commit()
        session.begin()
        pending_comments = 0

    try:
        for story in stories:
            if story.id in done:
                counts.skipped += 1
                continue
            try:
                if story.id in new:
                    thread = items.thread(story)
                else:
                    thread = build_thread(story.id, items.api_items(story.id))
            except (ValueError, KeyError, RecursionError) as exc:
                counts.failed += 1
                reason = f"dump: thread {story.id} cannot be built ({type(exc).__name__}: {exc})"
                logger.warning("%s", reason)
                failed_at = datetime.now(UTC)
                record_crawl_failure(session, reason=reason, failed_at=failed_at, story_id=story.id)
                continue
            if story.id in new:
                pending.append(thread)
            else:  # stored before: compare, update, mark what vanished
                result = store_thread(session, thread, snapshot)
                counts.stored += 1
                counts.comments += result.comments
                state.threads, state.comments = counts.stored, counts.comments
                state.items += items.size_of(story.id)
                report(state)
            pending_comments += len(thread.comments)
            if pending_comments >= batch_comments:
                commit()
        if pending:
            commit()
        listing = _listing(day, stories, top)
        counts.listing_rows += store_listing(
            session, listing, source=SOURCE, day=day, captured_at=snapshot
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class _DayItems:
    """One day's routed rows as columns, grouped by thread."""

    def __init__(self, table: pa.Table) -> None:
        self.columns = ItemColumns(table)
        self.rows: dict[int, list[int]] = {}  # root → its rows
        for row, root in enumerate(table.column("root").to_pylist()):
            self.rows.setdefault(root, []).append(row)

    def _at(self, root: int) -> dict[int, int]:
        """Item id → row for one thread (a repeated id: its last row, as a dict keeps it)."""
        ids = self.columns.id
        return {ids[row]: row for row in self.rows[root]}

    def stories(self) -> list[ApiItem]:
        """The story item of every thread whose story row is in the dump, by id."""
        found = []
        for root in self.rows:
            row = self._at(root).get(root)
            if row is not None:
                found.append(self.columns.item(row))
        return sorted(found, key=lambda s: s.id)

    def ids_of(self, root: int) -> list[int]:
        return [self.columns.id[row] for row in self.rows[root]]

    def size_of(self, root: int) -> int:
        return len(self.rows[root])

    def api_items(self, root: int) -> dict[int, ApiItem]:
        return {item_id: self.columns.item(row) for item_id, row in self._at(root).items()}

    def thread(self, story: ApiItem) -> Thread:
        """The thread as :func:`~matome_crawl.hn.firebase.build_thread` builds it from the same
        items, without an :class:`ApiItem` per comment (poll options left out: not stored).
        """
        c = self.columns
        at = self._at(story.id)
        order = thread_order(
            story.id,
            {item_id: c.kids[row] for item_id, row in at.items()},
            {item_id for item_id, row in at.items() if c.deleted[row]},
        )
        comments = [
            comment_record(
                c.id[row], c.parent[row], c.by[row], c.time[row], c.text[row], c.dead[row],
                c.deleted[row], depth=depth, position=position, descendants=below,
            )
            for position, (row, depth, below) in enumerate(
                zip(map(at.__getitem__, order.ids), order.depths, order.descendants, strict=True)
            )
        ]  # fmt: skip
        return Thread(story=story_from_item(story), comments=comments)


def _listing(day: date, stories: list[ApiItem], top: int) -> ListingPage:
    """The day's ``top`` live stories by score (ties: the earlier id first)."""
    ranked = sorted(
        (s for s in stories if not s.dead and not s.deleted and s.type in LISTED_KINDS),
        key=lambda s: (-(s.score or 0), s.id),
    )[:top]
    entries = [ListingEntry(rank=n, story=story_from_item(s)) for n, s in enumerate(ranked, 1)]
    return ListingPage(url=f"dump:{day.isoformat()}", entries=entries, next_url=None, day=str(day))


__all__ = ["DumpError", "ImportProgress", "ImportResult", "import_dump"]
