"""Text handling: sources → documents of segments, and translated segments → Japanese text.

A document is a list of blocks (paragraphs and code blocks); a paragraph is a list of
lines; a line is a list of pieces. A piece is either a *segment* (one sentence, or part of
an over-long one, that goes to the model) or *verbatim* text that is copied as it is: code
blocks, URLs, and runs with no Latin letter in them. Nothing here knows the model: the
caller passes a ``fits(text) -> bool`` that says whether a segment is short enough.

Rendering joins a document's blocks and a paragraph's lines with newlines (the exporter
turns each into ``<br>``, as the golden posts do) and writes a quoted line (``> …`` in
the source) as ``＞`` followed by its translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from matome_crawl.translate.options import Kind

QUOTE_MARK = "＞"
_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*"
# A run of non-space characters this long is an identifier, hash, path or blob: kept as is.
_LONG_WORD = 80
_LONG_WORD_RE = re.compile(rf"\S{{{_LONG_WORD},}}")
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
# Where an over-long sentence may be cut, best first: after clause punctuation, around
# dashes, then between any two words.
_CLAUSE_BREAK = re.compile(r"(?<=[;:,)])\s+|\s+(?=\()|\s+(?=[-–—]+\s)")
_WORD_BREAK = re.compile(r"\s+")


@dataclass(slots=True)
class Piece:
    text: str
    segment: bool  # True: sent to the model; False: copied verbatim


@dataclass(slots=True)
class Line:
    pieces: list[Piece] = field(default_factory=list)
    quote: int = 0  # how many ">" the source line started with


@dataclass(slots=True)
class Block:
    lines: list[Line] = field(default_factory=list)
    code: bool = False


@dataclass(slots=True)
class Document:
    blocks: list[Block]

    def segments(self) -> Iterable[str]:
        for block in self.blocks:
            for line in block.lines:
                for piece in line.pieces:
                    if piece.segment:
                        yield piece.text


def has_latin(text: str) -> bool:
    return _LATIN.search(text) is not None


def strip_title_prefix(title: str, prefixes: Sequence[str]) -> str:
    """``"Show HN: Foo"`` → ``"Foo"`` for each of ``prefixes`` (case-insensitive)."""
    stripped = title.strip()
    for prefix in prefixes:
        if stripped[: len(prefix)].lower() == prefix.lower():
            return stripped[len(prefix) :].strip()
    return stripped


# --------------------------------------------------------------------------- parsing


@dataclass(slots=True)
class _Run:
    text: str
    verbatim: bool = False


def is_code_paragraph(paragraph: str) -> bool:
    """HN's own rule: a paragraph indented by two spaces (or a tab) is code, shown as is.

    Prose paragraphs never start with a space in the plain text the HN parsers make
    (``matome_crawl.hn.text``), and the code blocks they keep always do.
    """
    return paragraph.startswith(("  ", "\t")) and bool(paragraph.strip())


def _plain_blocks(text: str) -> list[tuple[bool, list[list[_Run]]]]:
    """Paragraphs (blank-line separated) → blocks; neighbouring code paragraphs are one
    code block with the blank lines between them kept."""
    text = text.replace("\r\n", "\n")
    blocks: list[tuple[bool, list[list[_Run]]]] = []
    code: str | None = None  # the code block being built
    position = 0
    separator = ""
    for match in [*_BLANK_LINES.finditer(text), None]:
        paragraph = text[position : match.start() if match else len(text)]
        if is_code_paragraph(paragraph):
            code = paragraph if code is None else code + separator + paragraph
        else:
            if code is not None:
                blocks.append((True, [[_Run(code.rstrip("\n"), verbatim=True)]]))
                code = None
            lines = [[_Run(line)] for line in paragraph.split("\n") if line.strip()]
            if lines:
                blocks.append((False, lines))
        if match:
            position, separator = match.end(), match.group(0)
    if code is not None:
        blocks.append((True, [[_Run(code.rstrip("\n"), verbatim=True)]]))
    return blocks


def _split_urls(run: _Run) -> list[_Run]:
    if run.verbatim:
        return [run]
    out: list[_Run] = []
    position = 0
    for match in _URL.finditer(run.text):
        url = match.group(0)
        end = match.end()
        while url and (url[-1] in _URL_TRAILING or (url[-1] == ")" and "(" not in url)):
            url = url[:-1]
            end -= 1
        if not url:
            continue
        out.append(_Run(run.text[position : match.start()]))
        out.append(_Run(url, verbatim=True))
        position = end
    out.append(_Run(run.text[position:]))
    return [r for r in out if r.verbatim or r.text]


# --------------------------------------------------------------------- segmentation


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    """English sentences of ``text`` (pysbd), stripped; empty ones dropped."""
    text = text.strip()
    if not text:
        return []
    if len(text) < 12 or not re.search(r"[.!?]\s", text):
        return [text]  # one sentence at most: skip pysbd's regex work
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]


def split_to_fit(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut ``text`` into pieces that each ``fit``, at clause breaks, then words, then
    characters. Nothing is dropped: the pieces, joined by spaces, hold every word."""
    return _split(text.strip(), fits, 0)


