"""Queries of ``matome review``: a person's translations, choices, approvals and glossary.

Callers pass a session and own the transaction. A person's text is stored in the
same ``text_ja``/``title_ja`` column as the model's, with ``*_by = 'human'``: the
translate stage only fills rows whose text is NULL, so it never overwrites one.
Any edit of a post clears its approval (the person approves what they last saw).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.models import (
    Comment,
    CommentReview,
    FrontPage,
    GlossaryRule,
    Post,
    PostReview,
    Story,
)

HUMAN = "human"
STATES = ("crawled", "translated", "exported", "approved", "published")


@dataclass(frozen=True, slots=True)
class ThreadState:
    """One thread of a day as the days page lists it."""

    story_id: int
    rank: int
    title: str
    title_ja: str | None
    comments: int
    untranslated: int
    human: int  # comments (and the title) a person translated
    stale: int  # human texts whose English changed since
    state: str  # one of STATES


def _state(
    untranslated: int, title_ja: str | None, exported: bool, approved: bool, published: bool
) -> str:
    if published:
        return "published"
    if approved:
        return "approved"
    if exported:
        return "exported"
    if title_ja and untranslated == 0:
        return "translated"
    return "crawled"


def review_days(session: Session) -> list[date]:
    """The days whose listing holds at least one crawled thread, newest first."""
    return list(
        session.scalars(
            select(FrontPage.day)
            .join(Story, Story.id == FrontPage.story_id)
            .where(Story.last_crawled_at.is_not(None))
            .group_by(FrontPage.day)
            .order_by(FrontPage.day.desc())
        )
    )


def day_threads(session: Session, day: date) -> list[ThreadState]:
    """The crawled threads listed on ``day``, best rank first, with their review state."""
    counts = (
        select(
            Comment.story_id.label("story_id"),
            func.count().label("comments"),
            func.sum(
                case((and_(Comment.text_ja.is_(None), Comment.deleted.is_(False)), 1), else_=0)
            ).label("untranslated"),
            func.sum(case((Comment.text_ja_by == HUMAN, 1), else_=0)).label("human"),
            func.sum(case((Comment.text_ja_stale.is_(True), 1), else_=0)).label("stale"),
        )
        .group_by(Comment.story_id)
        .subquery()
    )
    best = (
        select(FrontPage.story_id, func.min(FrontPage.rank).label("rank"))
        .where(FrontPage.day == day)
        .group_by(FrontPage.story_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Story,
            best.c.rank,
            counts.c.comments,
            counts.c.untranslated,
            counts.c.human,
            counts.c.stale,
            Post.exported_at,
            PostReview.approved_at,
            PostReview.published_at,
        )
        .join(best, best.c.story_id == Story.id)
        .outerjoin(counts, counts.c.story_id == Story.id)
        .outerjoin(Post, Post.story_id == Story.id)
        .outerjoin(PostReview, PostReview.story_id == Story.id)
        .where(Story.last_crawled_at.is_not(None))
        .order_by(best.c.rank, Story.id)
    ).all()
    threads = []
    for story, rank, n, untranslated, human, stale, exported_at, approved_at, published_at in rows:
        threads.append(
            ThreadState(
                story_id=story.id,
                rank=rank,
                title=story.title,
                title_ja=story.title_ja,
                comments=n or 0,
                untranslated=untranslated or 0,
                human=(human or 0) + (story.title_ja_by == HUMAN),
                stale=(stale or 0) + bool(story.title_ja_stale),
                state=_state(
                    untranslated or 0,
                    story.title_ja,
                    exported_at is not None,
                    approved_at is not None,
                    published_at is not None,
                ),
            )
        )
    return threads


def get_story(session: Session, story_id: int) -> Story | None:
    return session.get(Story, story_id)


def story_day(session: Session, story_id: int) -> date | None:
    """The day a story's post is (or will be) dated: its post's day, else its first listing."""
    post = session.get(Post, story_id)
    if post is not None:
        return post.day
    return session.scalar(select(func.min(FrontPage.day)).where(FrontPage.story_id == story_id))


def get_post_review(session: Session, story_id: int) -> PostReview | None:
    return session.get(PostReview, story_id)


def comment_reviews(session: Session, story_id: int) -> dict[int, CommentReview]:
    """The per-comment overrides of a thread, by comment id."""
    return {
        r.comment_id: r
        for r in session.scalars(select(CommentReview).where(CommentReview.story_id == story_id))
    }


def approved_story_ids(session: Session, story_ids: Sequence[int]) -> set[int]:
    if not story_ids:
        return set()
    return set(
        session.scalars(
            select(PostReview.story_id).where(
                PostReview.story_id.in_(story_ids), PostReview.approved_at.is_not(None)
            )
        )
    )


def _review(session: Session, story_id: int, now: datetime) -> PostReview:
    review = session.get(PostReview, story_id)
    if review is None:
        review = PostReview(story_id=story_id, updated_at=now)
        session.add(review)
    return review


def _touch(session: Session, story_id: int, now: datetime) -> None:
    """An edit: the post must be approved again."""
    review = _review(session, story_id, now)
    review.approved_at = None
    review.approved_by = None
    review.updated_at = now
    session.flush()


def edit_title(session: Session, story_id: int, text: str, now: datetime) -> None:
    """Store a person's title; an empty one hands the title back to the model (pending)."""
    text = text.strip()
    session.execute(
        update(Story)
        .where(Story.id == story_id)
        .values(
            title_ja=text or None,
            title_ja_by=HUMAN if text else None,
            title_ja_model=Story.title_ja_model if text else None,
            title_ja_at=now if text else None,
            title_ja_stale=False,
        )
    )
    _touch(session, story_id, now)


