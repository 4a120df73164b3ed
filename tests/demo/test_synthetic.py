"""The synthetic world: deterministic, HN-shaped, and the counts it promises."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from matome_crawl.demo.synthetic import (
    DAY_BLOCK,
    DEMO_DAY,
    World,
    day_id_base,
    day_of_id,
    demo_day,
    large_thread,
    synthetic_day,
)
from matome_crawl.hn.model import STORY_TYPES


def test_demo_day_is_the_same_every_time_and_seed_changes_it(day):
    again = demo_day()
    assert again == day
    assert [t.story.title for t in again.threads] == [t.story.title for t in day.threads]
    other = demo_day(seed=1)
    assert [t.story.title for t in other.threads] != [t.story.title for t in day.threads]


def test_demo_day_has_what_the_demo_promises(day):
    stories = day.stories
    assert day.day == DEMO_DAY == date(2026, 3, 14)
    assert len(stories) == 34
    kinds = Counter(s.kind for s in stories)
    assert kinds == {"story": 26, "ask": 4, "show": 2, "job": 2}
    assert set(kinds) <= set(STORY_TYPES)
    assert [s.kind for s in stories if s.dead] == ["story"]
    assert sum(1 for s in stories if s.kind == "ask" and s.body is not None) == 4
    assert any(s.kind == "show" and s.body is not None and s.url for s in stories)
    assert {s.url is None for s in stories if s.kind == "job"} == {True, False}

    top = day.top_threads(10)
    assert len(top) == 10
    assert all(not t.story.dead and t.story.kind != "job" for t in top)
    assert sum(len(t.visible(showdead=False)) for t in top) == 420
    assert max(c.depth for t in top for c in t.comments) == 6
    assert max(len(t.visible(showdead=False)) for t in top) == 150  # two pages of 100
    every = [c for t in day.threads for c in t.comments]
    assert sum(c.dead and not c.flagged for c in every) >= 10
    assert sum(c.flagged for c in every) >= 10
    assert sum(c.deleted for c in every) >= 10
    # A deleted and a dead reply without replies: in the API, not on the page.
    hidden = [c for t in day.threads for c in t.comments if c not in t.visible(showdead=False)]
    assert sorted((c.deleted, c.dead) for c in hidden) == [(False, True), (True, False)]
    # The dead story would be picked by points if it were alive.
    dead = next(s for s in stories if s.dead)
    assert dead.score > top[2].story.score


def test_ids_follow_time_and_replies_are_newer(day):
    base = day_id_base(day.day)
    items = [(t.story.time, t.story.id) for t in day.threads]
    items += [(c.time, c.id) for t in day.threads for c in t.comments]
    assert sorted(items) == sorted(items, key=lambda pair: pair[1])  # ids grow with time
    assert min(i for _, i in items) == base and max(i for _, i in items) < base + DAY_BLOCK
    for thread in day.threads:
        times = {thread.story.id: thread.story.time} | {c.id: c.time for c in thread.comments}
        depth = {thread.story.id: -1} | {c.id: c.depth for c in thread.comments}
        for comment in thread.comments:
            assert comment.time > times[comment.parent] and comment.id > comment.parent
            assert comment.depth == depth[comment.parent] + 1
    assert len({t.story.title for t in day.threads}) == len(day.threads)


def test_display_order_is_depth_first_with_ranked_siblings(day):
    thread = max(day.threads, key=lambda t: len(t.comments))
    order = [thread.story.id]

    def walk(item_id):
        for kid in thread.kids[item_id]:
            order.append(kid)
            walk(kid)

    walk(thread.story.id)
    assert order[1:] == [c.id for c in thread.comments]
    # Ranked, not by id: HN's order is not creation order.
    assert list(thread.kids[thread.story.id]) != sorted(thread.kids[thread.story.id])


@pytest.mark.parametrize("showdead", [False, True])
def test_synthetic_day_has_exact_counts_in_either_view(showdead):
    day = synthetic_day(date(2025, 2, 3), threads=4, comments=75, seed=3)
    assert len(day.threads) == 4
    assert [len(t.visible(showdead=showdead)) for t in day.threads] == [75, 75, 75, 75]
    assert all(not t.story.dead and t.story.kind != "job" for t in day.threads)
    assert [t.story.id for t in day.top_threads(10)] == [t.story.id for t in day.threads]
    scores = [t.story.score for t in day.threads]
    assert scores == sorted(scores, reverse=True)
    assert day.threads[0].story.id >= day_id_base(date(2025, 2, 3))


def test_synthetic_days_never_share_ids():
    days = [synthetic_day(date(2024, 12, d), threads=3, comments=20) for d in (30, 31)]
    days.append(synthetic_day(date(2025, 1, 1), threads=3, comments=20))
    ids = [i for d in days for t in d.threads for i in t.item_ids]
    assert len(ids) == len(set(ids)) == 3 * 3 * 21
    assert [day_of_id(d.threads[0].story.id) for d in days] == [d.day for d in days]
    assert synthetic_day(date(2025, 1, 1), threads=3, comments=20) == days[2]


def test_synthetic_day_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="do not fit"):
        synthetic_day(date(2025, 1, 1), threads=2, comments=60_000)
    flat = synthetic_day(date(2025, 1, 1), threads=1, comments=30, max_depth=0)
    assert {c.depth for c in flat.threads[0].comments} == {0}
    with pytest.raises(ValueError, match="start at"):
        day_id_base(date(1999, 12, 31))


def test_large_thread_has_the_comments_asked_for():
    thread = large_thread(3000, seed=2)
    assert len(thread.comments) == len(thread.visible(showdead=False)) == 3000
    assert thread.descendants == 3000 - sum(c.deleted for c in thread.comments)
    assert max(c.depth for c in thread.comments) == 8
    assert large_thread(3000, seed=2) == thread
    assert not set(thread.item_ids) & set(large_thread(50, seed=3).item_ids)


def test_world_finds_items_and_makes_days_on_request():
    made = []

    def factory(day):
        made.append(day)
        return synthetic_day(day, threads=2, comments=5)

    lone = large_thread(10)
    world = World([demo_day()], [lone], day_factory=factory)
    assert world.front_day is not None and world.front_day.day == DEMO_DAY
    assert world.thread(lone.story.id) == lone
    comment = lone.comments[3]
    assert world.item(comment.id) == (lone, comment)
    assert world.thread(comment.id) is None  # a comment is not a thread

    # An item of a day nobody listed yet: its id says which day to make.
    other = synthetic_day(date(2025, 6, 1), threads=2, comments=5).threads[1].comments[2]
    assert world.item(other.id)[1] == other
    assert made == [date(2025, 6, 1)]
    assert world.day(date(2025, 6, 1)) is world.day(date(2025, 6, 1))
    assert made == [date(2025, 6, 1)]
    assert world.front_day.day == DEMO_DAY  # days made on request are not "the" front page
    assert world.item(123) is None
    assert world.max_item() == max(i for t in world.threads() for i in t.item_ids)
    with pytest.raises(ValueError, match="already"):
        world.add_thread(lone)
