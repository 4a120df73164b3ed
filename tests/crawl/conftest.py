"""Run the real CLI against the loopback fixture server.

Commands run in-process (click's CliRunner): the crawler runs on a reactor
thread that lives as long as the test process, so one process can run any
number of commands. :func:`run_matome_process` starts ``python -m matome_crawl``
as a user (or cron) does, for the few tests that need a real process (signals,
kills, the console entry point).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
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


@dataclass
class Outcome:
    """What a command did: the fields of a CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


def run_matome(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """``matome ARGS`` in this process; an unexpected exception shows as a traceback on stderr."""
    from click.testing import CliRunner

    from matome_crawl.cli import cli

    with contextlib.chdir(cwd or REPO_ROOT):
        result = CliRunner().invoke(cli, list(args), env=env, prog_name="matome")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(
            traceback.format_exception(result.exception)
        )
    return Outcome(result.exit_code, result.stdout, stderr)


def run_matome_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
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