def edit_comment(session: Session, comment_id: int, text: str, now: datetime) -> int:
    """Store a person's translation of a comment; returns how many comments got it.

    Comments elsewhere with the same English (same content hash) and a model
    translation reuse it, marked human. An empty text hands the comment back to
    the model (it becomes pending for ``matome translate``).
    """
    comment = session.get(Comment, comment_id)
    if comment is None:
        return 0
    text = text.replace("\r\n", "\n").strip()
    values = {
        "text_ja": text or None,
        "text_ja_by": HUMAN if text else None,
        "text_ja_at": now if text else None,
        "text_ja_stale": False,
        "text_ja_untranslated": None if text else comment.text_ja_untranslated,
    }
    session.execute(update(Comment).where(Comment.id == comment_id).values(**values))
    touched = {comment.story_id}
    changed = 1
    if text:
        same = session.execute(
            select(Comment.id, Comment.story_id).where(
                Comment.content_hash == comment.content_hash,
                Comment.id != comment_id,
                Comment.text.is_not(None),
                Comment.text == comment.text,
                or_(Comment.text_ja_by.is_(None), Comment.text_ja_by != HUMAN),
            )
        ).all()
        if same:
            session.execute(
                update(Comment).where(Comment.id.in_([i for i, _ in same])).values(**values)
            )
            touched.update(s for _, s in same)
            changed += len(same)
    for story_id in touched:
        _touch(session, story_id, now)
    return changed


def _comment_review(session: Session, comment_id: int, now: datetime) -> CommentReview | None:
    comment = session.get(Comment, comment_id)
    if comment is None:
        return None
    review = session.get(CommentReview, comment_id)
    if review is None:
        review = CommentReview(comment_id=comment_id, story_id=comment.story_id, updated_at=now)
        session.add(review)
    review.updated_at = now
    _touch(session, comment.story_id, now)
    return review


def set_included(session: Session, comment_id: int, included: bool | None, now: datetime) -> None:
    """Always quote (True), never quote (False) or let the rules decide (None)."""
    review = _comment_review(session, comment_id, now)
    if review is not None:
        review.included = included


def set_highlight(session: Session, comment_id: int, colour: str | None, now: datetime) -> None:
    """Highlight in ``colour``, not at all (""), or as the rules decide (None)."""
    review = _comment_review(session, comment_id, now)
    if review is not None:
        review.highlight = colour


def freeze_selection(
    session: Session, story_id: int, included: Iterable[int], colours: dict[int, str], now: datetime
) -> None:
    """Record the post as approved: each comment's inclusion and colour made explicit, so
    later crawls, limits or rules cannot change which comments it quotes or how."""
    kept = set(included)
    existing = comment_reviews(session, story_id)
    for comment_id in session.scalars(select(Comment.id).where(Comment.story_id == story_id)):
        review = existing.get(comment_id)
        if review is None:
            review = CommentReview(comment_id=comment_id, story_id=story_id, updated_at=now)
            session.add(review)
        review.included = comment_id in kept
        review.highlight = colours.get(comment_id, "") if comment_id in kept else review.highlight
        review.updated_at = now
    session.flush()


def set_tags(session: Session, story_id: int, tags: Sequence[str] | None, now: datetime) -> None:
    """A person's tags for the post (None: the tag rules decide again)."""
    review = _review(session, story_id, now)
    review.tags = list(tags) if tags is not None else None
    _touch(session, story_id, now)


def approve(session: Session, story_id: int, by: str, now: datetime) -> None:
    """Approve the post as shown; the person has seen every "source changed" text, so the
    marks are cleared."""
    session.execute(update(Story).where(Story.id == story_id).values(title_ja_stale=False))
    session.execute(
        update(Comment)
        .where(Comment.story_id == story_id, Comment.text_ja_stale.is_(True))
        .values(text_ja_stale=False)
    )
    review = _review(session, story_id, now)
    review.approved_by = by
    review.approved_at = now
    review.updated_at = now
    session.flush()


def unapprove(session: Session, story_id: int, now: datetime) -> None:
    _touch(session, story_id, now)


def mark_published(session: Session, story_ids: Sequence[int], now: datetime) -> None:
    if story_ids:
        session.execute(
            update(PostReview)
            .where(PostReview.story_id.in_(story_ids))
            .values(published_at=now, updated_at=now)
        )


def approved_on_day(session: Session, day: date) -> list[int]:
    """Approved stories whose post is dated ``day`` (their post was exported on approval)."""
    return list(
        session.scalars(
            select(PostReview.story_id)
            .join(Post, Post.story_id == PostReview.story_id)
            .where(Post.day == day, PostReview.approved_at.is_not(None))
            .order_by(PostReview.story_id)
        )
    )


def glossary_rules(session: Session) -> list[GlossaryRule]:
    return list(session.scalars(select(GlossaryRule).order_by(GlossaryRule.source)))


def add_glossary_rule(
    session: Session, source: str, target: str, match_case: bool, now: datetime
) -> None:
    """Add a rule, or replace the one for the same source term."""
    existing = session.scalar(select(GlossaryRule).where(GlossaryRule.source == source))
    if existing is None:
        session.add(
            GlossaryRule(source=source, target=target, match_case=match_case, created_at=now)
        )
    else:
        existing.target = target
        existing.match_case = match_case
    session.flush()


def delete_glossary_rule(session: Session, rule_id: int) -> None:
    session.execute(delete(GlossaryRule).where(GlossaryRule.id == rule_id))


def comment_story(session: Session, comment_id: int) -> int | None:
    """The story a comment belongs to (None when no such comment)."""
    return session.scalar(select(Comment.story_id).where(Comment.id == comment_id))
