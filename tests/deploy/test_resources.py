"""Package data as real paths, from a directory and from a zipped egg; the db/pipelines alias."""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from matome_crawl import resources
from matome_crawl.resources import _InstalledAs, package_path, templates_dir
from tests.conftest import REPO_ROOT

# A package as the wheel lays it out: the repository's db/ installed as zpkg/_db.
EGG = {
    "zpkg/__init__.py": "",
    "zpkg/_db/__init__.py": "",
    "zpkg/_db/engine.py": "from zdb.models import NAME\n",  # as db/ imports itself
    "zpkg/_db/models.py": "NAME = 'models'\n",
    "zpkg/_db/migrations/env.py": "# env\n",
    "zpkg/_db/migrations/versions/0001_first.py": "# first\n",
    "zpkg/_db/alembic.ini": "[alembic]\n",
}


@pytest.fixture
def egg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``zpkg`` importable from a zip file only; extraction goes under ``tmp_path``."""
    path = tmp_path / "project-1.0-py3.11.egg"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in EGG.items():
            archive.writestr(name, text)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(path))
    yield path
    for name in [m for m in sys.modules if m.split(".")[0] in ("zpkg", "zdb")]:
        del sys.modules[name]


def test_a_directory_in_a_zipped_egg_becomes_a_real_directory(egg, tmp_path) -> None:
    migrations = package_path("zpkg._db", "migrations")
    assert migrations.is_dir() and migrations.is_relative_to(tmp_path / "cache")
    assert (migrations / "env.py").read_text() == "# env\n"
    assert (migrations / "versions" / "0001_first.py").read_text() == "# first\n"
    assert package_path("zpkg._db", "migrations") == migrations  # extracted once
    ini = package_path("zpkg._db", "alembic.ini")
    assert ini.is_file() and ini.read_text() == "[alembic]\n"
    with pytest.raises(FileNotFoundError, match="package data missing"):
        package_path("zpkg._db", "nothing-here")


def test_the_alias_imports_the_installed_package_and_its_data(egg, monkeypatch) -> None:
    finder = _InstalledAs({"zdb": importlib.util.find_spec("zpkg._db")})
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    engine = importlib.import_module("zdb.engine")
    assert engine.NAME == "models"
    assert engine.__file__.startswith(str(egg))
    zdb = sys.modules["zdb"]
    assert sys.modules["zpkg._db"] is zdb  # one module under both names
    assert (package_path(zdb, "migrations") / "env.py").is_file()


def test_data_on_disk_is_used_in_place() -> None:
    assert package_path("matome_crawl.export", "tag_rules.toml") == (
        REPO_ROOT / "matome_crawl" / "export" / "tag_rules.toml"
    )
    assert templates_dir() == REPO_ROOT / "templates"
    assert resources.cache_dir().parts[-2:] == ("matome", "resources")
