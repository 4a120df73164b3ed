"""Post paths: bounded slugs, stored slugs checked before any write, atomic, concurrent writes."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from db.engine import Database, connect
from db.models import Post
from matome_crawl.cli import cli
from matome_crawl.export import ExportError, ExportRequest, PostStatus, export_posts
from matome_crawl.export.slug import MAX_SLUG_BYTES, bounded, check_slug, post_path, unique_slug
from tests.export.conftest import ThreadSpec, add_thread

DAY = date(2025, 2, 9)


def export(database: Database, site: Path, **kwargs: object):
    request = ExportRequest(out_dir=site, **{"day": DAY, **kwargs})  # type: ignore[arg-type]
    with database.sessions.begin() as session:
        return export_posts(session, request)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_300_character_word_gives_a_bounded_slug_and_the_batch_goes_on(
    database: Database, site: Path
) -> None:
    add_thread(database, ThreadSpec(101, "A" * 300 + " and more words"))
    add_thread(database, ThreadSpec(102, "A" * 300 + " again", rank=2))
    add_thread(database, ThreadSpec(103, "A normal title", rank=3))
    result = export(database, site)
    assert [p.status for p in result.posts] == [PostStatus.NEW] * 3
    slugs = [p.path.parent.name.removeprefix("2025_02_09_") for p in result.posts if p.path]
    assert slugs == ["a" * MAX_SLUG_BYTES, "a" * (MAX_SLUG_BYTES - 2) + "_2", "a_normal_title"]
    with database.sessions() as session:
        assert len(session.scalars(select(Post)).all()) == 3
    assert len(files_under(site)) == 3


def test_bounded_cuts_on_a_character_boundary() -> None:
    assert bounded("ab_cd_ef", 5) == "ab_cd"
    assert bounded("ab_cd_ef", 6) == "ab_cd"  # no trailing _
    assert bounded("日本語", 7) == "日本"  # 6 of the 9 UTF-8 bytes
    assert len(unique_slug("a" * MAX_SLUG_BYTES, {"a" * MAX_SLUG_BYTES}).encode()) <= 100


@pytest.mark.parametrize(
    "slug",
    ["../../../outside", "a/b", "..", "", "a" * 300, "ä", "a\x00b", "/etc/x", "a\\b", "_a", "A"],
)
def test_check_slug_refuses_unsafe_names(slug: str) -> None:
    with pytest.raises(ValueError):
        check_slug(slug)


def test_a_tampered_stored_slug_stops_the_export_before_any_write(
    database: Database, site: Path, tmp_path: Path
) -> None:
    add_thread(database, ThreadSpec(101, "First thread"))
    add_thread(database, ThreadSpec(102, "Second thread", rank=2))
    export(database, site)
    before = {p: p.read_bytes() for p in files_under(site)}
    evil = "../../../../" + tmp_path.name + "/pwned"
    with database.sessions.begin() as session:
        session.execute(update(Post).where(Post.story_id == 102).values(slug=evil))
        session.execute(update(Post).where(Post.story_id == 101).values(slug="first_renamed"))
    with pytest.raises(ExportError, match=r"story 102.*not a safe post name"):
        export(database, site)
    assert {p: p.read_bytes() for p in files_under(site)} == before  # nothing written
    assert not (tmp_path / "pwned").exists() and not (tmp_path.parent / "pwned").exists()


def test_a_path_outside_the_content_directory_is_refused(database: Database, tmp_path) -> None:
    site = tmp_path / "site"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (site / "content").mkdir(parents=True)
    (site / "content" / "posts").symlink_to(outside)
    add_thread(database, ThreadSpec(101, "First thread"))
    with pytest.raises(ExportError, match="outside"):
        export(database, site)
    assert files_under(outside) == set()


def test_post_path_checks_the_slug() -> None:
    with pytest.raises(ValueError):
        post_path(DAY, "../x")


@pytest.mark.parametrize("trial", range(4))
def test_two_exports_of_the_same_day_at_once(db_path: Path, tmp_path: Path, trial: int) -> None:
    """Two exporters (own engines, as two processes would have) race on one day and site."""
    setup = connect(f"sqlite:///{db_path}")
    for n in range(6):
        add_thread(setup, ThreadSpec(101 + n, f"Thread number {n}", rank=n + 1))
    setup.dispose()
    site = tmp_path / "site"
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        database = connect(f"sqlite:///{db_path}", migrate=False)
        try:
            barrier.wait()
            outcomes.append(export(database, site))
        except Exception as exc:  # collected, asserted below
            outcomes.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors
    statuses = sorted(p.status for r in outcomes for p in r.posts)  # type: ignore[attr-defined]
    assert statuses.count(PostStatus.NEW) == 6
    assert statuses.count(PostStatus.UNCHANGED) == 6
    assert len(files_under(site)) == 6  # no temporary file left behind
    check = connect(f"sqlite:///{db_path}", migrate=False)
    with check.sessions() as session:
        assert len(session.scalars(select(Post)).all()) == 6
    check.dispose()


def test_a_failed_write_leaves_no_post_without_its_row(database: Database, site: Path) -> None:
    add_thread(database, ThreadSpec(101, "First thread"))
    add_thread(database, ThreadSpec(102, "Second thread", rank=2))
    blocker = site / "content/posts/2025_02/2025_02_09_second_thread"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(ExportError, match="cannot write"):
        export(database, site)
    assert files_under(site) == {blocker}
    with database.sessions() as session:
        assert session.scalars(select(Post)).all() == []


def test_a_tampered_slug_is_one_line_through_the_cli(database: Database, db_path, site) -> None:
    add_thread(database, ThreadSpec(101, "First thread"))
    export(database, site)
    with database.sessions.begin() as session:
        session.execute(update(Post).values(slug="../../x"))
    result = CliRunner().invoke(
        cli, ["export", "--day", "2025-02-09", "--out", str(site), "--db", str(db_path)]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: refusing to export: story 101's stored slug")
    assert result.output.count("\n") == 1
