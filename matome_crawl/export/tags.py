"""Japanese tags from a rule file: domains and keywords of a story map to tags.

The built-in rules live in ``tag_rules.toml`` next to this module. A user's
rule files (``matome export --tag-rules FILE``) are read first, so their rules
win ties, and may set ``max_tags``, ``fallback`` or ``replace_default = true``.
A rule is a TOML table under ``[[rules]]``::

    [[rules]]
    tags = ["Rust", "プログラミング"]
    names = ["Rust", "Cargo"]       # case-sensitive whole words
    words = ["rustlang"]            # case-insensitive whole words (plural "s" allowed)
    patterns = ['\\bcrates\\.io\\b']  # regular expressions
    domains = ["rust-lang.org"]     # the story's host or any of its subdomains

A story gets the tags of every matching rule, ordered by where the match
occurs in its title (domain matches first, then rule order), without
duplicates, at most ``max_tags`` of them; ``fallback`` when nothing matches.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from matome_crawl.export.model import ExportError
from matome_crawl.resources import package_path

DEFAULT_RULES = package_path(__package__ or "matome_crawl.export", "tag_rules.toml")
MAX_TAGS = 5

_RULE_KEYS = {"tags", "names", "words", "patterns", "domains"}
_FILE_KEYS = {"rules", "max_tags", "fallback", "replace_default"}


class TagRulesError(ExportError):
    """A tag rule file that cannot be read."""


def _words_pattern(words: Sequence[str], *, ignore_case: bool) -> re.Pattern[str]:
    """One regex for a list of whole words: no letter or digit right before or after, a
    plural or possessive ending allowed ("LLMs", "Apple's"). Longest alternatives first."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"(?<![A-Za-z0-9])(?:{alternatives})(?:s|es|'s|’s)?(?![A-Za-z0-9])",
        re.IGNORECASE if ignore_case else 0,
    )


@dataclass(frozen=True)
class TagRule:
    tags: tuple[str, ...]
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = [re.compile(p) for p in self.patterns]
        if self.names:
            compiled.append(_words_pattern(self.names, ignore_case=False))
        if self.words:
            compiled.append(_words_pattern(self.words, ignore_case=True))
        object.__setattr__(self, "_compiled", tuple(compiled))

    def first_match(self, text: str, host: str | None) -> int | None:
        """Where this rule first matches: -1 for the domain, else an offset into ``text``."""
        if host and any(host == d or host.endswith("." + d) for d in self.domains):
            return -1
        found = [m.start() for p in self._compiled if (m := p.search(text))]
        return min(found) if found else None


def story_host(domain: str | None, url: str | None) -> str | None:
    """The story's host without ``www.``: from HN's domain label (``github.com/user`` gives
    ``github.com``) or else from its URL."""
    host = (domain or "").split("/", 1)[0].strip().lower()
    if not host and url:
        host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host or None


@dataclass(frozen=True)
class TagRules:
    rules: tuple[TagRule, ...]
    max_tags: int = MAX_TAGS
    fallback: tuple[str, ...] = ()

    def tags_for(
        self,
        title: str,
        *,
        domain: str | None = None,
        url: str | None = None,
        title_ja: str | None = None,
    ) -> tuple[str, ...]:
        """Up to ``max_tags`` tags for a story, best match first."""
        text = title if not title_ja else f"{title}\n{title_ja}"
        host = story_host(domain, url)
        hits: list[tuple[int, int, TagRule]] = []
        for order, rule in enumerate(self.rules):
            where = rule.first_match(text, host)
            if where is not None:
                hits.append((where, order, rule))
        tags: list[str] = []
        for _, _, rule in sorted(hits, key=lambda h: (h[0], h[1])):
            tags.extend(t for t in rule.tags if t not in tags)
        if not tags:
            tags = list(self.fallback)
        return tuple(tags[: self.max_tags])


def _strings(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TagRulesError(f"{path}: {where} must be a list of non-empty strings")
    return tuple(value)


def _parse_rule(path: Path, index: int, table: Any) -> TagRule:
    where = f"rule {index + 1}"
    if not isinstance(table, dict):
        raise TagRulesError(f"{path}: {where} must be a table under [[rules]]")
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise TagRulesError(
            f"{path}: {where} has unknown keys {sorted(unknown)}; a rule takes {sorted(_RULE_KEYS)}"
        )
    if "tags" not in table:
        raise TagRulesError(f"{path}: {where} has no tags")
    values = {k: _strings(path, f"{where}.{k}", v) for k, v in table.items()}
    if len(values) == 1:
        raise TagRulesError(f"{path}: {where} has tags but nothing to match (names, words…)")
    for pattern in values.get("patterns", ()):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TagRulesError(f"{path}: {where} pattern {pattern!r}: {exc}") from exc
    values["domains"] = tuple(d.lower().removeprefix("www.") for d in values.get("domains", ()))
    return TagRule(**values)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise TagRulesError(f"cannot read tag rules {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TagRulesError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise TagRulesError(
            f"{path}: unknown keys {sorted(unknown)}; a rule file takes {sorted(_FILE_KEYS)}"
        )
    return data


def load_tag_rules(paths: Sequence[Path] = (), *, include_default: bool = True) -> TagRules:
    """The user's rule files (first) and then the built-in ones."""
    files = [_read(Path(p)) for p in paths]
    if include_default and not any(f.get("replace_default") for f in files):
        files.append(_read(DEFAULT_RULES))
        paths = [*paths, DEFAULT_RULES]
    rules: list[TagRule] = []
    max_tags: int | None = None
    fallback: tuple[str, ...] | None = None
    for path, data in zip(paths, files, strict=True):
        tables = data.get("rules", [])
        if not isinstance(tables, list):
            raise TagRulesError(f"{path}: rules must be an array of tables ([[rules]])")
        rules.extend(_parse_rule(Path(path), i, t) for i, t in enumerate(tables))
        if max_tags is None and "max_tags" in data:
            max_tags = data["max_tags"]
            if not isinstance(max_tags, int) or isinstance(max_tags, bool) or max_tags < 1:
                raise TagRulesError(f"{path}: max_tags must be a positive integer")
        if fallback is None and "fallback" in data:
            fallback = _strings(Path(path), "fallback", data["fallback"])
    return TagRules(
        rules=tuple(rules),
        max_tags=max_tags if max_tags is not None else MAX_TAGS,
        fallback=fallback or (),
    )


def iter_rule_tags(rules: TagRules) -> Iterable[str]:
    """Every tag the rules can give, once each (for documentation and tests)."""
    seen: set[str] = set()
    for rule in rules.rules:
        for tag in rule.tags:
            if tag not in seen:
                seen.add(tag)
                yield tag
