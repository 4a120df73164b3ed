"""One run/backfill at a time per archive: an OS lock that dies with its process.

SQLite archives lock ``<file>.lock`` with ``flock`` (released by the kernel
even after SIGKILL); PostgreSQL uses a session advisory lock. The lock file
keeps naming its last holder after a ``kill -9``: :func:`lock_state` tells such
a stale file from a live run, so ``matome status`` can say "interrupted".
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL

from db.engine import make_engine, parse_url

logger = logging.getLogger(__name__)

ADVISORY_KEY = 0x6D61746F6D65  # "matome"
_HOLDER = re.compile(r"pid (\d+)(?: on (\S+))?")


class ArchiveLocked(Exception):
    """Another matome run holds the archive."""


@dataclass(frozen=True)
class LockState:
    """Whether a run holds the archive now, and what the lock file last said."""

    held: bool
    holder: str | None = None


@contextmanager
def archive_lock(db_url: str | None, purpose: str) -> Iterator[None]:
    url = parse_url(db_url)
    if url.get_backend_name() == "sqlite":
        with _file_lock(lock_path(url), purpose):
            yield
    elif url.get_backend_name() == "postgresql":
        with _advisory_lock(db_url, purpose):
            yield
    else:
        yield  # no lock available: the caller's upserts keep a collision harmless


def lock_path(url: URL) -> Path:
    return Path(f"{url.database}.lock")


def lock_state(db_url: str | None) -> LockState | None:
    """Is a run holding the archive now? None where this backend cannot tell.

    Reads only: the lock file is opened read-only and only probed, so this works
    on read-only storage and never disturbs a run.
    """
    url = parse_url(db_url)
    if url.get_backend_name() == "postgresql":
        return _advisory_state(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    path = lock_path(url)
    try:
        handle = path.open("r")
    except FileNotFoundError:
        return LockState(held=False)
    with handle:
        holder = handle.read().strip() or None
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            # flock says held; a holder that is gone from this host says otherwise
            # (a lock file on a network filesystem can outlive its process).
            return LockState(held=holder_alive(holder), holder=holder)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return LockState(held=False, holder=holder)


def holder_alive(holder: str | None) -> bool:
    """False only when the holder is named, ran on this host, and its pid is gone."""
    match = _HOLDER.match(holder or "")
    if not match:
        return True
    pid, host = int(match.group(1)), match.group(2)
    if host is not None and host != socket.gethostname():
        return True  # another machine's process: only its lock can tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _file_lock(path: Path, purpose: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ArchiveLocked(
                f"another matome run is using this archive ({holder}); "
                f"wait for it to finish (lock file {path})"
            ) from None
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            logger.warning("taking over the archive from an interrupted run (%s)", previous)
        handle.seek(0)
        handle.truncate()
        since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {since}: {purpose}")
        handle.flush()
        try:
            yield
        finally:
            # A clean finish leaves an empty file: a named holder means a run was cut short.
            handle.seek(0)
            handle.truncate()
            handle.flush()
    finally:
        handle.close()  # closing releases the lock


@contextmanager
def _advisory_lock(db_url: str | None, purpose: str) -> Iterator[None]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
            ).scalar()
            if not got:
                raise ArchiveLocked(
                    "another matome run is using this archive; wait for it to finish"
                )
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
    finally:
        engine.dispose()


def _advisory_state(db_url: str | None) -> LockState:
    engine = make_engine(db_url, read_only=True)
    try:
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
            ).scalar()
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            return LockState(held=not got)
    finally:
        engine.dispose()
