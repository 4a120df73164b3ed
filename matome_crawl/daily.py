"""Days through every stage: list → crawl → translate → export, resumable and idempotent.

Plain Python around one crawler: what a day still needs is read from the
archive itself (is its front page stored? are its top threads crawled?), the
crawl of a batch is handed to the command's one :class:`CrawlSession` (so the
HN crawl delay holds across batches), then the days whose threads are all
stored are translated and exported. A re-run does no network work that is
already done, and a run killed at any point resumes where it stopped. The
``days`` table records each day's status and, for failures, why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scrapy.settings import Settings

from db.days import STAGES, comment_count, crawled_ids, day_statuses, listed_entries, set_day
from db.engine import Database
from db.store import failure_reasons
from matome_crawl.crawl import CrawlJob, CrawlProgress, CrawlSession
from matome_crawl.hn.model import ListingEntry
from matome_crawl.hn.rules import top_threads

logger = logging.getLogger(__name__)

DayStage = Callable[[Sequence[date]], object]


@dataclass(frozen=True)
class DayOptions:
    top: int = 10
    pages: int = 1
    source: str = "html"  # "api": threads from the official API; "dump": no request at all
    api_url: str | None = None
    batch_days: int = 7  # days crawled before translating and exporting them
    dump_paths: tuple[str, ...] = ()  # with source "dump": the files or folders to import

    @property
    def listing_source(self) -> str:
        """The ``front_pages.source`` a day's threads are chosen from."""
        return "dump" if self.source == "dump" else "front"


@dataclass
class Stages:
    """The work after crawling, each called with the days whose threads are all stored."""

    translate: DayStage | None = None
    export: DayStage | None = None
    # Failures with a message that says it all (a missing model, say): logged
    # as one line; anything else is logged with its traceback.
    expected_errors: tuple[type[Exception], ...] = ()

    @property
    def final(self) -> str:
        """The last stage asked for: a day recorded at it (or later) needs nothing more."""
        if self.export is not None:
            return "exported"
        return "translated" if self.translate is not None else "crawled"


@dataclass(frozen=True)
class DayOutcome:
    day: date
    ok: bool
    threads: int = 0
    comments: int = 0
    error: str | None = None


@dataclass
class DaysProgress:
    """Live counters for a progress display."""

    total: int = 0
    done: int = 0
    failed: int = 0
    stage: str = ""
    crawl: CrawlProgress = field(default_factory=CrawlProgress)
    segments: int = 0  # translated (or found in the translation memory) so far
    segments_per_second: float = 0.0


@dataclass(frozen=True)
class CrawlPlan:
    list_days: list[date]  # days whose front page is not stored yet (or lists no thread)
    thread_ids: list[int]  # top threads of stored front pages not crawled yet

    @property
    def empty(self) -> bool:
        return not self.list_days and not self.thread_ids

    def job(self, options: DayOptions) -> CrawlJob:
        """The crawl that fetches what the plan says is missing."""
        return CrawlJob.build(
            source=options.source,
            days=self.list_days,
            ids=self.thread_ids,
            top=options.top,
            pages=options.pages,
            api_url=options.api_url,
        )


def day_range(first: date, last: date) -> list[date]:
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def days_to_do(database: Database, days: Sequence[date], final_stage: str) -> list[date]:
    """The days not yet recorded as done at ``final_stage`` or later (what a resume does)."""
    if not days:
        return []
    with database.sessions() as session:
        finished = {
            d.day
            for d in day_statuses(session, min(days), max(days))
            if d.status == "done" and STAGES.index(d.stage or "listed") >= STAGES.index(final_stage)
        }
    return [d for d in days if d not in finished]


def _batches(days: Sequence[date], size: int) -> Iterator[list[date]]:
    for start in range(0, len(days), size):
        yield list(days[start : start + size])


