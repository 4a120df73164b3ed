"""Package data as real filesystem paths: templates, migrations, rule files.

A wheel or an editable install keeps package data on disk, but a zipped egg
(what Scrapyd runs) does not, and Alembic's ``script_location`` and Jinja's
``FileSystemLoader`` need real directories. ``importlib.resources.as_file``
extracts single files only on Python 3.11, so directories are copied here, once,
into ``$XDG_CACHE_HOME/matome/resources/<content hash>/``.

In the repository ``templates/``, ``db/`` and ``pipelines/`` sit next to
``matome_crawl/``; the wheel installs them as ``matome_crawl._templates``,
``matome_crawl._db`` and ``matome_crawl._pipelines`` (see ``pyproject.toml``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PACKAGE = "matome_crawl"
# Top-level name in the repository -> where the wheel installs it.
INSTALLED_AS = {"db": "matome_crawl._db", "pipelines": "matome_crawl._pipelines"}
_TEMPLATES = "_templates"
_CHECKOUT = Path(__file__).resolve().parent.parent


class _InstalledAs:
    """Imports ``db`` as the package installed at ``matome_crawl._db`` (and so on).

    A meta path finder and its loader; ``importlib.abc`` is not imported for the
    base classes, since every ``matome`` command (and its Tab completion) pays for it.

    The module keeps the installed package's spec, so its submodules and
    ``importlib.resources`` are found where the wheel (or the egg) put them.
    """

    def __init__(self, targets: dict[str, ModuleSpec]) -> None:
        self.targets = targets

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.targets:
            return None
        return ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.util.module_from_spec(self.targets[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        assert module.__spec__ is not None
        real = self.targets[module.__spec__.name]
        assert real.loader is not None
        module.__spec__ = real  # resources and reloads go to the installed package
        sys.modules.setdefault(real.name, module)
        real.loader.exec_module(module)


def install_aliases() -> None:
    """Make ``import db`` / ``import pipelines`` find the copies installed under this package.

    Nothing is imported here (the alias acts on first import). In a bare checkout
    ``matome_crawl._db`` does not exist and nothing is installed: the top-level
    folders are imported as they are. An editable install maps ``matome_crawl._db``
    to the repository's ``db/``, so both names give the same files; a name
    already imported is never replaced.
    """
    if any(isinstance(finder, _InstalledAs) for finder in sys.meta_path):
        return
    targets = {}
    for name, target in INSTALLED_AS.items():
        spec = importlib.util.find_spec(target)
        if spec is not None and spec.loader is not None:
            targets[name] = spec
    if targets:
        sys.meta_path.insert(0, _InstalledAs(targets))


def templates_dir() -> Path:
    """The built-in template sets and site skeleton (``templates/`` in the repository)."""
    import importlib.resources  # here: only export pays for it

    installed = importlib.resources.files(PACKAGE).joinpath(_TEMPLATES)
    if installed.is_dir():
        return real_path(installed)
    return _CHECKOUT / "templates"


def package_path(package: str | ModuleType, *parts: str) -> Path:
    """A real path for ``parts`` inside ``package`` (a file or a directory)."""
    import importlib.resources

    return real_path(importlib.resources.files(package).joinpath(*parts))


def real_path(resource: Traversable) -> Path:
    """``resource`` itself when it is on disk, else a cached copy of it on disk."""
    if isinstance(resource, Path):
        return resource
    import hashlib  # the zipped-egg case only

    if not (resource.is_file() or resource.is_dir()):
        raise FileNotFoundError(f"package data missing: {resource}")
    files = dict(_walk(resource))
    digest = hashlib.sha256()
    for relative, data in sorted(files.items()):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(data).digest())
    target = cache_dir() / digest.hexdigest()[:20]
    if not target.exists():
        _write_atomically(target, files)
    return target / resource.name


def cache_dir() -> Path:
    """Where extracted package data goes: ``$XDG_CACHE_HOME/matome/resources``."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "matome" / "resources"


def _walk(resource: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    """(path relative to the resource's parent, bytes) for every file under ``resource``."""
    relative = f"{prefix}{resource.name}"
    if resource.is_file():
        return [(relative, resource.read_bytes())]
    found: list[tuple[str, bytes]] = []
    for child in resource.iterdir():
        if child.name != "__pycache__":
            found.extend(_walk(child, f"{relative}/"))
    return found


def _write_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` under ``target``; a concurrent writer of the same content may win."""
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for relative, data in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not "someone else extracted it first"
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
