"""``matome sql``: run one user statement on a connection that cannot write, within limits.

Read-only comes from how the connection is set up, never from looking for
"SELECT" in the text:

- exactly one statement (:func:`split_statements`, a tokenizer that knows
  strings, quoted names, comments and PostgreSQL dollar quotes);
- SQLite: a ``mode=ro`` connection plus an authorizer that allows reads,
  functions and read-only pragmas and denies everything else (writes,
  ATTACH/DETACH, which also covers ``VACUUM INTO``, transactions, writing
  pragmas, ``load_extension``); a time limit enforced every few thousand VM
  steps and by an interrupt from a timer; a cap on the size of one value, so a
  single step (``randomblob``, ``printf``) stays short; and a heap limit;
- PostgreSQL: the session defaults to read-only transactions (set when the
  connection is opened, so a ``COMMIT`` in the statement cannot end it) and has
  a ``statement_timeout``. A read-only role is still the real guard on a shared
  server (README, "Read-only SQL").
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from db.engine import open_sqlite_readonly, resolve_db_url

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 10.0
DEFAULT_MAX_ROWS = 100_000
DEFAULT_HEAP_LIMIT = 512 * 2**20  # bytes SQLite may hold while the query runs
DEFAULT_MAX_VALUE = 32 * 2**20  # bytes of one string or blob: bounds a single VM step
DEFAULT_MAX_RESULT = 256 * 2**20  # bytes of text and blobs in the rows returned
PROGRESS_STEPS = 1_000  # VM steps between two looks at the clock


class QueryError(Exception):
    """The query failed or was refused: bad SQL, a write attempt, a limit reached."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class QueryLimits:
    """What one query may use: seconds, rows returned, SQLite heap and value size."""

    time_limit: float = DEFAULT_TIME_LIMIT
    max_rows: int = DEFAULT_MAX_ROWS
    heap_limit: int = DEFAULT_HEAP_LIMIT
    max_value: int = DEFAULT_MAX_VALUE
    max_result: int = DEFAULT_MAX_RESULT


# --- one statement ------------------------------------------------------------

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$]")


def split_statements(sql: str, dialect: str = "sqlite") -> list[str]:
    """The statements of ``sql``, split at ``;`` outside strings, names and comments.

    Empty statements (only blanks, comments and ``;``) are left out. An
    unterminated string or comment ends the text, as the database would see it.
    ``dialect`` "postgresql" adds ``E'…'`` strings (backslash escapes), nested
    ``/* */`` comments and ``$tag$…$tag$`` quotes; "sqlite" adds ``[name]`` and
    ``\\`name\\```.
    """
    pg = dialect == "postgresql"
    statements: list[str] = []
    start = i = 0
    n = len(sql)
    meaningful = False  # the current statement has a token outside comments
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch == "/" and sql.startswith("/*", i):
            i = _skip_block_comment(sql, i, nested=pg)
            continue
        if ch == ";":
            if meaningful:
                statements.append(sql[start:i].strip())
            start = i = i + 1
            meaningful = False
            continue
        if ch.isspace():
            i += 1
            continue
        meaningful = True
        if ch == "'":
            backslashes = pg and i > 0 and sql[i - 1] in "eE" and not _ident_before(sql, i - 1)
            i = _skip_quoted(sql, i, "'", backslashes=backslashes)
        elif ch == '"':
            i = _skip_quoted(sql, i, '"')
        elif not pg and ch == "`":
            i = _skip_quoted(sql, i, "`")
        elif not pg and ch == "[":
            end = sql.find("]", i + 1)
            i = n if end < 0 else end + 1
        elif pg and ch == "$" and not _ident_before(sql, i):
            match = _DOLLAR_TAG.match(sql, i)
            if match:
                end = sql.find(match.group(), match.end())
                i = n if end < 0 else end + len(match.group())
            else:
                i += 1
        else:
            i += 1
    if meaningful:
        statements.append(sql[start:].strip())
    return statements


def _ident_before(sql: str, i: int) -> bool:
    return i > 0 and bool(_IDENT_CHAR.match(sql[i - 1]))


def _skip_quoted(sql: str, i: int, quote: str, *, backslashes: bool = False) -> int:
    """The index after the string or name opened at ``i`` (a doubled quote stays inside)."""
    i += 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if backslashes and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_block_comment(sql: str, i: int, *, nested: bool) -> int:
    depth = 0
    n = len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth = depth + 1 if nested or depth == 0 else depth
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def single_statement(sql: str, dialect: str) -> str:
    """The one statement in ``sql``; :class:`QueryError` when there are none or several."""
    statements = split_statements(sql, dialect)
    if not statements:
        raise QueryError("no SQL statement given")
    if len(statements) > 1:
        raise QueryError(
            f"one statement at a time: found {len(statements)} "
            f"(the second begins {statements[1][:40]!r})"
        )
    return statements[0]


