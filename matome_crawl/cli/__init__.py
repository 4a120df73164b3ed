"""The ``matome`` command line. One module per verb; each command calls one library function.

Command modules are imported only when their command runs (or its help is
asked for), so ``matome --help`` and shell completion import no crawler,
database or model code. Each command's one-line help is kept here for the
command list; ``tests/test_docs.py`` checks it matches the command's own.
"""

from __future__ import annotations

from matome_crawl.cli.app import MatomeGroup, cli

COMMANDS: dict[str, tuple[str, str]] = {
    "backfill": (
        "matome_crawl.cli.day_commands:backfill",
        "Archive every day from --from to --to: list, crawl, translate, export.",
    ),
    "crawl": ("matome_crawl.cli.crawl_commands:crawl", "Crawl Hacker News into the archive."),
    "db": ("matome_crawl.cli.db_commands:db", "Create, upgrade and inspect the archive database."),
    "demo": (
        "matome_crawl.cli.demo_commands:demo",
        "The whole pipeline offline against a built-in synthetic HN.",
    ),
    "export": (
        "matome_crawl.cli.export_commands:export",
        "Write one dated Hugo post per thread.",
    ),
    "import": (
        "matome_crawl.cli.import_commands:import_",
        "Import HN item dumps (Parquet, JSON lines) into the archive.",
    ),
    "model": (
        "matome_crawl.cli.model_commands:model",
        "Download, convert and describe translation models.",
    ),
    "review": (
        "matome_crawl.cli.review_commands:review",
        "Review and post-edit the day's translations in the browser.",
    ),
    "run": (
        "matome_crawl.cli.day_commands:run_day",
        "One day, every stage: list, crawl, translate, export.",
    ),
    "search": (
        "matome_crawl.cli.query_commands:search",
        "Full-text search over comments and titles, English or Japanese.",
    ),
    "show": (
        "matome_crawl.cli.query_commands:show",
        "A thread as an indented tree, original and translation.",
    ),
    "site": (
        "matome_crawl.cli.site_commands:site",
        "Create the Hugo site that `matome export` writes into.",
    ),
    "sql": ("matome_crawl.cli.query_commands:sql", "Run one read-only SQL statement."),
    "stats": (
        "matome_crawl.cli.query_commands:stats",
        "Days, threads, comments, translated share, top authors.",
    ),
    "status": (
        "matome_crawl.cli.day_commands:status",
        "Done, pending, failed and interrupted days, and why.",
    ),
    "threads": (
        "matome_crawl.cli.query_commands:threads",
        "The day's front page and what the archive holds of each thread.",
    ),
    "translate": (
        "matome_crawl.cli.translate_commands:translate",
        "Translate stored titles and comments into Japanese.",
    ),
}

assert isinstance(cli, MatomeGroup)
for _name, (_target, _short_help) in COMMANDS.items():
    cli.add_lazy_command(_name, _target, _short_help)


def main() -> None:
    cli(prog_name="matome")
