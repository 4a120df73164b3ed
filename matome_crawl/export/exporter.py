"""Exporting stored threads into a Hugo site: one ``index.md`` per thread.

Everything the exporter decides is a pure function of the database (selection,
highlights, tags, slug, feature image), so exporting twice writes nothing the
second time. The session is the caller's: the exporter reserves slugs in the
``posts`` table and leaves the commit to whoever opened the transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from db import export as queries
from db import review as reviews
from db.models import Comment, CommentReview, PostReview, Story
from matome_crawl.export.model import (
    HN_ITEM_URL,
    ExportError,
    ExportRequest,
    ExportResult,
    GitCommit,
    PostData,
    PostResult,
    PostStatus,
    QuoteComment,
)
from matome_crawl.export.render import TemplateSet, load_template_set, render_post
from matome_crawl.export.select import ThreadComment, highlight, select_comments
from matome_crawl.export.slug import post_path, slugify, unique_slug
from matome_crawl.export.tags import TagRules, load_tag_rules
from matome_crawl.review.glossary import Rule, apply_glossary

logger = logging.getLogger(__name__)

_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")


def quote_text(text: str) -> str:
    """A comment's text as a post quotes it: trimmed, paragraphs one line break apart
    (``<br>`` once escaped), as in the golden posts."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _BLANK_LINES.sub("\n", text)


def pick_feature_image(story_id: int, images: Sequence[str]) -> str | None:
    """One of ``images`` for a story, the same every time (a sha256 of its id)."""
    if not images:
        return None
    digest = hashlib.sha256(f"featureimage:{story_id}".encode("ascii")).digest()
    return images[int.from_bytes(digest[:8], "big") % len(images)]


def thread_comment(
    row: Comment, review: CommentReview | None = None, *, approved: bool = False
) -> ThreadComment:
    """``row`` as the exporter sees it, with a person's overrides. An approved post quotes
    only the comments its approval recorded: one crawled later is left out."""
    included = review.included if review is not None else None
    return ThreadComment(
        id=row.id,
        parent_id=row.parent_id,
        depth=row.depth,
        position=row.position,
        author=row.author,
        created_at=row.created_at,
        text=row.text,
        text_ja=row.text_ja,
        descendants=row.descendants,
        dead=row.dead,
        flagged=row.flagged,
        deleted=row.deleted,
        missing=row.missing_since is not None,
        included=False if approved and included is None else included,
        highlight=review.highlight if review is not None else None,
        human=row.text_ja_by == reviews.HUMAN,
    )


@dataclass(frozen=True, slots=True)
class _Planned:
    story_id: int
    day: date
    slug: str
    path: Path  # relative to the site directory
    text: str
    status: PostStatus
    result: PostResult
    had_post: bool


def _skip(story: Story, reason: str, day: date | None = None) -> PostResult:
    logger.info("story %s skipped: %s", story.id, reason)
    return PostResult(story_id=story.id, status=PostStatus.SKIPPED, day=day, reason=reason)


def _story_day(session: Session, story: Story) -> date | None:
    listed = queries.first_listed_day(session, story.id)
    if listed is not None:
        return listed
    if story.created_at is not None:
        return story.created_at.astimezone(UTC).date()
    return None


def build_post(
    story: Story,
    comments: Sequence[ThreadComment],
    day: date,
    request: ExportRequest,
    rules: TagRules,
    template_set: TemplateSet,
    review: PostReview | None = None,
    glossary: Sequence[Rule] = (),
) -> tuple[PostData | None, PostResult]:
    """The renderer's input for one thread, or None and why it is skipped.

    A person's choices (``review``: tags, approval; the comments' overrides) win over
    the rules, and the ``glossary`` applies to model translations, never a person's.
    """
    approved = review is not None and review.approved_at is not None
    if not story.title_ja and not request.allow_untranslated:
        return None, _skip(
            story,
            "title not translated yet (run `matome translate`, or pass --allow-untranslated)",
            day,
        )
    selection = select_comments(
        comments, request.limits, allow_untranslated=request.allow_untranslated
    )
    if not selection.comments:
        left = ", ".join(f"{n} {why}" for why, n in sorted(selection.left_out.items()))
        return None, _skip(story, f"no comment to quote ({left or 'no comments stored'})", day)
    colours = highlight(selection.comments, comments, request.limits.highlight_share)
    for c in selection.comments:
        if c.highlight is not None:
            colours.pop(c.id, None)
            if c.highlight:
                colours[c.id] = c.highlight

    def japanese(text: str, human: bool) -> str:
        return text if human else apply_glossary(text, glossary)

    quotes = tuple(
        QuoteComment(
            body=quote_text(
                japanese(c.text_ja, c.human) if c.text_ja and c.text_ja.strip() else c.text or ""
            ),
            user_name=c.author or "",
            created_at=c.created_at,
            color=colours.get(c.id, ""),
            depth=c.depth,
            id=c.id,
        )
        for c in selection.comments
    )
    untranslated = len(selection.untranslated) + (0 if story.title_ja else 1)
    draft = (request.draft and not approved) or untranslated > 0
    title_ja = (
        japanese(story.title_ja, story.title_ja_by == reviews.HUMAN) if story.title_ja else None
    )
    tags = (
        tuple(review.tags)
        if review is not None and review.tags is not None
        else rules.tags_for(story.title, domain=story.domain, url=story.url, title_ja=title_ja)
    )
    post = PostData(
        day=day,
        title=title_ja or story.title,
        url=HN_ITEM_URL.format(id=story.id),
        tags=tags,
        comments=quotes,
        draft=draft,
        featureimage=pick_feature_image(story.id, template_set.feature_images),
        story_id=story.id,
        original_title=story.title,
        link=story.url,
    )
    result = PostResult(
        story_id=story.id,
        status=PostStatus.NEW,  # settled once the file on disk is compared
        day=day,
        comments=len(quotes),
        highlighted=len(colours),
        untranslated=len(selection.untranslated),
        draft=draft,
    )
    return post, result


