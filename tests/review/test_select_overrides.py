"""The exporter's selection with a person's overrides (included/excluded, highlights)."""

from __future__ import annotations

from matome_crawl.export import SelectionLimits, select_comments
from matome_crawl.export.select import ThreadComment


def comments(**overrides: dict[str, object]) -> list[ThreadComment]:
    rows = []
    for position, cid in enumerate((10, 11, 20, 30)):
        rows.append(
            ThreadComment(
                id=cid,
                parent_id=1 if cid % 10 == 0 else cid - 1,
                depth=0 if cid % 10 == 0 else 1,
                position=position,
                author="a",
                created_at=None,
                text="en",
                text_ja="ja",
                **overrides.get(str(cid), {}),  # type: ignore[arg-type]
            )
        )
    return rows


def test_an_excluded_comment_is_left_out_with_its_reason() -> None:
    selection = select_comments(comments(**{"20": {"included": False}}))
    assert selection.ids == (10, 11, 30)
    assert selection.left_out == {"excluded in review": 1}


def test_an_included_comment_skips_the_limits() -> None:
    limits = SelectionLimits(max_comments=1)
    assert select_comments(comments(), limits).ids == (10,)
    forced = select_comments(comments(**{"30": {"included": True}}), limits)
    assert forced.ids == (10, 30)


def test_an_included_comment_still_needs_text() -> None:
    rows = comments(**{"30": {"included": True, "deleted": True}})
    assert 30 not in select_comments(rows).ids
