"""What the review pages show and do, as plain functions over a session.

The web layer only parses forms and renders; everything here is callable (and
tested) without HTTP. The preview of a post is the exporter's own
``build_post``, so what the page shows is what ``matome export`` writes.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from db import export as export_queries
from db import review as queries
from db.models import Comment, CommentReview, PostReview, Story
from matome_crawl.export import (
    DEFAULT_TEMPLATE_SET,
    ExportError,
    ExportRequest,
    ExportResult,
    PostData,
    PostStatus,
    load_tag_rules,
    load_template_set,
)
from matome_crawl.export.exporter import (
    build_post,
    check_git_work_tree,
    commit_posts,
    export_posts,
    thread_comment,
)
from matome_crawl.export.model import PostResult
from matome_crawl.review.glossary import Rule, apply_glossary


class ReviewError(Exception):
    """An action the archive or the site refuses; the message says why."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where approved posts go and how they are rendered (as ``matome export``)."""

    site: Path
    template_set: str = DEFAULT_TEMPLATE_SET
    reviewer: str = "reviewer"


@dataclass(frozen=True, slots=True)
class CommentView:
    """One comment on the thread page."""

    row: Comment
    review: CommentReview | None
    selected: bool  # quoted in the post as it stands
    colour: str  # its colour in the post, "" if none
    by: str  # "human", or the model id
    glossary_text: str | None  # the model text once the glossary applies, when it differs


@dataclass(frozen=True, slots=True)
class ThreadView:
    story: Story
    day: date | None
    review: PostReview | None
    comments: tuple[CommentView, ...]
    post: PostData | None
    skipped: str  # why no post would be written, "" when one would
    tags: tuple[str, ...]
    title_glossary: str | None
    rules: tuple[Rule, ...] = field(default=())


def glossary(session: Session) -> tuple[Rule, ...]:
    return tuple(Rule(r.source, r.target, r.match_case) for r in queries.glossary_rules(session))


def _request(settings: Settings, story_id: int) -> ExportRequest:
    return ExportRequest(out_dir=settings.site, story_ids=(story_id,), format=settings.template_set)


def thread_view(session: Session, story_id: int, settings: Settings) -> ThreadView | None:
    """The thread as its post would be exported now, every comment beside it."""
    story = queries.get_story(session, story_id)
    if story is None or story.last_crawled_at is None:
        return None
    day = queries.story_day(session, story_id)
    review = queries.get_post_review(session, story_id)
    overrides = queries.comment_reviews(session, story_id)
    approved = review is not None and review.approved_at is not None
    rows = export_queries.story_comments(session, story_id)
    comments = [thread_comment(c, overrides.get(c.id), approved=approved) for c in rows]
    rules = glossary(session)
    post, result = None, None
    if day is not None:
        post, result = build_post(
            story,
            comments,
            day,
            _request(settings, story_id),
            load_tag_rules(()),
            load_template_set(settings.template_set),
            review,
            rules,
        )
    colours = {q.id: q.color for q in post.comments} if post else {}
    views = []
    for row in rows:
        human = row.text_ja_by == queries.HUMAN
        applied = apply_glossary(row.text_ja, rules) if row.text_ja and not human else None
        views.append(
            CommentView(
                row=row,
                review=overrides.get(row.id),
                selected=row.id in colours,
                colour=colours.get(row.id, ""),
                by=queries.HUMAN if human else (row.text_ja_model or ""),
                glossary_text=applied if applied != row.text_ja else None,
            )
        )
    title_applied = (
        apply_glossary(story.title_ja, rules)
        if story.title_ja and story.title_ja_by != queries.HUMAN
        else None
    )
    return ThreadView(
        story=story,
        day=day,
        review=review,
        comments=tuple(views),
        post=post,
        skipped=result.reason if result is not None and post is None else "",
        tags=post.tags if post else (),
        title_glossary=title_applied if title_applied != story.title_ja else None,
        rules=rules,
    )


def approve(session: Session, story_id: int, settings: Settings, now: datetime) -> PostResult:
    """Approve a thread: freeze its comments and colours as shown, and export its post
    (not a draft) through the exporter, in the caller's transaction."""
    view = thread_view(session, story_id, settings)
    if view is None:
        raise ReviewError(f"story {story_id} is not a crawled thread")
    if view.post is None:
        raise ReviewError(f"cannot approve story {story_id}: {view.skipped}")
    if view.post.draft:
        raise ReviewError(f"cannot approve story {story_id}: some comments are untranslated")
    queries.freeze_selection(
        session,
        story_id,
        [q.id for q in view.post.comments if q.id is not None],
        {q.id: q.color for q in view.post.comments if q.id is not None},
        now,
    )
    if view.review is None or view.review.tags is None:
        queries.set_tags(session, story_id, view.post.tags, now)
    queries.approve(session, story_id, settings.reviewer, now)
    result = _export(session, _request(settings, story_id), now)
    post = result.posts[0]
    if post.status == PostStatus.SKIPPED:
        raise ReviewError(f"cannot export story {story_id}: {post.reason}")
    return post


def _export(session: Session, request: ExportRequest, now: datetime) -> ExportResult:
    try:
        return export_posts(session, request, now=now)
    except ExportError as exc:
        raise ReviewError(str(exc)) from exc


def _uncommitted(site: Path, paths: list[Path]) -> set[Path]:
    """Those of ``paths`` (relative to ``site``) that git sees as new or changed."""
    proc = subprocess.run(
        [
            shutil.which("git") or "git",
            *("-C", str(site), "status", "--porcelain", "--"),
            *(p.as_posix() for p in paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ReviewError(f"git status failed in {site}: {proc.stderr.strip()}")
    changed = {line[3:].strip().strip('"') for line in proc.stdout.splitlines()}
    return {p for p in paths if p.as_posix() in changed}


def publish_day(session: Session, day: date, settings: Settings, now: datetime) -> int:
    """Commit the day's approved posts in the site's git work tree (``add YYYY-MM-DD``,
    as ``matome export --git-commit``); returns how many posts the commit holds."""
    story_ids = queries.approved_on_day(session, day)
    if not story_ids:
        raise ReviewError(f"no approved post on {day}: approve threads first")
    try:
        check_git_work_tree(settings.site)
        result = export_posts(
            session,
            ExportRequest(
                out_dir=settings.site, story_ids=tuple(story_ids), format=settings.template_set
            ),
            now=now,
        )
        paths = [p.path for p in result.posts if p.path is not None]
        pending = _uncommitted(settings.site, paths) if paths else set()
        commit_posts(
            settings.site,
            [PostResult(story_id=0, status=PostStatus.CHANGED, day=day, path=p) for p in pending],
        )
    except ExportError as exc:
        raise ReviewError(str(exc)) from exc
    queries.mark_published(session, story_ids, now)
    return len(pending)
