"""The synthetic world as HN serves it: the site's pages in HN's markup, and the Firebase API.

Pages are written the way news.ycombinator.com sends them to a logged-out reader
(raw bodies, not a browser's DOM: no ``<tbody>``, unclosed ``<p>``, single-quoted
vote links), with these choices:

- Past front pages (``/front?day=D``, ``&p=N``) and ``/news`` (``?p=N``, the
  world's newest day) list 30 stories a page with a ``morelink``.
- Thread pages (``/item?id=N``, ``&p=N``) hold ``comments_per_page`` comment rows,
  then a ``morelink``; every page repeats the story (HN does the same). A page
  break may fall inside a subtree, as it can on HN.
- ``/item?id=<comment>`` is the comment's own page (parent, context and "on:" links,
  its replies below). Unknown ids answer HN's plain ``No such item.``.
- With ``showdead`` off (HN's logged-out view) dead comments show only a ``[dead]``
  or ``[flagged]`` placeholder and are left out when nothing below them is shown;
  with it on they show greyed (``cDD``) with ``[dead]``/``[flagged]`` in the header.
  Deleted comments show ``[deleted]`` without an author when they have replies,
  and are left out otherwise. A dead story is listed with ``[dead]`` before its title.
- ``/robots.txt`` is HN's own file, ``Crawl-delay: 30`` included. Scrapy does not
  act on Crawl-delay, and the product spaces HN requests by its own setting
  (``--delay``; ``matome demo`` uses 0), so keeping HN's file costs no time and
  keeps the demo honest about what the real site asks for.

Relative ages ("3 hours ago") are counted from ``SiteOptions.now``, by default noon
UTC a week after the story's day, so every page is the same bytes on every run.

The API side (:meth:`Site.api`) answers like ``hacker-news.firebaseio.com/v0``:
``item/ID.json`` with keys in Firebase's (alphabetical) order, ``kids`` in ranked
display order and including the deleted and dead replies that pages leave out,
``dead``/``deleted`` flags, no ``by``/``text`` on deleted items, no ``kids`` when
empty; ``maxitem.json``; ``topstories.json`` and friends; ``null`` for anything
unknown.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

from matome_crawl.demo.markup import hn_escape_title
from matome_crawl.demo.synthetic import (
    DEFAULT_COMMENTS_PER_PAGE,
    STORIES_PER_PAGE,
    SynthComment,
    SynthDay,
    SynthThread,
    World,
    visible_descendants,
)

HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"

NO_SUCH_ITEM = "No such item."
RATE_LIMIT_BODY = "Sorry, we're not able to serve your requests this quickly."

# news.ycombinator.com/robots.txt as of 2026 (../shared/fixtures/hn/robots/).
ROBOTS_TXT = """User-Agent: *
Crawl-delay: 30
Disallow: /collapse?
Disallow: /context?
Disallow: /fave?
Disallow: /flag?
Disallow: /hide?
Disallow: /login
Disallow: /logout
Disallow: /r?
Disallow: /reply?
Disallow: /submitlink?
Disallow: /vote?
Disallow: /x?
"""

_ASSET_VERSION = "dEm0sYnThEtIcHn0001"


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """What changes how the world is shown (not what it holds)."""

    comments_per_page: int = DEFAULT_COMMENTS_PER_PAGE
    stories_per_page: int = STORIES_PER_PAGE
    showdead: bool = False
    now: datetime | None = None  # ages count from here; None: a week after the item's day

    def __post_init__(self) -> None:
        if self.comments_per_page < 1 or self.stories_per_page < 1:
            raise ValueError("comments_per_page and stories_per_page must be at least 1")


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    content_type: str
    body: bytes

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, HTML_TYPE, text.encode("utf-8"))

    @classmethod
    def text(cls, text: str, status: int = 200) -> Response:
        return cls(status, TEXT_TYPE, text.encode("utf-8"))

    @classmethod
    def json(cls, value: object, *, pretty: bool = False) -> Response:
        if pretty:
            body = json.dumps(value, indent=2, ensure_ascii=False)
        else:
            body = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return cls(200, JSON_TYPE, body.encode("utf-8"))


# --- small pieces ---------------------------------------------------------------
def _now_for(options: SiteOptions, epoch: int) -> datetime:
    if options.now is not None:
        return options.now
    day = datetime.fromtimestamp(epoch, tz=UTC).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def ago(epoch: int, now: datetime) -> str:
    """HN's relative age: "1 minute ago", "5 hours ago", "8 days ago"."""
    seconds = max(0, int(now.timestamp()) - epoch)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "0 minutes ago"


