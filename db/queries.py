"""Read-side queries behind ``matome search/threads/show/stats``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from db.models import ArchiveTotals, AuthorTotal, Comment, DomainTotal, FrontPage, Story

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
TRIGRAM = 3
SNIPPET_TOKENS = 16
# Search ranks at most this many matches of each kind, the newest (highest ids): ranking
# costs per match, so a word found everywhere would take longer as the archive grows.
SEARCH_CANDIDATES = 10_000


def detect_lang(query: str) -> str:
    """``ja`` when the query has kana or kanji, else ``en``."""
    return "ja" if _JAPANESE.search(query) else "en"


def quote_fts(query: str) -> str:
    """Each word as an FTS5 string, so ``C++`` or a stray quote is text, not syntax."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "comment" or "story"
    id: int
    story_id: int
    title: str
    author: str | None
    created_at: datetime | None
    snippet: str

    def as_row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "story_id": self.story_id,
            "title": self.title,
            "author": self.author,
            "date": self.created_at.date().isoformat() if self.created_at else None,
            "snippet": self.snippet,
        }


def search(
    session: Session,
    query: str,
    *,
    lang: str | None = None,
    author: str | None = None,
    since: date | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """Comments and story titles matching every word of ``query``, best first.

    The same hits on both backends: English matches whole words (any run of
    characters that are not letters or digits separates words, case ignored),
    each word of ``query`` as a phrase; Japanese matches substrings. SQLite uses
    its FTS5 indexes (trigram for Japanese; words shorter than three characters
    fall back to a substring scan), ranked by bm25; PostgreSQL the GIN indexes
    of migration 0007 (a ``simple`` tsvector, ``pg_trgm``), ranked by
    ``ts_rank_cd`` (matches per word) for English and by matches per character for
    Japanese. Both rank the newest :data:`SEARCH_CANDIDATES` matches of each kind
    (comments, titles) that pass ``author`` and ``since``: every match in all but the
    commonest searches, and a time that does not grow with the archive in those.
    """
    words = query.split()
    if not words:
        return []
    lang = lang or detect_lang(query)
    ja = lang == "ja"
    dialect = session.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    use_fts = sqlite and not (ja and any(len(w) < TRIGRAM for w in words))
    comment_column = Comment.text_ja if ja else Comment.text
    title_column = Story.title_ja if ja else Story.title
    hits: list[tuple[float, SearchHit]] = []

    comment_query = select(
        Comment.id, Comment.story_id, Comment.author, Comment.created_at, comment_column,
        func.coalesce(Story.title_ja if ja else Story.title, Story.title),
    ).join(Story, Story.id == Comment.story_id)  # fmt: skip
    story_query = select(
        Story.id, Story.id, Story.author, Story.created_at, title_column,
        func.coalesce(Story.title_ja if ja else Story.title, Story.title),
    )  # fmt: skip
    if author:
        comment_query = comment_query.where(Comment.author == author)
        story_query = story_query.where(Story.author == author)
    if since:
        comment_query = comment_query.where(Comment.created_at >= _midnight(since))
        story_query = story_query.where(Story.created_at >= _midnight(since))

    for kind, base, fts in (
        ("comment", comment_query, "comments_ja_fts" if ja else "comments_fts"),
        ("story", story_query, "stories_ja_fts" if ja else "stories_fts"),
    ):
        searched = comment_column if kind == "comment" else title_column
        key = Comment.id if kind == "comment" else Story.id
        if use_fts:
            index = sql_table(fts, sql_column("rowid", Integer), sql_column("rank", Float))
            match = text(f"{fts} MATCH :q")
            q = {"q": quote_fts(query)}
            # The newest SEARCH_CANDIDATES matches are ranked, not all: walking the index
            # newest first costs no bm25, and the floor it finds bounds the ranked scan.
            # Walked in the index alone first; with filters, again through them only when
            # there are more matches than that in all.
            newest = select(index.c.rowid).where(match).order_by(index.c.rowid.desc())
            floor = _nth(session, newest, q)
            if floor is not None and (author or since):
                floor = _nth(
                    session,
                    base.with_only_columns(index.c.rowid, maintain_column_froms=True)
                    .join(index, index.c.rowid == key)
                    .where(match)
                    .order_by(index.c.rowid.desc()),
                    q,
                )
            highlighted = func.snippet(literal_column(fts), 0, "[", "]", "…", SNIPPET_TOKENS)
            candidates = select(index.c.rowid, index.c.rank, highlighted.label("snippet")).where(
                match
            )
            if floor is not None:
                candidates = candidates.where(index.c.rowid >= floor)
            matched = candidates.subquery()
            statement = (
                base.add_columns(matched.c.rank, matched.c.snippet)
                .join(matched, matched.c.rowid == key)
                .order_by(matched.c.rank)
                .limit(limit)
            )
            rows = session.execute(statement, q).all()
        elif dialect == "postgresql":
            if ja:
                matched, rank = _substrings(searched, words), _matches_per_char(searched, words)
            else:
                document = english_words(searched)
                terms = [func.phraseto_tsquery(_SIMPLE, _word_runs(literal(w))) for w in words]
                wanted = terms[0]
                for term in terms[1:]:
                    wanted = wanted.op("&&")(term)
                matched = document.op("@@")(wanted)
                rank = -func.ts_rank_cd(document, wanted, literal_column("2"))
            newest = (
                base.with_only_columns(key, maintain_column_froms=True)
                .where(matched)
                .order_by(key.desc())
                .limit(SEARCH_CANDIDATES)
            )
            statement = (
                base.add_columns(rank.label("rank"), literal(None))
                .where(key.in_(newest.scalar_subquery()))
                .order_by(literal_column("rank"), key)
                .limit(limit)
            )
            rows = session.execute(statement).all()
        else:
            statement = base.add_columns(literal(0.0), literal(None)).where(
                _substrings(searched, words)
            )
            rows = session.execute(statement.limit(limit)).all()
        for item_id, story_id, who, when, body, title, rank, highlight in rows:
            hit = SearchHit(
                kind, item_id, story_id, title, who, when, highlight or snippet(body, words)
            )
            hits.append((float(rank), hit))
    hits.sort(key=lambda pair: pair[0])
    return [hit for _, hit in hits[:limit]]


def _nth(session: Session, newest: Select[Any], params: dict[str, Any]) -> Any:
    """The last of the first :data:`SEARCH_CANDIDATES` rows of ``newest``; None if fewer."""
    return session.scalar(newest.offset(SEARCH_CANDIDATES - 1).limit(1), params)


_SIMPLE = literal_column("'simple'::regconfig")


def _word_runs(value: Any) -> Any:
    """Every run of characters that are not letters or digits as one space (FTS5's words)."""
    return func.regexp_replace(value, "[^[:alnum:]]+", " ", "g")


def english_words(column: Any) -> Any:
    """The ``tsvector`` of ``column``'s words on PostgreSQL: the column migration 0010 stores
    them in (``comments.text_words``, ``stories.title_words``), indexed."""
    stored = {"comments.text": "comments.text_words", "stories.title": "stories.title_words"}
    return literal_column(stored[f"{column.table.name}.{column.name}"])


def _substrings(column: Any, words: list[str]) -> Any:
    return and_(*(column.ilike(f"%{_escape_like(w)}%", escape="\\") for w in words))


def _matches_per_char(column: Any, words: list[str]) -> Any:
    """Minus the occurrences of the words per character of text: more and denser ranks first."""
    lowered = func.lower(column)
    found = [
        (func.char_length(lowered) - func.char_length(func.replace(lowered, w.lower(), "")))
        / len(w)
        for w in words
    ]
    total = found[0]
    for more in found[1:]:
        total = total + more
    return -(total.cast(Float) / func.greatest(func.char_length(column), 1))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def snippet(body: str | None, words: list[str], width: int = 80) -> str:
    """The text around the first matching word, with the words in [brackets]."""
    if not body:
        return ""
    flat = " ".join(body.split())
    lowered = flat.lower()
    found = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    piece = flat[start : start + width]
    for word in sorted(set(words), key=len, reverse=True):
        piece = re.sub(re.escape(word), lambda m: f"[{m.group(0)}]", piece, flags=re.IGNORECASE)
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def day_threads(session: Session, day: date) -> list[dict[str, Any]]:
    """The day's listing with what the archive holds of each thread."""
    listed = select(FrontPage.story_id).where(FrontPage.day == day)
    stored = (  # counted for the day's stories only (the story_id index), not the archive
        select(
            Comment.story_id,
            func.count().label("stored"),
            func.count(Comment.text_ja).label("translated"),
        )
        .where(Comment.story_id.in_(listed))
        .group_by(Comment.story_id)
        .subquery()
    )
    query: Select[Any] = (
        select(
            FrontPage.rank,
            Story.id,
            Story.title,
            Story.title_ja,
            FrontPage.score,
            FrontPage.comment_count,
            func.coalesce(stored.c.stored, 0),
            func.coalesce(stored.c.translated, 0),
            Story.last_crawled_at,
        )
        .join(Story, Story.id == FrontPage.story_id)
        .outerjoin(stored, stored.c.story_id == Story.id)
        .where(FrontPage.day == day)
        .order_by(case((FrontPage.source == "front", 0), else_=1), FrontPage.rank)
    )
    seen: set[int] = set()
    rows = []
    for rank, sid, title, title_ja, score, shown, stored_n, translated, crawled in session.execute(
        query
    ):
        if sid in seen:
            continue
        seen.add(sid)
        rows.append(
            {
                "rank": rank,
                "id": sid,
                "title": title,
                "title_ja": title_ja,
                "points": score,
                "comments": shown,
                "stored": stored_n,
                "translated": translated,
                "crawled_at": crawled.isoformat() if crawled else None,
            }
        )
    return rows


def thread(session: Session, story_id: int) -> tuple[Story | None, list[Comment]]:
    story = session.get(Story, story_id)
    if story is None:
        return None, []
    comments = session.scalars(
        select(Comment).where(Comment.story_id == story_id).order_by(Comment.position)
    ).all()
    return story, list(comments)


def stats(session: Session, *, top: int = 10) -> dict[str, Any]:
    """Totals, the translated share, and the most frequent authors and domains.

    The counts come from the totals that triggers keep on every write (migration
    0009), so this reads a few rows however large the archive: the same numbers
    as counting ``stories`` and ``comments`` (a test holds the two side by side).
    """
    totals = session.get(ArchiveTotals, 1)
    if totals is None:
        raise LookupError("archive_totals has no row: the archive was not made by its migrations")
    top_authors = session.execute(
        select(AuthorTotal.author, AuthorTotal.comments)
        .where(AuthorTotal.comments > 0)
        .order_by(AuthorTotal.comments.desc(), AuthorTotal.author)
        .limit(top)
    ).all()
    top_domains = session.execute(
        select(DomainTotal.domain, DomainTotal.threads)
        .where(DomainTotal.threads > 0)
        .order_by(DomainTotal.threads.desc(), DomainTotal.domain)
        .limit(top)
    ).all()
    # Apart: SQLite reads one end of the index for a lone min() or max(), and scans for both.
    first_last = (
        session.scalar(select(func.min(FrontPage.day))),
        session.scalar(select(func.max(FrontPage.day))),
    )
    with_text, translated = totals.comments_with_text, totals.comments_translated
    return {
        "days": session.scalar(select(func.count(func.distinct(FrontPage.day)))) or 0,
        "first_day": first_last[0].isoformat() if first_last[0] else None,
        "last_day": first_last[1].isoformat() if first_last[1] else None,
        "stories": totals.stories,
        "threads": totals.threads,
        "comments": totals.comments,
        "translated_comments": translated,
        "translated_share": round(translated / with_text, 4) if with_text else 0.0,
        "titles_translated": totals.titles_translated,
        "top_authors": [{"author": a, "comments": n} for a, n in top_authors],
        "top_domains": [{"domain": d, "threads": n} for d, n in top_domains],
    }
