"""The same guarantees on a real PostgreSQL server (the session's cluster, tests/pg.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy.exc import InternalError

from db.days import set_day
from db.engine import connect, current_revision, head_revision
from db.lock import archive_lock, lock_state
from matome_crawl.cli import cli
from tests.concurrency import open_all_at_once
from tests.db.conftest import DAY


def test_concurrent_first_opens_on_postgresql(pg_url, tmp_path):
    assert open_all_at_once(pg_url, tmp_path) == []
    database = connect(pg_url, read_only=True)
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_read_only_opens_cannot_write_on_postgresql(pg_url):
    connect(pg_url).dispose()
    database = connect(pg_url, read_only=True)
    with (
        pytest.raises(InternalError, match="read-only transaction"),
        database.sessions.begin() as session,
    ):
        set_day(session, DAY, "done")
    database.dispose()
    result = CliRunner().invoke(cli, ["stats", "--db", pg_url, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["comments"] == 0


def test_status_on_postgresql_tells_a_live_run_from_a_killed_one(pg_url):
    database = connect(pg_url)
    with database.sessions.begin() as session:
        set_day(session, DAY, "running", attempt=True)
    database.dispose()
    # No session holds the advisory lock: the run that wrote 'running' is gone.
    state = lock_state(pg_url)
    assert state is not None and not state.held
    result = CliRunner().invoke(cli, ["status", "--db", pg_url])
    assert result.output.startswith("1 interrupted\n"), result.output
    with archive_lock(pg_url, "run"):
        assert lock_state(pg_url).held  # type: ignore[union-attr]
        result = CliRunner().invoke(cli, ["status", "--db", pg_url])
    assert result.output.startswith("1 running\n"), result.output


def test_ci_makes_a_missing_server_a_failure_not_a_skip(monkeypatch):
    from tests import pg

    for name in ("CI", pg.REQUIRE_ENV):
        monkeypatch.delenv(name, raising=False)
    assert not pg.required()
    monkeypatch.setenv("CI", "true")
    assert pg.required()
    monkeypatch.setenv("CI", "false")
    assert not pg.required()
    monkeypatch.setenv(pg.REQUIRE_ENV, "1")
    assert pg.required()
    monkeypatch.setattr(pg, "server_bin", lambda: None)
    with pytest.raises(pg.NoServer, match="not installed"), pg.cluster():
        pass


def test_db_upgrade_sql_prints_the_schema_for_a_dba_and_connects_to_nothing(pg_url):
    # Port 1 of 127.0.0.1: nothing listens there, so any connection attempt would fail.
    nowhere = "postgresql+psycopg://dba:secret@127.0.0.1:1/archive"
    result = CliRunner().invoke(cli, ["db", "upgrade", "--sql", "--db", nowhere])
    assert result.exit_code == 0, result.output
    script = result.output
    assert script.startswith("BEGIN;") and script.rstrip().endswith("COMMIT;")
    for table in ("stories", "comments", "front_pages", "days", "crawl_failures"):
        assert f"CREATE TABLE {table} (" in script
    assert "USING gin (text_ja gin_trgm_ops)" in script
    assert "secret" not in script
    # What the DBA runs is a real archive at the newest revision, search indexes included.
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(script.replace("BEGIN;", "", 1).rsplit("COMMIT;", 1)[0])
    engine.dispose()
    database = connect(pg_url, read_only=True)
    assert current_revision(database.engine) == head_revision()
    database.dispose()
    later = CliRunner().invoke(cli, ["db", "upgrade", "--sql", "--from", "0005", "--db", nowhere])
    # From 0005 on: no table of the first revisions, the search indexes of 0007.
    assert "CREATE TABLE stories" not in later.output
    assert "CREATE INDEX ix_comments_text_words" in later.output


def test_db_upgrade_sql_for_sqlite_creates_no_file(tmp_path):
    target = tmp_path / "dir" / "matome.sqlite3"
    result = CliRunner().invoke(cli, ["db", "upgrade", "--sql", "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert "CREATE VIRTUAL TABLE [comments_fts] USING FTS5" in result.output
    assert "gin" not in result.output
    assert not (tmp_path / "dir").exists()


def test_models_and_migrations_agree_on_postgresql(pg_url):
    """`alembic check` against PostgreSQL: the search indexes are the migration's, no drift."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.fts import include_object
    from db.models import Base

    database = connect(pg_url)
    with database.engine.connect() as conn:
        options = {"include_object": include_object, "compare_type": True}
        context = MigrationContext.configure(conn, opts=options)
        assert compare_metadata(context, Base.metadata) == []
    database.dispose()
