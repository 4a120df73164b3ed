"""The pipeline and the query commands on both backends: a SQLite file and a real PostgreSQL.

``archive_url`` (tests/conftest.py) runs each test once per backend; the
PostgreSQL cluster is the session's (tests/pg.py).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from db import queries
from db.engine import Database, connect
from db.lock import archive_lock
from db.models import Comment, Story
from tests.conftest import HN_FIXTURES
from tests.crawl.conftest import Site, run_matome
from tests.hnserver import Routes, serve
from tests.pg import new_database

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# (id, title, title_ja)
STORIES = [
    (1, "Category theory for programmers", "プログラマのための圏論"),
    (2, "The cat is out of the bag", "猫が袋から出た"),
]
# (id, story_id, text, text_ja)
COMMENTS = [
    (11, 2, "I love my cat.", "私は猫が大好きです。"),
    (12, 2, "Cats and dogs; a cat, another cat: cat!", "猫と犬、猫、また猫。"),
    (13, 1, "This category is concatenated with a catalog.", "このカテゴリは連結されています。"),
    (14, 1, "Rust's borrow checker vs. C++ templates", "Rustの借用チェッカーとC++のテンプレート"),
    (15, 1, "The borrow-checker is strict; checking borrows takes time.",
     "借用チェッカーは厳格で、時間がかかる。"),
    (16, 1, "Machine learning at scale, machine learning everywhere.",
     "機械学習を大規模に、どこでも機械学習。"),
    (17, 1, "A learning machine is not a machine that learns from a long list of examples "
     "by itself, it is more.", "学習する機械は機械学習とは違う長い長い話です。"),
    (18, 2, "My neighbour's cat sleeps all day long on the warm roof of the old garage next "
     "door and never moves.", "隣の猫は一日中古いガレージの暖かい屋根の上で寝ていて動かない。"),
]  # fmt: skip

# Query → the hits (kind initial, id) as SQLite's FTS5 finds them, best first per kind.
SHARED_QUERIES = {
    # One word that is only a substring of others ("category", "concatenated", "catalog").
    "cat": [("c", 12), ("c", 11), ("c", 18), ("s", 2)],
    "machine learning": [("c", 16), ("c", 17)],  # two words, in any order
    "borrow checker": [("c", 14), ("c", 15)],
    "borrow-checker": [("c", 14), ("c", 15)],  # punctuation separates words
    "C++": [("c", 14)],
    "learns": [("c", 17)],  # a whole word only: not "learning"
    "catalog": [("c", 13)],
    "猫": [("c", 11), ("c", 12), ("c", 18), ("s", 2)],  # under three characters: a scan
    "機械学習": [("c", 16), ("c", 17)],  # Japanese substrings (trigram index)
    "チェッカー": [("c", 15), ("c", 14)],
    "借用 テンプレート": [("c", 14)],
}


def fill(url: str) -> Database:
    database = connect(url)
    with database.sessions.begin() as session:
        for story_id, title, title_ja in STORIES:
            session.add(
                Story(id=story_id, type="story", title=title, title_ja=title_ja, first_seen_at=T0)
            )
        session.flush()
        for position, (comment_id, story_id, body, body_ja) in enumerate(COMMENTS):
            session.add(
                Comment(
                    id=comment_id, story_id=story_id, parent_id=story_id, depth=0,
                    position=position, author="u", text=body, text_ja=body_ja,
                    content_hash=str(comment_id), first_seen_at=T0, last_seen_at=T0,
                )
            )  # fmt: skip
    return database


def hits(database: Database, query: str) -> list[tuple[str, int]]:
    with database.sessions() as session:
        return [(h.kind[0], h.id) for h in queries.search(session, query)]


def by_kind(found: list[tuple[str, int]]) -> dict[str, list[int]]:
    return {kind: [i for k, i in found if k == kind] for kind in ("c", "s")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def searchable(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The corpus on each backend, filled once for the module's read-only tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'matome.sqlite3'}"
    else:
        url = new_database(request.getfixturevalue("pg_server"))
    database = fill(url)
    yield database
    database.dispose()


@pytest.mark.parametrize("query", SHARED_QUERIES)
def test_search_means_the_same_on_both_backends(searchable, query):
    """Same hits, same order within comments and within titles on SQLite and PostgreSQL.

    How comment and title hits interleave is left out: SQLite's bm25 weighs each
    FTS table by its own statistics (a title table of two rows scores ~0). Japanese
    words under three characters are a plain scan on SQLite, unranked: a set there.
    """
    expected, found = SHARED_QUERIES[query], hits(searchable, query)
    assert sorted(found) == sorted(expected)
    if query == "猫":
        return
    assert by_kind(found) == by_kind(expected)


def test_search_ranks_the_newest_matches_of_each_kind(searchable, monkeypatch):
    """A word found everywhere: the newest SEARCH_CANDIDATES matches are ranked (the time
    stays flat), on both backends, with and without a filter."""
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 2)
    for author, titles in ((None, [2]), ("u", [])):  # the stories have no author
        with searchable.sessions() as session:
            found = [(h.kind[0], h.id) for h in queries.search(session, "cat", author=author)]
        assert by_kind(found) == {"c": [12, 18], "s": titles}  # 11 is older than both
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 3)
    assert by_kind(hits(searchable, "cat")) == by_kind(SHARED_QUERIES["cat"])


def test_postgresql_search_uses_the_gin_indexes(pg_url):
    database = fill(pg_url)
    statements: list[tuple[str, object]] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    assert hits(database, "borrow checker") == [("c", 14), ("c", 15)]
    assert hits(database, "機械学習") == [("c", 16), ("c", 17)]
    event.remove(database.engine, "before_cursor_execute", _seen)
    searches = [(s, p) for s, p in statements if "FROM comments" in s or "FROM stories" in s]
    plans = []
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # four rows: a scan would win
        for statement, parameters in searches:
            rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            plans.append("\n".join(r[0] for r in rows))
    database.dispose()
    used = {name for plan in plans for name in re.findall(r"Index Scan on (\w+)", plan)}
    assert used == {
        "ix_comments_text_words",
        "ix_stories_title_words",
        "ix_comments_text_ja_trgm",
        "ix_stories_title_ja_trgm",
    }, plans


def test_migration_0007_leaves_sqlite_alone(tmp_path):
    database = connect(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with database.engine.connect() as conn:
        names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    database.dispose()
    assert not any(n.endswith(("_words", "_trgm")) for n in names)


def test_search_cli_on_both_backends(searchable):
    url = searchable.engine.url.render_as_string(hide_password=False)
    result = run_matome("search", "cat", "--db", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["kind"][0], r["id"]) for r in rows if r["kind"] == "comment"] == [
        ("c", 12), ("c", 11), ("c", 18),
    ]  # fmt: skip
    assert "[cat]" in rows[0]["snippet"]


# The pipeline, end to end, on each backend.

FRONT_DAY = "2026-04-04"


@pytest.fixture
def site():  # as tests/crawl's
    routes = Routes()
    with serve(routes) as url:
        yield Site(url, routes)


def serve_front_day(site) -> None:  # type: ignore[no-untyped-def]
    """The 2026-04-04 front page and its three top threads, from the shared fixtures."""
    from tests.crawl.conftest import re_id

    html = HN_FIXTURES / "html"
    item = html / "item"
    robots = HN_FIXTURES / "robots" / "news.ycombinator.com_robots_2026.txt"
    site.routes.add("/robots.txt", robots.read_bytes().replace(b"Crawl-delay: 30\n", b""))
    site.routes.add(f"/front?day={FRONT_DAY}", html / "front" / f"front_{FRONT_DAY}.html")
    site.routes.add("/item?id=47633396", re_id(item / "item_48350598.html", 48350598, 47633396))
    site.routes.add("/item?id=47640728", re_id(item / "item_47536761.html", 47536761, 47640728))
    site.routes.add("/item?id=47639524", re_id(item / "item_126809_poll.html", 126809, 47639524))


def test_crawl_export_and_query_commands_on_both_backends(site, archive_url, tmp_path):
    serve_front_day(site)
    db = ("--db", archive_url)
    crawl = run_matome("crawl", "--day", FRONT_DAY, "--top", "3", "--delay", "0",
                       "--base-url", site.url, *db)  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    assert "stored 3 thread(s), 220 comments (220 new), 30 listing rows" in crawl.stdout

    # A second crawl of the same day updates, never duplicates.
    again = run_matome("crawl", "--day", FRONT_DAY, "--top", "3", "--delay", "0",
                       "--base-url", site.url, *db)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "220 comments (0 new)" in again.stdout

    stats = run_matome("stats", "--format", "json", *db)
    assert stats.returncode == 0, stats.stderr
    summary = json.loads(stats.stdout)
    assert (summary["days"], summary["stories"], summary["threads"], summary["comments"]) == (
        1, 30, 3, 220,
    )  # fmt: skip
    assert summary["first_day"] == FRONT_DAY

    threads = run_matome("threads", "--day", FRONT_DAY, "--format", "json", *db)
    assert threads.returncode == 0, threads.stderr
    listing = json.loads(threads.stdout)
    assert len(listing) == 30 and listing[0]["rank"] == 1
    assert sorted(r["stored"] for r in listing if r["stored"]) == [42, 54, 124]

    show = run_matome("show", "47633396", "--format", "json", *db)
    assert show.returncode == 0, show.stderr
    thread = json.loads(show.stdout)
    assert len(thread["comments"]) == 124
    assert [c["position"] for c in thread["comments"]] == list(range(124))

    sql = run_matome("sql", "SELECT count(*) AS n FROM comments WHERE depth = 0",
                     "--format", "json", *db)  # fmt: skip
    assert sql.returncode == 0, sql.stderr
    assert json.loads(sql.stdout)[0]["n"] > 0

    out = tmp_path / "site"
    export = run_matome("export", "--day", FRONT_DAY, "--out", str(out),
                        "--allow-untranslated", *db)  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert len(sorted((out / "content" / "posts").rglob("index.md"))) == 3


def test_sql_cannot_write_on_either_backend(archive_url):
    fill(archive_url).dispose()
    for statement in (
        "DELETE FROM comments",
        "COMMIT; DELETE FROM comments",
        "SELECT 1; DELETE FROM comments",
        "SET default_transaction_read_only = off; COMMIT; DELETE FROM comments",
    ):
        result = run_matome("sql", statement, "--db", archive_url)
        assert result.returncode == 1, (statement, result.stdout)
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    check = run_matome("sql", "SELECT count(*) AS n FROM comments", "--format", "json",
                       "--db", archive_url)  # fmt: skip
    assert json.loads(check.stdout) == [{"n": len(COMMENTS)}]
    like = run_matome("sql", "SELECT id FROM comments WHERE text LIKE '%cat%' ORDER BY id",
                      "--format", "json", "--db", archive_url)  # fmt: skip
    assert [r["id"] for r in json.loads(like.stdout)] == [11, 12, 13, 18]


def test_sql_time_limit_on_postgresql(pg_url):
    fill(pg_url).dispose()
    result = run_matome("sql", "SELECT pg_sleep(5)", "--timeout", "0.3", "--db", pg_url)
    assert result.returncode == 1
    assert result.stderr == "Error: query stopped after the 0.3 s time limit\n"


def test_translate_and_run_on_both_backends(archive_url, tmp_path, marian_dir):
    from matome_crawl.demo.server import DemoServer
    from matome_crawl.demo.synthetic import DEMO_DAY, demo_world

    day = DEMO_DAY.isoformat()
    out = tmp_path / "site"
    with DemoServer(demo_world()) as server:
        common = ("--delay", "0", "--base-url", server.url, "--db", archive_url)
        crawl = run_matome("crawl", "--day", day, "--top", "2", *common)
        assert crawl.returncode == 0, crawl.stderr
        translate = run_matome("translate", "--day", day, "--model", str(marian_dir),
                               "--db", archive_url)  # fmt: skip
        assert translate.returncode == 0, translate.stderr
        with archive_lock(archive_url, "test holds the archive"):
            locked = run_matome("run", "--day", day, "--top", "2", "--out", str(out),
                                "--model", str(marian_dir), *common)  # fmt: skip
        assert locked.returncode == 75, locked.stderr
        assert "another matome run is using this archive" in locked.stderr
        run = run_matome("run", "--day", day, "--top", "2", "--out", str(out),
                         "--model", str(marian_dir), *common)  # fmt: skip
        hits = sum(server.hits.values())
        again = run_matome("run", "--day", day, "--top", "2", "--out", str(out),
                           "--model", str(marian_dir), *common)  # fmt: skip
        assert sum(server.hits.values()) == hits  # the day is done: no request
    assert run.returncode == 0, run.stderr
    assert "1/1 day(s) done: 2 threads" in run.stdout
    assert again.returncode == 0, again.stderr
    assert len(sorted((out / "content" / "posts").rglob("index.md"))) == 2
    stats = json.loads(run_matome("stats", "--format", "json", "--db", archive_url).stdout)
    assert stats["comments"] > 0 and stats["translated_share"] == 1.0
    assert stats["titles_translated"] >= 2
    status = run_matome("status", "--db", archive_url)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("1 done"), status.stdout
    # The tiny model writes random Japanese: search for a piece of what it wrote.
    sample = run_matome("sql", "SELECT id, text_ja FROM comments WHERE text_ja IS NOT NULL "
                        "ORDER BY id LIMIT 1", "--format", "json", "--db", archive_url)  # fmt: skip
    [row] = json.loads(sample.stdout)
    piece = "".join(row["text_ja"].split())[:4]
    found = run_matome("search", "--lang", "ja", piece, "--format", "json", "--limit", "1000",
                       "--db", archive_url)  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert row["id"] in [r["id"] for r in json.loads(found.stdout) if r["kind"] == "comment"]


def test_without_pg_trgm_japanese_search_scans_and_says_so(pg_url, caplog):
    """A role that may not create extensions: the upgrade warns, the search still finds."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)
    role = f"limited_{url.database}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT CREATE ON SCHEMA public TO {role}")
    admin.dispose()
    limited = url.set(username=role).render_as_string(hide_password=False)
    with caplog.at_level("WARNING"):
        database = fill(limited)
    assert "pg_trgm is not available (permission denied" in caplog.text
    with database.engine.connect() as conn:
        indexes = set(conn.scalars(text("SELECT indexname FROM pg_indexes")))
    assert "ix_comments_text_words" in indexes and "ix_comments_text_ja_trgm" not in indexes
    assert hits(database, "機械学習") == [("c", 16), ("c", 17)]
    database.dispose()


