"""The one escaping function, and TOML values for front matter."""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pytest

from matome_crawl.export.escape import (
    KEEPABLE,
    escape_shortcode,
    toml_value,
    unescape_line_breaks,
)

HOSTILE = '"><script>alert(1)</script>{{< param >}}\\'


def test_hostile_comment_cannot_leave_its_string() -> None:
    out = escape_shortcode(HOSTILE)
    assert out == "”＞＜script＞alert(1)＜/script＞｛｛＜ param ＞｝｝＼"
    for forbidden in ('"', "<", ">", "\\", "{{", "}}", "\n"):
        assert forbidden not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('say "hi"', "say ”hi”"),
        ("it's", "it’s"),
        ("a < b > c", "a ＜ b ＞ c"),
        ("C:\\path\\", "C:＼path＼"),
        ("one\ntwo", "one<br>two"),
        ("one\r\ntwo\rthree", "one<br>two<br>three"),
        ("para\n\npara", "para<br><br>para"),
        ("line\u2028sep", "line<br>sep"),
        ("bell\x07 nul\x00 del\x7f", "bell nul del"),
        ("tab\tkept", "tab\tkept"),
        ("{{% ref %}} and {{<x>}}", "｛｛% ref %｝｝ and ｛｛＜x＞｝｝"),
        ("{ single } braces", "{ single } braces"),
        ("{{{ triple }}}", "｛｛{ triple ｝｝}"),
        ("日本語はそのまま。", "日本語はそのまま。"),
        ("", ""),
    ],
)
def test_escape_shortcode(text: str, expected: str) -> None:
    assert escape_shortcode(text) == expected


def test_formats_may_keep_apostrophe_and_greater_than() -> None:
    assert escape_shortcode("it's > that", keep=frozenset("'")) == "it's ＞ that"
    assert escape_shortcode("it's > that", keep=frozenset(">")) == "it’s > that"
    assert set(KEEPABLE) == {"'", ">"}
    with pytest.raises(ValueError, match="may be kept"):
        escape_shortcode("x", keep=frozenset('"'))


def test_only_br_markup_remains_and_round_trips() -> None:
    text = 'first <b>line</b>\nsecond "line"'
    out = escape_shortcode(text)
    assert re.sub(r"<br>", "", out).count("<") == 0
    assert unescape_line_breaks(out) == "first ＜b＞line＜/b＞\nsecond ”line”"


@pytest.mark.parametrize(
    "value",
    ["plain", "it's", 'say "hi"', "back\\slash", "new\nline", "タイトル！", "tab\there", ""],
)
def test_toml_strings_round_trip(value: str) -> None:
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


def test_toml_values_as_the_golden_posts_write_them() -> None:
    assert toml_value("LIMOとは？") == "'LIMOとは？'"
    assert toml_value(["人工知能", "機械学習"]) == '["人工知能", "機械学習"]'
    assert toml_value(('a"b',)) == '["a\\"b"]'
    assert toml_value(True) == "true"
    assert toml_value(False) == "false"
    assert toml_value(date(2025, 2, 9)) == "'2025-02-09'"
    with pytest.raises(TypeError):
        toml_value(None)
