"""The ``matome`` command line. One module per verb; each command calls one library function."""

from __future__ import annotations

from matome_crawl.cli import db_commands
from matome_crawl.cli.app import cli

cli.add_command(db_commands.db)


def main() -> None:
    cli(prog_name="matome")