def _age(item_id: int, epoch: int, now: datetime) -> str:
    stamp = datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        f'<span class="age" title="{stamp} {epoch}">'
        f'<a href="item?id={item_id}">{ago(epoch, now)}</a></span>'
    )


def _goto(target: str) -> str:
    return quote(target, safe="")


def _comments_label(count: int) -> str:
    if count == 0:
        return "discuss"
    return f"{count}&nbsp;comment{'' if count == 1 else 's'}"


def _vote(item_id: int, goto: str) -> str:
    return (
        f'<td valign="top" class="votelinks"><center><a id=\'up_{item_id}\' '
        f"href='vote?id={item_id}&amp;how=up&amp;goto={goto}'>"
        "<div class='votearrow' title='upvote'></div></a></center></td>"
    )


_NO_VOTE = (
    '<td valign="top" class="votelinks"><center>'
    '<img src="s.gif" height="1" width="14"></center></td>'
)
_JOB_NO_VOTE = '<td><img src="s.gif" height="1" width="14"></td>'


def _layout(title: str, op: str, goto: str, bigbox: str, pagetop_extra: str = "") -> str:
    v = _ASSET_VERSION
    return (
        f'<html lang="en" op="{op}"><head><meta name="referrer" content="origin">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f'<link rel="stylesheet" type="text/css" href="news.css?{v}">'
        '<link rel="icon" href="y18.svg">'
        '<link rel="alternate" type="application/rss+xml" title="RSS" href="rss">'
        f"<title>{title}</title></head><body><center>"
        '<table id="hnmain" border="0" cellpadding="0" cellspacing="0" width="85%" '
        'bgcolor="#f6f6ef"><tr><td bgcolor="#ff6600"><table border="0" cellpadding="0" '
        'cellspacing="0" width="100%" style="padding:2px"><tr>'
        '<td style="width:18px;padding-right:4px"><a href="news"><img src="y18.svg" '
        'width="18" height="18" style="border:1px white solid; display:block"></a></td>'
        '<td style="line-height:12pt; height:10px;"><span class="pagetop">'
        '<b class="hnname"><a href="news">Hacker News</a></b><a href="newest">new</a> | '
        '<a href="front">past</a> | <a href="newcomments">comments</a> | '
        '<a href="ask">ask</a> | <a href="show">show</a> | <a href="jobs">jobs</a> | '
        f'<a href="submit" rel="nofollow">submit</a>{pagetop_extra}</span></td>'
        '<td style="text-align:right;padding-right:4px;"><span class="pagetop">'
        f'<a href="login?goto={goto}">login</a></span></td></tr></table></td></tr>'
        f"<tr style='height:10px'/><tr id=\"bigbox\"><td>{bigbox}</td></tr>"
        '<tr><td><img src="s.gif" height="10" width="0"><table width="100%" '
        'cellspacing="0" cellpadding="1"><tr><td bgcolor="#ff6600"></td></tr></table><br>\n'
        '<center><span class="yclinks"><a href="newsguidelines.html">Guidelines</a> | '
        '<a href="newsfaq.html">FAQ</a> | <a href="lists">Lists</a> | '
        '<a href="https://github.com/HackerNews/API">API</a> | '
        '<a href="security.html">Security</a> | '
        '<a href="https://www.ycombinator.com/legal/">Legal</a> | '
        '<a href="https://www.ycombinator.com/apply/">Apply to YC</a> | '
        '<a href="mailto:hn@ycombinator.com">Contact</a></span><br><br>\n'
        '<form method="get" action="//hn.algolia.com/">Search: <input type="text" name="q" '
        'size="17" autocorrect="off" spellcheck="false" autocapitalize="off" '
        'autocomplete="off"></form></center></td></tr></table></center></body>'
        f'<script type="text/javascript" src="hn.js?{v}"></script></html>'
    )


