"""Engine and session factory; schema creation and upgrades through Alembic.

Write commands open the archive with :func:`connect`, which creates it or
upgrades its schema; read commands use ``connect(url, read_only=True)``, which
never creates a file, writes or migrates. Every failure the user can fix is an
:class:`ArchiveError` whose message is one line, with any password hidden.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from matome_crawl.resources import package_path

logger = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///matome.sqlite3"
DB_URL_ENV = "MATOME_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# A real directory even when db/ is inside a zipped egg (Scrapyd): Alembic needs one.
MIGRATIONS_DIR = package_path(__package__ or "db", "migrations")
# Held for the length of a schema upgrade on PostgreSQL (not the run lock's key).
SCHEMA_LOCK_KEY = 0x6D61746F6D6573  # "matomes"
# The pip extra that installs each driver the product supports.
DRIVER_EXTRAS = {"psycopg": "postgres", "psycopg2": "postgres"}


class ArchiveError(Exception):
    """The archive cannot be opened or used as asked; the message says what to do."""


def resolve_db_url(url: str | None = None) -> str:
    """The database URL: the explicit value, else ``$MATOME_DB_URL``, else ``matome.sqlite3``.

    A bare file path is accepted as a SQLite file.
    """
    url = url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url


def display_url(url: str | URL | None) -> str:
    """``url`` as it may be printed or logged: the password replaced by ``***``."""
    try:
        return make_url(
            resolve_db_url(url) if isinstance(url, str | None) else url
        ).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: hide whatever sits between : and @
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def parse_url(url: str | None) -> URL:
    try:
        return make_url(resolve_db_url(url))
    except ArgumentError as exc:
        raise ArchiveError(f"not a database URL: {display_url(url)}") from exc


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory or ``file:`` URI database."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # WAL lets a reader (matome sql, Datasette) run while a crawl writes.
    _enable_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys on.

    ``read_only``: the archive must already exist; SQLite opens it with
    ``mode=ro`` (``immutable=1`` when it sits on read-only storage), PostgreSQL
    sessions default to read-only transactions.
    """
    sa_url = parse_url(url)
    if sa_url.get_backend_name() == "sqlite":
        path = sqlite_path(sa_url)
        if read_only and path is not None:
            return create_engine(sa_url, creator=lambda: open_sqlite_readonly(path))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if read_only and sa_url.get_backend_name() == "postgresql":
        connect_args["options"] = "-c default_transaction_read_only=on"
    try:
        return create_engine(sa_url, pool_pre_ping=True, connect_args=connect_args)
    except NoSuchModuleError as exc:
        raise ArchiveError(
            f"unsupported database {sa_url.drivername!r} in {display_url(sa_url)}"
        ) from exc
    except ImportError as exc:
        driver = sa_url.get_driver_name()
        extra = DRIVER_EXTRAS.get(driver)
        how = f"pip install 'matome-crawl[{extra}]'" if extra else f"pip install {driver}"
        raise ArchiveError(
            f"the {sa_url.get_backend_name()} driver {driver!r} is not installed: {how}"
        ) from exc


