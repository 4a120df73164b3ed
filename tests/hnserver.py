"""A real HTTP server on 127.0.0.1 that plays scripted answers per path (for spider tests)."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    # Send fewer bytes than Content-Length announces (a connection cut mid-body).
    cut_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Routes:
    """``path?query`` → answers played in order; the last one repeats."""

    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    hits: Counter[str] = field(default_factory=Counter)
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, target)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, target: str, *answers: Answer | bytes | Path) -> None:
        for answer in answers:
            if isinstance(answer, Path):
                answer = Answer(answer.read_bytes())
            elif isinstance(answer, bytes):
                answer = Answer(answer)
            self.answers[target].append(answer)

    def next_answer(self, target: str) -> Answer | None:
        with self.lock:
            self.hits[target] += 1
            self.arrivals.append((time.monotonic(), target))
            queue = self.answers.get(target)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(routes: Routes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as HN and its API serve
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def do_GET(self) -> None:
            answer = routes.next_answer(self.path)
            if answer is None:
                answer = Answer(b"Not found", status=404, content_type="text/plain")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            body = answer.body if answer.cut_after is None else answer.body[: answer.cut_after]
            self.wfile.write(body)
            if answer.cut_after is not None:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a kept-alive connection's thread never holds up the shutdown
    # The default backlog of 5 drops connections when the API spider opens 8 at once, and
    # the client's retry after a dropped SYN costs it up to a second.
    request_queue_size = 128


@contextmanager
def serve(routes: Routes) -> Iterator[str]:
    """Serve ``routes`` on a free loopback port; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _handler(routes))
    # shutdown() waits for the serving loop's next poll: 0.5 s by default, at every test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
