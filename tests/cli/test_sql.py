"""``matome sql`` is read-only by construction: one statement, an authorizer, limits.

Every refused statement is run through the CLI on a real SQLite archive; the
test then checks that no file appeared and that the archive did not change.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.engine import connect
from db.readonly import (
    QueryError,
    QueryLimits,
    _heap_limit_function,
    postgresql_connect_args,
    run_readonly,
    split_statements,
)
from matome_crawl.cli import cli
from tests.export.conftest import ThreadSpec, add_thread


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive for the module: every test leaves it as it was (the refusal tests check)."""
    db_path = tmp_path_factory.mktemp("sql") / "matome.sqlite3"
    database = connect(f"sqlite:///{db_path}")
    add_thread(database, ThreadSpec(101, "A thread about keyboards"))
    database.dispose()
    return db_path


def sql(archive: Path, *args: str):
    return CliRunner().invoke(cli, ["sql", *args, "--db", str(archive)], catch_exceptions=False)


def snapshot(archive: Path) -> tuple[object, ...]:
    """What a write would change: rows, schema, journal mode, files next to the archive."""
    conn = sqlite3.connect(f"{archive.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("stories", "comments", "posts", "days")
        )
        schema = conn.execute("SELECT group_concat(sql, ';') FROM sqlite_master").fetchone()
        mode = conn.execute("PRAGMA journal_mode").fetchone()
        version = conn.execute("PRAGMA user_version").fetchone()
    finally:
        conn.close()
    files = sorted(
        p.name for p in archive.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))
    )
    return rows, schema, mode, version, files


REFUSED = [
    "VACUUM INTO '{dir}/copy.db'",
    "VACUUM",
    "ATTACH DATABASE '{dir}/x.db' AS x",
    "DETACH DATABASE main",
    "PRAGMA journal_mode=delete",
    "PRAGMA user_version=7",
    "PRAGMA writable_schema=1",
    "INSERT INTO stories (id, type, first_seen_at) VALUES (9, 'story', '2025-01-01')",
    "UPDATE stories SET title = 'x'",
    "DELETE FROM comments",
    "CREATE TABLE pwned(x int)",
    "CREATE TEMP TABLE t(x int)",
    "DROP TABLE posts",
    "SELECT 1; DELETE FROM stories",
    "SELECT 1 /* ; */ ; DELETE FROM stories",
    "BEGIN",
    "COMMIT",
    "SELECT load_extension('{dir}/evil')",
    "UPDATE sqlite_master SET sql = 'x'",
    "ANALYZE",
    "REINDEX",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_sql_refuses_what_would_write(archive: Path, statement: str) -> None:
    before = snapshot(archive)
    result = sql(archive, statement.format(dir=archive.parent))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert snapshot(archive) == before


def test_sql_reads_with_functions_pragmas_and_full_text_search(archive: Path) -> None:
    def rows(query: str) -> list[dict[str, object]]:
        result = sql(archive, query, "--format", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert rows("SELECT count(*) AS n, max(length(text)) > 0 AS t FROM comments;") == [
        {"n": 3, "t": 1}
    ]
    assert {"id", "title"} <= {
        r["name"] for r in rows("SELECT name FROM pragma_table_info('stories')")
    }
    assert {"id", "title"} <= {r["name"] for r in rows("PRAGMA table_info(stories)")}
    assert rows("PRAGMA journal_mode") == [{"journal_mode": "wal"}]
    assert rows("SELECT rowid FROM stories_fts WHERE stories_fts MATCH 'keyboards'") == [
        {"rowid": 101}
    ]
    counted = rows(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
        "SELECT sum(i) AS s, length(randomblob(8)) AS b FROM n -- a comment; not a statement"
    )
    assert counted == [{"s": 15, "b": 8}]


@pytest.mark.parametrize(
    "query",
    [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        # Each row is a few milliseconds inside one function call.
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(hex(randomblob(2000000))) FROM n",
        # Work inside one step: a sort of rows that each take a function call.
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 3000) "
        "SELECT max(x) FROM (SELECT hex(randomblob(200000)) AS x FROM n ORDER BY x)",
    ],
    ids=["recursive", "function-per-row", "sort"],
)
def test_sql_time_limit_stops_heavy_queries(archive: Path, query: str) -> None:
    started = time.monotonic()
    result = sql(archive, query, "--timeout", "1")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert result.output == "Error: query stopped after the 1 s time limit\n"
    assert elapsed < 1.5


def test_sql_heap_limit_stops_a_runaway_query_and_is_put_back(archive: Path) -> None:
    limits = QueryLimits(heap_limit=16 * 2**20)
    with pytest.raises(QueryError, match="needed more than 16 MiB of memory"):
        run_readonly(str(archive), "SELECT length(randomblob(30000000) || 'x')", limits=limits)
    setter = _heap_limit_function()
    assert setter is not None and setter(-1) == 0  # the process's limit is back
    assert run_readonly(str(archive), "SELECT count(*) FROM stories").rows == [(1,)]


def test_sql_bounds_one_value_and_the_result(archive: Path) -> None:
    big = sql(archive, "SELECT length(randomblob(100000000))")
    assert big.exit_code == 1 and "one value may hold 32 MiB at most" in big.output
    many = sql(
        archive,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 50) SELECT i FROM n",
        "--max-rows",
        "10",
    )
    assert many.exit_code == 1 and "more than 10 rows" in many.output
    limits = QueryLimits(max_result=2**20)
    with pytest.raises(QueryError, match="the result passed 1 MiB"):
        run_readonly(
            str(archive),
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 50) "
            "SELECT randomblob(100000) FROM n",
            limits=limits,
        )


