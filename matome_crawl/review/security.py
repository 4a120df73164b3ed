"""Who may use the review app, and which form posts it accepts.

Loopback binds need no password; any other bind needs a token that the user
sets, checked as HTTP Basic (any user name) or a Bearer header. Every form
carries a per-process CSRF token that a page of another site cannot read, and a
POST whose ``Origin`` names another host is refused as well.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "MATOME_REVIEW_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def authorized(header: str, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (Basic password or Bearer)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return _same(value.strip(), token)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return _same(decoded.partition(":")[2], token)
    return False


class TokenAuth:
    """Refuse every request without the token (401, the browser asks for a password)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            header = headers.get(b"authorization", b"").decode("latin-1")
            if not authorized(header, self.token):
                response = PlainTextResponse(
                    "password required",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="matome review"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def checked_form(request: Request) -> FormData:
    """The POSTed form once its CSRF token and origin are checked (403 otherwise)."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            raise HTTPException(403, "cross-site form refused")
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise HTTPException(403, "cross-site form refused")
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not _same(sent, request.app.state.csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page")
    return form
