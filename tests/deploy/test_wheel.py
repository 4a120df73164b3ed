"""The wheel, installed without the checkout, inits a site, migrates and exports."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.deploy.conftest import build_archive, clean_env, copy_sources, isolated_venv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the built wheel, the python of a venv where only the wheel provides matome-crawl)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_sources(tmp / "src")
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("matome_crawl-*.whl")
    python = isolated_venv(tmp / "venv")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return wheel, python


def test_wheel_holds_every_package_and_no_top_level_db(installed) -> None:
    wheel, _python = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"matome_crawl", "matome_crawl-0.1.0.dist-info"}
    packages = {
        str(p.parent.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "matome_crawl").rglob("*.py")
    }
    assert {p for p in packages if "__pycache__" not in p} <= {
        n.rsplit("/", 1)[0] for n in names
    }, "a package under matome_crawl/ is missing from [tool.setuptools] packages"
    for data in (
        "matome_crawl/_db/alembic.ini",
        "matome_crawl/_db/migrations/env.py",
        "matome_crawl/_db/migrations/script.py.mako",
        "matome_crawl/_pipelines/store.py",
        "matome_crawl/_templates/seed/post.md.j2",
        "matome_crawl/_templates/site/hugo.toml.j2",
        "matome_crawl/export/tag_rules.toml",
        "matome_crawl/datasette/metadata.json",
    ):
        assert data in names


def test_installed_wheel_inits_a_site_migrates_and_exports(installed, tmp_path) -> None:
    _wheel, python = installed
    matome = python.parent / "matome"
    work = tmp_path / "work"
    work.mkdir()
    env = clean_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(matome), *args], cwd=work, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done

    where = subprocess.run(
        [str(python), "-c", "import matome_crawl, db, pipelines.store as p;"
         "print(db.__file__, matome_crawl.__file__, p.__file__, sep='\\n')"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    site_packages = python.parent.parent / "lib"
    assert all(Path(w).is_relative_to(site_packages) for w in where), where
    assert where[0].endswith("matome_crawl/_db/__init__.py")

    run("site", "init", "site")
    assert (work / "site" / "hugo.toml").is_file()
    assert (work / "site" / "layouts" / "shortcodes" / "matomeQuote.html").is_file()

    run("db", "upgrade", "--db", f"sqlite:///{work / 'new.sqlite3'}")
    with sqlite3.connect(work / "new.sqlite3") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"stories", "comments", "comments_ja_fts"} <= tables

    story_id = build_archive(work / "archive.sqlite3")
    run(
        "export", "--story", str(story_id), "--out", "site", "--allow-untranslated",
        "--db", f"sqlite:///{work / 'archive.sqlite3'}",
    )  # fmt: skip
    (post,) = (work / "site" / "content" / "posts").glob("*/*/index.md")
    assert "matomeQuote" in post.read_text(encoding="utf-8")