def top_ids(entries: Sequence[ListingEntry], top: int) -> list[int] | None:
    """The top thread ids of a day's stored listing; None when it must be listed (again).

    A stored front page that yields no thread while threads are asked for is
    treated as not stored (listed again): a real front page always has some.
    """
    if not entries:
        return None
    ids = top_threads(entries, top)
    return ids if ids or top == 0 else None


def plan_crawl(
    database: Database, days: Sequence[date], top: int, source: str = "front"
) -> CrawlPlan:
    list_days: list[date] = []
    thread_ids: list[int] = []
    with database.sessions() as session:
        for day in days:
            ids = top_ids(listed_entries(session, day, source), top)
            if ids is None:
                list_days.append(day)
                continue
            done = crawled_ids(session, ids)
            thread_ids.extend(i for i in ids if i not in done)
    return CrawlPlan(list_days, list(dict.fromkeys(thread_ids)))


def check_crawled(
    database: Database, day: date, top: int, since: datetime, source: str = "front"
) -> DayOutcome:
    """Whether the day's front page and every one of its top threads are stored.

    Reasons for what is missing come from the archive's ``crawl_failures``
    (recorded by the crawl since ``since``), never an empty string.
    """
    with database.sessions() as session:
        entries = listed_entries(session, day, source)
        ids = top_ids(entries, top)
        if ids is None:
            if source == "dump":
                return DayOutcome(day, False, error="the dump holds no story posted that day")
            if entries:
                return DayOutcome(day, False, error="the front page lists no story with a thread")
            why = failure_reasons(session, days=[day.isoformat()], since=since).get(f"front {day}")
            return DayOutcome(
                day,
                False,
                error=f"front page not stored: {why or 'no reason recorded; see the log'}",
            )
        done = crawled_ids(session, ids)
        comments = comment_count(session, done)
        missing = [i for i in ids if i not in done]
        reasons = failure_reasons(session, story_ids=missing, since=since)
    if missing:
        why = "; ".join(
            f"{i}: {reasons.get(str(i), 'not stored (no reason recorded; see the log)')}"
            for i in missing[:3]
        )
        more = f" (+{len(missing) - 3} more)" if len(missing) > 3 else ""
        return DayOutcome(
            day, False, len(done), comments, f"{len(missing)} thread(s) missing: {why}{more}"
        )
    return DayOutcome(day, True, len(done), comments)


