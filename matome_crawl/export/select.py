"""Which comments of a thread a post quotes, and which of those it highlights.

Both are pure functions of the thread's stored rows, so the same data always
gives the same post.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from matome_crawl.export.model import PALETTE, SelectionLimits


@dataclass(frozen=True, slots=True)
class ThreadComment:
    """A stored comment as the exporter sees it (built from ``db.models.Comment``)."""

    id: int
    parent_id: int
    depth: int
    position: int
    author: str | None
    created_at: datetime | None
    text: str | None  # English plain text
    text_ja: str | None  # its translation, None until translated
    descendants: int | None = None
    dead: bool = False
    flagged: bool = False
    deleted: bool = False
    missing: bool = False  # a later crawl no longer showed it
    # A person's overrides (matome review): True always quoted, False never, None the rules.
    included: bool | None = None
    highlight: str | None = None  # a colour, "" for none, None: the rules decide
    human: bool = False  # text_ja was written by a person


@dataclass(frozen=True, slots=True)
class Selection:
    """The comments a post quotes, in display order, and why the others were left out."""

    comments: tuple[ThreadComment, ...]
    untranslated: tuple[int, ...]  # ids of kept comments that have no translation
    left_out: dict[str, int]  # reason → number of comments

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(c.id for c in self.comments)


def _exclusion(
    comment: ThreadComment, limits: SelectionLimits, allow_untranslated: bool
) -> str | None:
    if comment.included is False:
        return "excluded in review"
    if comment.deleted:
        return "deleted"
    if comment.dead:
        return "dead"
    if comment.flagged and not limits.include_flagged:
        return "flagged"
    if comment.missing:
        return "missing"
    has_translation = bool(comment.text_ja and comment.text_ja.strip())
    has_text = bool(comment.text and comment.text.strip())
    if not has_translation and not has_text:
        return "empty"
    if not has_translation and not allow_untranslated:
        return "untranslated"
    return None


def select_comments(
    comments: Iterable[ThreadComment],
    limits: SelectionLimits = SelectionLimits(),  # noqa: B008 (frozen, so sharing it is safe)
    *,
    allow_untranslated: bool = False,
) -> Selection:
    """Pick a thread's comments for its post.

    Dead, deleted, flagged, vanished and empty comments are left out, and so
    are untranslated ones unless ``allow_untranslated`` and those a person
    excluded (``included`` False); one a person included skips the limits. Under each top-level
    comment at most ``limits.max_replies`` replies stay (those with the most
    descendants, then the earliest); then at most ``limits.max_top_level``
    top-level threads and ``limits.max_comments`` comments in all, in display
    order.
    """
    ordered = sorted(comments, key=lambda c: c.position)
    left_out: Counter[str] = Counter()

    # Group each comment under the top-level comment it hangs from (display
    # order lists a thread's replies right after it).
    groups: list[tuple[ThreadComment | None, list[ThreadComment]]] = []
    for comment in ordered:
        if comment.depth == 0 or not groups:
            groups.append((comment if comment.depth == 0 else None, []))
            if comment.depth == 0:
                continue
        groups[-1][1].append(comment)

    kept_groups: list[list[ThreadComment]] = []
    for top, replies in groups:
        members: list[ThreadComment] = []
        if top is not None:
            reason = _exclusion(top, limits, allow_untranslated)
            if reason:
                left_out[reason] += 1
            else:
                members.append(top)
        eligible = []
        for reply in replies:
            reason = _exclusion(reply, limits, allow_untranslated)
            if reason:
                left_out[reason] += 1
            else:
                eligible.append(reply)
        ranked = sorted(eligible, key=lambda c: (-(c.descendants or 0), c.position))
        left_out["reply limit"] += max(0, len(ranked) - limits.max_replies)
        members.extend(ranked[: limits.max_replies])
        if members:
            kept_groups.append(sorted(members, key=lambda c: c.position))

    if limits.max_top_level is not None:
        for dropped in kept_groups[limits.max_top_level :]:
            left_out["top-level limit"] += len(dropped)
        kept_groups = kept_groups[: limits.max_top_level]

    flat = [c for group in kept_groups for c in group]
    left_out["comment limit"] += max(0, len(flat) - limits.max_comments)
    flat = flat[: limits.max_comments]
    # A comment a person included is quoted whatever the limits say.
    kept = {c.id for c in flat}
    forced = [
        c
        for c in ordered
        if c.included and c.id not in kept and not _exclusion(c, limits, allow_untranslated)
    ]
    if forced:
        flat = sorted([*flat, *forced], key=lambda c: c.position)
    untranslated = tuple(c.id for c in flat if not (c.text_ja and c.text_ja.strip()))
    return Selection(
        comments=tuple(flat),
        untranslated=untranslated,
        left_out={k: v for k, v in left_out.items() if v},
    )


def engagement_score(comment: ThreadComment, direct_replies: int) -> float:
    """How much a comment drew the thread in: its descendants weigh most, then its direct
    replies, then its length; a top-level comment gets a small bonus."""
    length = len((comment.text or comment.text_ja or "").strip())
    return (
        3.0 * math.log1p(comment.descendants or 0)
        + 2.0 * math.log1p(direct_replies)
        + 0.5 * math.log1p(length / 40)
        + (0.5 if comment.depth == 0 else 0.0)
    )


def palette_color(comment_id: int, palette: Sequence[str] = PALETTE) -> str:
    """The palette colour of a comment: a stable hash of its id, never Python's ``hash``."""
    digest = hashlib.sha256(str(comment_id).encode("ascii")).digest()
    return palette[int.from_bytes(digest[:8], "big") % len(palette)]


def highlight(
    selected: Sequence[ThreadComment],
    all_comments: Iterable[ThreadComment],
    share: float,
    palette: Sequence[str] = PALETTE,
) -> dict[int, str]:
    """Colours for the top ``share`` of ``selected`` by :func:`engagement_score`.

    ``all_comments`` (the whole thread) gives each comment's direct reply
    count. Ties go to the earlier comment. Returns comment id → colour.
    """
    if not selected or share <= 0 or not palette:
        return {}
    replies = Counter(c.parent_id for c in all_comments if not (c.dead or c.deleted))
    count = min(len(selected), max(1, round(share * len(selected))))
    ranked = sorted(selected, key=lambda c: (-engagement_score(c, replies[c.id]), c.position))
    return {c.id: palette_color(c.id, palette) for c in ranked[:count]}
