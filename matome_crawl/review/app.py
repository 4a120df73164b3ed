"""The review web app: Starlette routes over the archive, server-rendered Jinja2 pages.

Each request opens one session and transaction; a POST redirects back (303) to
the page it came from. The app has no route that runs SQL or reads a file: it
writes only through ``db.review`` and the exporter (which keeps to the site).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from db import review as queries
from db.engine import Database
from matome_crawl.export import PALETTE
from matome_crawl.resources import templates_dir
from matome_crawl.review.security import TokenAuth, checked_form, new_csrf_token
from matome_crawl.review.service import (
    ReviewError,
    Settings,
    approve,
    publish_day,
    thread_view,
)

MAX_TEXT = 100_000  # characters of one translation


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "review"),
        autoescape=True,  # every value from the archive is shown as text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["PALETTE"] = PALETTE
    return env


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _int(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except ValueError:
        raise HTTPException(404) from None


def _day(request: Request) -> date:
    try:
        return date.fromisoformat(request.path_params["day"])
    except ValueError:
        raise HTTPException(404) from None


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise HTTPException(400, f"{name}: text expected (at most {MAX_TEXT} characters)")
    return value


def needs_review(thread: queries.ThreadState) -> bool:
    return thread.state not in ("approved", "published") or thread.stale > 0


def create_app(
    database: Database,
    settings: Settings,
    *,
    token: str | None = None,
    now: Callable[[], datetime] = _now,
) -> Starlette:
    """The app over ``database``; with ``token`` every request must carry it."""
    env = _environment()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(
            csrf=request.app.state.csrf_token, request_path=request.url.path, **context
        )
        return HTMLResponse(html, status_code=status)

    def back(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    async def days(request: Request) -> Response:
        todo = request.query_params.get("todo") == "1"
        rows = []
        with database.sessions() as session:
            for day in queries.review_days(session)[:90]:
                threads = queries.day_threads(session, day)
                states = Counter(t.state for t in threads)
                waiting = sum(1 for t in threads if needs_review(t))
                if todo and not waiting:
                    continue
                rows.append(
                    {
                        "day": day,
                        "threads": len(threads),
                        "states": states,
                        "waiting": waiting,
                        "comments": sum(t.comments for t in threads),
                        "human": sum(t.human for t in threads),
                        "stale": sum(t.stale for t in threads),
                    }
                )
        return page(request, "days.html", days=rows, todo=todo, states=queries.STATES)

    async def day_page(request: Request) -> Response:
        day = _day(request)
        todo = request.query_params.get("todo") == "1"
        with database.sessions() as session:
            threads = queries.day_threads(session, day)
        if todo:
            threads = [t for t in threads if needs_review(t)]
        return page(
            request, "day.html", day=day, threads=threads, todo=todo, message=_message(request)
        )

    async def publish(request: Request) -> Response:
        day = _day(request)
        await checked_form(request)
        try:
            with database.sessions.begin() as session:
                count = publish_day(session, day, settings, now())
        except ReviewError as exc:
            return page(request, "error.html", 409, message=str(exc), back=f"/day/{day}")
        return back(f"/day/{day}?done=published+{count}")

    async def thread(request: Request) -> Response:
        story_id = _int(request, "story_id")
        with database.sessions() as session:
            view = thread_view(session, story_id, settings)
            if view is None:
                raise HTTPException(404, "no crawled thread with that id")
            return page(request, "thread.html", view=view, message=_message(request))

    def thread_action(
        action: Callable[[Any, int, Any, datetime], None],
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            story_id = _int(request, "story_id")
            form = await checked_form(request)
            with database.sessions.begin() as session:
                if queries.get_story(session, story_id) is None:
                    raise HTTPException(404, "no such thread")
                action(session, story_id, form, now())
            return back(f"/thread/{story_id}")

        return endpoint

    def comment_action(
        action: Callable[[Any, int, Any, datetime], None],
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            comment_id = _int(request, "comment_id")
            form = await checked_form(request)
            with database.sessions.begin() as session:
                story_id = queries.comment_story(session, comment_id)
                if story_id is None:
                    raise HTTPException(404, "no such comment")
                action(session, comment_id, form, now())
            return back(f"/thread/{story_id}#c{comment_id}")

        return endpoint

    def edit_title(session: Any, story_id: int, form: Any, at: datetime) -> None:
        queries.edit_title(session, story_id, _text(form, "title_ja"), at)

    def edit_tags(session: Any, story_id: int, form: Any, at: datetime) -> None:
        if form.get("reset"):
            queries.set_tags(session, story_id, None, at)
            return
        tags = [t.strip() for t in _text(form, "tags").split(",")]
        queries.set_tags(session, story_id, [t for t in tags if t], at)

    def unapprove(session: Any, story_id: int, form: Any, at: datetime) -> None:
        queries.unapprove(session, story_id, at)

    def edit_comment(session: Any, comment_id: int, form: Any, at: datetime) -> None:
        queries.edit_comment(session, comment_id, _text(form, "text_ja"), at)

    def include(session: Any, comment_id: int, form: Any, at: datetime) -> None:
        choice = {"include": True, "exclude": False, "auto": None}
        value = form.get("included")
        if value not in choice:
            raise HTTPException(400, "included: include, exclude or auto")
        queries.set_included(session, comment_id, choice[value], at)

    def set_highlight(session: Any, comment_id: int, form: Any, at: datetime) -> None:
        value = form.get("highlight")
        if value == "auto":
            colour = None
        elif value == "none":
            colour = ""
        elif value in PALETTE:
            colour = str(value)
        else:
            raise HTTPException(400, "highlight: a palette colour, none or auto")
        queries.set_highlight(session, comment_id, colour, at)

    async def approve_thread(request: Request) -> Response:
        story_id = _int(request, "story_id")
        await checked_form(request)
        try:
            with database.sessions.begin() as session:
                result = approve(session, story_id, settings, now())
        except ReviewError as exc:
            return page(request, "error.html", 409, message=str(exc), back=f"/thread/{story_id}")
        return back(f"/thread/{story_id}?done=exported+{result.path}")

    async def glossary(request: Request) -> Response:
        with database.sessions() as session:
            rules = queries.glossary_rules(session)
            return page(request, "glossary.html", rules=rules)

    async def add_rule(request: Request) -> Response:
        form = await checked_form(request)
        source, target = _text(form, "source").strip(), _text(form, "target").strip()
        if not source or not target:
            return page(
                request, "error.html", 400, message="a rule needs both terms", back="/glossary"
            )
        with database.sessions.begin() as session:
            queries.add_glossary_rule(
                session, source, target, form.get("match_case") == "on", now()
            )
        return back("/glossary")

    async def delete_rule(request: Request) -> Response:
        rule_id = _int(request, "rule_id")
        await checked_form(request)
        with database.sessions.begin() as session:
            queries.delete_glossary_rule(session, rule_id)
        return back("/glossary")

    routes = [
        Route("/", days),
        Route("/day/{day}", day_page),
        Route("/day/{day}/publish", publish, methods=["POST"]),
        Route("/thread/{story_id}", thread),
        Route("/thread/{story_id}/title", thread_action(edit_title), methods=["POST"]),
        Route("/thread/{story_id}/tags", thread_action(edit_tags), methods=["POST"]),
        Route("/thread/{story_id}/approve", approve_thread, methods=["POST"]),
        Route("/thread/{story_id}/unapprove", thread_action(unapprove), methods=["POST"]),
        Route("/comment/{comment_id}/text", comment_action(edit_comment), methods=["POST"]),
        Route("/comment/{comment_id}/include", comment_action(include), methods=["POST"]),
        Route("/comment/{comment_id}/highlight", comment_action(set_highlight), methods=["POST"]),
        Route("/glossary", glossary),
        Route("/glossary", add_rule, methods=["POST"]),
        Route("/glossary/{rule_id}/delete", delete_rule, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.csrf_token = new_csrf_token()
    if token:
        app.add_middleware(TokenAuth, token=token)
    return app


def _message(request: Request) -> str:
    return request.query_params.get("done", "")[:300]
