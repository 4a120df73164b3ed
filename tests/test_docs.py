"""Every command is documented: help text, and a mention in the README."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from matome_crawl.cli import cli
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def leaf_commands(group: click.Group, prefix: str = "matome"):
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
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


def test_the_command_list_imports_no_heavy_module():
    """`matome --help` and shell completion must stay instant: no crawler, DB or model import."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from matome_crawl.cli import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0 and 'translate' in result.output, result.output\n"
        "heavy = ('scrapy', 'twisted', 'sqlalchemy', 'alembic', 'torch', 'transformers',\n"
        "         'ctranslate2', 'pyarrow', 'rich', 'db', 'matome_crawl.hn')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy or\n"
        "                m.startswith('matome_crawl.hn'))\n"
        "print(loaded)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_listed_short_help_is_the_commands_own():
    from matome_crawl.cli import COMMANDS

    context = click.Context(cli)
    for name, (_, short_help) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None
        assert command.get_short_help_str(limit=200) == short_help


def test_db_url_env_is_the_same_everywhere():
    from db.engine import DB_URL_ENV as ENGINE_ENV
    from matome_crawl.cli.app import DB_URL_ENV

    assert ENGINE_ENV == DB_URL_ENV