def _targets(session: Session, request: ExportRequest) -> list[tuple[Story, date | None]]:
    if request.day is not None:
        stories = queries.day_threads(
            session, request.day, sources=request.sources, limit=request.max_threads
        )
        if not stories:
            waiting = queries.listed_but_not_crawled(session, request.day, sources=request.sources)
            hint = (
                f"{waiting} listed stories still need their comments crawled"
                if waiting
                else "no listing of that day is stored: crawl the day's front page first"
            )
            raise ExportError(f"nothing to export for {request.day}: {hint}")
        return [(s, request.day) for s in stories]
    ids = list(dict.fromkeys(request.story_ids))
    found = queries.stories_by_id(session, ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ExportError(f"story {', '.join(missing)} not in the database: crawl the thread first")
    uncrawled = [str(i) for i in ids if found[i].last_crawled_at is None]
    if uncrawled:
        raise ExportError(
            f"story {', '.join(uncrawled)} listed but its comments were never crawled: "
            "crawl the thread first"
        )
    return [(found[i], None) for i in ids]


def _plan(
    session: Session,
    request: ExportRequest,
    rules: TagRules,
    template_set: TemplateSet,
) -> list[_Planned | PostResult]:
    planned: list[_Planned | PostResult] = []
    reserved: dict[date, set[str]] = {}  # slugs given in this run, not yet in the DB
    glossary = [Rule(r.source, r.target, r.match_case) for r in reviews.glossary_rules(session)]
    for story, wanted_day in _targets(session, request):
        existing = queries.find_post(session, story.id)
        if wanted_day is None:
            day = existing.day if existing else _story_day(session, story)
            if day is None:
                planned.append(_skip(story, "no date: not on a stored listing, no created_at"))
                continue
        elif existing is not None and existing.day != wanted_day:
            planned.append(_skip(story, f"already posted on {existing.day}", wanted_day))
            continue
        else:
            day = wanted_day
        review = reviews.get_post_review(session, story.id)
        overrides = reviews.comment_reviews(session, story.id)
        approved = review is not None and review.approved_at is not None
        comments = [
            thread_comment(c, overrides.get(c.id), approved=approved)
            for c in queries.story_comments(session, story.id)
        ]
        post, result = build_post(
            story, comments, day, request, rules, template_set, review, glossary
        )
        if post is None:
            planned.append(result)
            continue
        if existing is not None:
            slug = existing.slug
        else:
            taken = queries.slugs_taken(session, day) | reserved.setdefault(day, set())
            base = slugify(story.title, story.id)
            slug = unique_slug(base, taken)
            # A file the database does not know of (a lost or new database) is
            # only taken over when it is this story's own post.
            while _foreign_post(request.out_dir / post_path(day, slug), post.url):
                taken = taken | {slug}
                slug = unique_slug(base, taken)
            reserved[day].add(slug)
        path, target = _checked_path(request.out_dir, day, slug, story.id)
        text = render_post(post, template_set)
        if not target.exists():
            status = PostStatus.NEW
        elif target.read_bytes() == text.encode("utf-8"):
            status = PostStatus.UNCHANGED
        else:
            status = PostStatus.CHANGED
        planned.append(
            _Planned(
                story_id=story.id,
                day=day,
                slug=slug,
                path=path,
                text=text,
                status=status,
                result=PostResult(
                    story_id=result.story_id,
                    status=status,
                    day=day,
                    path=path,
                    comments=result.comments,
                    highlighted=result.highlighted,
                    untranslated=result.untranslated,
                    draft=result.draft,
                ),
                had_post=existing is not None,
            )
        )
    return planned


def _checked_path(out_dir: Path, day: date, slug: str, story_id: int) -> tuple[Path, Path]:
    """The post's path (relative) and file, once the slug and where it lands are checked.

    A slug from the ``posts`` table may have been tampered with; the file must
    resolve inside the site's ``content`` directory (symbolic links followed).
    """
    try:
        path = Path(post_path(day, slug))
    except ValueError as exc:
        raise ExportError(
            f"refusing to export: story {story_id}'s stored slug {exc} "
            "(posts table); fix or delete that row"
        ) from exc
    content = (out_dir / "content").resolve()
    target = (out_dir / path).resolve()
    if not target.is_relative_to(content):
        raise ExportError(
            f"refusing to export: story {story_id}'s post {path} resolves to {target}, "
            f"outside {content}"
        )
    return path, out_dir / path


def _foreign_post(target: Path, url: str) -> bool:
    """Whether ``target`` exists and is not the post of the thread at ``url``."""
    if not target.is_file():
        return False
    text = target.read_text(encoding="utf-8", errors="replace")
    return re.search(re.escape(url) + r"(?!\d)", text) is None


def _write(target: Path, text: str) -> None:
    """Write ``target`` atomically: a temporary file of its own next to it, then a rename,
    so a reader (Hugo, another export) sees the old file or the new one, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_posts(out_dir: Path, planned: Sequence[_Planned]) -> None:
    """Write the new and changed posts; on a failure, remove the new ones written so far
    (their ``posts`` rows are rolled back with the caller's transaction)."""
    written: list[Path] = []
    try:
        for item in planned:
            target = out_dir / item.path
            _write(target, item.text)
            logger.info("%s %s", item.status, item.path)
            if item.status == PostStatus.NEW:
                written.append(target)
    except OSError as exc:
        for target in written:
            target.unlink(missing_ok=True)
        raise ExportError(f"cannot write {exc.filename or out_dir}: {exc.strerror or exc}") from exc


def export_posts(
    session: Session, request: ExportRequest, *, now: datetime | None = None
) -> ExportResult:
    """Export the requested threads into ``request.out_dir``.

    Every post is rendered before any file is written. New and changed posts
    are written (unchanged ones are left alone), their slugs recorded in
    ``posts``, and with ``git_commit`` committed as ``add YYYY-MM-DD`` per day.
    A dry run reads and compares but writes and records nothing.
    """
    now = now or datetime.now(UTC)
    template_set = load_template_set(request.format, request.templates_dir)
    rules = load_tag_rules(request.tag_rules)
    if request.git_commit and not request.dry_run:
        check_git_work_tree(request.out_dir)
    if not request.dry_run:
        queries.lock_posts(session)  # a second export of the same day waits for this one
    planned = _plan(session, request, rules, template_set)
    results = [item if isinstance(item, PostResult) else item.result for item in planned]
    if not request.dry_run:
        changed: list[_Planned] = []
        for item in planned:
            if not isinstance(item, _Planned):
                continue
            is_changed = item.status in (PostStatus.NEW, PostStatus.CHANGED)
            if is_changed:
                changed.append(item)
            if is_changed or not item.had_post:
                exported_at = now if is_changed else None
                queries.save_post(session, item.story_id, item.day, item.slug, exported_at)
        _write_posts(request.out_dir, changed)
    commits: tuple[GitCommit, ...] = ()
    if request.git_commit and not request.dry_run:
        commits = commit_posts(request.out_dir, results)
    return ExportResult(
        out_dir=request.out_dir,
        format=template_set.name,
        dry_run=request.dry_run,
        posts=tuple(results),
        commits=commits,
    )


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise ExportError("--git-commit needs git on the PATH")
    return git


def _run_git(site: Path, *args: str) -> str:
    proc = subprocess.run(
        [_git(), "-C", str(site), *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        raise ExportError(f"git {args[0]} failed in {site}: {detail}")
    return proc.stdout


def check_git_work_tree(site: Path) -> None:
    """Fail before anything is written when ``site`` is not inside a git work tree."""
    proc = subprocess.run(
        [_git(), "-C", str(site), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or proc.stdout.strip() != "true":
        raise ExportError(
            f"{site} is not a git work tree: run `git init {site}` first, or leave out --git-commit"
        )


def commit_posts(site: Path, results: Sequence[PostResult]) -> tuple[GitCommit, ...]:
    """Commit the new and changed posts, one ``add YYYY-MM-DD`` commit per day.

    Only those files are committed (``git commit --only``), whatever else is
    staged in the site's repository.
    """
    by_day: dict[date, list[Path]] = {}
    for result in results:
        if result.status in (PostStatus.NEW, PostStatus.CHANGED) and result.path and result.day:
            by_day.setdefault(result.day, []).append(result.path)
    commits = []
    for day in sorted(by_day):
        paths = [p.as_posix() for p in by_day[day]]
        message = f"add {day.isoformat()}"
        _run_git(site, "add", "--", *paths)
        _run_git(site, "commit", "--quiet", "--only", "-m", message, "--", *paths)
        revision = _run_git(site, "rev-parse", "--short", "HEAD").strip()
        commits.append(
            GitCommit(day=day, message=message, revision=revision, paths=tuple(by_day[day]))
        )
    return tuple(commits)
