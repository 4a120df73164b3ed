"""``matome run`` (one day, every stage), ``matome backfill`` (a range) and ``matome status``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from db.days import INTERRUPTED, day_statuses, running_crawl_runs, shown_status
from db.engine import Database
from db.lock import ArchiveLocked, archive_lock, lock_state
from matome_crawl.cli.app import (
    DAY,
    db_option,
    echo_rows,
    format_option,
    open_database,
    stderr_console,
)
from matome_crawl.cli.crawl_commands import source_options, top_option
from matome_crawl.cli.interrupts import interrupt_on_sigterm
from matome_crawl.cli.translate_commands import engine_options, options_from
from matome_crawl.crawl import crawl_settings
from matome_crawl.daily import (
    DayOptions,
    DayOutcome,
    DaysProgress,
    Stages,
    day_range,
    days_to_do,
    process_days,
)

EXIT_LOCKED = 75  # EX_TEMPFAIL: cron may simply try again later
F = TypeVar("F", bound=Callable[..., Any])


def stage_options(func: F) -> F:
    """Translation and export choices shared by ``run`` and ``backfill``."""
    from matome_crawl.cli.export_commands import template_set_option
    from matome_crawl.export.model import DEFAULT_TEMPLATE_SET

    options = [
        click.option(
            "--translate/--no-translate",
            "translate",
            default=True,
            show_default=True,
            help="Translate the days' titles and comments (needs the model on this machine).",
        ),
        template_set_option(
            f"Post template set [default: {DEFAULT_TEMPLATE_SET}] (see `matome export --help`)."
        ),
        click.option(
            "--allow-untranslated",
            is_flag=True,
            help="Export threads without a translation too, as drafts.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return engine_options(func)


def build_stages(
    database: Database,
    params: dict[str, Any],
    out_dir: Path | None,
    progress: DaysProgress,
    on_progress: Callable[[], None],
    listing_source: str = "front",
) -> Stages:
    """The translate and export stages the options ask for."""
    from matome_crawl.stages import ExportDays, TranslateDays

    translate = None
    if params["translate"]:
        try:
            options = options_from(params)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        started = time.monotonic()
        finished = 0  # segments of the days already translated

        def on_segments(state: Any) -> None:
            nonlocal finished
            progress.segments = finished + state.segments_done
            if state.segments_done >= state.segments_total:
                finished += state.segments_total
            progress.segments_per_second = progress.segments / (time.monotonic() - started)
            on_progress()

        translate = TranslateDays(database, options, progress=on_segments)
    export = None
    if out_dir is not None:
        settings = {
            "format": params["format_name"],
            "allow_untranslated": params["allow_untranslated"],
            "sources": (listing_source,),
        }
        export = ExportDays(database, out_dir, settings)
    from matome_crawl.export import ExportError
    from matome_crawl.translate import TranslateError

    return Stages(translate=translate, export=export, expected_errors=(TranslateError, ExportError))


def run_days_with_display(
    days: Sequence[date],
    *,
    db_url: str | None,
    options: DayOptions,
    stage_params: dict[str, Any],
    out_dir: Path | None,
    delay: float | None,
    base_url: str | None,
    purpose: str,
    api_concurrency: int | None = None,
    resume: bool = False,
) -> list[DayOutcome]:
    """Lock the archive, process the days with a live display, return the outcomes.

    The lock is taken before the archive is opened (and its schema made), so a
    second run on a new archive waits for nothing and exits 75. ``resume``
    leaves out days already done at the last stage asked for.
    """
    overrides = {"HN_API_CONCURRENCY": api_concurrency} if api_concurrency else None
    settings = crawl_settings(db_url, base_url=base_url, crawl_delay=delay, overrides=overrides)
    progress = DaysProgress()
    try:
        with archive_lock(db_url, purpose), interrupt_on_sigterm():
            database = open_database(db_url)
            try:
                with day_display(progress) as (update, on_day):
                    stages = build_stages(
                        database, stage_params, out_dir, progress, update, options.listing_source
                    )
                    if resume:
                        todo = days_to_do(database, days, stages.final)
                        if len(todo) < len(days):
                            click.echo(
                                f"{len(days) - len(todo)} of {len(days)} day(s) already done; "
                                f"{len(todo)} to go",
                                err=True,
                            )
                        days = todo
                    if not days:
                        return []
                    if out_dir is not None:
                        ensure_site(out_dir)
                    outcomes = process_days(
                        days,
                        database=database,
                        settings=settings,
                        options=options,
                        stages=stages,
                        progress=progress,
                        on_progress=update,
                        on_day=on_day,
                    )
            finally:
                database.dispose()
        report(outcomes, days)
        return outcomes
    except ArchiveLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(EXIT_LOCKED) from None


@contextmanager
def day_display(
    progress: DaysProgress,
) -> Iterator[tuple[Callable[[], None], Callable[[DayOutcome], None]]]:
    """A live progress bar on a terminal; one plain line per day otherwise (cron logs)."""
    console = stderr_console()
    if not console.is_terminal:

        def log_day(outcome: DayOutcome) -> None:
            state = "done" if outcome.ok else f"failed: {outcome.error}"
            click.echo(
                f"{outcome.day}: {state} ({outcome.threads} threads, {outcome.comments} comments;"
                f" {progress.done + progress.failed}/{progress.total} days)",
                err=True,
            )

        yield (lambda: None), log_day
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("days"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("", total=None)

        def update() -> None:
            crawl = progress.crawl
            rate = (
                f" · {progress.segments} segments ({progress.segments_per_second:.1f}/s)"
                if progress.segments
                else ""
            )
            bar.update(
                task,
                total=progress.total or None,
                completed=progress.done + progress.failed,
                description=(
                    f"{progress.stage} · {crawl.threads} threads · {crawl.comments} comments"
                    + rate
                    + (f" · {progress.failed} failed" if progress.failed else "")
                ),
            )

        yield update, (lambda _: None)


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
@top_option("Threads per day, by points.")
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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also export each day's posts into this Hugo site (created if missing).",
)
@click.option(
    "--dump",
    "dump_paths",
    multiple=True,
    type=click.Path(exists=True),
    metavar="PATH",
    help="Archive the days from HN item dumps (Parquet, JSON lines; repeatable) instead of "
    "crawling: no request to HN at all (implies --source dump).",
)
@source_options
@stage_options
@db_option
def backfill(
    first: datetime,
    last: datetime,
    top: int,
    jobs: int,
    batch_days: int,
    out_dir: Path | None,
    dump_paths: tuple[str, ...],
    source: str,
    delay: float | None,
    base_url: str | None,
    api_url: str | None,
    db_url: str | None,
    **stage_params: Any,
) -> None:
    """Archive every day from --from to --to: list, crawl, translate, and (with --out) export.

    Resumable: after Ctrl-C, a crash or a kill, run the same command again;
    finished days are skipped and nothing is fetched or stored twice.
    `matome status` shows done, pending and failed days, and why.
    """
    try:
        days = day_range(first.date(), last.date())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from exc
    if dump_paths:
        source = "dump"
    elif source == "dump":
        raise click.UsageError("--source dump needs --dump PATH (the files or folders to import)")
    options = DayOptions(
        top=top, source=source, api_url=api_url, batch_days=batch_days, dump_paths=dump_paths
    )
    run_days_with_display(
        days,
        db_url=db_url,
        options=options,
        stage_params=stage_params,
        out_dir=out_dir,
        delay=delay,
        base_url=base_url,
        purpose=f"backfill {days[0]}..{days[-1]}",
        api_concurrency=jobs,
        resume=True,
    )


def ensure_site(out_dir: Path) -> None:
    """A site to export into: ``matome site init`` it when it has no Hugo config."""
    from matome_crawl.export import ExportError
    from matome_crawl.export.site import init_site

    if not (out_dir / "hugo.toml").is_file():
        try:
            init_site(out_dir)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"created a Hugo site in {out_dir}", err=True)


@click.command(name="run")
@click.option("--day", type=DAY, help="The day to process [default: --lag-days ago, UTC].")
@click.option(
    "--lag-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help="Without --day: how many days back (threads have settled by then).",
)
@click.option(
    "--out",
    "out_dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The Hugo site to export into (created if missing).",
)
@top_option()
@source_options
@stage_options
@db_option
def run_day(
    day: datetime | None,
    lag_days: int,
    out_dir: Path,
    top: int,
    source: str,
    delay: float | None,
    base_url: str | None,
    api_url: str | None,
    db_url: str | None,
    **stage_params: Any,
) -> None:
    """One day, every stage: list its front page, crawl the top threads, translate, export.

    Made for cron: each stage does only what is left (a second run of the same
    day fetches nothing and loads no model when nothing is new); exit status 0
    when the day is done, 1 with a one-line reason when not, 75 when another
    run holds the archive.
    """
    target = day.date() if day else default_day(lag_days)
    run_days_with_display(
        [target],
        db_url=db_url,
        options=DayOptions(top=top, source=source, api_url=api_url),
        stage_params=stage_params,
        out_dir=out_dir,
        delay=delay,
        base_url=base_url,
        purpose=f"run {target}",
    )
    click.echo(f"site: {out_dir} (build it with `hugo --source {out_dir}`)")


@click.command()
@click.option("--from", "first", type=DAY, help="Only days from this one.")
@click.option("--to", "last", type=DAY, help="Only days up to this one.")
@format_option
@db_option
def status(
    first: datetime | None, last: datetime | None, output_format: str, db_url: str | None
) -> None:
    """Done, pending and failed days of runs and backfills, with the reason for failures.

    A day left `running` by a run that was killed (no run holds the archive now)
    shows as `interrupted`; the next run or backfill takes it up again.
    """
    database = open_database(db_url, read_only=True)
    lock = lock_state(db_url)
    run_alive = lock is None or lock.held
    with database.sessions() as session:
        rows = day_statuses(session, first.date() if first else None, last.date() if last else None)
        cut_short = 0 if run_alive else running_crawl_runs(session)
    database.dispose()
    data = [
        {
            "day": r.day.isoformat(),
            "status": shown_status(r.status, run_alive),
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
        for s in ("done", "pending", "running", INTERRUPTED, "failed")
    }
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no days recorded yet")
    if lock is not None and not lock.held and lock.holder:
        click.echo(
            f"the last run stopped without finishing ({lock.holder}); "
            "run the same command again to resume"
        )
    if cut_short:
        click.echo(f"{cut_short} crawl run(s) never finished (killed or crashed)")
    if data:
        echo_rows(data, "table", title="days")


def default_day(lag_days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=lag_days)