class DayRun:
    """Every stage for a list of days, in batches, with one crawler for the whole run."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        options: DayOptions,
        stages: Stages,
        progress: DaysProgress | None = None,
        on_progress: Callable[[], None] = lambda: None,
        on_day: Callable[[DayOutcome], None] = lambda _: None,
    ) -> None:
        self.on_day = on_day
        self.database = database
        self.settings = settings
        self.options = options
        self.stages = stages
        self.progress = progress or DaysProgress()
        self.on_progress = on_progress
        self.interrupted = False

    def mark(self, day: date, status: str, **fields: Any) -> None:
        with self.database.sessions.begin() as session:
            set_day(session, day, status, **fields)

    def run(self, days: Sequence[date]) -> list[DayOutcome]:
        """Returns one outcome per day finished or failed; fewer when interrupted."""
        self.progress.total = len(days)
        outcomes: list[DayOutcome] = []
        if self.options.source == "dump" and days:
            self._stage("importing")
            try:
                self._import_dump(days)
            except KeyboardInterrupt:
                self.interrupted = True
                return outcomes
        with ExitStack() as crawler_scope:
            session: CrawlSession | None = None

            def crawl_session() -> CrawlSession:
                nonlocal session
                if session is None:  # opened only when a batch has something to fetch
                    session = crawler_scope.enter_context(
                        CrawlSession(
                            self.settings,
                            CrawlJob.build(source=self.options.source).spider,
                            progress=self.progress.crawl,
                            on_progress=self.on_progress,
                        )
                    )
                return session

            for batch in _batches(days, self.options.batch_days):
                try:
                    done = self._batch(batch, crawl_session)
                except KeyboardInterrupt:
                    self.interrupted = True
                    done = None
                if done is None:
                    # What was stored stays; the next run starts from there.
                    for day in batch:
                        self.mark(day, "pending", error="interrupted")
                    break
                outcomes.extend(done)
        return outcomes

    def _import_dump(self, days: Sequence[date]) -> None:
        """Store the range's threads and listings from the dump (resumable, no request to HN)."""
        from matome_crawl.dump import import_dump

        result = import_dump(
            self.database,
            list(self.options.dump_paths),
            first=min(days),
            last=max(days),
            top=self.options.top,
        )
        logger.info(
            "imported %d thread(s) (%d already stored) from %d file(s)",
            result.threads_stored,
            result.threads_skipped,
            result.files,
        )

    def _batch(
        self, batch: list[date], crawl_session: Callable[[], CrawlSession]
    ) -> list[DayOutcome] | None:
        """One batch through every stage; None when interrupted."""
        for day in batch:
            self.mark(day, "running", attempt=True)
        source = self.options.listing_source
        plan = plan_crawl(self.database, batch, self.options.top, source)
        since = datetime.now(UTC)
        crawler_stopped: str | None = None
        if not plan.empty and self.options.source != "dump":  # a dump source sends no request
            self._stage("crawling")
            report = crawl_session().crawl(**plan.job(self.options).arguments)
            if report.interrupted:
                self.interrupted = True
                return None
            crawler_stopped = report.finish_reason
        checked = [check_crawled(self.database, d, self.options.top, since, source) for d in batch]
        if crawler_stopped:
            checked = [
                o if o.ok else DayOutcome(o.day, False, o.threads, o.comments,
                                          f"{o.error} (the crawler stopped: {crawler_stopped})")
                for o in checked
            ]  # fmt: skip
        for outcome in checked:
            if outcome.ok:
                self.mark(outcome.day, "running", stage="crawled")
            else:
                self.mark(outcome.day, "failed", error=outcome.error)
        checked = self._after_crawl(checked)
        for outcome in checked:
            if outcome.ok:
                self.mark(
                    outcome.day,
                    "done",
                    threads=outcome.threads,
                    comments=outcome.comments,
                    error=None,
                )
                self.progress.done += 1
            else:
                self.progress.failed += 1
            self.on_day(outcome)
        self.on_progress()
        return checked

    def _after_crawl(self, checked: list[DayOutcome]) -> list[DayOutcome]:
        """Translate, then export, the days whose threads are all stored."""
        ready = [o.day for o in checked if o.ok]
        for name, stage, done_stage in (
            ("translating", self.stages.translate, "translated"),
            ("exporting", self.stages.export, "exported"),
        ):
            if stage is None or not ready:
                continue
            self._stage(name)
            try:
                stage(ready)
            except self.stages.expected_errors as exc:
                logger.error("%s failed for %s: %s", name, ", ".join(map(str, ready)), exc)
                return self._fail_ready(checked, f"{name}: {exc}")
            except Exception as exc:  # a stage failure fails its days, with the reason
                logger.exception("%s failed for %s", name, ", ".join(map(str, ready)))
                return self._fail_ready(checked, f"{name}: {exc}")
            for day in ready:
                self.mark(day, "running", stage=done_stage)
        return checked

    def _fail_ready(self, checked: list[DayOutcome], error: str) -> list[DayOutcome]:
        failed = []
        for o in checked:
            if o.ok:
                self.mark(o.day, "failed", error=error)
                o = DayOutcome(o.day, False, o.threads, o.comments, error)
            failed.append(o)
        return failed

    def _stage(self, name: str) -> None:
        self.progress.stage = name
        self.on_progress()


def process_days(days: Sequence[date], **run_options: Any) -> list[DayOutcome]:
    """Every stage for every day, in batches (``run_options``: :class:`DayRun`'s keywords)."""
    return DayRun(**run_options).run(days)
