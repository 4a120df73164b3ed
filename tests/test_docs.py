"""Every command is documented: help text, and a mention in the README."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from matome_crawl.cli import cli
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def leaf_commands(group: click.Group, prefix: str = "matome"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from leaf_commands(command, path)
        else:
            yield path, command


COMMANDS = list(leaf_commands(cli))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_has_help_and_is_in_the_readme(path, command):
    assert command.help and len(command.help.strip()) > 20
    words = path.split()
    # "matome model download NAME" may be documented as "matome model download" or in a list.
    assert path in README or f"`{words[-1]}" in README, f"{path} is missing from README.md"
    result = CliRunner().invoke(cli, [*words[1:], "--help"])
    assert result.exit_code == 0
    assert "-h, --help" in result.output


def test_readme_has_the_two_fresh_machine_commands():
    assert "make demo" in README and "make test" in README
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
