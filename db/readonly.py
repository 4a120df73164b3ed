"""``matome sql``: run user SQL on a connection that cannot write, with a time limit.

Read-only comes from how the connection is opened (SQLite ``mode=ro``; a
read-only transaction elsewhere), not from inspecting the SQL text.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from db.engine import open_sqlite_readonly, resolve_db_url


class QueryError(Exception):
    """The query failed: bad SQL, a write attempt, or the time limit."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def run_readonly(
    db_url: str | None, sql: str, params: Sequence[Any] = (), *, time_limit: float = 10.0
) -> QueryResult:
    url = make_url(resolve_db_url(db_url))
    if url.get_backend_name() == "sqlite":
        return _sqlite(url.database or "", sql, params, time_limit)
    if url.get_driver_name() == "psycopg":
        return _postgresql(url, sql, params, time_limit)
    return _other(url.render_as_string(hide_password=False), sql, params, time_limit)


def _sqlite(database: str, sql: str, params: Sequence[Any], time_limit: float) -> QueryResult:
    path = Path(database)
    if not path.exists():
        raise QueryError(f"no database at {path}: crawl something first or pass --db")
    conn = open_sqlite_readonly(path)  # mode=ro; immutable on read-only storage
    deadline = time.monotonic() + time_limit
    # Called every N virtual machine steps; a non-zero answer interrupts the query.
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = conn.execute(sql, params)
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description or ()]
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryError(f"query stopped after the {time_limit:g} s time limit") from exc
        raise QueryError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise QueryError(str(exc)) from exc
    finally:
        conn.close()
    return QueryResult(columns, rows)


def _postgresql(url: URL, sql: str, params: Sequence[Any], time_limit: float) -> QueryResult:
    """One statement in a session whose transactions default to read-only.

    ``SET TRANSACTION READ ONLY`` alone is ended by a ``COMMIT;`` in the user's
    text; the session default holds across it, and the extended query protocol
    (forced by binary results) refuses a second statement that could turn the
    default off first (``SET default_transaction_read_only = off; COMMIT; …``).
    """
    timeout_ms = max(1, int(time_limit * 1000))
    options = f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}"
    engine = create_engine(url, poolclass=NullPool, connect_args={"options": options})
    try:
        with engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql, list(params) if params else None, binary=True)
                columns = [d.name for d in cursor.description or ()]
                rows = [tuple(r) for r in cursor.fetchall()] if cursor.description else []
            finally:
                cursor.close()
                conn.rollback()
    except Exception as exc:  # psycopg's errors; the first line is the message
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "statement timeout" in message:
            message = f"query stopped after the {time_limit:g} s time limit"
        raise QueryError(message) from exc
    finally:
        engine.dispose()
    return QueryResult(columns, rows)


def _other(url: str, sql: str, params: Sequence[Any], time_limit: float) -> QueryResult:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(time_limit * 1000)}")
            result = conn.execute(text(sql), dict(enumerate(params)))
            columns = list(result.keys())
            rows = [tuple(r) for r in result.all()]
            conn.rollback()
    except Exception as exc:  # every driver has its own error classes
        raise QueryError(str(exc).splitlines()[0]) from exc
    finally:
        engine.dispose()
    return QueryResult(columns, rows)
