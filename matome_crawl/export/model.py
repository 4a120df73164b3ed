"""Typed records of the export stage: the renderer's input, the knobs, and what an export did.

:class:`PostData` is everything a template sees. The exporter builds it from
the database; the golden test builds it from a golden post's own data. All its
text is raw (not escaped): the renderer escapes every value it prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

PALETTE: tuple[str, ...] = ("#38d3d3", "#ff5733", "#45d325", "#785bff", "#ff33a1", "#ff5c5c")
HN_ITEM_URL = "https://news.ycombinator.com/item?id={id}"
# The template set of every command (export, run, backfill, demo) when none is named:
# the newest layout of the site the golden posts come from.
DEFAULT_TEMPLATE_SET = "kaigai"


class ExportError(Exception):
    """An export that cannot go ahead; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class QuoteComment:
    """One quoted comment of a post, in display order."""

    body: str
    user_name: str
    created_at: datetime | None
    color: str = ""  # a palette colour, or "" when not highlighted
    depth: int = 0  # 0 for a reply to the story; templates may indent by it
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PostData:
    """One post: the renderer's whole input."""

    day: date  # the listing day; the post's date is its midnight
    title: str  # the Japanese title (the English one in an untranslated draft)
    url: str  # the thread's URL (引用元)
    tags: tuple[str, ...]
    comments: tuple[QuoteComment, ...]
    draft: bool = False
    featureimage: str | None = None
    story_id: int | None = None
    original_title: str | None = None  # the English title, for templates that want it
    link: str | None = None  # the story's own URL (None for Ask HN and the like)


@dataclass(frozen=True, slots=True)
class SelectionLimits:
    """Which comments make it into a post. Defaults are those of the site the golden posts
    come from."""

    max_comments: int = 90
    max_replies: int = 30  # under each top-level comment, keeping those with most descendants
    max_top_level: int | None = None
    highlight_share: float = 0.30  # share of the selected comments that get a colour
    include_flagged: bool = False

    def __post_init__(self) -> None:
        if self.max_comments < 1:
            raise ValueError(f"max_comments must be at least 1, not {self.max_comments}")
        if self.max_replies < 0:
            raise ValueError(f"max_replies must be 0 or more, not {self.max_replies}")
        if self.max_top_level is not None and self.max_top_level < 1:
            raise ValueError(f"max_top_level must be at least 1, not {self.max_top_level}")
        if not 0.0 <= self.highlight_share <= 1.0:
            raise ValueError(
                f"highlight_share must lie between 0 and 1, not {self.highlight_share}"
            )


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What ``matome export`` was asked to do."""

    out_dir: Path
    day: date | None = None
    story_ids: tuple[int, ...] = ()
    format: str = DEFAULT_TEMPLATE_SET  # the template set
    templates_dir: Path | None = None
    draft: bool = False
    allow_untranslated: bool = False
    limits: SelectionLimits = field(default_factory=SelectionLimits)
    max_threads: int | None = None  # of a day, by best rank
    sources: tuple[str, ...] = ()  # front_pages.source values; empty means all
    tag_rules: tuple[Path, ...] = ()  # user rule files, read before the built-in ones
    dry_run: bool = False
    git_commit: bool = False

    def __post_init__(self) -> None:
        if (self.day is None) == (not self.story_ids):
            raise ValueError("give either a day or story ids")


class PostStatus(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class PostResult:
    """What happened (or, in a dry run, would happen) to one thread's post."""

    story_id: int
    status: PostStatus
    day: date | None = None
    path: Path | None = None  # relative to the site directory
    comments: int = 0
    highlighted: int = 0
    untranslated: int = 0  # comments exported in English (--allow-untranslated)
    draft: bool = False
    reason: str = ""  # why it was skipped


@dataclass(frozen=True, slots=True)
class GitCommit:
    day: date
    message: str
    revision: str
    paths: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class ExportResult:
    out_dir: Path
    format: str
    dry_run: bool
    posts: tuple[PostResult, ...]
    commits: tuple[GitCommit, ...] = ()

    def count(self, status: PostStatus) -> int:
        return sum(1 for p in self.posts if p.status == status)

    @property
    def written(self) -> tuple[PostResult, ...]:
        return tuple(p for p in self.posts if p.status in (PostStatus.NEW, PostStatus.CHANGED))
