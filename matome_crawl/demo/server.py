"""A local HN: the synthetic world's site and Firebase API over HTTP on 127.0.0.1.

    with DemoServer() as server:          # the built-in day, on a free port
        crawl(base_url=server.url, ...)   # site at server.url, API at server.api_url

The server runs in a background thread (``ThreadingHTTPServer``), so a Scrapy crawl
in the same process can use it. ``python -m matome_crawl.demo.server`` runs it in the
foreground and prints its URLs; Ctrl-C stops it.

Faults (:class:`Fault`) make chosen requests fail the way HN fails: the 200 "Sorry"
rate-limit page, a page cut before its footer, a connection closed mid-body, or an
HTTP error, each for the first N requests that match.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import click

from matome_crawl.demo.render import (
    RATE_LIMIT_BODY,
    ROBOTS_TXT,
    TEXT_TYPE,
    Response,
    Site,
    SiteOptions,
)
from matome_crawl.demo.synthetic import DEFAULT_COMMENTS_PER_PAGE, DEMO_DAY, World, demo_world

logger = logging.getLogger(__name__)

FAULT_KINDS = ("rate_limit", "truncate", "cut", "error")


@dataclass
class Fault:
    """Answer the first ``times`` requests whose target matches ``pattern`` with a failure.

    ``pattern`` is an :mod:`fnmatch` pattern over the request target below the site's
    or the API's prefix (path and query), e.g. ``"/item?id=*"``, ``"/front*"`` or
    ``"/item/*.json"``; ``"*"`` matches every request. Kinds:

    - ``rate_limit``: HTTP 200 with HN's "Sorry, we're not able to serve your requests
      this quickly." text;
    - ``truncate``: HTTP 200, the real page cut in half (no footer), length announced
      correctly;
    - ``cut``: the real page's full length announced, half of it sent, then the
      connection closed;
    - ``error``: HTTP ``status`` (default 503) with a short text body.
    """

    pattern: str
    kind: str = "rate_limit"
    times: int = 1
    status: int = 503
    used: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}, expected one of: {FAULT_KINDS}")
        if self.times < 0:
            raise ValueError(f"times must be 0 or more, got {self.times}")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a crawler opens many at once,
    # and the client's retry after a dropped SYN costs a whole second.
    request_queue_size = 128


def _prefix(value: str) -> str:
    value = value.strip()
    if not value or value == "/":
        return ""
    return "/" + value.strip("/")


MIRROR_ROBOTS_TXT = "".join(
    line for line in ROBOTS_TXT.splitlines(keepends=True) if not line.startswith("Crawl-delay")
)


class DemoServer:
    """The site at ``url`` and the Firebase API at ``api_url``, served from one port.

    ``world`` defaults to :func:`~matome_crawl.demo.synthetic.demo_world` (the built-in
    day, other days made on request). ``site_prefix`` (default: the root) and
    ``api_prefix`` (default ``/v0``, like ``hacker-news.firebaseio.com/v0``) place the
    two sides. ``robots_txt`` is what /robots.txt answers: by default HN's rules
    without its ``Crawl-delay`` (a mirror on this machine asks for none, and the
    crawler obeys a robots.txt delay larger than its own); ``None`` serves HN's
    robots.txt as it is. ``hits`` counts the request targets received (faulty
    answers included).
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        options: SiteOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        site_prefix: str = "",
        api_prefix: str = "/v0",
        faults: list[Fault] | tuple[Fault, ...] = (),
        robots_txt: str | None = MIRROR_ROBOTS_TXT,
    ) -> None:
        self.world = world if world is not None else demo_world()
        self.site = Site(self.world, options)
        self.site_prefix = _prefix(site_prefix)
        self.api_prefix = _prefix(api_prefix)
        if self.api_prefix == self.site_prefix:
            raise ValueError("the site and the API need different prefixes")
        self.faults = list(faults)
        self.robots_txt = robots_txt
        self.hits: Counter[str] = Counter()
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic(), target) per request
        self._lock = threading.Lock()
        self._host, self._port = host, port
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------
    def bind(self) -> DemoServer:
        """Take the port now (``url`` is known from here on) without serving yet."""
        if self._server is None:
            self._server = _HTTPServer((self._host, self._port), _handler(self))
            self._port = self._server.server_address[1]
        return self

    def start(self) -> DemoServer:
        """Bind and serve in a background thread; returns self (``url`` is now known)."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits at most this long
            name="matome-demo-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("demo HN server at %s (API %s)", self.url, self.api_url)
        return self

    def serve_forever(self) -> None:
        """Bind and serve in this thread until :meth:`stop` or KeyboardInterrupt."""
        self.bind()
        assert self._server is not None
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving (a background server) and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._thread is not None:
            server.shutdown()
            self._thread.join()
            self._thread = None
        server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port == 0:
            raise RuntimeError("the server has no port until it is started")
        return self._port

    @property
    def origin(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def url(self) -> str:
        """The site's base URL, for ``--base-url`` (no trailing slash)."""
        return self.origin + self.site_prefix

    @property
    def api_url(self) -> str:
        """The API's base URL, for ``MATOME_HN_API_URL`` (no trailing slash)."""
        return self.origin + self.api_prefix

    def front_url(self, day: date = DEMO_DAY) -> str:
        return f"{self.url}/front?day={day.isoformat()}"

    def item_url(self, item_id: int) -> str:
        return f"{self.url}/item?id={item_id}"

    # --- answering -----------------------------------------------------------------
    def respond(self, target: str) -> tuple[Response, Fault | None]:
        """The answer to one request target, and the fault applied to it if any."""
        side, rest = self._split(target)
        with self._lock:
            self.hits[target] += 1
            self.arrivals.append((time.monotonic(), target))
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.used < f.times and fnmatch.fnmatchcase(rest, f.pattern)
                ),
                None,
            )
            if fault is not None:
                fault.used += 1
        if fault is not None and fault.kind == "rate_limit":
            return Response.text(RATE_LIMIT_BODY), fault
        if fault is not None and fault.kind == "error":
            return Response.text(f"Error {fault.status}", fault.status), fault
        response = self._answer(side, rest)
        if fault is not None and fault.kind == "truncate":
            response = Response(response.status, response.content_type, _half(response.body))
        return response, fault

    def _split(self, target: str) -> tuple[str, str]:
        """("api" | "site" | "robots" | "none", the target below that side's prefix)."""
        path = target.split("?", 1)[0]
        if path == "/robots.txt":
            return "robots", target  # robots.txt is always at the host's root
        for side, prefix in (("api", self.api_prefix), ("site", self.site_prefix)):
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                rest = target[len(prefix) :]
                return side, rest if rest.startswith("/") else "/" + rest
        return "none", target

    def _answer(self, side: str, rest: str) -> Response:
        if side == "robots" and self.robots_txt is not None:
            return Response(200, TEXT_TYPE, self.robots_txt.encode("utf-8"))
        if side in ("robots", "site"):
            return self.site.page(rest)
        if side == "api":
            return self.site.api(rest)
        return Response.text("Unknown.", 404)


