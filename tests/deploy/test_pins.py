"""pyproject.toml's dependencies and extras carry the pins of the requirements files."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement

from tests.conftest import REPO_ROOT

# The translation stack: ~750 MB that a crawl-only or Scrapyd host does not need.
HEAVY = {"torch", "transformers", "ctranslate2", "tokenizers", "sentencepiece"}


def requirements(name: str) -> dict[str, str]:
    """Project name (normalised) → requirement line, following ``-r`` includes."""
    found: dict[str, str] = {}
    for line in (REPO_ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(requirements(line[3:].strip()))
        elif line:
            found[_key(line)] = line
    return found


def _key(line: str) -> str:
    return Requirement(line).name.lower().replace("_", "-")


def project() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def test_every_dependency_and_extra_is_pinned_as_in_the_requirements_files() -> None:
    pinned = requirements("requirements-dev.txt")
    declared = [*project()["dependencies"]]
    for extra in project()["optional-dependencies"].values():
        declared.extend(extra)
    for line in declared:
        assert str(Requirement(line).specifier).startswith("=="), line
        assert pinned.get(_key(line)) == line, f"{line} differs from the requirements files"


def test_every_runtime_requirement_is_in_the_base_install_or_an_extra() -> None:
    declared = {_key(line) for line in project()["dependencies"]}
    for extra in project()["optional-dependencies"].values():
        declared |= {_key(line) for line in extra}
    assert set(requirements("requirements.txt")) <= declared


def test_base_install_does_not_pull_the_translation_stack() -> None:
    base = {_key(line) for line in project()["dependencies"]}
    assert not base & HEAVY
    assert {_key(line) for line in project()["optional-dependencies"]["translate"]} >= HEAVY
    assert project()["optional-dependencies"]["postgres"] == ["psycopg[binary]==3.3.9"]


def test_every_optional_module_names_an_extra_that_exists() -> None:
    from matome_crawl.cli.app import OPTIONAL_MODULES

    assert set(OPTIONAL_MODULES.values()) <= set(project()["optional-dependencies"])