def open_sqlite_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write the file, even on read-only storage."""
    uri = f"file:{quote(str(path.resolve()))}"
    conn = sqlite3.connect(
        f"{uri}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        # A WAL archive on read-only storage cannot get its -shm index (SQLITE_CANTOPEN);
        # nothing can write there, so reading it as immutable is safe. Anything
        # else (a busy or broken file) is not a reason to ignore locking.
        if exc.sqlite_errorname != "SQLITE_CANTOPEN" or os.access(path.parent, os.W_OK):
            raise
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode=WAL``: a no-op once the file is in WAL mode (the mode persists).

    Switching takes the file whole, and when two connections switch a new file at once
    SQLite answers one of them "database is locked" at once, without its busy handler
    (waiting would deadlock them): first opens of a new archive from several processes
    failed so. That answer is retried up to the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (exc.sqlite_errorname or "").startswith("SQLITE_BUSY")
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    """(the newest revision, every known one). The scripts ship with the package: read once
    per process, not on every open (each read loads every migration script)."""
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    head = scripts.get_current_head()
    assert head is not None, "no migrations"
    return head, frozenset(s.revision for s in scripts.walk_revisions())


def head_revision() -> str:
    return _revisions()[0]


def known_revisions() -> frozenset[str]:
    return _revisions()[1]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _check_known(revision: str | None, url: URL) -> None:
    if revision is not None and revision not in known_revisions():
        raise ArchiveError(
            f"{display_url(url)} has schema revision {revision}, newer than this matome-crawl "
            f"knows (newest {head_revision()}): upgrade matome-crawl"
        )


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision`` (the newest by default); returns the revision in place.

    The check and the whole upgrade run in one transaction that holds the
    database's write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory
    transaction lock): concurrent first opens wait for each other, and a kill
    at any point leaves the schema as it was before.
    """
    target = head_revision() if revision == "head" else revision
    current = current_revision(engine)
    if current == target:
        return current
    _check_known(current, engine.url)
    with migration_connection(engine) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        _check_known(current, engine.url)
        if current != target:
            logger.info("upgrading database schema from %s to %s", current, target)
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    return target


def upgrade_sql(url: str | None = None, start: str | None = None) -> str:
    """The SQL that brings ``url``'s kind of database from ``start`` (empty) to the newest
    revision, for a DBA to read and run (Alembic offline mode: nothing is connected).
    """
    sa_url = parse_url(url)
    if start is not None and start not in known_revisions():
        raise ArchiveError(f"unknown schema revision {start!r}: one of {sorted(known_revisions())}")
    buffer = io.StringIO()
    cfg = Config(output_buffer=buffer)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = sa_url
    try:
        command.upgrade(cfg, f"{start}:head" if start else "head", sql=True)
    except NoSuchModuleError as exc:
        raise ArchiveError(f"unsupported database {sa_url.drivername!r}") from exc
    return buffer.getvalue()


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the write lock and really wraps DDL, committed at the end.

    pysqlite commits before every DDL statement on its own, so each CREATE used
    to be its own transaction; here the driver's transaction handling is off and
    the transaction is opened explicitly (SQLAlchemy's documented recipe).
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            yield conn
        return
    migrations = create_engine(
        engine.url,
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(migrations, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # the driver opens no transaction itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        # Batch migrations copy and drop tables; foreign keys would fire on the copies.
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    @event.listens_for(migrations, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with migrations.begin() as conn:
            yield conn
    finally:
        migrations.dispose()


@dataclass(frozen=True)
class Database:
    """An engine plus its session factory; the caller owns each session's transaction."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def url(self) -> str:
        return display_url(self.engine.url)

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str | None = None, *, migrate: bool = True, read_only: bool = False) -> Database:
    """Open the archive at ``url``, creating or upgrading its schema unless ``migrate`` is off.

    ``read_only``: open an existing archive without writing anything; its schema
    must be the newest (a one-line :class:`ArchiveError` says what to run if not).
    """
    sa_url = parse_url(url)
    path = sqlite_path(sa_url)
    if read_only and path is not None and not path.is_file():
        raise ArchiveError(
            f"no archive at {path}: check --db, or create one with `matome crawl` "
            "or `matome db upgrade`"
        )
    engine = make_engine(url, read_only=read_only)
    try:
        if read_only:
            check_schema(engine)
        elif migrate:
            upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise ArchiveError(f"cannot open {display_url(sa_url)}: {first_line(exc.orig)}") from exc
    except BaseException:
        engine.dispose()
        raise
    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def first_line(error: BaseException | None) -> str:
    """The first line of a driver's message (PostgreSQL adds hints and context below it)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def check_schema(engine: Engine) -> None:
    """Fail unless the schema is the newest this code knows."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    _check_known(current, engine.url)
    where = display_url(engine.url)
    if current is None:
        raise ArchiveError(f"{where} is not a matome archive yet: run `matome db upgrade`")
    raise ArchiveError(
        f"{where} has schema revision {current}, this matome-crawl needs {head}: "
        "run `matome db upgrade`"
    )
