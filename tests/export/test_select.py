"""Comment selection and highlighting: pure functions of the stored rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from matome_crawl.export import PALETTE, SelectionLimits, ThreadComment, select_comments
from matome_crawl.export.select import engagement_score, highlight, palette_color

T0 = datetime(2025, 2, 9, 12, 0, tzinfo=UTC)


def make_thread(
    spec: list[tuple[int, int, int]], overrides: dict[int, dict[str, object]] | None = None
) -> list[ThreadComment]:
    """Comments from (id, depth, descendants) in display order; parents follow the depths."""
    comments = []
    stack: list[int] = []
    for position, (cid, depth, descendants) in enumerate(spec):
        del stack[depth:]
        parent = stack[-1] if stack else 1
        stack.append(cid)
        fields: dict[str, object] = {
            "id": cid,
            "parent_id": parent,
            "depth": depth,
            "position": position,
            "author": f"user{cid}",
            "created_at": T0,
            "text": f"English text of {cid}",
            "text_ja": f"{cid}の日本語訳",
            "descendants": descendants,
        }
        fields.update((overrides or {}).get(cid, {}))
        comments.append(ThreadComment(**fields))  # type: ignore[arg-type]
    return comments


def test_dead_deleted_flagged_missing_and_empty_comments_are_left_out() -> None:
    thread = make_thread(
        [(10, 0, 0), (11, 0, 0), (12, 0, 0), (13, 0, 0), (14, 0, 0), (15, 0, 0), (16, 0, 0)],
        {
            11: {"dead": True},
            12: {"deleted": True, "text": None, "text_ja": None},
            13: {"flagged": True},
            14: {"missing": True},
            15: {"text": "  ", "text_ja": None},
        },
    )
    selection = select_comments(thread)
    assert selection.ids == (10, 16)
    assert selection.left_out == {"dead": 1, "deleted": 1, "flagged": 1, "missing": 1, "empty": 1}
    flagged_too = select_comments(thread, SelectionLimits(include_flagged=True))
    assert flagged_too.ids == (10, 13, 16)


def test_untranslated_comments_need_allow_untranslated() -> None:
    thread = make_thread([(10, 0, 1), (11, 1, 0), (12, 0, 0)], {11: {"text_ja": None}})
    assert select_comments(thread).ids == (10, 12)
    assert select_comments(thread).left_out == {"untranslated": 1}
    allowed = select_comments(thread, allow_untranslated=True)
    assert allowed.ids == (10, 11, 12)
    assert allowed.untranslated == (11,)


def test_replies_keep_those_with_most_descendants_in_display_order() -> None:
    # Top-level 10 has five replies; with max_replies=3 the three with the most
    # descendants stay (ties: the earlier), shown in display order.
    thread = make_thread(
        [(10, 0, 9), (11, 1, 0), (12, 1, 3), (13, 2, 2), (14, 3, 0), (15, 1, 0), (20, 0, 0)]
    )
    selection = select_comments(thread, SelectionLimits(max_replies=3))
    assert selection.ids == (10, 11, 12, 13, 20)
    assert selection.left_out == {"reply limit": 2}


def test_reply_limit_applies_per_top_level_comment() -> None:
    spec = [(10, 0, 3), (11, 1, 0), (12, 1, 0), (13, 1, 0), (20, 0, 2), (21, 1, 0), (22, 1, 0)]
    selection = select_comments(make_thread(spec), SelectionLimits(max_replies=1))
    assert selection.ids == (10, 11, 20, 21)


def test_comment_and_top_level_limits_cut_in_display_order() -> None:
    spec = [(10 * i, 0, 0) for i in range(1, 8)]
    assert select_comments(make_thread(spec), SelectionLimits(max_comments=3)).ids == (10, 20, 30)
    limited = select_comments(make_thread(spec), SelectionLimits(max_top_level=2))
    assert limited.ids == (10, 20)
    assert limited.left_out == {"top-level limit": 5}


def test_a_reply_whose_top_level_comment_is_dead_still_counts_under_it() -> None:
    thread = make_thread([(10, 0, 2), (11, 1, 1), (12, 2, 0)], {10: {"dead": True}})
    assert select_comments(thread, SelectionLimits(max_replies=1)).ids == (11,)


def test_defaults_are_those_of_the_golden_site() -> None:
    limits = SelectionLimits()
    assert (limits.max_comments, limits.max_replies, limits.highlight_share) == (90, 30, 0.30)
    spec = [(1000 + i, 0 if i % 40 == 0 else 1, 0) for i in range(200)]
    selection = select_comments(make_thread(spec))
    assert len(selection.comments) == 90
    positions = [c.position for c in selection.comments]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_comments": 0}, {"max_replies": -1}, {"max_top_level": 0}, {"highlight_share": 1.5}],
)
def test_limits_are_checked(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SelectionLimits(**kwargs)  # type: ignore[arg-type]


def test_highlight_colours_the_top_share_by_engagement() -> None:
    spec = [(10, 0, 6), (11, 1, 5), (12, 2, 0), (13, 2, 0), (14, 1, 0), (20, 0, 0), (30, 0, 0)]
    thread = make_thread(spec)
    selected = select_comments(thread).comments
    colours = highlight(selected, thread, share=0.30)
    assert set(colours) == {10, 11}  # round(0.3 * 7) = 2: the two with most descendants
    assert all(c in PALETTE for c in colours.values())
    assert highlight(selected, thread, share=0.0) == {}
    assert len(highlight(selected, thread, share=1.0)) == 7
    assert len(highlight(selected[:1], thread, share=0.1)) == 1  # at least one when share > 0


def test_highlight_is_deterministic() -> None:
    spec = [(100 + i, i % 3, (7 * i) % 5) for i in range(60)]
    thread = make_thread(spec)
    selected = select_comments(thread).comments
    first = highlight(selected, thread, share=0.3)
    shuffled = thread[:]
    random.Random(4).shuffle(shuffled)
    again = highlight(select_comments(shuffled).comments, shuffled, share=0.3)
    assert first == again
    assert len(first) == 18


def test_palette_colour_is_a_stable_hash_of_the_comment_id() -> None:
    # sha256, not Python's salted hash(): the same in every process.
    assert palette_color(42991676) == palette_color(42991676)
    assert palette_color(1) == "#ff5733"
    assert palette_color(2) == "#ff33a1"
    assert {palette_color(i) for i in range(200)} == set(PALETTE)


def test_engagement_score_weighs_descendants_then_replies_then_length() -> None:
    (base,) = make_thread([(10, 1, 0)])
    busy = ThreadComment(**{**_fields(base), "descendants": 10})
    long = ThreadComment(**{**_fields(base), "text": "x" * 2000})
    assert engagement_score(busy, 0) > engagement_score(long, 0) > engagement_score(base, 0)
    assert engagement_score(base, 3) > engagement_score(base, 0)


def _fields(c: ThreadComment) -> dict[str, object]:
    return {name: getattr(c, name) for name in ThreadComment.__slots__}
