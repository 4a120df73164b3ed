"""Memory stays flat in the dump's size: a 202k-item dump is scanned whole in a few MB."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from db.engine import connect
from matome_crawl.dump import import_dump
from matome_crawl.dump.synthetic import write_synthetic_dump

BOUND_MB = 32


def kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1))


def test_peak_memory_of_a_200k_item_import_stays_under_the_bound(tmp_path):
    dump = tmp_path / "hn.parquet"
    items = write_synthetic_dump(dump, days=200, stories=10, comments=100)
    database = connect(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    Path("/proc/self/clear_refs").write_text("5")  # reset this process's peak RSS (VmHWM)
    before = kib("VmRSS")

    result = import_dump(database, [dump], first=date(2024, 3, 1), last=date(2024, 3, 2))

    growth_mb = (kib("VmHWM") - before) / 1024
    database.dispose()
    whole_mb = pq.read_table(dump).nbytes / 2**20  # read after measuring: it takes that much
    assert items == result.items == 202_000
    assert (result.days, result.threads_stored, result.comments) == (2, 20, 2_000)
    assert whole_mb > 2 * BOUND_MB  # holding the dump in memory would break the bound
    assert growth_mb < BOUND_MB, f"peak RSS grew {growth_mb:.1f} MB"
    with sqlite3.connect(tmp_path / "a.sqlite3") as conn:
        assert conn.execute("SELECT count(DISTINCT day) FROM front_pages").fetchone() == (2,)
