"""The one place where text is made safe for a post: shortcode strings and TOML values.

A Hugo shortcode parameter is a ``"…"`` string that cannot hold a raw line
break, gives ``\\`` a meaning of its own and ends at the first ``"``. Comment
bodies, user names and titles therefore go through :func:`escape_shortcode`,
which rewrites what the golden posts rewrite (see ``../shared/golden/README.md``):

========================  =====================================
``"``                     ``”``
``'``                     ``’``
``<`` / ``>``             ``＜`` / ``＞``
``\\``                    ``＼``
``{{`` / ``}}``           ``｛｛`` / ``｝｝``
a line break              ``<br>`` (the only markup that remains)
other control characters  dropped
bidi controls             dropped
========================  =====================================

A format may keep ``'`` and ``>`` as they are (``keep``), as the golden posts
of some layouts do: neither can end a ``"…"`` string or open an element.

The result holds no ``"``, ``\\``, ``<`` (other than in ``<br>``), ``{{`` or
line break, so it can neither end its shortcode string nor open a new
shortcode or HTML element. Only the ``<br>`` rewrite can be undone
(:func:`unescape_line_breaks`); the golden test relies on that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

# \r\n first so that it turns into one <br>, not two.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# C0 controls other than tab and the line breaks above, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Bidi marks, embeddings, overrides and isolates: they reorder what a reader sees.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# CommonMark lets a backslash escape any ASCII punctuation character.
_MARKDOWN_PUNCTUATION = re.compile(r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]""")
_CHARACTERS = {
    '"': "”",
    "'": "’",
    "<": "＜",
    ">": "＞",
    "\\": "＼",
}
_BRACES = re.compile(r"\{\{|\}\}")
KEEPABLE = frozenset("'>")
_PATTERNS: dict[frozenset[str], re.Pattern[str]] = {}

LINE_BREAK_MARKUP = "<br>"


def escape_shortcode(text: str, *, keep: frozenset[str] = frozenset()) -> str:
    """``text`` made safe inside a ``"…"`` Hugo shortcode parameter (and in Markdown prose).

    ``keep`` may hold ``'`` and ``>``: characters a format leaves as they are
    (the reference ``seed`` post keeps ``'``); both are harmless inside a
    ``"…"`` string.
    """
    if not keep <= KEEPABLE:
        raise ValueError(f"only {sorted(KEEPABLE)} may be kept unescaped, not {sorted(keep)}")
    pattern = _PATTERNS.get(keep)
    if pattern is None:
        chars = "".join(re.escape(c) for c in _CHARACTERS if c not in keep)
        pattern = _PATTERNS[keep] = re.compile(f"[{chars}]")
    text = _BIDI.sub("", _CONTROL.sub("", text))
    text = _BRACES.sub(lambda m: "｛｛" if m.group() == "{{" else "｝｝", text)
    text = pattern.sub(lambda m: _CHARACTERS[m.group()], text)
    return _LINE_BREAK.sub(LINE_BREAK_MARKUP, text)


def plain_title(title: str) -> str:
    """A title as one line of text: line breaks and tabs become spaces, control and bidi
    characters are dropped, blanks at either end trimmed."""
    text = _LINE_BREAK.sub(" ", title).replace("\t", " ")
    return _BIDI.sub("", _CONTROL.sub("", text)).strip()


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: a backslash before every ASCII punctuation character.

    Links, images, emphasis, HTML, autolinks (``http://``, ``www.``), headings
    and lists then render as the characters they are made of, and no ``{{<``
    is left for Hugo to read as a shortcode. Full-width punctuation (``？``,
    ``！``), the usual in Japanese titles, is left alone.
    """
    return _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(), text)


def unescape_line_breaks(text: str) -> str:
    """The inverse of the one reversible rewrite: ``<br>`` back to a line break."""
    return text.replace(LINE_BREAK_MARKUP, "\n")


_TOML_BASIC_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_TOML_NEEDS_BASIC = re.compile(r"['\x00-\x08\x0a-\x1f\x7f]")


def toml_basic_string(text: str) -> str:
    """A TOML basic string ``"…"`` holding exactly ``text``."""
    out = []
    for ch in text:
        if ch in _TOML_BASIC_ESCAPES:
            out.append(_TOML_BASIC_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: object) -> str:
    """A TOML value, as the golden posts write them.

    Strings become literal strings ``'…'`` (a basic string ``"…"`` when the
    text holds a ``'`` or a control character), lists become arrays of basic
    strings, booleans ``true``/``false``; dates and datetimes are written as
    quoted ISO strings, the way Hugo's own archetypes write ``date``.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        if _TOML_NEEDS_BASIC.search(value):
            return toml_basic_string(value)
        return f"'{value}'"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_basic_string(str(v)) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}: {value!r}")
