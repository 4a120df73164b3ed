"""Fixtures shared by every test package: paths to the shared HN data, temporary databases."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import Database, connect
from matome_crawl.translate.cpu import configure_ctranslate2_cpu
from tests import pg

# Tiny real translation models, built once per session (used beyond tests/translate).
pytest_plugins = ["tests.tiny_models"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
HN_FIXTURES = SHARED / "fixtures" / "hn"
GOLDEN = SHARED / "golden"

# Tests never reach a real proxy, the live HN site or the Hugging Face hub.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("MATOME_DB_URL", None)
os.environ.pop("MATOME_HN_BASE_URL", None)
os.environ.pop("MATOME_HN_API_URL", None)

# CTranslate2 reads its CPU instruction set once, when a process loads its first model, and
# the application's entry points choose it first (`matome translate`, a Ray worker). So do
# the tests, before any model loads: otherwise whether an in-process `matome` command ran
# before decided the ISA of every later model in this process, and the outputs of the
# tiny random models (near-ties everywhere) with it.
configure_ctranslate2_cpu()


def popen_interruptible(args: list[str], **kwargs: object) -> subprocess.Popen[str]:
    """Start ``args`` with Ctrl-C at its default: a shell starts background jobs (a CI
    step's ``make test &``) with SIGINT ignored, and a Python child keeps it ignored."""
    return subprocess.Popen(
        args,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="session", autouse=True)
def _models_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Converted models go to a temporary directory, never the user's cache."""
    os.environ["MATOME_MODELS_DIR"] = str(tmp_path_factory.mktemp("matome-models"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a real SQLite file in a temporary directory."""
    return tmp_path / "matome.sqlite3"


@pytest.fixture(scope="session")
def new_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive as ``connect`` creates it, made once: a test's empty archive is a copy
    (running every migration costs about 60 ms, and a hundred tests want one)."""
    path = tmp_path_factory.mktemp("new-archive") / "matome.sqlite3"
    connect(f"sqlite:///{path}").dispose()
    assert not path.with_name(f"{path.name}-wal").exists()  # all of it is in the one file
    return path


@pytest.fixture
def database(db_path: Path, new_archive: Path) -> Iterator[Database]:
    """A migrated, empty archive in a real temporary SQLite file."""
    shutil.copyfile(new_archive, db_path)
    database = connect(f"sqlite:///{db_path}")
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the session (see tests/pg.py); its base URL.

    Skips without a server, fails instead in CI (``CI`` or ``MATOME_REQUIRE_POSTGRES=1``).
    """
    try:
        with pg.cluster() as url:
            yield url
    except pg.NoServer as exc:
        if pg.required():
            pytest.fail(f"{exc} (required here: CI or {pg.REQUIRE_ENV}=1)")
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """The URL of a new, empty PostgreSQL database (created from template0)."""
    return pg.new_database(pg_server)


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty archive location on each backend: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matome.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files holding ``slow`` tests run first: pytest-xdist hands whole files to its workers
    in this order, and a long file started last leaves one worker running alone at the end.
    The very first builds the tiny Marian model, which the others then wait for less."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    builder = next(
        (i.path for i in items if i.path in slow and "marian_dir" in i.fixturenames), None
    )
    items.sort(key=lambda item: 0 if item.path == builder else 1 if item.path in slow else 2)


_last_file: Path | None = None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """At the start of each test file, what is alive (libraries, models, session fixtures)
    leaves the garbage collector's view (``gc.freeze``): with torch, transformers and Ray
    loaded, each full collection walked millions of long-lived objects, about 6 s of CPU per
    worker; now about 1.5 s. Recent cyclic garbage is collected first (a cheap young
    collection), so little stays in memory for good."""
    global _last_file
    if item.path != _last_file:
        _last_file = item.path
        gc.collect(1)
        gc.freeze()


@pytest.fixture
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate-limit backoff from 0.1 s instead of 1 s (in-process commands), for tests of
    what is retried and stored; tests/crawl/test_politeness.py times the real floor."""
    monkeypatch.setattr("matome_crawl.settings.HN_BACKOFF_MIN", 0.1)
