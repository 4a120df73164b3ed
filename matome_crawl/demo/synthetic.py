"""A deterministic synthetic Hacker News: days of stories and threads, built from a seed.

Three ways to get one:

- :func:`demo_day`: the built-in day (:data:`DEMO_DAY`), shaped for ``matome demo``: a
  front page of 36 stories (two list pages) mixing links, Ask/Tell HN, Show HN, two
  job ads and one dead story; its ten best-scored threads are nested up to six
  levels deep, one of them long enough to span two thread pages; dead, flagged and
  deleted comments, and two comments HN hides (a deleted and a dead reply without
  replies).
- :func:`synthetic_day`: any date → a day of ``threads`` stories with exactly
  ``comments`` comments each (benchmarks, backfill tests). Every one of those
  comments is a visible row on the thread pages in either view.
- :func:`large_thread`: one story with thousands of comments (pagination tests).

Item ids and times follow HN's rules: ids grow with time, a reply is newer than its
parent. A day's ids are a block derived from its date (:func:`day_id_base`), far above
real HN ids, so synthetic days never collide with each other or with a real archive.

The world is independent of how it is shown. :mod:`matome_crawl.demo.render` writes
it as HN's pages and API; the ``*_record`` methods here say which records the
product's parsers must read back from those pages (:mod:`matome_crawl.hn.model`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from matome_crawl.demo import words
from matome_crawl.demo.markup import Body
from matome_crawl.hn.model import CommentRecord, ListingEntry, StoryRecord, Thread

DEMO_DAY = date(2026, 3, 14)
"""The built-in day of :func:`demo_day` (a Saturday)."""

DEFAULT_COMMENTS_PER_PAGE = 100
"""Comment rows per thread page before HN's "More" link (the demo's choice)."""

STORIES_PER_PAGE = 30
"""Stories per list page, as on HN."""

# Ids: one block of DAY_BLOCK ids per day from FIRST_DAY on, starting at DAY_ID_BASE
# (about 1.96e9 for 2026; real HN ids are near 4.8e7). Large threads live below.
FIRST_DAY = date(2000, 1, 1)
DAY_ID_BASE = 1_000_000_000
DAY_BLOCK = 100_000
LARGE_THREAD_BASE = 500_000_000
LARGE_THREAD_BLOCK = 1_000_000

SUBMISSION_KINDS = ("story", "ask", "show", "job")


def day_id_base(day: date) -> int:
    """The first item id of a synthetic day."""
    if day < FIRST_DAY:
        raise ValueError(f"synthetic days start at {FIRST_DAY}, got {day}")
    return DAY_ID_BASE + (day - FIRST_DAY).days * DAY_BLOCK


def day_of_id(item_id: int) -> date | None:
    """The synthetic day whose id block holds ``item_id`` (None outside the day blocks)."""
    days = (item_id - DAY_ID_BASE) // DAY_BLOCK
    if days < 0 or days > (date.max - FIRST_DAY).days:
        return None
    return FIRST_DAY + timedelta(days=days)


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


# --- the items ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SynthStory:
    """A submission; ``kind`` is in :data:`SUBMISSION_KINDS` (the API says "story" for ask/show)."""

    id: int
    kind: str
    title: str
    url: str | None
    domain: str | None  # as HN's sitestr shows it
    by: str
    time: int  # unix seconds, UTC
    score: int
    body: Body | None = None  # OP text: Ask HN, a Show HN's note, a job's description
    dead: bool = False
    nofollow: bool = False  # HN marks some title links rel="nofollow"

    @property
    def created_at(self) -> datetime:
        return _utc(self.time)


@dataclass(frozen=True, slots=True)
class SynthComment:
    """A comment. A flagged comment is dead too; a deleted one keeps only id, parent, time."""

    id: int
    parent: int
    depth: int  # 0 = reply to the story
    by: str
    time: int
    body: Body
    dead: bool = False
    flagged: bool = False
    deleted: bool = False
    colour: str = "c00"  # commtext colour class: greyer for downvoted comments

    @property
    def created_at(self) -> datetime:
        return _utc(self.time)


@dataclass(frozen=True)
class SynthThread:
    """A story and all its comments in HN's display order (siblings ranked, depth first).

    ``comments`` include the ones HN hides from a page: deleted comments without
    replies, and (for logged-out readers) dead ones without replies. The Firebase
    API still lists them in their parent's ``kids``.
    """

    story: SynthStory
    comments: tuple[SynthComment, ...]

    @cached_property
    def kids(self) -> dict[int, tuple[int, ...]]:
        """Item id → its replies' ids in display (ranked) order."""
        kids: dict[int, list[int]] = {self.story.id: []}
        for comment in self.comments:
            kids.setdefault(comment.id, [])
            kids[comment.parent].append(comment.id)
        return {k: tuple(v) for k, v in kids.items()}

    @cached_property
    def by_id(self) -> dict[int, SynthComment]:
        return {c.id: c for c in self.comments}

    @property
    def descendants(self) -> int:
        """HN's comment count ("N comments", the API's ``descendants``): all but deleted."""
        return sum(not c.deleted for c in self.comments)

    @property
    def item_ids(self) -> list[int]:
        return [self.story.id, *(c.id for c in self.comments)]

    @cached_property
    def _visible(self) -> dict[bool, list[SynthComment]]:
        return {}

    def visible(self, *, showdead: bool) -> list[SynthComment]:
        """The comment rows a thread page shows, in order.

        HN leaves out deleted comments and, unless the reader has ``showdead``,
        dead ones, when nothing below them is shown.
        """
        cached = self._visible.get(showdead)
        if cached is None:
            cached = self._visible[showdead] = self._find_visible(showdead)
        return cached

    def _find_visible(self, showdead: bool) -> list[SynthComment]:
        shown: set[int] = set()
        for comment in reversed(self.comments):
            hidden = comment.deleted or (comment.dead and not showdead)
            if not hidden or any(k in shown for k in self.kids[comment.id]):
                shown.add(comment.id)
        return [c for c in self.comments if c.id in shown]

    def subtree(self, comment_id: int, *, showdead: bool) -> list[SynthComment]:
        """The visible rows below one comment (its own page's comment tree)."""
        rows = self.visible(showdead=showdead)
        start = next(i for i, c in enumerate(rows) if c.id == comment_id)
        depth = rows[start].depth
        out = []
        for row in rows[start + 1 :]:
            if row.depth <= depth:
                break
            out.append(row)
        return out

    def page_count(self, comments_per_page: int, *, showdead: bool) -> int:
        rows = len(self.visible(showdead=showdead))
        return max(1, -(-rows // comments_per_page))

    # --- what the parsers must read back -----------------------------------------
    def story_record(self, *, on_thread_page: bool = False) -> StoryRecord:
        """The story as a list page (or, with ``on_thread_page``, its own page) shows it."""
        story = self.story
        job = story.kind == "job"
        text_html = None
        if on_thread_page and story.body is not None:
            text_html = story.body.parsed_html()
        return StoryRecord(
            id=story.id,
            type=story.kind,
            title=story.title,
            url=story.url,
            domain=story.domain,
            author=None if job else story.by,
            score=None if job else story.score,
            created_at=story.created_at,
            comment_count=None if job or story.dead else self.descendants,
            text_html=text_html,
            dead=story.dead,
        )

    def comment_records(self, *, showdead: bool = False) -> list[CommentRecord]:
        """Every visible row as :func:`~matome_crawl.hn.thread.join_pages` gives it."""
        rows = self.visible(showdead=showdead)
        below = visible_descendants(rows)
        return [
            comment_record(c, position=i, descendants=below[c.id], showdead=showdead)
            for i, c in enumerate(rows)
        ]

    def thread_record(
        self, *, comments_per_page: int = DEFAULT_COMMENTS_PER_PAGE, showdead: bool = False
    ) -> Thread:
        """The whole thread as the parser joins it from every page."""
        return Thread(
            story=self.story_record(on_thread_page=True),
            comments=self.comment_records(showdead=showdead),
            pages=self.page_count(comments_per_page, showdead=showdead),
        )


def visible_descendants(rows: list[SynthComment]) -> dict[int, int]:
    """Rows below each row (HN's ``togg`` n minus 1), from depths in display order."""
    counts = dict.fromkeys((c.id for c in rows), 0)
    stack: list[SynthComment] = []
    for row in rows:
        while stack and stack[-1].depth >= row.depth:
            stack.pop()
        for ancestor in stack:
            counts[ancestor.id] += 1
        stack.append(row)
    return counts


def comment_record(
    comment: SynthComment, *, position: int, descendants: int, showdead: bool
) -> CommentRecord:
    """One row as the parser reads it.

    With ``showdead`` HN shows dead text greyed with ``[dead]`` (and ``[flagged]``) in
    the header; without, a dead comment's text is replaced by ``[dead]`` or
    ``[flagged]`` (HN shows the latter only for comments it killed: dead too).
    A deleted comment is ``[deleted]`` with no author either way.
    """
    if comment.deleted:
        author = text_html = text = None
        dead = flagged = False
    elif comment.dead and not showdead:
        author, text_html, text = comment.by, None, None
        dead, flagged = True, comment.flagged
    else:
        author = comment.by
        text_html, text = comment.body.parsed_html(), comment.body.plain_text()
        dead, flagged = comment.dead, comment.flagged
    return CommentRecord(
        id=comment.id,
        parent_id=comment.parent,
        depth=comment.depth,
        position=position,
        author=author,
        created_at=comment.created_at,
        text_html=text_html,
        text=text,
        descendants=descendants,
        dead=dead,
        flagged=flagged,
        deleted=comment.deleted,
    )


@dataclass(frozen=True)
class SynthDay:
    """A past front page (``/front?day=``): its threads in rank order."""

    day: date
    threads: tuple[SynthThread, ...]

    @property
    def stories(self) -> list[SynthStory]:
        return [t.story for t in self.threads]

    def listing_entries(self) -> list[ListingEntry]:
        """Every row of every list page, as the listing parser reads it."""
        return [ListingEntry(rank=i, story=t.story_record()) for i, t in enumerate(self.threads, 1)]

    def listing_pages(self, per_page: int = STORIES_PER_PAGE) -> int:
        return max(1, -(-len(self.threads) // per_page))

    def top_threads(self, top: int) -> list[SynthThread]:
        """The ``top`` threads the crawler picks: by points, dead stories and jobs skipped."""
        ranked = [
            (i, t) for i, t in enumerate(self.threads) if not t.story.dead and t.story.kind != "job"
        ]
        ranked.sort(key=lambda pair: (-pair[1].story.score, pair[0]))
        return [t for _, t in ranked[:top]]


# --- building threads ------------------------------------------------------------
@dataclass
class _Draft:
    """A comment before it has an id: creation order index, parent index (-1 = story)."""

    parent: int
    depth: int
    offset: int  # seconds after the story
    rank: float
    by: str
    body: Body
    dead: bool = False
    flagged: bool = False
    deleted: bool = False
    colour: str = "c00"
    kids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Plan:
    """What one story of a day should look like."""

    kind: str
    comments: int
    score: int
    max_depth: int = 6
    dead_story: bool = False
    rich: float = 0.25
    special: int = 2  # how many dead, flagged and deleted comments (each) with replies
    hidden: bool = False  # add a deleted and a dead reply that HN leaves off the page
    deep: bool = False  # end with one reply chain down to max_depth
    with_text: bool = False  # OP text on a link story (Show HN notes)
    nofollow: bool = False


def _pick_parent(rng: random.Random, drafts: list[_Draft], max_depth: int) -> int:
    """Half the time a recent comment (a conversation), else any; deep ones less often."""
    while True:
        if rng.random() < 0.5:
            j = len(drafts) - 1 - min(len(drafts) - 1, int(rng.expovariate(1 / 3)))
        else:
            j = rng.randrange(len(drafts))
        if drafts[j].depth < max_depth and rng.random() < 0.8 ** drafts[j].depth:
            return j


def _grow(rng: random.Random, n: int, plan: _Plan, users: list[str], span: int) -> list[_Draft]:
    """``n`` comments in creation order: each replies to the story or to an earlier comment.

    About 28% answer the story; depths then fall off roughly as on real threads.
    With ``plan.deep`` the last ``max_depth + 1`` comments are one reply chain from
    the story down to ``max_depth``.
    """
    drafts: list[_Draft] = []
    mean_gap = max(5.0, span / max(n, 1))
    offset = rng.randint(120, 900)
    chain_from = n - (plan.max_depth + 1) if plan.deep and n > plan.max_depth else n
    for i in range(n):
        parent, depth = -1, 0
        if i > chain_from:
            parent = i - 1
        elif drafts and i < chain_from and plan.max_depth > 0 and rng.random() > 0.28:
            parent = _pick_parent(rng, drafts, plan.max_depth)
        if parent >= 0:
            depth = drafts[parent].depth + 1
        offset += 1 + int(rng.expovariate(1 / mean_gap))
        quote = None
        if parent >= 0 and rng.random() < 0.15:
            quote = drafts[parent].body.first_sentence()
        drafts.append(
            _Draft(
                parent=parent,
                depth=depth,
                offset=offset,
                rank=rng.random(),
                by=rng.choice(users),
                body=words.comment_body(rng, quote=quote, rich=plan.rich),
            )
        )
        if parent >= 0:
            drafts[parent].kids.append(i)
    return drafts


def _mark(rng: random.Random, drafts: list[_Draft], plan: _Plan) -> None:
    """Dead, flagged and deleted comments, only on comments with replies (so always shown)."""
    with_kids = [d for d in drafts if d.kids]
    rng.shuffle(with_kids)
    picks = iter(with_kids)
    for attribute in ("dead", "flagged", "deleted"):
        for draft in (d for _, d in zip(range(plan.special), picks, strict=False)):
            setattr(draft, attribute, True)
            if attribute == "flagged":
                draft.dead = True
            if draft.dead:
                draft.colour = "cDD"
                draft.rank -= 1.0  # HN ranks dead replies below the live ones
    for draft in drafts:
        if not (draft.dead or draft.deleted) and rng.random() < 0.04:
            draft.colour = rng.choice(("c5A", "c73", "c82"))


def _add_hidden(rng: random.Random, drafts: list[_Draft], users: list[str]) -> None:
    """A deleted and a dead reply with no replies of their own: on the API, not the page."""
    for attribute in ("deleted", "dead"):
        parent = rng.choice([i for i, d in enumerate(drafts) if d.depth < 3])
        drafts.append(
            _Draft(
                parent=parent,
                depth=drafts[parent].depth + 1,
                offset=drafts[-1].offset + rng.randint(30, 600),
                rank=-2.0,
                by=rng.choice(users),
                body=words.comment_body(rng),
                colour="cDD",
                **{attribute: True},
            )
        )
        drafts[parent].kids.append(len(drafts) - 1)


def _display_order(drafts: list[_Draft]) -> list[int]:
    """Depth first; siblings by their rank, best first."""
    roots = [i for i, d in enumerate(drafts) if d.parent < 0]

    def ranked(ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda i: (-drafts[i].rank, i))

    order: list[int] = []
    stack = list(reversed(ranked(roots)))
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(ranked(drafts[i].kids)))
    return order


@dataclass
class _StoryDraft:
    plan: _Plan
    time: int
    title: str
    url: str | None
    domain: str | None
    by: str
    body: Body | None
    comments: list[_Draft]


def _story_draft(
    rng: random.Random, plan: _Plan, time: int, users: list[str], titles: set[str]
) -> _StoryDraft:
    kind = plan.kind
    by = rng.choice(users)
    title = words.title_for(rng, kind, titles)
    url = domain = None
    if kind in ("story", "show") or (kind == "job" and not plan.with_text):
        url, domain = words.site_for(rng, kind, title, by)
    body = None
    if (kind in ("ask", "job") and url is None) or plan.with_text:
        body = words.op_body(rng, kind)
    span = rng.randint(8, 30) * 3600
    drafts = _grow(rng, plan.comments, plan, users, span) if plan.comments else []
    if drafts:
        _mark(rng, drafts, plan)
        if plan.hidden:
            _add_hidden(rng, drafts, users)
    return _StoryDraft(plan, time, title, url, domain, by, body, drafts)


def _finish(drafts: list[_StoryDraft], first_id: int, limit: int) -> list[SynthThread]:
    """Give ids in time order across the whole batch, then build the items."""
    events: list[tuple[int, int, int]] = []  # (time, story index, comment index or -1)
    for s, story in enumerate(drafts):
        events.append((story.time, s, -1))
        events.extend((story.time + c.offset, s, i) for i, c in enumerate(story.comments))
    if len(events) > limit:
        raise ValueError(f"{len(events)} items do not fit in a block of {limit} ids")
    events.sort()
    ids = {(s, i): first_id + n for n, (_, s, i) in enumerate(events)}

    threads = []
    for s, draft in enumerate(drafts):
        plan = draft.plan
        story = SynthStory(
            id=ids[s, -1],
            kind=plan.kind,
            title=draft.title,
            url=draft.url,
            domain=draft.domain,
            by=draft.by,
            time=draft.time,
            score=plan.score,
            body=draft.body,
            dead=plan.dead_story,
            nofollow=plan.nofollow,
        )
        comments = []
        for i in _display_order(draft.comments):
            c = draft.comments[i]
            comments.append(
                SynthComment(
                    id=ids[s, i],
                    parent=story.id if c.parent < 0 else ids[s, c.parent],
                    depth=c.depth,
                    by=c.by,
                    time=draft.time + c.offset,
                    body=c.body,
                    dead=c.dead,
                    flagged=c.flagged,
                    deleted=c.deleted,
                    colour=c.colour,
                )
            )
        threads.append(SynthThread(story, tuple(comments)))
    return threads


# --- days --------------------------------------------------------------------------
def _demo_plans() -> list[_Plan]:
    rich = [
        _Plan("story", 45, 412, deep=True),
        _Plan("ask", 36, 377, rich=0.35),
        _Plan("story", 150, 352, special=3),  # spans two thread pages
        _Plan("show", 30, 298, with_text=True),
        _Plan("story", 34, 265, nofollow=True),
        _Plan("story", 24, 231, hidden=True),
        _Plan("story", 40, 209, max_depth=6, rich=0.4, deep=True),
        _Plan("ask", 20, 187),  # Tell HN or Ask HN
        _Plan("story", 26, 176),
        _Plan("story", 15, 158, special=1),
    ]
    small = [
        _Plan("story", n, score, special=0)
        for n, score in (
            (8, 141), (5, 133), (0, 128), (6, 119), (3, 104), (1, 97), (7, 88), (4, 83),
            (0, 76), (2, 71), (5, 64), (3, 58), (6, 52), (0, 47), (2, 41), (4, 37), (1, 33),
            (3, 29), (0, 24), (2, 21),
        )
    ]  # fmt: skip
    small[3] = _Plan("show", 6, 119, special=0)
    small[7] = _Plan("ask", 4, 83, special=0)
    others = [
        _Plan("story", 3, 395, special=0, dead_story=True),  # would be second by points
        _Plan("job", 0, 1),
        _Plan("job", 0, 1, with_text=True),
        _Plan("ask", 0, 19, special=0),
    ]
    return rich + small + others


def _rank(rng: random.Random, plans: list[_Plan]) -> list[_Plan]:
    """HN's order for a past day: by points, loosely; job ads and dead stories placed."""
    placed = {6: "job", 4: "dead", 23: "job"}
    ranked = sorted(
        (p for p in plans if p.kind != "job" and not p.dead_story),
        key=lambda p: -p.score * rng.uniform(0.75, 1.25),
    )
    jobs = [p for p in plans if p.kind == "job"]
    dead = [p for p in plans if p.dead_story]
    for slot, what in sorted(placed.items()):
        source = jobs if what == "job" else dead
        if source:
            ranked.insert(min(slot, len(ranked)), source.pop(0))
    return ranked + jobs + dead


def _day_from_plans(day: date, plans: list[_Plan], seed: int) -> SynthDay:
    rng = random.Random(words.sub_seed("day", day.isoformat(), seed))
    users = words.user_names(max(60, min(2000, sum(p.comments for p in plans) // 3)), seed)
    start = _midnight(day)
    # ``plans`` are in listing order; submission times are spread over the day.
    titles: set[str] = set()
    drafts = [
        _story_draft(rng, plan, start + rng.randint(0, 86_399), users, titles) for plan in plans
    ]
    return SynthDay(day, tuple(_finish(drafts, day_id_base(day), DAY_BLOCK)))


def demo_day(seed: int = 0) -> SynthDay:
    """The built-in day :data:`DEMO_DAY` (same seed, same day, byte for byte)."""
    rng = random.Random(words.sub_seed("demo-rank", seed))
    ranked = _rank(rng, _demo_plans())
    return _day_from_plans(DEMO_DAY, ranked, seed)


def synthetic_day(
    day: date, threads: int = 30, comments: int = 40, *, seed: int = 0, max_depth: int = 6
) -> SynthDay:
    """A day of ``threads`` stories with exactly ``comments`` comment rows each.

    No dead stories and no job ads, so ``matome crawl --day D --top N`` stores
    ``min(N, threads)`` threads of ``comments`` rows. A few comments with replies are
    dead, flagged or deleted; none is hidden from the page in either view.
    """
    if threads < 1 or comments < 0 or max_depth < 0:
        raise ValueError("a synthetic day needs at least one thread and no negative counts")
    if threads * (comments + 1) > DAY_BLOCK:
        raise ValueError(
            f"{threads} threads of {comments} comments do not fit in a day's {DAY_BLOCK} ids"
        )
    rng = random.Random(words.sub_seed("plan", day.isoformat(), threads, comments, seed))
    kinds = ["story"] * 8 + ["ask", "show"]
    plans = []
    for i in range(threads):
        score = max(1, int(900 * 0.93**i) + rng.randint(0, 9))
        special = 1 if comments >= 20 else 0
        plans.append(_Plan(rng.choice(kinds), comments, score, max_depth, special=special))
    plans.sort(key=lambda p: -p.score)
    return _day_from_plans(day, plans, seed)


def large_thread(
    comments: int, *, seed: int = 0, max_depth: int = 8, day: date = DEMO_DAY
) -> SynthThread:
    """One story with ``comments`` visible comment rows (ids in their own block per seed)."""
    if not 0 <= seed < (DAY_ID_BASE - LARGE_THREAD_BASE) // LARGE_THREAD_BLOCK:
        raise ValueError(f"seed must be between 0 and 499, got {seed}")
    if comments + 1 > LARGE_THREAD_BLOCK:
        raise ValueError(f"{comments} comments do not fit in {LARGE_THREAD_BLOCK} ids")
    rng = random.Random(words.sub_seed("large", comments, seed, max_depth))
    users = words.user_names(max(60, min(3000, comments // 4)), seed)
    plan = _Plan("story", comments, 500 + seed, max_depth, special=max(1, comments // 400))
    draft = _story_draft(rng, plan, _midnight(day) + 9 * 3600 + seed * 60, users, set())
    first_id = LARGE_THREAD_BASE + seed * LARGE_THREAD_BLOCK
    return _finish([draft], first_id, LARGE_THREAD_BLOCK)[0]


# --- the world the server shows ---------------------------------------------------
DayFactory = Callable[[date], SynthDay]


class World:
    """Every item the demo server can show: days, lone threads, and days made on request.

    ``day_factory`` (for example ``lambda d: synthetic_day(d, 30, 20)``) makes the
    day of any date the first time a page or item of it is asked for; item ids tell
    their day (:func:`day_of_id`), so ``/item?id=N`` works before its front page was
    read. Safe to use from several server threads.
    """

    def __init__(
        self,
        days: Iterable[SynthDay] = (),
        threads: Iterable[SynthThread] = (),
        *,
        day_factory: DayFactory | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._days: dict[date, SynthDay] = {}
        self._threads: dict[int, SynthThread] = {}
        self._items: dict[int, tuple[SynthThread, SynthComment | None]] = {}
        self._explicit: list[date] = []
        self.day_factory = day_factory
        for day in days:
            self.add_day(day)
        for thread in threads:
            self.add_thread(thread)

    def add_day(self, day: SynthDay, *, explicit: bool = True) -> None:
        with self._lock:
            if day.day in self._days:
                raise ValueError(f"the world already has a day {day.day}")
            self._days[day.day] = day
            if explicit:
                self._explicit.append(day.day)
            for thread in day.threads:
                self.add_thread(thread)

    def add_thread(self, thread: SynthThread) -> None:
        with self._lock:
            for item_id in thread.item_ids:
                if item_id in self._items:
                    raise ValueError(f"item {item_id} is already in the world")
            self._threads[thread.story.id] = thread
            self._items[thread.story.id] = (thread, None)
            for comment in thread.comments:
                self._items[comment.id] = (thread, comment)

    def day(self, day: date) -> SynthDay | None:
        """The day's front page; made by ``day_factory`` the first time if there is one."""
        with self._lock:
            found = self._days.get(day)
            if found is None and self.day_factory is not None and day >= FIRST_DAY:
                found = self.day_factory(day)
                if found.day != day:
                    raise ValueError(f"day_factory made {found.day} when asked for {day}")
                self.add_day(found, explicit=False)
            return found

    def item(self, item_id: int) -> tuple[SynthThread, SynthComment | None] | None:
        """The thread holding an item, and the comment (None when the item is the story)."""
        with self._lock:
            found = self._items.get(item_id)
            if found is None:
                home = day_of_id(item_id)
                if home is not None and home not in self._days and self.day(home) is not None:
                    found = self._items.get(item_id)
            return found

    def thread(self, story_id: int) -> SynthThread | None:
        found = self.item(story_id)
        return found[0] if found is not None and found[1] is None else None

    @property
    def front_day(self) -> SynthDay | None:
        """The day ``/news`` and ``topstories.json`` show: the newest day given explicitly."""
        with self._lock:
            return self._days[max(self._explicit)] if self._explicit else None

    def max_item(self) -> int:
        with self._lock:
            return max(self._items, default=0)

    def threads(self) -> Iterator[SynthThread]:
        with self._lock:
            return iter(list(self._threads.values()))


def demo_world(*, seed: int = 0, other_days: tuple[int, int] | None = (30, 20)) -> World:
    """:func:`demo_day` plus, for any other date asked for, ``synthetic_day(d, *other_days)``."""
    factory = None
    if other_days is not None:
        threads, comments = other_days

        def factory(day: date) -> SynthDay:
            return synthetic_day(day, threads, comments, seed=seed)

    return World([demo_day(seed)], day_factory=factory)
