"""``matome crawl``: a day's front page and its top threads, the live front page, or threads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from scrapy.settings import Settings

from db.engine import display_url
from matome_crawl.cli.app import DAY, db_option, open_database, stderr_console
from matome_crawl.cli.interrupts import interrupt_on_sigterm
from matome_crawl.crawl import (
    CrawlJob,
    CrawlProgress,
    CrawlReport,
    crawl_settings,
    run_crawl,
)

F = TypeVar("F", bound=Callable[..., Any])


def top_option(help_text: str = "Threads to crawl, by points.") -> Callable[[F], F]:
    """``--top N``: how many of a listing's threads to crawl (dead stories and jobs skipped)."""
    return click.option(
        "--top", default=10, show_default=True, type=click.IntRange(min=0), help=help_text
    )


class SiteURL(click.ParamType):
    """An http(s) URL with a host: a malformed ``--base-url`` fails before anything starts."""

    name = "URL"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        from urllib.parse import urlsplit

        text = str(value).strip()
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(f"{text!r} is not an http(s) URL with a host (e.g. http://127.0.0.1:8080)")
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            self.fail(f"{text!r} has a port that is not a number")
        return text.rstrip("/")


SITE_URL = SiteURL()


def source_options(func: F) -> F:
    """Where pages come from and how politely: shared by crawl, run and backfill."""
    sources = ["html", "api", "dump"] if func.__name__ == "backfill" else ["html", "api"]
    options = [
        click.option(
            "--source",
            type=click.Choice(sources),
            default="html",
            show_default=True,
            help="Threads from the site's pages, or from the official API (one request per "
            "item, no crawl delay; the day's listing still comes from the site)"
            + ("; or from --dump files, with no request at all." if "dump" in sources else "."),
        ),
        click.option(
            "--delay",
            type=click.FloatRange(min=0),
            default=None,
            help="Seconds between requests to the HN site [default: 30, its robots.txt "
            "Crawl-delay].",
        ),
        click.option(
            "--base-url",
            envvar="MATOME_HN_BASE_URL",
            type=SITE_URL,
            help="HN site or mirror [env MATOME_HN_BASE_URL; "
            "default: https://news.ycombinator.com].",
        ),
        click.option(
            "--api-url",
            envvar="MATOME_HN_API_URL",
            type=SITE_URL,
            help="Official API base [env MATOME_HN_API_URL; "
            "default: https://hacker-news.firebaseio.com/v0].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.option("--day", type=DAY, help="A past front page (YYYY-MM-DD).")
@click.option("--front", "live", is_flag=True, help="The live front page (/news).")
@click.option("--thread", "threads", is_flag=True, help="Crawl the thread IDs given as arguments.")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1), metavar="[ID]...")
@top_option("Threads to crawl from the listing, by points (dead stories and jobs skipped).")
@click.option(
    "--pages",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="List pages to read (30 stories each).",
)
@source_options
@db_option
def crawl(
    day: object,
    live: bool,
    threads: bool,
    ids: tuple[int, ...],
    top: int,
    pages: int,
    source: str,
    delay: float | None,
    base_url: str | None,
    api_url: str | None,
    db_url: str | None,
) -> None:
    """Crawl Hacker News into the archive.

    \b
      matome crawl --day 2026-04-04 --top 10   a past front page and its top threads
      matome crawl --front                     the live front page and its top threads
      matome crawl --thread 47536761 48350598  whole threads, every "More" page

    Politeness: one request at a time with HN's Crawl-delay (30 s) between
    requests, robots.txt obeyed, rate limits retried with backoff. Re-running
    is safe: stored threads are updated, nothing is deleted.
    """
    chosen = [bool(day), live, threads]
    if sum(chosen) != 1:
        raise click.UsageError("give exactly one of --day D, --front or --thread ID...")
    if threads and not ids:
        raise click.UsageError("--thread needs at least one item ID")
    if ids and not threads:
        raise click.UsageError("item IDs are only taken with --thread")
    job = CrawlJob.build(
        source=source,
        days=[day.date()] if day else [],  # type: ignore[attr-defined]
        ids=list(ids),
        top=top,
        pages=pages,
        api_url=api_url,
    )
    settings = crawl_settings(db_url, base_url=base_url, crawl_delay=delay)
    open_database(db_url).dispose()  # a missing driver or an unreachable server: one line
    started = datetime.now(UTC)
    with interrupt_on_sigterm():
        report = run_with_progress(job, settings)
    click.echo(
        f"stored {report.threads_stored} thread(s), {report.comments_stored} comments "
        f"({report.comments_added} new), {report.listing_rows} listing rows "
        f"in {report.seconds:.1f} s → {display_url(settings.get('MATOME_DB_URL'))}"
    )
    if not report.ok:
        raise click.ClickException(report.problems() + first_reason(db_url, report, started))


def first_reason(db_url: str | None, report: CrawlReport, since: datetime) -> str:
    """`` (why the first one failed: …)`` from the archive's crawl_failures, when recorded."""
    from db.store import failure_reasons

    database = open_database(db_url, read_only=True)
    try:
        with database.sessions() as session:
            reasons = failure_reasons(
                session, story_ids=report.failed_threads[:1], days=["live"], since=since
            )
    finally:
        database.dispose()
    if report.failed_threads and str(report.failed_threads[0]) in reasons:
        return f" ({report.failed_threads[0]}: {reasons[str(report.failed_threads[0])]})"
    return ""


def run_with_progress(job: CrawlJob, settings: Settings) -> CrawlReport:
    """Run crawls with a live line on stderr: pages, threads, comments, failures."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = CrawlProgress()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr_console(), transient=False) as bar:
        task = bar.add_task("crawling")

        def update() -> None:
            bar.update(
                task,
                description=(
                    f"crawling: {progress.pages} pages, {progress.listings} listings, "
                    f"{progress.threads} threads, {progress.comments} comments"
                    + (f", {progress.failed} failed" if progress.failed else "")
                ),
            )

        update()
        return run_crawl(job, settings, progress=progress, on_progress=update)
