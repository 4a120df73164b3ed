"""Several processes opening one new archive at the same moment (first-use races)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from db.engine import connect

FORK = multiprocessing.get_context("fork")


def _open_at_once(url: str, barrier, report: Path) -> None:  # type: ignore[no-untyped-def]
    code = 0
    try:
        barrier.wait(10)
        connect(url).dispose()
    except Exception as exc:  # reported to the parent, which fails the test with it
        report.write_text(f"{type(exc).__name__}: {exc}".splitlines()[0])
        code = 1
    finally:
        os._exit(code)


def open_all_at_once(url: str, folder: Path, workers: int = 6) -> list[str]:
    """Open ``url`` from ``workers`` processes released together; returns their failures
    (the error a child reported, or how it ended when it could not say)."""
    barrier = FORK.Barrier(workers)
    reports = [folder / f"child-{n}.txt" for n in range(workers)]
    children = [FORK.Process(target=_open_at_once, args=(url, barrier, r)) for r in reports]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    return [
        r.read_text() if r.exists() else f"child {n} ended with {child.exitcode}"
        for n, (r, child) in enumerate(zip(reports, children, strict=True))
        if r.exists() or child.exitcode != 0
    ]
