"""Rendering a post with a Jinja2 template set.

A template set is a directory holding ``post.md.j2`` and, optionally,
``format.toml`` (its settings: ``keep_characters``, ``feature_images``,
``description``). The built-in sets live in the repository's ``templates/``;
``--templates DIR`` points at a user's own set (or at a directory of sets).

Hugo's shortcodes (``{{< … >}}``, ``{{% … %}}``) clash with Jinja's default
delimiters, so the templates use ``<< value >>``, ``<% statement %>`` and
``<# comment #>`` instead, and undefined names are errors.

Escaping is not left to the templates: every ``<< value >>`` goes through
:func:`~matome_crawl.export.escape.escape_shortcode` on its way out, unless a
filter marked it as already safe (``toml``) or it is a macro's output. Titles
(``post.title``, ``post.original_title``) are one line of plain text (no
control or bidi characters) and are also escaped for Markdown
(:func:`~matome_crawl.export.escape.escape_markdown`), since a post prints its
title as Markdown prose (``> title``), where ``![t](…)`` or ``[x](…)`` would
render. A template that prints a comment body, a user name or a title is
therefore safe by default.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from matome_crawl.export.escape import (
    KEEPABLE,
    escape_markdown,
    escape_shortcode,
    plain_title,
    toml_value,
)
from matome_crawl.export.model import DEFAULT_TEMPLATE_SET, ExportError, PostData
from matome_crawl.resources import templates_dir

TEMPLATES_ROOT = templates_dir()
# Jinja's own {{ }} and {% %} would clash with Hugo's {{< shortcode >}}.
DELIMITERS = {
    "block_start_string": "<%",
    "block_end_string": "%>",
    "variable_start_string": "<<",
    "variable_end_string": ">>",
    "comment_start_string": "<#",
    "comment_end_string": "#>",
}
POST_TEMPLATE = "post.md.j2"
FORMAT_FILE = "format.toml"
DEFAULT_FORMAT = DEFAULT_TEMPLATE_SET

_FORMAT_KEYS = {"description", "keep_characters", "feature_images"}


@dataclass(frozen=True)
class TemplateSet:
    """A directory of Jinja2 templates for posts, with its settings."""

    name: str
    directory: Path
    keep_characters: frozenset[str] = frozenset()  # left unescaped: ' and/or >
    feature_images: tuple[str, ...] = ()
    description: str = ""


def available_formats(root: Path = TEMPLATES_ROOT) -> list[str]:
    """The template sets in ``root``: its subdirectories that hold a ``post.md.j2``."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / POST_TEMPLATE).is_file())


def _read_settings(directory: Path) -> dict[str, Any]:
    path = directory / FORMAT_FILE
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ExportError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - _FORMAT_KEYS
    if unknown:
        raise ExportError(
            f"{path}: unknown keys {sorted(unknown)}; it takes {sorted(_FORMAT_KEYS)}"
        )
    images = data.get("feature_images", [])
    if not isinstance(images, list) or not all(isinstance(i, str) and i for i in images):
        raise ExportError(f"{path}: feature_images must be a list of image paths")
    keep = data.get("keep_characters", [])
    if not isinstance(keep, list) or not set(keep) <= KEEPABLE:
        raise ExportError(
            f"{path}: keep_characters may only list {sorted(KEEPABLE)} (harmless in a shortcode)"
        )
    return data


def load_template_set(
    format: str = DEFAULT_FORMAT, templates_dir: Path | None = None
) -> TemplateSet:
    """The template set ``format`` of the built-in ``templates/``, or the user's ``templates_dir``.

    ``templates_dir`` may be a set itself (it holds ``post.md.j2``) or, like
    ``templates/``, a directory of sets, of which ``format`` is taken.
    """
    if templates_dir is not None:
        templates_dir = Path(templates_dir)
        if (templates_dir / POST_TEMPLATE).is_file():
            directory = templates_dir
        elif (templates_dir / format / POST_TEMPLATE).is_file():
            directory = templates_dir / format
        else:
            raise ExportError(
                f"no {POST_TEMPLATE} in {templates_dir} or {templates_dir / format}: "
                f"copy one of {TEMPLATES_ROOT}/*/ as a starting point"
            )
    else:
        directory = TEMPLATES_ROOT / format
        if not (directory / POST_TEMPLATE).is_file():
            known = ", ".join(available_formats()) or "none found"
            raise ExportError(f"unknown template set {format!r}: choose one of {known}")
    settings = _read_settings(directory)
    return TemplateSet(
        name=directory.name,
        directory=directory.resolve(),
        keep_characters=frozenset(settings.get("keep_characters", ())),
        feature_images=tuple(settings.get("feature_images", ())),
        description=settings.get("description", ""),
    )


def datefmt(value: date | datetime | None, fmt: str) -> str:
    """``strftime`` for templates; an aware datetime is shown in UTC, None as ``""``."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(fmt)


def _toml_filter(value: Any) -> Markup:
    try:
        return Markup(toml_value(value))
    except TypeError as exc:
        raise jinja2.TemplateRuntimeError(f"toml filter: {exc}") from exc


class TitleText(str):
    """A title on its way into a template: printed, it is escaped for Markdown prose too."""

    __slots__ = ()


def _make_finalize(keep: frozenset[str]) -> Any:
    def finalize(value: Any) -> Markup:
        if isinstance(value, Markup):
            return value
        if isinstance(value, TitleText):
            return Markup(escape_markdown(escape_shortcode(str(value), keep=keep)))
        if value is None:
            raise jinja2.TemplateRuntimeError(
                "a template printed None; write `<< value or '' >>` where a value may be missing"
            )
        return Markup(escape_shortcode(str(value), keep=keep))

    return finalize


@functools.cache
def make_environment(template_set: TemplateSet) -> jinja2.Environment:
    """The Jinja2 environment of a template set (custom delimiters, strict, escaping output).

    The built-in ``templates/`` directory is a second loader, so a user's set
    can ``<% extends "kaigai/post.md.j2" %>`` or include parts of it.
    """
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(template_set.directory)]
    if TEMPLATES_ROOT.is_dir():
        loaders.append(jinja2.FileSystemLoader(TEMPLATES_ROOT))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        **DELIMITERS,
        undefined=jinja2.StrictUndefined,
        # Autoescaping makes Jinja call ``finalize`` then keep Markup as is: the
        # finalize hook below does our escaping in place of HTML escaping.
        autoescape=True,
        finalize=_make_finalize(template_set.keep_characters),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["toml"] = _toml_filter
    env.filters["datefmt"] = datefmt
    return env


def render_post(post: PostData, template_set: TemplateSet) -> str:
    """The post's ``index.md`` text."""
    post = dataclasses.replace(
        post,
        title=TitleText(plain_title(post.title)),
        original_title=(
            TitleText(plain_title(post.original_title)) if post.original_title else None
        ),
    )
    env = make_environment(template_set)
    try:
        template = env.get_template(POST_TEMPLATE)
        return template.render(post=post, format=template_set)
    except jinja2.TemplateSyntaxError as exc:
        raise ExportError(
            f"template syntax error in {exc.filename or exc.name}, line {exc.lineno}: {exc.message}"
        ) from exc
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError) as exc:
        raise ExportError(
            f"template {template_set.directory / POST_TEMPLATE} failed: {exc}"
        ) from exc