# --- story rows ------------------------------------------------------------------
def _story_rows(
    thread: SynthThread, rank: int | None, goto: str, now: datetime, *, on_item_page: bool
) -> str:
    """The ``tr.athing.submission`` row and the subtext row under it."""
    story = thread.story
    job = story.kind == "job"
    href = story.url if story.url is not None else f"item?id={story.id}"
    rel = ' rel="nofollow"' if story.nofollow or job else ""
    sitebit = ""
    if story.domain is not None:
        sitebit = (
            f'<span class="sitebit comhead"> (<a href="from?site={story.domain}">'
            f'<span class="sitestr">{story.domain}</span></a>)</span>'
        )
    dead = " [dead] " if story.dead else ""
    vote = _JOB_NO_VOTE if job else (_NO_VOTE if story.dead else _vote(story.id, goto))
    rank_text = f"{rank}." if rank is not None else ""
    head = (
        f'<tr class="athing submission" id="{story.id}">'
        f'<td align="right" valign="top" class="title"><span class="rank">{rank_text}</span></td>'
        f'{vote}<td class="title"><span class="titleline">{dead}'
        f'<a href="{href.replace("&", "&amp;")}"{rel}>{hn_escape_title(story.title)}</a>'
        f"{sitebit}</span></td></tr>"
    )
    age = _age(story.id, story.time, now)
    if job:
        subtext = age
    else:
        points = f"{story.score} point{'' if story.score == 1 else 's'}"
        parts = [
            f'<span class="score" id="score_{story.id}">{points}</span> by '
            f'<a href="user?id={story.by}" class="hnuser">{story.by}</a> {age} '
            f'<span id="unv_{story.id}"></span>'
        ]
        if not story.dead:
            parts.append(f'<a href="hide?id={story.id}&amp;goto={goto}">hide</a>')
            if on_item_page:
                parts.append(f'<a href="fave?id={story.id}">favorite</a>')
            parts.append(f'<a href="item?id={story.id}">{_comments_label(thread.descendants)}</a>')
        subtext = f'<span class="subline">{" | ".join(parts)}</span>'
    return f'{head}<tr><td colspan="2"></td><td class="subtext">{subtext}</td></tr>'


def _listing(
    threads: tuple[SynthThread, ...],
    page: int,
    options: SiteOptions,
    *,
    goto: str,
    more_href: Callable[[int], str],
    now: datetime,
) -> str:
    per = options.stories_per_page
    start = (page - 1) * per
    chosen = threads[start : start + per]
    rows = [
        _story_rows(t, start + i, goto, now, on_item_page=False)
        + '<tr class="spacer" style="height:5px"></tr>'
        for i, t in enumerate(chosen, 1)
    ]
    more = ""
    if start + per < len(threads):
        more = (
            '<tr class="morespace" style="height:10px"></tr><tr><td colspan="2"></td>'
            f"<td class='title'><a href='{more_href(page + 1)}' class='morelink' "
            "rel='next'>More</a></td></tr>"
        )
    return f'<table border="0" cellpadding="0" cellspacing="0">{"".join(rows)}{more}</table>'


