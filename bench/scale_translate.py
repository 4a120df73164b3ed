"""Translation at scale (issue 12): selection first, and the Ray engine against the local one.

1. Selection first: distinct segments (and titles + comments) a day's translation takes
   when only what the posts quote is translated, against every comment, on the shared HN
   fixture threads, the demo world's day and a bigger synthetic day. Counting needs the
   tokenizer only: no model is run.
2. Engines: the same archive (the synthetic day's quoted comments) translated by the
   local engine and by the Ray engine with 2 local CPU workers (``ray.init(num_cpus=2)``),
   with a FuguMT-shaped random Marian model (built offline by ``bench/translate.py``) and
   a fixed output length, so both do the same decoding work; stored translations are
   checked identical.

    python bench/scale_translate.py                     # both parts
    python bench/scale_translate.py --skip-ray          # selection counts only
    python bench/scale_translate.py --device cuda       # engines on the GPU (default auto)

It is a script, not a test: numbers depend on the machine and on its neighbours.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HTML = ROOT.parent / "shared" / "fixtures" / "hn" / "html" / "item"
# The fixture threads in today's layout (the older pages are parser tests, pre-2016 HN).
FIXTURE_THREADS = {47536761: ["item_47536761.html"], 48350598: ["item_48350598.html"]}
CRAWLED_AT = datetime(2026, 5, 3, 6, 0, tzinfo=UTC)
OUTPUT_TOKENS = 24


def _bench_translate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_translate", ROOT / "bench/translate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def store_fixture_threads(database) -> list[int]:  # type: ignore[no-untyped-def]
    from db.store import store_thread
    from matome_crawl.hn.thread import join_pages, parse_thread_page

    ids = []
    with database.sessions.begin() as session:
        for story_id, pages in FIXTURE_THREADS.items():
            if not all((HTML / p).is_file() for p in pages):
                continue
            parsed = [parse_thread_page("u", (HTML / p).read_bytes()) for p in pages]
            store_thread(session, join_pages(parsed), CRAWLED_AT)
            ids.append(story_id)
    return ids


def store_synthetic_day(database, day) -> None:  # type: ignore[no-untyped-def]
    from db.store import store_listing, store_thread
    from matome_crawl.hn.model import ListingPage

    listing = ListingPage(
        url="https://example.invalid/", entries=day.listing_entries(), next_url=None
    )
    with database.sessions.begin() as session:
        for thread in day.threads:
            store_thread(session, thread.thread_record(), CRAWLED_AT)
        store_listing(session, listing, source="front", day=day.day, captured_at=CRAWLED_AT)


def work_size(database, translator, selection) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(titles + comments, distinct segments) the stage would translate."""
    from matome_crawl.translation_stage import _work

    with database.sessions() as session:
        items, _, _ = _work(session, selection)
    plan = translator.plan(item.source for item in items)
    return len(items), len(plan.segments)