# --- entry point ----------------------------------------------------------------


def run_readonly(
    db_url: str | None,
    sql: str,
    params: Sequence[Any] = (),
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    limits: QueryLimits | None = None,
) -> QueryResult:
    """Run one read-only statement of ``sql`` against the archive at ``db_url``."""
    limits = limits or QueryLimits(time_limit=time_limit)
    url = make_url(resolve_db_url(db_url))
    backend = url.get_backend_name()
    if backend == "sqlite":
        statement = single_statement(sql, "sqlite")
        return _sqlite(url.database or "", statement, params, limits)
    if backend == "postgresql":
        statement = single_statement(sql, "postgresql")
        return _postgresql(url, statement, params, limits)
    raise QueryError(
        f"matome sql runs on SQLite and PostgreSQL archives only, not {backend}: "
        "use your database's own client with a read-only account"
    )


# --- SQLite ---------------------------------------------------------------------

# Pragmas that only report, with no argument (``PRAGMA page_count``) or as a table-valued function.
_READ_PRAGMAS = frozenset(
    {
        "application_id",
        "auto_vacuum",
        "cache_size",
        "collation_list",
        "compile_options",
        "data_version",
        "database_list",
        "encoding",
        "foreign_keys",
        "freelist_count",
        "function_list",
        "journal_mode",
        "max_page_count",
        "module_list",
        "page_count",
        "page_size",
        "pragma_list",
        "schema_version",
        "user_version",
    }
)
# Pragmas whose argument names what to report on (a table, an index), not a new setting.
_QUERY_PRAGMAS = frozenset(
    {
        "foreign_key_check",
        "foreign_key_list",
        "index_info",
        "index_list",
        "index_xinfo",
        "integrity_check",
        "quick_check",
        "table_info",
        "table_list",
        "table_xinfo",
    }
)
_DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"})
_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})