def _half(body: bytes) -> bytes:
    return body[: len(body) // 2]


def _handler(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "matome-demo-hn"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            response, fault = server.respond(self.path)
            cut = fault is not None and fault.kind == "cut"
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if cut:
                self.send_header("Connection", "close")
            self.end_headers()
            if send_body:
                self.wfile.write(_half(response.body) if cut else response.body)
            if cut:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            logger.debug("%s " + format, self.address_string(), *args)

    return Handler


# --- python -m matome_crawl.demo.server -----------------------------------------------
@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=0, type=click.IntRange(0, 65535), help="Port [default: a free one]."
)
@click.option(
    "--comments-per-page",
    default=DEFAULT_COMMENTS_PER_PAGE,
    show_default=True,
    type=click.IntRange(min=1),
    help="Comment rows per thread page before the More link.",
)
@click.option("--showdead", is_flag=True, help="Show dead comments' text, as HN's showdead does.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic world.")
@click.option(
    "--api-prefix", default="/v0", show_default=True, help="Path of the Firebase-style API."
)
def main(
    host: str, port: int, comments_per_page: int, showdead: bool, seed: int, api_prefix: str
) -> None:
    """Serve a synthetic Hacker News (site and API) until Ctrl-C."""
    options = SiteOptions(comments_per_page=comments_per_page, showdead=showdead)
    server = DemoServer(
        demo_world(seed=seed), options=options, host=host, port=port, api_prefix=api_prefix
    )
    server.bind()  # first, so the URL printed is the real one
    click.echo(f"HN site: {server.url}  (front page: {server.front_url()})")
    click.echo(f"HN API:  {server.api_url}  (e.g. {server.api_url}/topstories.json)")
    click.echo(
        f"crawl it: matome crawl --day {DEMO_DAY} --top 10 --delay 0 --base-url {server.url}"
    )
    click.echo("Ctrl-C stops the server.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped.", err=True)


if __name__ == "__main__":
    main()
