"""One meaning per option name, one default template set, days written and checked the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from matome_crawl.cli import cli
from matome_crawl.cli.app import DAY, HN_FIRST_DAY
from matome_crawl.cli.day_commands import stage_options
from matome_crawl.export import DEFAULT_TEMPLATE_SET
from tests.export.conftest import ThreadSpec, add_thread


def commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def help_of(name: str) -> str:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", ["export", "run", "backfill"])
def test_template_set_option_has_its_own_name_and_one_default(name: str) -> None:
    text = help_of(name)
    assert "--template-set NAME" in text
    assert f"[default: {DEFAULT_TEMPLATE_SET}]" in " ".join(text.split())
    assert "--format" not in text  # the old name is a hidden alias


def test_format_means_an_output_format_wherever_it_shows() -> None:
    for name, command in commands().items():
        for param in command.params:
            if "--format" in getattr(param, "opts", ()) and not getattr(param, "hidden", False):
                assert isinstance(param.type, click.Choice), name
                assert set(param.type.choices) <= {"table", "json", "csv"}, name


def test_export_default_and_deprecated_alias(database, db_path: Path, tmp_path: Path) -> None:
    add_thread(database, ThreadSpec(101, "Some thread"))
    runner = CliRunner()

    def export(*args: str):
        site = tmp_path / f"site{len(args)}"
        result = runner.invoke(
            cli, ["export", "--story", "101", "--out", str(site), "--db", str(db_path), *args]
        )
        return result, site

    default, site = export()
    assert default.exit_code == 0, default.output
    assert f"(template set {DEFAULT_TEMPLATE_SET})" in default.output
    assert "months = " in next(site.rglob("index.md")).read_text(encoding="utf-8")  # kaigai
    old, _ = export("--format", "seed", "--dry-run")
    assert old.exit_code == 0, old.output
    assert "(template set seed)" in old.output
    assert "--format is the old name of --template-set" in old.stderr
    clash, _ = export("--format", "seed", "--template-set", "kaigai", "--dry-run")
    assert clash.exit_code == 2 and "disagree" in clash.output


def test_run_and_backfill_take_the_same_template_set_option() -> None:
    seen: dict[str, Any] = {}

    @click.command()
    @stage_options
    def fake(**params: Any) -> None:
        seen.update(params)

    runner = CliRunner()
    assert runner.invoke(fake, []).exit_code == 0
    assert seen["format_name"] == DEFAULT_TEMPLATE_SET and "format_alias" not in seen
    assert runner.invoke(fake, ["--template-set", "seed"]).exit_code == 0
    assert seen["format_name"] == "seed"
    old = runner.invoke(fake, ["--format", "kaigai-2025-02"])
    assert old.exit_code == 0 and seen["format_name"] == "kaigai-2025-02"
    assert "old name of --template-set" in old.stderr


def test_every_day_option_shows_yyyy_mm_dd() -> None:
    day_options = [
        (name, param)
        for name, command in commands().items()
        for param in command.params
        if param.type is DAY
    ]
    assert len(day_options) >= 8
    for name, _ in day_options:
        text = help_of(name)
        assert "YYYY-MM-DD" in text and "%Y" not in text, name


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "'2026-02-30' is not a real date"),
        ("2025-13-01", "'2025-13-01' is not a real date"),
        ("yesterday", "'yesterday' is not a day: write it as YYYY-MM-DD"),
        ("2006-10-08", "2006-10-08 is before Hacker News existed (from 2006-10-09)"),
        ("1999-01-01", "before Hacker News existed"),
        (str(datetime.now(UTC).date() + timedelta(days=2)), "is in the future (today is"),
    ],
)
def test_bad_days_are_one_clear_error(db_path: Path, value: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["threads", "--day", value, "--db", str(db_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert error == f"Error: Invalid value for '--day': {message}" or message in error


def test_day_bounds_are_inclusive() -> None:
    assert DAY.convert(str(HN_FIRST_DAY), None, None) == datetime(2006, 10, 9)
    today = datetime.now(UTC).date()
    assert DAY.convert(today.isoformat(), None, None).date() == today
    assert DAY.convert(date(2025, 2, 9), None, None) == datetime(2025, 2, 9)
