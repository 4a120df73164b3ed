"""One run/backfill at a time per archive: an OS lock that dies with its process.

SQLite archives lock ``<file>.lock`` with ``flock`` (released by the kernel
even after SIGKILL); PostgreSQL uses a session advisory lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.engine import resolve_db_url

ADVISORY_KEY = 0x6D61746F6D65  # "matome"


class ArchiveLocked(Exception):
    """Another matome run holds the archive."""


@contextmanager
def archive_lock(db_url: str | None, purpose: str) -> Iterator[None]:
    url = make_url(resolve_db_url(db_url))
    if url.get_backend_name() == "sqlite":
        with _file_lock(Path(f"{url.database}.lock"), purpose):
            yield
    elif url.get_backend_name() == "postgresql":
        with _advisory_lock(url.render_as_string(hide_password=False), purpose):
            yield
    else:
        yield  # no lock available: the caller's upserts keep a collision harmless


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
        handle.truncate()
        handle.write(f"pid {os.getpid()}: {purpose}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


@contextmanager
def _advisory_lock(url: str, purpose: str) -> Iterator[None]:
    engine = create_engine(url)
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        if not got:
            raise ArchiveLocked("another matome run is using this archive; wait for it to finish")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
    engine.dispose()
