"""``matome export``: stored, translated threads → one dated Hugo post per thread."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from matome_crawl.cli.app import DAY, db_option, open_database
from matome_crawl.export import (
    DEFAULT_TEMPLATE_SET,
    ExportError,
    ExportRequest,
    ExportResult,
    PostStatus,
    SelectionLimits,
    available_formats,
    export_posts,
)

_DEFAULTS = SelectionLimits()
F = TypeVar("F", bound=Callable[..., Any])


def template_set_option(help: str) -> Callable[[F], F]:
    """``--template-set NAME`` (into ``format_name``), one default for every command.

    ``--format`` was its name before; it means table/json/csv on the query
    commands, so here it stays only as a hidden, deprecated alias.
    """

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, format_alias: str | None = None, **kwargs: Any) -> Any:
            chosen = kwargs.get("format_name")
            if format_alias is not None:
                click.echo(
                    "Warning: --format is the old name of --template-set and will go away",
                    err=True,
                )
                if chosen is not None and chosen != format_alias:
                    raise click.UsageError("--format and --template-set disagree: give one")
                chosen = format_alias
            kwargs["format_name"] = chosen or DEFAULT_TEMPLATE_SET
            return func(*args, **kwargs)

        options = [
            click.option("--template-set", "format_name", metavar="NAME", help=help),
            click.option("--format", "format_alias", hidden=True, help="Old --template-set."),
        ]
        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorator


@click.command(name="export")
@click.option(
    "--day",
    type=DAY,
    help="Export the crawled threads listed on this day (YYYY-MM-DD).",
)
@click.option(
    "--story",
    "story_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="Export this thread (repeatable); dated by its first listing, else its own day.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The Hugo site directory (see `matome site init`).",
)
@template_set_option(
    f"Post template set: {', '.join(available_formats())}, or one in --templates "
    f"[default: {DEFAULT_TEMPLATE_SET}]."
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Your own Jinja2 template set (a directory with post.md.j2), or a directory of sets.",
)
@click.option("--draft", is_flag=True, help="Mark every post as a draft.")
@click.option(
    "--allow-untranslated",
    is_flag=True,
    help="Quote untranslated comments (and titles) in English; such posts are drafts.",
)
@click.option(
    "--max-comments",
    type=click.IntRange(min=1),
    default=_DEFAULTS.max_comments,
    show_default=True,
    help="Comments per post.",
)
@click.option(
    "--max-replies",
    type=click.IntRange(min=0),
    default=_DEFAULTS.max_replies,
    show_default=True,
    help="Replies kept under each top-level comment (those with most descendants).",
)
@click.option(
    "--max-top-level",
    type=click.IntRange(min=1),
    default=None,
    help="Top-level comments per post [default: no limit].",
)
@click.option(
    "--highlight-share",
    type=click.FloatRange(0.0, 1.0),
    default=_DEFAULTS.highlight_share,
    show_default=True,
    help="Share of the quoted comments that get a highlight colour.",
)
@click.option(
    "--limit",
    "max_threads",
    type=click.IntRange(min=1),
    default=None,
    help="With --day: only the N best-ranked threads.",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="With --day: only listings of this source (front_pages.source; repeatable).",
)
@click.option(
    "--tag-rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    metavar="FILE",
    help="Extra tag rules (TOML, read before the built-in ones; repeatable).",
)
@click.option("--dry-run", is_flag=True, help="List what would be written; write nothing.")
@click.option(
    "--git-commit",
    is_flag=True,
    help="Commit new and changed posts in the site's git work tree as `add YYYY-MM-DD`.",
)
@db_option
def export(
    day: datetime | None,
    story_ids: tuple[int, ...],
    out_dir: Path,
    format_name: str,
    templates_dir: Path | None,
    draft: bool,
    allow_untranslated: bool,
    max_comments: int,
    max_replies: int,
    max_top_level: int | None,
    highlight_share: float,
    max_threads: int | None,
    sources: tuple[str, ...],
    tag_rules: tuple[Path, ...],
    dry_run: bool,
    git_commit: bool,
    db_url: str | None,
) -> None:
    """Write one dated Hugo post per thread: --day D for a day's threads, or --story ID.

    Unchanged posts are not rewritten, so re-running is cheap and safe.
    """
    if (day is None) == (not story_ids):
        raise click.UsageError("give either --day or --story (not both)")
    if story_ids and (max_threads or sources):
        raise click.UsageError("--limit and --source go with --day")
    request = ExportRequest(
        out_dir=out_dir,
        day=day.date() if day else None,
        story_ids=story_ids,
        format=format_name,
        templates_dir=templates_dir,
        draft=draft,
        allow_untranslated=allow_untranslated,
        limits=SelectionLimits(
            max_comments=max_comments,
            max_replies=max_replies,
            max_top_level=max_top_level,
            highlight_share=highlight_share,
        ),
        max_threads=max_threads,
        sources=sources,
        tag_rules=tag_rules,
        dry_run=dry_run,
        git_commit=git_commit,
    )
    database = open_database(db_url)
    try:
        with database.sessions.begin() as session:
            result = export_posts(session, request)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()
    echo_result(result)
    if (
        result.written
        and not result.dry_run
        and not any((out_dir / name).is_file() for name in HUGO_CONFIGS)
    ):
        click.echo(f"note: {out_dir} has no Hugo config yet: run `matome site init {out_dir}`")


HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json")


def echo_result(result: ExportResult) -> None:
    for post in result.posts:
        if post.status == PostStatus.SKIPPED:
            when = f"{post.day}  " if post.day else ""
            click.echo(f"{post.status:<9}  {when}story {post.story_id}: {post.reason}")
            continue
        notes = [f"{post.comments} comments", f"{post.highlighted} highlighted"]
        if post.untranslated:
            notes.append(f"{post.untranslated} untranslated")
        if post.draft:
            notes.append("draft")
        click.echo(f"{post.status:<9}  {post.day}  {post.path}  ({', '.join(notes)})")
    counts = ", ".join(f"{result.count(s)} {s}" for s in PostStatus)
    if result.dry_run:
        click.echo(f"dry run, nothing written: {counts} (template set {result.format})")
    else:
        click.echo(f"{counts} → {result.out_dir} (template set {result.format})")
    for commit in result.commits:
        n = len(commit.paths)
        click.echo(
            f"committed {commit.message!r} as {commit.revision} ({n} post{'' if n == 1 else 's'})"
        )