_SPLITTERS: tuple[re.Pattern[str], ...] = (_CLAUSE_BREAK, _WORD_BREAK)


def _split(text: str, fits: Callable[[str], bool], level: int) -> list[str]:
    if not text or fits(text):
        return [text] if text else []
    parts: list[str] = []
    while level < len(_SPLITTERS):
        parts = [p for p in _SPLITTERS[level].split(text) if p]
        level += 1
        if len(parts) > 1:
            break
    else:
        return _split_chars(text, fits)
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if fits(candidate):
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        if fits(part):
            current = part
        else:
            chunks.extend(_split(part, fits, level))
    if current:
        chunks.append(current)
    return chunks


def _split_chars(text: str, fits: Callable[[str], bool]) -> list[str]:
    chunks = []
    while text:
        low, high = 1, len(text)
        while low < high:  # the longest prefix that fits (at least one character)
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        chunks.append(text[:low])
        text = text[low:]
    return chunks


def _merge(runs: Iterable[_Run]) -> list[_Run]:
    """Join neighbouring text runs ("I <i>do</i> think" is one sentence, not three)."""
    merged: list[_Run] = []
    for run in runs:
        if merged and not run.verbatim and not merged[-1].verbatim:
            merged[-1] = _Run(merged[-1].text + run.text)
        else:
            merged.append(run)
    return merged


def _line_pieces(runs: list[_Run], fits: Callable[[str], bool]) -> tuple[int, list[Piece]]:
    runs = [r for run in _merge(runs) for r in _split_urls(run)]
    quote = 0
    if runs and not runs[0].verbatim:
        head = runs[0].text.lstrip()
        while head.startswith(">"):
            quote += 1
            head = head[1:].lstrip()
        if quote:
            runs[0] = _Run(head)
    pieces: list[Piece] = []
    for run in runs:
        text = _SPACES.sub(" ", run.text).strip() if not run.verbatim else run.text
        if not text:
            continue
        if run.verbatim:
            pieces.append(Piece(text, segment=False))
            continue
        for sentence in split_sentences(text):
            pieces.extend(_sentence_pieces(sentence, fits))
    return quote, pieces


def _sentence_pieces(sentence: str, fits: Callable[[str], bool]) -> list[Piece]:
    pieces: list[Piece] = []
    position = 0
    for match in _LONG_WORD_RE.finditer(sentence):  # blobs stay verbatim
        pieces.extend(_text_pieces(sentence[position : match.start()], fits))
        pieces.append(Piece(match.group(0), segment=False))
        position = match.end()
    pieces.extend(_text_pieces(sentence[position:], fits))
    return pieces


def _text_pieces(text: str, fits: Callable[[str], bool]) -> list[Piece]:
    text = text.strip()
    if not text:
        return []
    if not has_latin(text):
        return [Piece(text, segment=False)]
    return [Piece(part, segment=has_latin(part)) for part in split_to_fit(text, fits)]


def parse(
    text: str,
    kind: Kind,
    fits: Callable[[str], bool],
    title_prefixes: Sequence[str] = (),
) -> Document:
    """Read ``text`` as ``kind`` and cut it into segments that each ``fit``."""
    if kind is Kind.TITLE:
        raw = [(False, [[_Run(" ".join(strip_title_prefix(text, title_prefixes).split()))]])]
    else:
        raw = _plain_blocks(text)
    blocks: list[Block] = []
    for code, lines in raw:
        if code:
            blocks.append(Block([Line([Piece(lines[0][0].text, segment=False)])], code=True))
            continue
        block = Block()
        for runs in lines:
            quote, pieces = _line_pieces(runs, fits)
            if pieces:
                block.lines.append(Line(pieces, quote))
        if block.lines:
            blocks.append(block)
    return Document(blocks)


# ------------------------------------------------------------------------ rendering

_WIDE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_NO_SPACE_BEFORE = set(".,;:!?)]}%、。，．！？）」』】")
_NO_SPACE_AFTER = set("([{「『【（")


def join_pieces(parts: Iterable[str]) -> str:
    """Join translated pieces: no space between Japanese text, one space where Latin text,
    a URL or a number meets anything else (so a URL never runs into the next word)."""
    out = ""
    for part in parts:
        if not part:
            continue
        if not out:
            out = part
            continue
        left, right = out[-1], part[0]
        if (
            (_WIDE.match(left) and _WIDE.match(right))
            or right in _NO_SPACE_BEFORE
            or left in _NO_SPACE_AFTER
            or left.isspace()
        ):
            out += part
        else:
            out += " " + part
    return out


def render(document: Document, translations: Mapping[str, str]) -> str:
    """The Japanese text of ``document``; ``translations`` maps each segment to its output
    (a segment missing from it is kept as it is)."""
    blocks = []
    for block in document.blocks:
        if block.code:
            blocks.append(block.lines[0].pieces[0].text)
            continue
        lines = []
        for line in block.lines:
            text = join_pieces(
                translations.get(p.text, p.text) if p.segment else p.text for p in line.pieces
            )
            lines.append(QUOTE_MARK * line.quote + text)
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
