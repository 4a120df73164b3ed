"""Signals for long commands: SIGTERM stops as gracefully as Ctrl-C."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM (systemd, kill) raises KeyboardInterrupt like Ctrl-C: what is complete is kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
