"""The Ray Data engine (issue 12, item 3): the same stored translations as the local
engine, Ray never imported by the local one, and a missing ``ray`` as one line."""

from __future__ import annotations

import logging
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.engine import connect
from db.models import TranslationMemory
from matome_crawl.cli import cli
from matome_crawl.translate.ray_engine import RayOptions
from matome_crawl.translation_stage import RaySegmentRunner, Selection, translate_archive
from tests.scale.archive import DAY, big_day, store_day, stored_translations, translated


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
    )
    yield ray
    ray.shutdown()


def memory(database):
    with database.sessions() as session:
        rows = session.execute(
            select(TranslationMemory.source_hash, TranslationMemory.target).order_by(
                TranslationMemory.source_hash
            )
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.slow
def test_ray_engine_stores_what_the_local_engine_stores(local_ray, tmp_path, marian_translator):
    day = big_day(threads=2, comments=40)
    archives = []
    for name in ("local", "ray"):
        database = connect(f"sqlite:///{tmp_path / name}.sqlite3")
        store_day(database, day)
        archives.append(database)
    local, on_ray = archives
    translate_archive(local, marian_translator, Selection(day=DAY))
    runner = RaySegmentRunner(RayOptions(workers=1))
    result = translate_archive(on_ray, marian_translator, Selection(day=DAY), segment_runner=runner)

    assert runner.blocks >= 1 and runner.sent > 0 and not runner.failed
    assert result.comments > 0 and result.untranslated == 0
    assert stored_translations(on_ray) == stored_translations(local)
    assert memory(on_ray) == memory(local)
    assert translated(on_ray)[0] == translated(local)[0] > 0
    for database in archives:
        database.dispose()


def test_the_local_engine_imports_no_ray(database, marian_translator, monkeypatch):
    for name in [m for m in sys.modules if m == "ray" or m.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    store_day(database, big_day(threads=1, comments=5))
    result = translate_archive(database, marian_translator, Selection(day=DAY))
    assert result.comments > 0
    assert "ray" not in sys.modules


def test_a_missing_ray_is_one_line_naming_the_extra(database, db_path, marian_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    store_day(database, big_day(threads=1, comments=5))
    args = ["translate", "--day", DAY.isoformat(), "--engine", "ray", "--db", str(db_path)]
    result = CliRunner().invoke(cli, [*args, "--model", str(marian_dir)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert lines == [
        "Error: the Ray engine needs the optional package 'ray': pip install 'matome-crawl[ray]'"
    ], result.output
    assert translated(database)[0] == 0
