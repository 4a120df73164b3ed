"""Run the real CLI in a subprocess against the loopback fixture server.

Twisted's reactor cannot restart inside one process, so each crawl is its own
``python -m matome_crawl`` process, exactly as a user (or cron) runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.hnserver import Routes, serve


@dataclass
class Site:
    url: str
    routes: Routes


@pytest.fixture
def site() -> Iterator[Site]:
    routes = Routes()
    with serve(routes) as url:
        yield Site(url, routes)


def run_matome(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    """``matome ARGS`` in a fresh process; returns the CompletedProcess (text)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "matome_crawl", *args],
        cwd=cwd or REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def re_id(path: Path, old_id: int, new_id: int) -> bytes:
    """A fixture thread page presented as another story id (its comments keep their ids)."""
    return path.read_bytes().replace(str(old_id).encode(), str(new_id).encode())
