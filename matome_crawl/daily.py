"""Days through every stage: list → crawl → translate → export, resumable and idempotent.

What a day still needs is read from the archive itself (is its front page
stored? are its top threads crawled?), so a re-run does no network work that
is already done, and a run killed at any point resumes where it stopped.
The ``days`` table records each day's status and, for failures, why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scrapy.settings import Settings

from db.days import comment_count, crawled_ids, listed_entries, set_day
from db.engine import Database
from matome_crawl.crawl import CrawlJob, CrawlProgress, Crawls, run_in_reactor
from matome_crawl.spiders.front import top_threads

logger = logging.getLogger(__name__)

DayStage = Callable[[Sequence[date]], object]


@dataclass(frozen=True)
class DayOptions:
    top: int = 10
    pages: int = 1
    source: str = "html"  # or "api"
    api_url: str | None = None
    batch_days: int = 7  # days crawled by one spider run before translating and exporting


@dataclass
class Stages:
    """The work after crawling, each called with the days whose threads are all stored."""

    translate: DayStage | None = None
    export: DayStage | None = None
    # Failures with a message that says it all (a missing model, say): logged
    # as one line; anything else is logged with its traceback.
    expected_errors: tuple[type[Exception], ...] = ()


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
    list_days: list[date]  # days whose front page is not stored yet
    thread_ids: list[int]  # top threads of stored front pages not crawled yet

    @property
    def empty(self) -> bool:
        return not self.list_days and not self.thread_ids


def day_range(first: date, last: date) -> list[date]:
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _batches(days: Sequence[date], size: int) -> Iterator[list[date]]:
    for start in range(0, len(days), size):
        yield list(days[start : start + size])


def top_ids(database: Database, day: date, top: int) -> list[int] | None:
    """The day's top thread ids from its stored front page; None when it is not stored."""
    with database.sessions() as session:
        entries = listed_entries(session, day)
    return top_threads(entries, top) if entries else None


def plan_crawl(database: Database, days: Sequence[date], top: int) -> CrawlPlan:
    list_days: list[date] = []
    thread_ids: list[int] = []
    for day in days:
        ids = top_ids(database, day, top)
        if ids is None:
            list_days.append(day)
            continue
        with database.sessions() as session:
            done = crawled_ids(session, ids)
        thread_ids.extend(i for i in ids if i not in done)
    return CrawlPlan(list_days, list(dict.fromkeys(thread_ids)))


def crawl_job(plan: CrawlPlan, options: DayOptions) -> CrawlJob:
    arguments: dict[str, Any] = {
        "days": plan.list_days,
        "ids": plan.thread_ids,
        "top": options.top,
        "pages": options.pages,
    }
    if options.source == "api":
        if options.api_url:
            arguments["api_url"] = options.api_url
        return CrawlJob("api", arguments)
    return CrawlJob("front", arguments)


def check_crawled(database: Database, day: date, top: int, reasons: dict[str, str]) -> DayOutcome:
    """Whether the day's front page and every one of its top threads are stored."""
    ids = top_ids(database, day, top)
    if ids is None:
        why = reasons.get(f"front {day}", "see the log")
        return DayOutcome(day, False, error=f"front page not stored: {why}")
    with database.sessions() as session:
        done = crawled_ids(session, ids)
        comments = comment_count(session, done)
    missing = [i for i in ids if i not in done]
    if missing:
        why = "; ".join(f"{i}: {reasons.get(str(i), 'not stored')}" for i in missing[:3])
        more = f" (+{len(missing) - 3} more)" if len(missing) > 3 else ""
        return DayOutcome(
            day, False, len(done), comments, f"{len(missing)} thread(s) missing: {why}{more}"
        )
    return DayOutcome(day, True, len(done), comments)


def process_days(
    days: Sequence[date],
    *,
    database: Database,
    settings: Settings,
    options: DayOptions,
    stages: Stages,
    progress: DaysProgress | None = None,
    on_progress: Callable[[], None] = lambda: None,
) -> list[DayOutcome]:
    """Every stage for every day, in batches; returns one outcome per day attempted."""
    progress = progress or DaysProgress()
    progress.total = len(days)

    def mark(day: date, status: str, **fields: Any) -> None:
        with database.sessions.begin() as session:
            set_day(session, day, status, **fields)

    async def main(crawls: Crawls) -> list[DayOutcome]:
        outcomes: list[DayOutcome] = []
        for batch in _batches(days, options.batch_days):
            if crawls.interrupted:
                break
            for day in batch:
                mark(day, "running", attempt=True)
            plan = plan_crawl(database, batch, options.top)
            reasons: dict[str, str] = {}
            if not plan.empty:
                progress.stage = "crawling"
                on_progress()
                stats = await crawls.run(crawl_job(plan, options))
                reasons = stats.get("matome/failure_reasons", {})
            checked = [check_crawled(database, day, options.top, reasons) for day in batch]
            ready = [o.day for o in checked if o.ok]
            if crawls.interrupted:
                # What was stored stays; the next run starts from there.
                for day in batch:
                    mark(day, "pending", error="interrupted")
                break
            for outcome in checked:
                if outcome.ok:
                    mark(outcome.day, "running", stage="crawled")
                else:
                    mark(outcome.day, "failed", error=outcome.error)
            for name, stage, done_stage in (
                ("translating", stages.translate, "translated"),
                ("exporting", stages.export, "exported"),
            ):
                if stage is None or not ready:
                    continue
                progress.stage = name
                on_progress()
                try:
                    stage(ready)
                except Exception as exc:  # a stage failure fails its days, with the reason
                    days_text = ", ".join(map(str, ready))
                    if isinstance(exc, stages.expected_errors):
                        logger.error("%s failed for %s: %s", name, days_text, exc)
                    else:
                        logger.exception("%s failed for %s", name, days_text)
                    for day in ready:
                        mark(day, "failed", error=f"{name}: {exc}")
                    checked = [
                        DayOutcome(o.day, False, o.threads, o.comments, f"{name}: {exc}")
                        if o.ok
                        else o
                        for o in checked
                    ]
                    ready = []
                    break
                for day in ready:
                    mark(day, "running", stage=done_stage)
            for outcome in checked:
                if outcome.ok:
                    mark(
                        outcome.day,
                        "done",
                        threads=outcome.threads,
                        comments=outcome.comments,
                        error=None,
                    )
                    progress.done += 1
                else:
                    progress.failed += 1
                outcomes.append(outcome)
            on_progress()
        return outcomes

    return run_in_reactor(settings, main, progress=progress.crawl, on_progress=on_progress)
