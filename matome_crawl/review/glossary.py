"""The glossary: terms a person wants rendered one way in every translation.

Pure: the rules come in as values, so the export path (on re-export) and the
translate stage (at translation time) apply the very same function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """``source`` (as it appears in the model's output) is written ``target``."""

    source: str
    target: str
    match_case: bool = True


def _pattern(rule: Rule) -> re.Pattern[str]:
    term = re.escape(rule.source)
    # An ASCII term matches whole words only ("Rust" not inside "Rusty"); a Japanese one
    # has no word boundaries to respect.
    if rule.source[:1].isascii() and rule.source[:1].isalnum():
        term = r"(?<![A-Za-z0-9_])" + term
    if rule.source[-1:].isascii() and rule.source[-1:].isalnum():
        term += r"(?![A-Za-z0-9_])"
    return re.compile(term, 0 if rule.match_case else re.IGNORECASE)


def apply_glossary(text: str, rules: Iterable[Rule]) -> str:
    """``text`` with every rule applied, longest source term first (so "Show HN" wins
    over "HN"); a replaced span is never rewritten by a later rule."""
    ordered: Sequence[Rule] = sorted(
        (r for r in rules if r.source), key=lambda r: (-len(r.source), r.source)
    )
    if not text or not ordered:
        return text
    spans: list[tuple[int, int, str]] = []
    for rule in ordered:
        for match in _pattern(rule).finditer(text):
            start, end = match.span()
            if all(end <= s or start >= e for s, e, _ in spans):
                spans.append((start, end, rule.target))
    if not spans:
        return text
    out, last = [], 0
    for start, end, target in sorted(spans):
        out.append(text[last:start])
        out.append(target)
        last = end
    out.append(text[last:])
    return "".join(out)
