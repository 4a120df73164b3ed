"""The ``matome`` command line. One module per verb; each command calls one library function."""

from __future__ import annotations

from matome_crawl.cli import (
    crawl_commands,
    day_commands,
    db_commands,
    demo_commands,
    export_commands,
    import_commands,
    model_commands,
    query_commands,
    site_commands,
    translate_commands,
)
from matome_crawl.cli.app import cli

cli.add_command(crawl_commands.crawl)
cli.add_command(db_commands.db)
cli.add_command(day_commands.run_day)
cli.add_command(day_commands.backfill)
cli.add_command(day_commands.status)
cli.add_command(demo_commands.demo)
cli.add_command(translate_commands.translate)
cli.add_command(model_commands.model)
cli.add_command(export_commands.export)
cli.add_command(site_commands.site)
cli.add_command(import_commands.import_)
for command in (
    query_commands.search,
    query_commands.threads,
    query_commands.show,
    query_commands.stats,
    query_commands.sql,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="matome")