def authorize(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None
) -> int:
    """SQLite authorizer of ``matome sql``: reads, functions and read-only pragmas only.

    SQLite asks for UPDATE on the schema table when it sets up a pragma
    table-valued function (``pragma_table_info('t')``); that alone is allowed,
    since a real write to it needs ``PRAGMA writable_schema`` (denied) and the
    connection is ``mode=ro`` anyway.
    """
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return (
            sqlite3.SQLITE_DENY if (arg2 or "").lower() in _DENIED_FUNCTIONS else sqlite3.SQLITE_OK
        )
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _QUERY_PRAGMAS or (name in _READ_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_UPDATE and (arg1 or "").lower() in _SCHEMA_TABLES:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


@contextlib.contextmanager
def _heap_limit(conn: sqlite3.Connection, limit: int) -> Iterator[None]:
    """SQLite's hard heap limit while the query runs.

    The limit is process-wide in SQLite. Through the library's C function it is
    put back afterwards; where that function cannot be reached, ``PRAGMA
    hard_heap_limit`` can only lower it, so it stays (``matome sql`` is a
    process of its own).
    """
    setter = _heap_limit_function()
    if setter is None:
        conn.execute(f"PRAGMA hard_heap_limit={int(limit)}")
        yield
        return
    previous = setter(int(limit))
    try:
        yield
    finally:
        setter(previous)


@functools.cache
def _heap_limit_function() -> Callable[[int], int] | None:
    """``sqlite3_hard_heap_limit64`` of the SQLite library Python uses, if it can be reached."""
    import _sqlite3

    try:
        function = ctypes.CDLL(_sqlite3.__file__).sqlite3_hard_heap_limit64
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int64
    function.argtypes = [ctypes.c_int64]
    return function  # type: ignore[no-any-return]


def _sqlite(database: str, sql: str, params: Sequence[Any], limits: QueryLimits) -> QueryResult:
    path = Path(database)
    if not database or database == ":memory:" or not path.is_file():
        raise QueryError(f"no database at {path}: crawl something first or pass --db")
    try:
        conn = open_sqlite_readonly(path)  # mode=ro; immutable on read-only storage
    except sqlite3.Error as exc:
        raise QueryError(f"cannot open {path} read-only: {exc}") from exc
    conn.isolation_level = None  # the driver opens no transaction of its own
    try:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        deadline = time.monotonic() + limits.time_limit
        # Every PROGRESS_STEPS VM steps: a non-zero answer interrupts the query.
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
        with _heap_limit(conn, limits.heap_limit), _interrupt_at(conn, limits.time_limit):
            conn.set_authorizer(authorize)  # last: the setup above runs pragmas
            cursor = conn.execute(sql, params)
            columns = [d[0] for d in cursor.description or ()]
            rows = fetch_bounded(cursor, limits)
    except sqlite3.Error as exc:
        raise QueryError(_sqlite_message(exc, limits)) from exc
    except MemoryError as exc:  # SQLITE_NOMEM: the heap limit
        raise QueryError(_memory_message(limits)) from exc
    finally:
        conn.close()
    return QueryResult(columns, rows)


def fetch_bounded(rows: Iterable[Sequence[Any]], limits: QueryLimits) -> list[tuple[Any, ...]]:
    """The rows, or :class:`QueryError` once there are more than ``max_rows`` of them or
    their text and blobs pass ``max_result`` bytes. Checked row by row: the rows are held
    in memory, and one row may hold values of up to ``max_value`` bytes."""
    kept: list[tuple[Any, ...]] = []
    size = 0
    for row in rows:
        size += sum(len(v) for v in row if isinstance(v, str | bytes)) + 8 * len(row)
        kept.append(tuple(row))
        if len(kept) > limits.max_rows:
            raise QueryError(f"more than {limits.max_rows} rows: add a LIMIT, or raise --max-rows")
        if size > limits.max_result:
            raise QueryError(
                f"the result passed {limits.max_result // 2**20} MiB: select fewer or shorter "
                "values, or add a LIMIT"
            )
    return kept


@contextlib.contextmanager
def _interrupt_at(conn: sqlite3.Connection, seconds: float) -> Iterator[None]:
    """Interrupt ``conn`` from a timer after ``seconds``: stops work inside one VM step
    (a sort, a long function call) that the progress handler cannot see."""
    lock = threading.Lock()
    running = True

    def stop() -> None:
        with lock:
            if running:
                conn.interrupt()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            running = False
        timer.cancel()


def _sqlite_message(exc: sqlite3.Error, limits: QueryLimits) -> str:
    message = str(exc)
    if "interrupted" in message:
        return f"query stopped after the {limits.time_limit:g} s time limit"
    if "not authorized" in message or "readonly" in message:
        return f"{message}: matome sql only reads (one statement; no writes, ATTACH or VACUUM)"
    if "string or blob too big" in message:
        return f"{message}: one value may hold {limits.max_value // 2**20} MiB at most"
    if "out of memory" in message:
        return _memory_message(limits)
    return message


def _memory_message(limits: QueryLimits) -> str:
    return f"query stopped: it needed more than {limits.heap_limit // 2**20} MiB of memory"


# --- PostgreSQL -----------------------------------------------------------------


def postgresql_connect_args(limits: QueryLimits) -> dict[str, str]:
    """libpq options that make every transaction of the session read-only and time-limited.

    Set when the connection opens, so a ``COMMIT`` inside the user's statement
    cannot leave a read-only transaction for a writable one.
    """
    timeout_ms = max(1, int(limits.time_limit * 1000))
    return {
        "options": f"-c default_transaction_read_only=on -c statement_timeout={timeout_ms}",
        "application_name": "matome sql",
    }


def _postgresql(url: URL, sql: str, params: Sequence[Any], limits: QueryLimits) -> QueryResult:
    engine = create_engine(url, poolclass=NullPool, connect_args=postgresql_connect_args(limits))
    try:
        with engine.connect() as conn:
            # The connect options already did this; said again in case a pooler dropped them.
            conn.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            conn.commit()
            if engine.dialect.driver == "psycopg":
                columns, rows = _psycopg_prepared(
                    conn.connection.dbapi_connection, sql, params, limits
                )
            else:
                # Straight to the driver: text() would read ':name' inside string literals as
                # a bind parameter; without parameters, no_parameters keeps a '%' a '%'.
                if params:
                    result = conn.exec_driver_sql(sql, tuple(params))
                else:
                    result = conn.execution_options(no_parameters=True).exec_driver_sql(sql)
                columns = list(result.keys()) if result.returns_rows else []
                rows = fetch_bounded(result, limits) if columns else []
            conn.rollback()
    except Exception as exc:  # every driver has its own error classes
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "statement timeout" in message:
            message = f"query stopped after the {limits.time_limit:g} s time limit"
        raise QueryError(message) from exc
    finally:
        engine.dispose()
    return QueryResult(columns, rows)


def _psycopg_prepared(
    dbapi_connection: Any, sql: str, params: Sequence[Any], limits: QueryLimits
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` as a prepared statement (psycopg 3): the extended protocol, in which the
    server itself refuses a second statement ("cannot insert multiple commands")."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, tuple(params) or None, prepare=True)
        if cursor.description is None:
            return [], []
        columns = [d.name for d in cursor.description]
        return columns, fetch_bounded(cursor, limits)
    finally:
        cursor.close()
