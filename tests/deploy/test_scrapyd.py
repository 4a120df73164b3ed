"""The README's Scrapyd recipe: deploy the egg to a real scrapyd, schedule `thread`, find rows.

scrapyd runs from a venv that cannot see the checkout, so the job imports the
spiders, the pipelines and the migrations from the zipped egg only.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HN_FIXTURES
from tests.deploy.conftest import THREAD_ID, THREAD_PAGE, clean_env, copy_sources, isolated_venv
from tests.hnserver import Routes, serve

pytestmark = pytest.mark.slow

ROBOTS = HN_FIXTURES / "robots" / "news.ycombinator.com_robots_2026.txt"
PROJECT = "matome_crawl"
DEADLINE_S = 60  # generous: only a hung job waits this long


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as answer:
        return json.load(answer)


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A real scrapyd on a free loopback port, its eggs, logs and dbs in ``tmp_path``."""
    python = isolated_venv(tmp_path / "venv")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
    )
    log = (home / "scrapyd.out").open("wb")
    process = subprocess.Popen(
        [str(python), "-m", "scrapyd", "--pidfile="],
        cwd=home, env=clean_env(home), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s on a loaded machine
            try:
                call(f"{url}/daemonstatus.json")
                break
            except OSError:
                assert process.poll() is None, (home / "scrapyd.out").read_text()
                time.sleep(0.1)
        else:
            pytest.fail(f"scrapyd did not answer: {(home / 'scrapyd.out').read_text()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_scrapyd_deploy_and_schedule_thread_stores_rows(scrapyd, tmp_path) -> None:
    source = copy_sources(tmp_path / "src")
    config = source / "scrapy.cfg"
    config.write_text(config.read_text().replace("http://localhost:6800/", scrapyd + "/"))
    deploy = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "default", "-p", PROJECT],
        cwd=source, env=clean_env(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert deploy.returncode == 0, deploy.stderr + deploy.stdout
    assert call(f"{scrapyd}/listspiders.json?project={PROJECT}")["spiders"] == [
        "api",
        "front",
        "thread",
    ]

    archive = tmp_path / "archive.sqlite3"
    routes = Routes()
    # HN's real rules, less its Crawl-delay: a larger robots.txt delay wins over the
    # HN_CRAWL_DELAY=0 of the job, and would hold the thread page back 30 s.
    robots = ROBOTS.read_bytes()
    assert b"Crawl-delay: 30\n" in robots
    routes.add("/robots.txt", robots.replace(b"Crawl-delay: 30\n", b""))
    routes.add(f"/item?id={THREAD_ID}", THREAD_PAGE)
    with serve(routes) as hn:
        job = call(
            f"{scrapyd}/schedule.json",
            [
                ("project", PROJECT),
                ("spider", "thread"),
                ("ids", str(THREAD_ID)),
                ("setting", f"HN_BASE_URL={hn}"),
                ("setting", "HN_CRAWL_DELAY=0"),
                ("setting", f"MATOME_DB_URL=sqlite:///{archive}"),
            ],
        )["jobid"]
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            jobs = call(f"{scrapyd}/listjobs.json?project={PROJECT}")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"job {job} not finished within {DEADLINE_S} s: {jobs}")

    logs = "\n".join(p.read_text() for p in (tmp_path / "scrapyd" / "logs").rglob("*.log"))
    assert archive.is_file(), logs
    with sqlite3.connect(archive) as conn:
        comments = conn.execute(
            "SELECT count(*) FROM comments WHERE story_id = ?", (THREAD_ID,)
        ).fetchone()
        run = conn.execute("SELECT spider, status FROM crawl_runs").fetchall()
    assert comments == (42,), logs
    assert run == [("thread", "finished")]
    assert routes.hits[f"/item?id={THREAD_ID}"] == 1
    # The migrations came out of the zipped egg (a checkout would need no extraction).
    extracted = tmp_path / "scrapyd" / ".cache" / "matome" / "resources"
    assert list(extracted.glob("*/migrations/env.py")), logs
