"""Template sets: loading, settings, errors, and escaping that templates cannot forget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from matome_crawl.export import (
    ExportError,
    PostData,
    QuoteComment,
    available_formats,
    load_template_set,
    render_post,
)
from matome_crawl.export.render import datefmt

POST = PostData(
    day=date(2025, 2, 9),
    title="タイトル",
    url="https://news.ycombinator.com/item?id=1",
    tags=("タグ",),
    comments=(QuoteComment(body='a "b"\nc', user_name="u", created_at=None),),
)


def user_set(tmp_path: Path, template: str, settings: str | None = None) -> Path:
    directory = tmp_path / "mine"
    directory.mkdir(exist_ok=True)
    (directory / "post.md.j2").write_text(template, encoding="utf-8")
    if settings is not None:
        (directory / "format.toml").write_text(settings, encoding="utf-8")
    return directory


def test_built_in_formats() -> None:
    assert {"seed", "kaigai", "kaigai-2025-02"} <= set(available_formats())
    kaigai = load_template_set("kaigai")
    assert kaigai.keep_characters == frozenset()
    assert len(kaigai.feature_images) >= 3
    assert load_template_set("seed").keep_characters == frozenset("'")


def test_every_printed_value_is_escaped(tmp_path: Path) -> None:
    directory = user_set(
        tmp_path, "<< post.title ~ ' <' >>|<% for c in post.comments %><< c.body >><% endfor %>"
    )
    out = render_post(POST, load_template_set(templates_dir=directory))
    assert out == "タイトル ＜|a ”b”<br>c"


def test_toml_filter_and_datefmt(tmp_path: Path) -> None:
    directory = user_set(
        tmp_path, "t = << post.title | toml >>\nd = << post.day | datefmt('%Y/%m') >>"
    )
    assert (
        render_post(POST, load_template_set(templates_dir=directory))
        == "t = 'タイトル'\nd = 2025/02"
    )
    assert datefmt(datetime(2025, 2, 9, 23, 0, tzinfo=UTC), "%H") == "23"
    assert datefmt(None, "%H") == ""


def test_kaigai_without_a_feature_image_leaves_the_key_out() -> None:
    out = render_post(POST, load_template_set("kaigai"))
    assert "featureimage" not in out
    assert "months = '2025/02'\n" in out


def test_a_directory_of_sets_takes_the_format(tmp_path: Path) -> None:
    (tmp_path / "sets" / "mine").mkdir(parents=True)
    (tmp_path / "sets" / "mine" / "post.md.j2").write_text("<< post.title >>", encoding="utf-8")
    assert load_template_set("mine", tmp_path / "sets").name == "mine"
    with pytest.raises(ExportError, match=r"no post\.md\.j2"):
        load_template_set("other", tmp_path / "sets")


def test_a_user_set_can_extend_a_built_in_one(tmp_path: Path) -> None:
    directory = user_set(tmp_path, '<% extends "seed/post.md.j2" %>', 'keep_characters = ["\'"]')
    assert render_post(POST, load_template_set(templates_dir=directory)).startswith("+++\n")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("<< post.nope >>", "has no attribute 'nope'"),
        ("<< post.featureimage >>", "printed None"),
        ("<% for %>", "template syntax error"),
        ("<< post.featureimage | toml >>", "no TOML form for NoneType"),
    ],
)
def test_template_errors_become_export_errors(tmp_path: Path, template: str, message: str) -> None:
    directory = user_set(tmp_path, template)
    with pytest.raises(ExportError, match=message):
        render_post(POST, load_template_set(templates_dir=directory))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("colour = 1", "unknown keys"),
        ('keep_characters = ["\\""]', "keep_characters may only list"),
        ("feature_images = [1]", "feature_images"),
        ("x = ", "not valid TOML"),
    ],
)
def test_bad_settings(tmp_path: Path, settings: str, message: str) -> None:
    directory = user_set(tmp_path, "x", settings)
    with pytest.raises(ExportError, match=message):
        load_template_set(templates_dir=directory)