def selection_counts(translator, workdir: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from db.engine import connect
    from matome_crawl.demo.synthetic import DEMO_DAY, demo_day, synthetic_day
    from matome_crawl.translation_stage import Selection

    cases = []
    database = connect(f"sqlite:///{workdir / 'fixtures.sqlite3'}")
    ids = store_fixture_threads(database)
    cases.append((f"HN fixture threads ({len(ids)})", database, Selection(story_ids=tuple(ids))))
    database = connect(f"sqlite:///{workdir / 'demo.sqlite3'}")
    store_synthetic_day(database, demo_day())
    cases.append(("demo world's day (36 stories)", database, Selection(day=DEMO_DAY)))
    big = date(2026, 5, 2)
    database = connect(f"sqlite:///{workdir / 'synthetic.sqlite3'}")
    store_synthetic_day(database, synthetic_day(big, 30, 300, seed=1))
    cases.append(("synthetic day (30 × 300 comments)", database, Selection(day=big)))
    print("\nselection first: what a day's translation takes (all comments → quoted only)")
    for label, database, selection in cases:
        docs_all, segs_all = work_size(database, translator, replace(selection, all_comments=True))
        docs, segs = work_size(database, translator, selection)
        print(
            f"  {label:36s} documents {docs_all:6d} → {docs:5d}  segments {segs_all:6d} → "
            f"{segs:5d}  ({segs_all / segs:.2f}× fewer, {100 * (1 - segs / segs_all):.0f}% saved)"
        )
        database.dispose()


def engines(model_dir: Path, workdir: Path, device: str, comments: int) -> None:
    import ray

    from db.engine import connect
    from matome_crawl.demo.synthetic import synthetic_day
    from matome_crawl.translate import TranslationOptions, Translator
    from matome_crawl.translate.cpu import configure_ctranslate2_cpu
    from matome_crawl.translate.ray_engine import RayOptions
    from matome_crawl.translation_stage import RaySegmentRunner, Selection, translate_archive

    configure_ctranslate2_cpu()
    options = TranslationOptions(
        model=str(model_dir),
        models_dir=str(workdir / "models"),
        device=device,
        min_new_tokens=OUTPUT_TOKENS,
        max_new_tokens=OUTPUT_TOKENS,
    )
    translator = Translator.load(options)
    day = synthetic_day(date(2026, 5, 9), 1, comments, seed=2)
    archives = {}
    for name in ("local", "ray"):
        archives[name] = connect(f"sqlite:///{workdir / f'engine-{name}.sqlite3'}")
        store_synthetic_day(archives[name], day)
    selection = Selection(day=day.day)
    started = time.perf_counter()
    local = translate_archive(archives["local"], translator, selection)
    local_s = time.perf_counter() - started
    started = time.perf_counter()
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
    )
    init_s = time.perf_counter() - started
    # On a GPU the two actors share it (half each), as the driver's translator runs there.
    gpus = 0.5 if translator.backend.device == "cuda" else 0.0
    runner = RaySegmentRunner(RayOptions(workers=2, gpus_per_worker=gpus))
    started = time.perf_counter()
    on_ray = translate_archive(archives["ray"], translator, selection, segment_runner=runner)
    ray_s = time.perf_counter() - started
    ray.shutdown()
    same = stored(archives["local"]) == stored(archives["ray"])
    print(
        f"\nengines on the same archive ({local.comments} comments + {local.titles} title, "
        f"{local.segments} distinct segments, {OUTPUT_TOKENS} target tokens each, "
        f"device {translator.backend.device}):"
    )
    print(
        f"  local engine                  {local_s:7.1f} s  {local.segments / local_s:6.1f} seg/s"
    )
    print(
        f"  ray engine, 2 CPU workers     {ray_s:7.1f} s  {on_ray.segments / ray_s:6.1f} seg/s"
        f"  (+ ray.init {init_s:.1f} s)"
    )
    print(
        f"  ratio ray/local: {ray_s / local_s:.2f}× the time ({(ray_s + init_s) / local_s:.2f}× "
        f"with ray.init); stored translations identical: {same}"
    )
    for database in archives.values():
        database.dispose()


def stored(database):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from db.models import Comment, Story

    with database.sessions() as session:
        return (
            session.execute(select(Story.id, Story.title_ja).order_by(Story.id)).all(),
            session.execute(select(Comment.id, Comment.text_ja).order_by(Comment.id)).all(),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default=None, help="keep the built model here (reused)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--comments", type=int, default=120, help="of the engines' thread")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="matome-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    model_dir = _bench_translate().build_model(workdir)
    from matome_crawl.translate import TranslationOptions, Translator

    translator = Translator.load(
        TranslationOptions(model=str(model_dir), models_dir=str(workdir / "models"), device="cpu")
    )
    with tempfile.TemporaryDirectory() as scratch:
        selection_counts(translator, Path(scratch))
    if not args.skip_ray:
        with tempfile.TemporaryDirectory() as scratch:
            engines(model_dir, Path(scratch), args.device, args.comments)


if __name__ == "__main__":
    main()