def test_query_commands_answer_the_same_on_both_backends(site, pg_url, tmp_path):
    serve_front_day(site)
    urls = (f"sqlite:///{tmp_path / 'matome.sqlite3'}", pg_url)
    answers = []
    for url in urls:
        crawl = run_matome("crawl", "--day", FRONT_DAY, "--top", "3", "--delay", "0",
                           "--base-url", site.url, "--db", url)  # fmt: skip
        assert crawl.returncode == 0, crawl.stderr
        commands = (
            ("stats", "--top", "20"),
            ("threads", "--day", FRONT_DAY),
            ("show", "47633396"),
            ("search", "the", "--limit", "1000"),  # every hit: the sets must match
            ("search", "rust", "--author", "steveklabnik"),
            ("sql", "SELECT id, depth, position, descendants FROM comments ORDER BY id"),
        )
        outputs = []
        for command in commands:
            result = run_matome(*command, "--format", "json", "--db", url)
            assert result.returncode == 0, (command, result.stderr)
            outputs.append(json.loads(result.stdout))
        answers.append(outputs)
    sqlite, postgresql = answers
    for command, mine, theirs in zip(commands, sqlite, postgresql, strict=True):
        if command[0] == "threads":  # the crawl times differ: they are two crawls
            for row in mine + theirs:
                row.pop("crawled_at")
        if command[0] == "search":  # order within equal ranks is free; SQLite highlights
            mine = sorted((r["kind"], r["id"]) for r in mine)
            theirs = sorted((r["kind"], r["id"]) for r in theirs)
        assert mine == theirs, command
