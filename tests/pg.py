"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, 127.0.0.1, a temp dir.

One cluster per test session (``initdb`` + ``pg_ctl``, about two seconds); each
test gets a fresh database in it (:func:`new_database`). Where the binaries are
missing the tests skip, except in CI (``CI`` set, or ``MATOME_REQUIRE_POSTGRES=1``
as ``make test`` sets it), where a missing server is a failure: CI installs it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

from sqlalchemy import create_engine, text

REQUIRE_ENV = "MATOME_REQUIRE_POSTGRES"
USER = "matome"
_names = count()


class NoServer(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def required() -> bool:
    """Must the PostgreSQL tests run (CI), rather than skip without a server?"""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get(REQUIRE_ENV, "") == "1"


def server_bin() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on PATH, else Debian's newest install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster (trust auth, superuser ``matome``); yields its base URL, no database.

    The server refuses to run as root, so root runs it as the ``postgres`` user
    that Debian's package creates; anyone else runs it as themselves.
    """
    bin_dir = server_bin()
    if bin_dir is None:
        raise NoServer("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    prefix: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="matome-pg-"))
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(home, ignore_errors=True)
            raise NoServer(
                "running as root and there is no postgres user to run the server"
            ) from None
        shutil.chown(home, "postgres")
        runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
        if runuser is None:
            shutil.rmtree(home, ignore_errors=True)
            raise NoServer(
                "running as root and there is no runuser to start the server as postgres"
            )
        prefix = [runuser, "-u", "postgres", "--"]
    data, port = home / "data", _free_port()
    # C.UTF-8: Unicode letters are letters for the full-text parser, regexes and pg_trgm.
    initdb = [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER,
              "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"]  # fmt: skip
    options = (
        f"-k {home} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(initdb, check=True, capture_output=True, timeout=120)
        subprocess.run(
            [*pg_ctl, "-o", options, "-l", str(home / "log"), "-w", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = home / "log"
        tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        stderr = getattr(exc, "stderr", b"") or b""
        shutil.rmtree(home, ignore_errors=True)
        raise NoServer(
            f"could not start PostgreSQL: {exc} {stderr.decode()[-500:]} {tail}"
        ) from exc
    try:
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def new_database(server: str) -> str:
    """A new, empty database on ``server`` (from ``template0``); returns its URL."""
    name = f"archive_{os.getpid()}_{next(_names)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0"))
    finally:
        admin.dispose()
    return f"{server}/{name}"
