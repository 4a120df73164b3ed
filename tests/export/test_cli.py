"""`matome export` through click's CliRunner on a real temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from matome_crawl.cli import cli


@pytest.fixture
def invoke(db_path: Path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["export", *args, "--db", f"sqlite:///{db_path}"])

    return run


def test_export_a_day_then_again(invoke, thread, site) -> None:
    thread(101, "LIMO: Less Is More for Reasoning")
    thread(102, "Not translated", title_ja="", rank=2)
    result = invoke("--day", "2025-02-09", "--out", str(site), "--template-set", "kaigai")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "new        2025-02-09  content/posts/2025_02/2025_02_09_limo_less_is_more_for/index.md"
        "  (3 comments, 1 highlighted)"
    )
    assert lines[1].startswith("skipped    2025-02-09  story 102: title not translated yet")
    assert lines[2] == f"1 new, 0 changed, 0 unchanged, 1 skipped → {site} (template set kaigai)"
    assert lines[3] == f"note: {site} has no Hugo config yet: run `matome site init {site}`"
    again = invoke("--day", "2025-02-09", "--out", str(site), "--template-set", "kaigai")
    assert again.output.splitlines()[0].startswith("unchanged  2025-02-09")
    assert "note:" not in again.output


def test_dry_run_and_draft(invoke, thread, site) -> None:
    thread(101, "Some thread")
    result = invoke("--story", "101", "--out", str(site), "--dry-run", "--draft")
    assert result.exit_code == 0, result.output
    assert "(3 comments, 1 highlighted, draft)" in result.output
    assert result.output.splitlines()[-1].startswith("dry run, nothing written: 1 new")
    assert not site.exists()


def test_limits_are_options(invoke, thread, site) -> None:
    thread(101, "Some thread")
    result = invoke(
        "--day", "2025-02-09", "--out", str(site), "--max-comments", "2", "--highlight-share", "0"
    )
    assert "(2 comments, 0 highlighted)" in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "give either --day or --story"),
        (["--day", "2025-02-09", "--story", "1"], 2, "give either --day or --story"),
        (["--story", "1", "--limit", "3"], 2, "--limit and --source go with --day"),
        (
            ["--day", "2025-02-09", "--template-set", "nope"],
            1,
            "Error: unknown template set 'nope'",
        ),
        (["--story", "5"], 1, "Error: story 5 not in the database: crawl the thread first"),
        (["--day", "2024-01-01"], 1, "Error: nothing to export for 2024-01-01"),
        (["--day", "yesterday"], 2, "Invalid value for '--day'"),
        (["--day", "2025-02-09", "--git-commit"], 1, "is not a git work tree: run `git init"),
    ],
)
def test_expected_failures(invoke, thread, site, args, code, message) -> None:
    thread(101, "Some thread")
    result = invoke(*args, "--out", str(site))
    assert result.exit_code == code, result.output
    assert message in result.output


def test_bad_tag_rules_are_reported(invoke, thread, site, tmp_path) -> None:
    thread(101, "Some thread")
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\ntags = ['x']\n", encoding="utf-8")
    result = invoke("--day", "2025-02-09", "--out", str(site), "--tag-rules", str(rules))
    assert result.exit_code == 1
    assert "rule 1 has tags but nothing to match" in result.output
