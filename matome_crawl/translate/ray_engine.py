"""Segments through the translator on a Ray cluster: a Ray Data actor pool, one model each.

The caller hands in distinct segments (what the translation memory did not have), already
sorted by length; they go out in blocks of the translator's own round size, so a worker
gets the same batches the local engine would have made from the same list. Each actor
loads the translator once (``Translator.load``, on a GPU when ``gpus_per_worker`` asks for
one) and runs :meth:`~matome_crawl.translate.engine.Translator.translate_segments` on each
block. Results stream back block by block, for the caller to store as they come.

Ray is an optional extra (``pip install 'matome-crawl[ray]'``): nothing imports this module
unless ``--engine ray`` is asked for. Knows nothing of HN or the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from matome_crawl.translate.options import TranslateError, TranslationOptions

logger = logging.getLogger(__name__)

RAY_EXTRA_HINT = "the Ray engine needs the optional package 'ray': pip install 'matome-crawl[ray]'"


@dataclass(frozen=True, slots=True)
class RayOptions:
    """Where and how wide: ``address`` None starts a local Ray instance (or uses the one
    this process already started); ``auto`` joins a running cluster; ``ray://HOST:PORT``
    connects as a client."""

    address: str | None = None
    workers: int = 1
    gpus_per_worker: float = 0.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.gpus_per_worker < 0:
            raise ValueError(f"gpus_per_worker must be 0 or more, not {self.gpus_per_worker}")


def _ray() -> Any:
    try:
        import ray
        import ray.data  # configures Ray Data's loggers: before connect() turns them down
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "ray":
            raise
        raise TranslateError(RAY_EXTRA_HINT) from exc
    return ray


def connect(options: RayOptions) -> Any:
    """The ``ray`` module, initialised quietly (no dashboard, no progress bars, worker logs
    kept off the driver's stderr) unless this process already did it."""
    ray = _ray()
    # Ray's and Ray Data's own loggers say much at INFO and WARNING (token authentication,
    # progress bars off, each dataset finished); a translate run shows errors only.
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if not ray.is_initialized():
        ray.init(
            address=options.address,
            include_dashboard=False,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return ray


class SegmentWorker:
    """One Ray actor: one translator, blocks of segments in, their translations out
    (``""`` where the model failed)."""

    def __init__(self, options: TranslationOptions, settings: str) -> None:
        from matome_crawl.translate.cpu import configure_ctranslate2_cpu
        from matome_crawl.translate.engine import Translator

        configure_ctranslate2_cpu()  # this worker process is the application's own
        if options.threads == 0 and options.device != "cuda":
            import ray

            cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1.0)
            options = replace(options, threads=max(1, int(cpus)))
        self.translator = Translator.load(options)
        if self.translator.settings != settings:
            raise TranslateError(
                f"a Ray worker's model runs as {self.translator.settings}, the driver's as "
                f"{settings}: give --device and --compute-type explicitly so both agree"
            )

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        segments = [str(s) for s in batch["segment"]]
        translated, _failed = self.translator.translate_segments(segments)
        return {"segment": segments, "translation": [translated.get(s, "") for s in segments]}


def translate_blocks(
    segments: Sequence[str],
    options: TranslationOptions,
    *,
    settings: str,
    block_size: int,
    ray_options: RayOptions,
) -> Iterator[dict[str, str | None]]:
    """Translate ``segments`` (distinct, sorted by length) on Ray; yields one
    ``segment → translation or None (failed)`` dict per block as blocks finish (lazy:
    nothing runs until iterated)."""
    if not segments:
        return
    ray = connect(ray_options)
    blocks = max(1, -(-len(segments) // block_size))
    dataset = ray.data.from_items(
        [{"segment": s} for s in segments], override_num_blocks=blocks
    ).map_batches(
        SegmentWorker,
        fn_constructor_kwargs={"options": options, "settings": settings},
        batch_size=block_size,
        compute=ray.data.ActorPoolStrategy(size=ray_options.workers),
        num_gpus=ray_options.gpus_per_worker or None,
        num_cpus=None if ray_options.gpus_per_worker else 1,
        batch_format="numpy",
    )
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        pairs = zip(batch["segment"], batch["translation"], strict=True)
        yield {str(s): (str(t) or None) for s, t in pairs}
