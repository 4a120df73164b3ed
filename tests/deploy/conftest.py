"""Helpers of the deployment tests: a copy of the sources, a venv that cannot see the checkout.

The product is built from a copy of its sources (so no ``build/`` or ``setup.py`` is left
in the checkout, and nothing stale from an earlier build slips in) and run by an
interpreter that sees the installed dependencies but not this repository: a venv whose
``.pth`` file names the project venv's site-packages (where nothing is downloaded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from datetime import UTC, datetime
from pathlib import Path

from db.engine import connect
from db.store import store_thread
from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES, REPO_ROOT

# What a build needs; tests/, bench/ and the venv stay behind.
SOURCES = (
    "pyproject.toml",
    "README.md",
    "requirements.txt",
    "scrapy.cfg",
    "matome_crawl",
    "db",
    "pipelines",
    "templates",
)
THREAD_ID = 47536761  # a fixture thread of 42 comments
THREAD_PAGE = HN_FIXTURES / "html" / "item" / f"item_{THREAD_ID}.html"


def copy_sources(target: Path) -> Path:
    """The product's sources copied into ``target``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    target.mkdir(parents=True)
    for name in SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def isolated_venv(target: Path) -> Path:
    """A venv seeing this interpreter's site-packages but no checkout; returns its python.

    A path line in a ``.pth`` file adds the directory without running the ``.pth`` files
    in it, so the project venv's editable install of matome-crawl is not active there.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = target / "lib" / version / "site-packages"
    (site_packages / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for the installed product: no PYTHONPATH, caches under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MATOME_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), **extra)
    return env


def build_archive(path: Path) -> int:
    """A small archive of one fixture thread, stored with the product's own functions."""
    page = parse_thread_page(
        f"https://news.ycombinator.com/item?id={THREAD_ID}", THREAD_PAGE.read_bytes()
    )
    database = connect(f"sqlite:///{path}")
    try:
        with database.sessions.begin() as session:
            store_thread(session, join_pages([page]), datetime(2026, 3, 27, 6, 0, tzinfo=UTC))
    finally:
        database.dispose()
    return THREAD_ID