def render_front(day: SynthDay, page: int = 1, options: SiteOptions | None = None) -> str:
    """``/front?day=D`` (``&p=N``): a past day's front page."""
    options = options or SiteOptions()
    d = day.day.isoformat()
    now = _now_for(options, _noon(day.day))
    goto = _goto(f"front?day={d}" + (f"&p={page}" if page > 1 else ""))
    back = [
        ("day", day.day - timedelta(days=1)),
        ("month", _months_back(day.day, 1)),
        ("year", _months_back(day.day, 12)),
    ]
    links = [
        f'<span class="hnmore"><a href="front?day={when}">{label}</a></span>'
        for label, when in back
    ]
    forward = (
        f'<span class="hnmore"><a href="front?day={day.day + timedelta(days=1)}">day</a></span>'
    )
    header = (
        '<div style="margin-left:36px; margin-top:6px; margin-bottom:14px">'
        f"Stories from {day.day.strftime('%B')} {day.day.day}, {day.day.year} (UTC)"
        f'<div style="margin-top:9px">Go back a {links[0]}, {links[1]}, or {links[2]}. '
        f"Go forward a {forward}.</div></div>"
    )
    table = _listing(
        day.threads,
        page,
        options,
        goto=goto,
        more_href=lambda p: f"front?day={d}&amp;p={p}",
        now=now,
    )
    return _layout(
        f"{d} front | Hacker News",
        "front",
        goto,
        header + table,
        pagetop_extra=f' | <font color="#ffffff">{d}</font>',
    )


def render_news(day: SynthDay, page: int = 1, options: SiteOptions | None = None) -> str:
    """``/news`` (``?p=N``): the live front page, here the world's newest day."""
    options = options or SiteOptions()
    now = _now_for(options, _noon(day.day))
    goto = "news" if page == 1 else _goto(f"news?p={page}")
    table = _listing(day.threads, page, options, goto=goto, more_href=lambda p: f"?p={p}", now=now)
    return _layout("Hacker News", "news", goto, table)


