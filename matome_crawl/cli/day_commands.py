"""``matome run`` (one day, every stage), ``matome backfill`` (a range) and ``matome status``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import click

from db.days import day_statuses
from db.lock import ArchiveLocked, archive_lock
from matome_crawl.cli.app import db_option, echo_rows, format_option, open_database, stderr_console
from matome_crawl.cli.crawl_commands import source_options
from matome_crawl.crawl import crawl_settings
from matome_crawl.daily import (
    DayOptions,
    DayOutcome,
    DaysProgress,
    Stages,
    day_range,
    process_days,
)

DAY = click.DateTime(["%Y-%m-%d"])
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron may simply try again later


def run_days_with_display(
    days: Sequence[date],
    *,
    db_url: str | None,
    options: DayOptions,
    stages: Stages,
    delay: float | None,
    base_url: str | None,
    purpose: str,
    api_concurrency: int | None = None,
) -> list[DayOutcome]:
    """Lock the archive, process the days with a live display, return the outcomes."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    database = open_database(db_url)
    overrides = {"HN_API_CONCURRENCY": api_concurrency} if api_concurrency else None
    settings = crawl_settings(db_url, base_url=base_url, crawl_delay=delay, overrides=overrides)
    progress = DaysProgress()
    columns = (
        TextColumn("days"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    try:
        with archive_lock(db_url, purpose), Progress(*columns, console=stderr_console()) as bar:
            task = bar.add_task("", total=len(days))

            def update() -> None:
                crawl = progress.crawl
                bar.update(
                    task,
                    completed=progress.done + progress.failed,
                    description=(
                        f"{progress.stage} · {crawl.threads} threads · {crawl.comments} comments"
                        + (f" · {progress.failed} failed" if progress.failed else "")
                    ),
                )

            return process_days(
                days,
                database=database,
                settings=settings,
                options=options,
                stages=stages,
                progress=progress,
                on_progress=update,
            )
    except ArchiveLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(EXIT_LOCKED) from None
    finally:
        database.dispose()


def report(outcomes: list[DayOutcome], days: Sequence[date]) -> None:
    """One line per failed day, a summary, and a non-zero exit when anything failed."""
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        click.echo(f"{outcome.day}: failed: {outcome.error}", err=True)
    threads = sum(o.threads for o in done)
    comments = sum(o.comments for o in done)
    click.echo(f"{len(done)}/{len(days)} day(s) done: {threads} threads, {comments} comments")
    if failed:
        raise click.ClickException(
            f"{len(failed)} day(s) failed ({', '.join(str(o.day) for o in failed[:5])}); "
            "`matome status` shows why; re-run to retry"
        )
    if len(outcomes) < len(days):
        raise click.ClickException(
            f"interrupted after {len(outcomes)} of {len(days)} day(s); re-run to resume"
        )


@click.command()
@click.option("--from", "first", type=DAY, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=DAY, required=True, help="Last day, included.")
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="Threads per day, by points.",
)
@click.option(
    "--jobs",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="API requests in flight (--source api); the HN site always gets one at a time.",
)
@click.option(
    "--batch-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help="Days listed and crawled by one spider run before their next stages.",
)
@source_options
@db_option
def backfill(
    first: datetime,
    last: datetime,
    top: int,
    jobs: int,
    batch_days: int,
    source: str,
    delay: float | None,
    base_url: str | None,
    api_url: str | None,
    db_url: str | None,
) -> None:
    """Archive every day from --from to --to: list, crawl, and record each day's status.

    Resumable: after Ctrl-C, a crash or a kill, run the same command again;
    finished days are skipped and nothing is fetched or stored twice.
    `matome status` shows done, pending and failed days.
    """
    try:
        days = day_range(first.date(), last.date())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from exc
    options = DayOptions(top=top, source=source, api_url=api_url, batch_days=batch_days)
    database = open_database(db_url)
    with database.sessions() as session:
        finished = {d.day for d in day_statuses(session, days[0], days[-1]) if d.status == "done"}
    database.dispose()
    todo = [d for d in days if d not in finished]
    if finished:
        click.echo(
            f"{len(finished)} of {len(days)} day(s) already done; {len(todo)} to go", err=True
        )
    outcomes = run_days_with_display(
        todo,
        db_url=db_url,
        options=options,
        stages=Stages(),
        delay=delay,
        base_url=base_url,
        purpose=f"backfill {days[0]}..{days[-1]}",
        api_concurrency=jobs,
    ) if todo else []  # fmt: skip
    report(outcomes, todo)


@click.command()
@click.option("--from", "first", type=DAY, help="Only days from this one.")
@click.option("--to", "last", type=DAY, help="Only days up to this one.")
@format_option
@db_option
def status(
    first: datetime | None, last: datetime | None, output_format: str, db_url: str | None
) -> None:
    """Done, pending and failed days of runs and backfills, with the reason for failures."""
    database = open_database(db_url)
    with database.sessions() as session:
        rows = day_statuses(session, first.date() if first else None, last.date() if last else None)
        data = [
            {
                "day": r.day.isoformat(),
                "status": r.status,
                "stage": r.stage,
                "threads": r.threads,
                "comments": r.comments,
                "attempts": r.attempts,
                "updated_at": r.updated_at.isoformat(),
                "error": r.error,
            }
            for r in rows
        ]
    if output_format != "table":
        echo_rows(data, output_format)
        return
    counts = {
        s: sum(1 for r in data if r["status"] == s)
        for s in ("done", "pending", "running", "failed")
    }
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no days recorded yet")
    if data:
        echo_rows(data, "table", title="days")


def default_day(lag_days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=lag_days)
