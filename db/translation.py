"""Queries and writes of the translation stage: what needs translating, the translation
memory, and storing Japanese text beside the source.

Every function takes a session; the caller owns the transaction (``matome translate``
commits once per batch so an interrupted run keeps what it did).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from db.models import Comment, FrontPage, Story, TranslationMemory
from db.store import dialect_insert

# SQLite allows 32766 bound parameters; stay well below for IN (...) lists.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class PendingTitle:
    story_id: int
    title: str


@dataclass(frozen=True, slots=True)
class PendingComment:
    comment_id: int
    story_id: int
    text_html: str | None
    text: str | None
    content_hash: str  # as read: the write is skipped if a crawl changed the text since


def story_ids_for_day(session: Session, day: date) -> list[int]:
    """Stories listed on ``day`` (any listing source), in rank order, each once."""
    rows = session.execute(
        select(FrontPage.story_id)
        .join(Story, Story.id == FrontPage.story_id)
        .where(FrontPage.day == day)
        .order_by(FrontPage.source, FrontPage.rank)
    ).scalars()
    return list(dict.fromkeys(rows))


def existing_story_ids(session: Session, story_ids: Sequence[int]) -> list[int]:
    found: set[int] = set()
    for chunk in _chunks(list(story_ids)):
        found.update(session.execute(select(Story.id).where(Story.id.in_(chunk))).scalars())
    return [i for i in story_ids if i in found]


def pending_titles(session: Session, story_ids: Sequence[int] | None = None) -> list[PendingTitle]:
    """Stories whose title has no Japanese yet (of ``story_ids``, or all when None)."""
    query = select(Story.id, Story.title).where(Story.title_ja.is_(None), Story.title != "")
    return [
        PendingTitle(story_id=row.id, title=row.title)
        for row in _select_in(session, query, Story.id, story_ids, order_by=(Story.id,))
    ]


def _comment_needs_translation():  # type: ignore[no-untyped-def]
    has_text = or_(
        and_(Comment.text_html.is_not(None), Comment.text_html != ""),
        and_(Comment.text.is_not(None), Comment.text != ""),
    )
    return and_(Comment.text_ja.is_(None), Comment.deleted.is_(False), has_text)


def pending_comments(
    session: Session, story_ids: Sequence[int] | None = None
) -> list[PendingComment]:
    """Comments with text, not deleted and not yet translated, in thread display order."""
    query = select(
        Comment.id, Comment.story_id, Comment.text_html, Comment.text, Comment.content_hash
    ).where(_comment_needs_translation())
    rows = _select_in(
        session,
        query,
        Comment.story_id,
        story_ids,
        order_by=(Comment.story_id, Comment.position),
    )
    return [
        PendingComment(
            comment_id=row.id,
            story_id=row.story_id,
            text_html=row.text_html,
            text=row.text,
            content_hash=row.content_hash,
        )
        for row in rows
    ]


def _select_in(session, query, column, ids, *, order_by):  # type: ignore[no-untyped-def]
    if ids is None:
        return list(session.execute(query.order_by(*order_by)))
    rows = []
    ids = list(ids)
    for chunk in _chunks(ids):
        rows.extend(session.execute(query.where(column.in_(chunk)).order_by(*order_by)))
    position = {story_id: i for i, story_id in enumerate(ids)}
    # Keep the caller's story order (a day's rank order), then each query's own order.
    return sorted(rows, key=lambda row: position[getattr(row, column.key)])


def memory_lookup(
    session: Session, model_id: str, settings: str, source_hashes: Sequence[str]
) -> dict[str, str]:
    """``source_hash → target`` for the hashes the memory holds for this model and settings."""
    found: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(source_hashes))):
        rows = session.execute(
            select(TranslationMemory.source_hash, TranslationMemory.target).where(
                TranslationMemory.model_id == model_id,
                TranslationMemory.settings == settings,
                TranslationMemory.source_hash.in_(chunk),
            )
        )
        found.update({row.source_hash: row.target for row in rows})
    return found


def memory_store(
    session: Session,
    model_id: str,
    settings: str,
    entries: Iterable[tuple[str, str, str]],
    now: datetime,
) -> int:
    """Upsert ``(source_hash, source, target)`` entries; returns how many were written."""
    rows = [
        {
            "source_hash": source_hash,
            "model_id": model_id,
            "settings": settings,
            "source": source,
            "target": target,
            "created_at": now,
        }
        for source_hash, source, target in entries
    ]
    for start in range(0, len(rows), 100):  # 6 parameters a row
        statement = dialect_insert(session, TranslationMemory).values(rows[start : start + 100])
        statement = statement.on_conflict_do_update(
            index_elements=["source_hash", "model_id", "settings"],
            set_={
                "source": statement.excluded.source,
                "target": statement.excluded.target,
                "created_at": statement.excluded.created_at,
            },
        )
        session.execute(statement)
    return len(rows)


def store_title_translations(
    session: Session,
    translations: Mapping[int, tuple[str, str]],
    model_id: str,
    now: datetime,
    lang: str,
) -> int:
    """Write ``story_id → (title as translated, title_ja)`` with the model id, time and
    language (an NLLB code such as ``jpn_Jpan``).

    A story whose title changed since it was read is left for the next run. Returns the
    number of stories written.
    """
    written = 0
    for story_id, (title, title_ja) in translations.items():
        written += session.execute(
            update(Story)
            # A person's title (matome review) is never overwritten, even one saved
            # while this run was translating.
            .where(Story.id == story_id, Story.title == title, Story.title_ja_by.is_(None))
            .values(title_ja=title_ja, title_ja_model=model_id, title_ja_at=now, title_ja_lang=lang)
        ).rowcount
    return written


def store_comment_translations(
    session: Session,
    translations: Mapping[int, tuple[str, str, int]],
    model_id: str,
    now: datetime,
    lang: str,
) -> int:
    """Write ``comment_id → (content_hash as read, text_ja, untranslated segments)`` with
    the model id, time and language.

    A comment whose content hash changed since it was read (a re-crawl edited it) is left
    for the next run. Returns the number of comments written.
    """
    written = 0
    for comment_id, (content_hash, text_ja, untranslated) in translations.items():
        written += session.execute(
            update(Comment)
            .where(
                Comment.id == comment_id,
                Comment.content_hash == content_hash,
                Comment.text_ja_by.is_(None),  # never over a person's text (matome review)
            )
            .values(
                text_ja=text_ja,
                text_ja_model=model_id,
                text_ja_at=now,
                text_ja_lang=lang,
                text_ja_untranslated=untranslated,
            )
        ).rowcount
    return written


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reuse_human_translations(session: Session, now: datetime) -> int:
    """Untranslated titles and comments whose English a person has already translated
    elsewhere (``matome review``) take that translation, marked as the person's.

    Runs before the model: identical source text costs no model time and reads the
    way the person wrote it. A person's text whose source has since changed
    (``*_stale``) is not reused. Returns the number of rows filled.
    """
    return _reuse_human(session, now, Comment, "text", extra={"text_ja_untranslated": 0}) + (
        _reuse_human(session, now, Story, "title")
    )


def _reuse_human(
    session: Session,
    now: datetime,
    model: type[Comment] | type[Story],
    source: str,
    extra: Mapping[str, object] | None = None,
) -> int:
    """``model``'s rows with the English ``source`` column a person translated elsewhere."""
    target = {"text": "text_ja", "title": "title_ja"}[source]
    column = getattr(model, source)
    translated = getattr(model, target)
    humans = session.execute(
        select(column, translated, getattr(model, f"{target}_lang"))
        .where(getattr(model, f"{target}_by") == "human")
        .where(getattr(model, f"{target}_stale").is_(False), column.is_not(None), column != "")
        .order_by(getattr(model, f"{target}_at"))
    ).all()
    filled = 0
    for english, text_ja, lang in {row[0]: row for row in humans}.values():  # newest wins
        values = {
            target: text_ja,
            f"{target}_by": "human",
            f"{target}_lang": lang,
            f"{target}_at": now,
            f"{target}_model": None,
            **(extra or {}),
        }
        filled += session.execute(
            update(model).where(column == english, translated.is_(None)).values(**values)
        ).rowcount
    return filled