def _noon(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def _months_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- thread pages ------------------------------------------------------------------
def _navs(rows: list[SynthComment]) -> dict[int, str]:
    """Each row's "root | parent | prev | next" links, among the rows a page shows."""
    by_parent: dict[int, list[int]] = {}
    for row in rows:
        by_parent.setdefault(row.parent, []).append(row.id)
    root: dict[int, int] = {}
    navs = {}
    for row in rows:
        root[row.id] = root.get(row.parent, row.id)
        siblings = by_parent[row.parent]
        i = siblings.index(row.id)
        links = []
        if row.depth > 1:
            links.append(("root", root[row.id]))
        if row.depth > 0:
            links.append(("parent", row.parent))
        if i > 0:
            links.append(("prev", siblings[i - 1]))
        if i + 1 < len(siblings):
            links.append(("next", siblings[i + 1]))
        navs[row.id] = "".join(
            f' | <a href="#{target}" class="clicky" aria-hidden="true">{label}</a>'
            for label, target in links
        )
    return navs


def _comment_body(comment: SynthComment, story_id: int, showdead: bool) -> str:
    if comment.deleted:
        return '<div class="comment">[deleted]<div class="reply"></div></div>'
    if comment.dead and not showdead:
        placeholder = "[flagged]" if comment.flagged else "[dead]"
        return f'<div class="comment">{placeholder}<div class="reply"></div></div>'
    reply = ""
    if not comment.dead:
        reply = (
            f'<u><a href="reply?id={comment.id}&amp;goto=item%3Fid%3D{story_id}%23{comment.id}"'
            ' rel="nofollow">reply</a></u>'
        )
    return (
        f'<div class="comment"><div class="commtext {comment.colour}">'
        f"{comment.body.hn_html()}</div>"
        f'<div class="reply"><p><font size="1">{reply}</font></div></div>'
    )


def _comhead_user(comment: SynthComment) -> str:
    if comment.deleted:
        return ""
    return f'<a href="user?id={comment.by}" class="hnuser">{comment.by}</a> '


def _markers(comment: SynthComment, showdead: bool) -> str:
    if comment.deleted or not comment.dead or not showdead:
        return ""
    return " [flagged]  [dead] " if comment.flagged else " [dead] "


def _comment_row(
    comment: SynthComment,
    depth: int,
    n: int,
    navs: str,
    story_id: int,
    goto: str,
    now: datetime,
    showdead: bool,
) -> str:
    vote = _NO_VOTE if comment.deleted or comment.dead else _vote(comment.id, goto)
    return (
        f'<tr class="athing comtr" id="{comment.id}"><td><table border="0"><tr>'
        f'<td class="ind" indent="{depth}"><img src="s.gif" height="1" width="{depth * 40}">'
        f'</td>{vote}<td class="default"><div style="margin-top:2px; margin-bottom:-10px;">'
        f'<span class="comhead">{_comhead_user(comment)}{_age(comment.id, comment.time, now)} '
        f'<span id="unv_{comment.id}"></span>{_markers(comment, showdead)}'
        f'<span class="navs">{navs} <a class="togg clicky" id="{comment.id}" n="{n}" '
        'href="javascript:void(0)">[–]</a><span class="onstory"></span></span></span>'
        "</div><br>\n"
        f"{_comment_body(comment, story_id, showdead)}</td></tr></table></td></tr>"
    )


def _comment_tree(
    rows: list[SynthComment],
    counts: dict[int, int],
    navs: dict[int, str],
    *,
    depth_offset: int,
    story_id: int,
    goto: str,
    now: datetime,
    showdead: bool,
) -> str:
    if not rows:
        return ""
    body = "".join(
        _comment_row(
            c, c.depth - depth_offset, counts[c.id] + 1, navs[c.id], story_id, goto, now, showdead
        )
        for c in rows
    )
    return f'<table border="0" class="comment-tree">{body}</table><br><br>\n'


def _reply_form(item_id: int, goto: str, label: str) -> str:
    return (
        "<tr style='height:6px'/><tr><td colspan=\"2\"></td><td>"
        f'<form action="comment" method="post"><input type="hidden" name="parent" '
        f'value="{item_id}"><input type="hidden" name="goto" value="item?id={item_id}">'
        '<textarea name="text" rows="8" cols="80" wrap="virtual" '
        'style="vertical-align:bottom"></textarea>&nbsp;<a href="formatdoc" tabindex="-1">'
        '<font size="-2" color="#AFAFAF">help</font></a><br><br>\n'
        f'<input type="submit" value="{label}"></form></td></tr>'
    )


def render_thread(thread: SynthThread, page: int = 1, options: SiteOptions | None = None) -> str:
    """``/item?id=STORY`` (``&p=N``): the story, then one page of its comment rows."""
    options = options or SiteOptions()
    story = thread.story
    now = _now_for(options, story.time)
    target = f"item?id={story.id}" + (f"&p={page}" if page > 1 else "")
    goto = _goto(target)
    rows = thread.visible(showdead=options.showdead)
    counts = visible_descendants(rows)
    navs = _navs(rows)
    per = options.comments_per_page
    shown = rows[(page - 1) * per : page * per]
    toptext = story.body.hn_html() if story.body is not None else ""
    fatitem = (
        '<table class="fatitem" border="0">'
        + _story_rows(thread, None, goto, now, on_item_page=True)
        + f'<tr><td colspan="2"></td><td><div class="toptext">{toptext}</div></td></tr>'
        + ("" if story.dead or story.kind == "job" else _reply_form(story.id, goto, "add comment"))
        + "</table><br>\n"
    )
    tree = _comment_tree(
        shown,
        counts,
        navs,
        depth_offset=0,
        story_id=story.id,
        goto=goto,
        now=now,
        showdead=options.showdead,
    )
    more = ""
    if page * per < len(rows):
        more = (
            '<table border="0"><tr><td class="title">'
            f'<a href="item?id={story.id}&amp;p={page + 1}" class="morelink" rel="next">'
            "More</a></td></tr></table>"
        )
    return _layout(f"{hn_escape_title(story.title)} | Hacker News", "item", goto,
                   fatitem + tree + more)  # fmt: skip


def _short_title(title: str) -> str:
    return title if len(title) <= 50 else title[:50] + "..."


def render_comment_page(
    thread: SynthThread, comment: SynthComment, options: SiteOptions | None = None
) -> str:
    """``/item?id=COMMENT``: one comment with parent/context/"on:" links, its replies below."""
    options = options or SiteOptions()
    story = thread.story
    now = _now_for(options, story.time)
    goto = _goto(f"item?id={comment.id}")
    rows = thread.subtree(comment.id, showdead=options.showdead)
    counts = visible_descendants(rows)
    navs = _navs(rows)
    title = hn_escape_title(story.title)
    head = (
        f'<tr class="athing" id="{comment.id}"><td class="ind"></td>'
        f"{_NO_VOTE if comment.deleted or comment.dead else _vote(comment.id, goto)}"
        '<td class="default"><div style="margin-top:2px; margin-bottom:-10px;">'
        f'<span class="comhead">{_comhead_user(comment)}{_age(comment.id, comment.time, now)} '
        f'<span id="unv_{comment.id}"></span>{_markers(comment, options.showdead)}'
        f'<span class="navs"> | <a href="item?id={comment.parent}">parent</a> | '
        f'<a href="item?id={story.id}#{comment.id}" rel="nofollow">context</a>'
        f'<span class="onstory"> |  on: <a href="item?id={story.id}" title="{title}">'
        f"{hn_escape_title(_short_title(story.title))}</a></span></span></span></div><br>\n"
        f"{_comment_body(comment, story.id, options.showdead)}</td></tr>"
    )
    fatitem = (
        f'<table class="fatitem" border="0">{head}'
        '<tr><td colspan="2"></td><td><div class="toptext"></div></td></tr>'
        + ("" if comment.dead or comment.deleted else _reply_form(comment.id, goto, "reply"))
        + "</table><br>\n"
    )
    tree = _comment_tree(
        rows,
        counts,
        navs,
        depth_offset=comment.depth + 1,
        story_id=story.id,
        goto=goto,
        now=now,
        showdead=options.showdead,
    )
    return _layout(f"{_short_title(comment.body.first_sentence())} | Hacker News", "item",
                   goto, fatitem + tree)  # fmt: skip


# --- the Firebase API ---------------------------------------------------------------
def api_story(thread: SynthThread) -> dict[str, object]:
    """A story or job as ``/v0/item/ID.json`` sends it."""
    story = thread.story
    item: dict[str, object] = {"by": story.by}
    if story.dead:
        item["dead"] = True
    if story.kind != "job":
        item["descendants"] = thread.descendants
    item["id"] = story.id
    kids = thread.kids[story.id]
    if kids:
        item["kids"] = list(kids)
    item["score"] = story.score
    if story.body is not None:
        item["text"] = story.body.hn_html()
    item["time"] = story.time
    item["title"] = story.title
    item["type"] = "job" if story.kind == "job" else "story"
    if story.url is not None:
        item["url"] = story.url
    return item


def api_comment(thread: SynthThread, comment: SynthComment) -> dict[str, object]:
    """A comment as ``/v0/item/ID.json`` sends it (deleted: no ``by``, no ``text``)."""
    item: dict[str, object] = {}
    if not comment.deleted:
        item["by"] = comment.by
    if comment.dead and not comment.deleted:
        item["dead"] = True
    if comment.deleted:
        item["deleted"] = True
    item["id"] = comment.id
    kids = thread.kids[comment.id]
    if kids:
        item["kids"] = list(kids)
    item["parent"] = comment.parent
    if not comment.deleted:
        item["text"] = comment.body.hn_html()
    item["time"] = comment.time
    item["type"] = "comment"
    return item


def _story_list(day: SynthDay | None, name: str) -> list[int]:
    if day is None:
        return []
    stories = [s for s in day.stories if not s.dead]
    if name == "topstories":
        chosen = stories
    elif name == "beststories":
        chosen = sorted(stories, key=lambda s: -s.score)
    elif name == "newstories":
        chosen = sorted(stories, key=lambda s: -s.time)
    elif name == "askstories":
        chosen = [s for s in stories if s.kind == "ask"]
    elif name == "showstories":
        chosen = [s for s in stories if s.kind == "show"]
    else:  # jobstories
        chosen = [s for s in stories if s.kind == "job"]
    limit = 200 if name in ("askstories", "showstories", "jobstories", "beststories") else 500
    return [s.id for s in chosen[:limit]]


_STORY_LISTS = (
    "topstories", "newstories", "beststories", "askstories", "showstories", "jobstories",
)  # fmt: skip


# --- routing -------------------------------------------------------------------------
class Site:
    """Answers request targets (path and query, without the server's prefix).

    :meth:`page` is the HN site, :meth:`api` the Firebase API. Both are pure
    functions of the world and the options; answers are cached (the world never
    changes after it is built).
    """

    def __init__(
        self, world: World, options: SiteOptions | None = None, *, cache_size: int = 2048
    ) -> None:
        self.world = world
        self.options = options or SiteOptions()
        self._cache: OrderedDict[tuple[str, str], Response] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def page(self, target: str) -> Response:
        return self._cached("site", target, self._page)

    def api(self, target: str) -> Response:
        return self._cached("api", target, self._api)

    def _cached(self, side: str, target: str, make: Callable[[str], Response]) -> Response:
        key = (side, target)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        response = make(target)
        with self._lock:
            self._cache[key] = response
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return response

    def _page(self, target: str) -> Response:
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        page = _int(query.get("p")) or 1
        if path == "/robots.txt":
            return Response.text(ROBOTS_TXT)
        if path in ("/", "/news"):
            day = self.world.front_day
            if day is None:
                return Response.text("Unknown.", 404)
            return Response.html(render_news(day, page, self.options))
        if path == "/front":
            when = _date(query.get("day"))
            day_value = self.world.front_day.day if self.world.front_day else None
            when = when or day_value
            if when is None:
                return Response.text("Unknown.", 404)
            day = self.world.day(when) or SynthDay(when, ())
            return Response.html(render_front(day, page, self.options))
        if path == "/item":
            item_id = _int(query.get("id"))
            found = self.world.item(item_id) if item_id is not None else None
            if found is None:
                return Response.text(NO_SUCH_ITEM)
            thread, comment = found
            if comment is None:
                return Response.html(render_thread(thread, page, self.options))
            if all(c.id != comment.id for c in thread.visible(showdead=self.options.showdead)):
                return Response.text(NO_SUCH_ITEM)
            return Response.html(render_comment_page(thread, comment, self.options))
        return Response.text("Unknown.", 404)

    def _api(self, target: str) -> Response:
        parts = urlsplit(target)
        pretty = "pretty" in parse_qs(parts.query).get("print", [])
        path = parts.path.strip("/")
        if not path.endswith(".json"):
            return Response.text("Not found", 404)
        name = path.removesuffix(".json")
        if name == "maxitem":
            return Response.json(self.world.max_item(), pretty=pretty)
        if name in _STORY_LISTS:
            return Response.json(_story_list(self.world.front_day, name), pretty=pretty)
        if name.startswith("item/"):
            item_id = _int(name.removeprefix("item/"))
            found = self.world.item(item_id) if item_id is not None else None
            if found is not None:
                thread, comment = found
                value = api_story(thread) if comment is None else api_comment(thread, comment)
                return Response.json(value, pretty=pretty)
        return Response.json(None, pretty=pretty)  # Firebase answers null, not 404


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
