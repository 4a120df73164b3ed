"""``matome translate``: stored titles and comments → Japanese, with a local model."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

from matome_crawl.cli.app import DAY, db_option, open_database

F = TypeVar("F", bound=Callable[..., Any])


def engine_options(func: F) -> F:
    """``--model --backend --device --threads --batch-size --beam --compute-type``."""
    from matome_crawl.translate.options import BACKENDS, DEFAULT_MODEL, DEVICES

    decorators = [
        click.option(
            "--model",
            envvar="MATOME_MODEL",
            default=DEFAULT_MODEL,
            show_default=True,
            metavar="NAME|PATH",
            help="Hub model name (from the local cache) or a local model directory "
            "[env MATOME_MODEL].",
        ),
        click.option(
            "--backend",
            type=click.Choice(BACKENDS),
            default="ctranslate2",
            show_default=True,
            help="ctranslate2 converts a transformers model once and is the fast path.",
        ),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True),
        click.option(
            "--threads", type=click.IntRange(min=0), default=0, help="CPU threads [default: all]."
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=None,
            help="Segments per model batch [default: measured per model family on CPU "
            "(see `matome model info`), 32 on CUDA].",
        ),
        click.option(
            "--beam",
            type=click.IntRange(min=1),
            default=None,
            help="Beam size [default: measured per model family, see `matome model info`].",
        ),
        click.option(
            "--target-lang",
            default=None,
            metavar="CODE",
            help="Language to translate into, as an NLLB code (fra_Latn, kor_Hang…); NLLB "
            "models only [default: jpn_Jpan; FuguMT translates into Japanese only].",
        ),
        click.option(
            "--compute-type",
            default="auto",
            show_default=True,
            help="CTranslate2 compute type (auto: int8 on CPU, int8_float16 on CUDA).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def options_from(params: dict[str, Any]):  # type: ignore[no-untyped-def]
    from matome_crawl.translate import TranslationOptions

    return TranslationOptions(
        model=params["model"],
        backend=params["backend"],
        device=params["device"],
        threads=params["threads"],
        batch_size=params["batch_size"],
        beam=params["beam"],
        compute_type=params["compute_type"],
        target_lang=params.get("target_lang"),
    )


def load_translator(options):  # type: ignore[no-untyped-def]
    """The translator (model found, converted once if needed, loaded), with a missing or
    unusable model as one line instead of a traceback."""
    from matome_crawl.translate import TranslateError, Translator
    from matome_crawl.translate.cpu import configure_ctranslate2_cpu

    configure_ctranslate2_cpu()  # the process's own setting, before the first model loads
    try:
        return Translator.load(options)
    except TranslateError as exc:
        raise click.ClickException(str(exc)) from exc


def _story_ids(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[int, ...]:
    ids = []
    for value in values:
        for part in value.replace(",", " ").split():
            if not part.isdigit():
                raise click.BadParameter(f"{part!r} is not a story id")
            ids.append(int(part))
    return tuple(ids)


@click.command(name="translate")
@click.option(
    "--day",
    type=DAY,
    default=None,
    help="A front-page day (YYYY-MM-DD).",
)
@click.option(
    "--story",
    "story_ids",
    multiple=True,
    callback=_story_ids,
    metavar="ID",
    help="A story id (repeat the option, or separate ids with commas).",
)
@click.option(
    "--pending", is_flag=True, help="Everything stored that has no Japanese yet (every comment)."
)
@click.option(
    "--all-comments",
    is_flag=True,
    help="Every comment of the day or stories, not only those their posts quote (for the "
    "archive's search); alone, everything pending, as --pending.",
)
@engine_options
@click.option(
    "--engine",
    type=click.Choice(("local", "ray")),
    default="local",
    show_default=True,
    help="local: this process; ray: a Ray Data actor pool (the `ray` extra), one model per worker.",
)
@click.option(
    "--address",
    default=None,
    metavar="auto|ray://HOST:PORT",
    help="--engine ray: the cluster to join [default: start a local Ray instance].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="--engine ray: actors, each with its own model.",
)
@click.option(
    "--gpus-per-worker",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="--engine ray: GPUs each actor asks for (0: CPU actors, one CPU each).",
)
@click.option(
    "--commit-every",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Documents (titles and comments) per transaction.",
)
@db_option
def translate(
    day: Any,
    story_ids: tuple[int, ...],
    pending: bool,
    all_comments: bool,
    commit_every: int,
    db_url: str | None,
    engine: str,
    address: str | None,
    workers: int,
    gpus_per_worker: float,
    **model: Any,
) -> None:
    """Translate stored titles and comments into Japanese, with a local model.

    For a day or stories, the titles and the comments their posts will quote (what
    `matome run` translates); --all-comments or --pending, every comment.
    Resumable: each batch of documents is committed, and translated segments are kept in
    the translation memory, so a re-run after an interruption picks up where it stopped.
    """
    from matome_crawl.translate import TranslateError
    from matome_crawl.translation_stage import Selection, translate_archive

    if all_comments and day is None and not story_ids:
        pending = True
    if sum((day is not None, bool(story_ids), pending)) != 1:
        raise click.UsageError(
            "give exactly one of --day D, --story ID, --pending or --all-comments"
        )
    if engine == "local" and (address is not None or workers != 1 or gpus_per_worker):
        raise click.UsageError("--address, --workers and --gpus-per-worker need --engine ray")
    try:
        options = options_from(model)
        runner = _runner(engine, address, workers, gpus_per_worker)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    selection = Selection(
        day=day.date() if day else None,
        story_ids=story_ids,
        pending=pending,
        all_comments=all_comments,
    )
    database = open_database(db_url)
    with _ProgressBar() as bar:
        try:
            result = translate_archive(
                database,
                lambda: load_translator(options),  # only when there is something to translate
                selection,
                batch_documents=commit_every,
                progress=bar.update,
                segment_runner=runner,
            )
        except TranslateError as exc:
            raise click.ClickException(str(exc)) from exc
    for story_id in result.missing_story_ids:
        click.echo(f"story {story_id} is not in the archive", err=True)
    if result.model_id is None:
        click.echo(f"Nothing to translate ({result.stories} stories looked at); no model loaded.")
        return
    if result.changed_meanwhile:
        click.echo(
            f"{result.changed_meanwhile} titles or comments changed while they were translated; "
            "run again to translate the new text",
            err=True,
        )
    click.echo(
        f"Translated {result.titles} titles and {result.comments} comments "
        f"of {result.stories} stories in {result.batches} batches."
    )
    kept = ""
    if result.untranslated:
        kept = (
            f"; {result.untranslated_documents} titles or comments keep some English where "
            "the model failed"
        )
    click.echo(
        f"Distinct segments: {result.segments} = {result.cache_hits} from the translation "
        f"memory + {result.translated} by the model + {result.untranslated} kept in English"
        f"{kept}."
    )
    click.echo(
        f"Time: {result.seconds:.1f} s ({result.segments_per_second:.1f} segments/s); "
        f"model {result.model_id} [{result.settings}] into {result.target_lang}."
    )
    if runner is not None:
        # The Ray workers' segments reach the batches through the memory (counted there).
        click.echo(
            f"Ray engine: {runner.sent} segments translated by {workers} workers in "
            f"{runner.blocks} blocks ({len(runner.failed)} kept in English)."
        )


def _runner(engine: str, address: str | None, workers: int, gpus_per_worker: float) -> Any:
    """None for the local engine; the Ray engine's runner (Ray itself is imported only
    once there is something to translate)."""
    if engine == "local":
        return None
    from matome_crawl.translate.ray_engine import RayOptions
    from matome_crawl.translation_stage import RaySegmentRunner

    return RaySegmentRunner(
        RayOptions(address=address, workers=workers, gpus_per_worker=gpus_per_worker)
    )


class _ProgressBar:
    """Progress on stderr, shown once there is work (so a model that cannot be loaded is
    one error line, not a bar and a line): a rich bar counting segments on a terminal, a
    plain line per committed batch elsewhere (a log file, cron)."""

    def __enter__(self) -> _ProgressBar:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.progress: Any = None
        self.started = time.perf_counter()
        self.documents_done = -1
        return self

    def _start(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("translating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("segments"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task("translate", total=None, rate="")
        self.progress.start()

    def update(self, state: Any) -> None:
        if not self.console.is_terminal:
            if state.documents_done != self.documents_done and state.documents_done:
                elapsed = time.perf_counter() - self.started
                rate = state.segments_done / elapsed if elapsed else 0.0
                click.echo(
                    f"translated {state.documents_done}/{state.documents_total} titles and "
                    f"comments, {state.segments_done}/{state.segments_total} segments "
                    f"({rate:.1f} segments/s)",
                    err=True,
                )
            self.documents_done = state.documents_done
            return
        if self.progress is None:
            self._start()
        task = self.progress.tasks[0]
        speed = task.speed
        self.progress.update(
            self.task,
            total=state.segments_total,
            completed=state.segments_done,
            rate=f"{speed:.1f} segments/s" if speed else "",
        )

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()
