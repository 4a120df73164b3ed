"""Twisted's asyncio reactor in a background thread, started once per process.

Twisted's reactor cannot be restarted, so running it in the foreground would
tie the whole command (planning, translating, exporting) to one reactor run
and each process to one command. Instead the reactor runs in a daemon thread
for the life of the process (as crochet does), and plain Python code hands it
coroutines with :func:`run_in_reactor`, which blocks until they finish.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _serve(ready: threading.Event, failures: list[BaseException]) -> None:
    global _loop
    try:
        from twisted.internet import asyncioreactor

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        asyncioreactor.install(loop)
        from twisted.internet import reactor

        _loop = loop
        reactor.callWhenRunning(ready.set)  # type: ignore[attr-defined]
    except BaseException as exc:  # reported to the thread that asked for the reactor
        failures.append(exc)
        ready.set()
        return
    reactor.run(installSignalHandlers=False)  # type: ignore[attr-defined]


def reactor_loop() -> asyncio.AbstractEventLoop:
    """The event loop of the running reactor thread (started on first use)."""
    with _lock:
        if _loop is not None:
            return _loop
        ready = threading.Event()
        failures: list[BaseException] = []
        thread = threading.Thread(
            target=_serve, args=(ready, failures), name="matome-reactor", daemon=True
        )
        thread.start()
        if not ready.wait(30) or failures:
            raise RuntimeError("could not start Twisted's reactor") from (
                failures[0] if failures else None
            )
        assert _loop is not None
        return _loop


def submit(coroutine: Coroutine[Any, Any, T]) -> Future[T]:
    """Schedule ``coroutine`` on the reactor thread; returns a thread-safe future."""
    return asyncio.run_coroutine_threadsafe(coroutine, reactor_loop())


def run_in_reactor(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on the reactor thread and wait for its result."""
    return submit(coroutine).result()