def test_sql_result_bound_is_checked_row_by_row(archive: Path) -> None:
    """Rows of 30 MB each: the bound stops the query after a few, not after a batch."""
    started = time.monotonic()
    with pytest.raises(QueryError, match="the result passed 64 MiB"):
        run_readonly(
            str(archive),
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 40) "
            "SELECT randomblob(30000000) FROM n",
            limits=QueryLimits(max_result=64 * 2**20, time_limit=30),
        )
    assert time.monotonic() - started < 2.5


def test_sql_other_backends_are_refused() -> None:
    with pytest.raises(QueryError, match="SQLite and PostgreSQL archives only"):
        run_readonly("mysql://u@localhost/matome", "SELECT 1")


@pytest.mark.parametrize(
    ("text", "dialect", "count"),
    [
        ("SELECT 1", "sqlite", 1),
        ("SELECT 1;;  -- done\n", "sqlite", 1),
        ("SELECT ';' AS a, \"x;y\", [z;], `w;`", "sqlite", 1),
        ("SELECT 'it''s'; SELECT 2", "sqlite", 2),
        ("SELECT 1 /* ; */; /* */ ", "sqlite", 1),
        ("COMMIT; DELETE FROM crawl_runs", "postgresql", 2),
        ("SELECT $$a;b$$, $t$;$t$", "postgresql", 1),
        ("SELECT $1; DELETE FROM x", "postgresql", 2),
        # PostgreSQL reads E'\'' as one quote inside the string, then a second statement.
        ("SELECT E'\\''; DELETE FROM x; SELECT ''", "postgresql", 3),
        ("SELECT 1 /* /* ; */ ; */; DELETE FROM x", "postgresql", 2),
        ("", "sqlite", 0),
        (" -- nothing\n;", "postgresql", 0),
    ],
)
def test_split_statements(text: str, dialect: str, count: int) -> None:
    assert len(split_statements(text, dialect)) == count


def test_postgresql_sessions_are_read_only_from_connect_time() -> None:
    """What the PostgreSQL path asks libpq for (a server test comes with the PostgreSQL suite)."""
    options = postgresql_connect_args(QueryLimits(time_limit=2.5))["options"]
    assert "-c default_transaction_read_only=on" in options
    assert "-c statement_timeout=2500" in options
    with pytest.raises(QueryError, match="one statement at a time"):
        run_readonly("postgresql://u@127.0.0.1:1/matome", "COMMIT; DELETE FROM crawl_runs")
