"""``matome site``: the Hugo site the posts go into."""

from __future__ import annotations

from pathlib import Path

import click

from matome_crawl.export import ExportError
from matome_crawl.export.site import DEFAULT_BASE_URL, DEFAULT_TITLE, SiteFileStatus, init_site


@click.group(name="site")
def site() -> None:
    """Create the Hugo site that `matome export` writes into."""


@site.command(name="init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="The site's title.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, help="Hugo's baseURL.")
@click.option("--force", is_flag=True, help="Overwrite files that differ from the skeleton's.")
def init(directory: Path, title: str, base_url: str, force: bool) -> None:
    """Write a minimal Hugo site into DIRECTORY: hugo.toml, layouts and shortcodes.

    Existing files are kept unless --force. Then: `matome export --out DIRECTORY …`
    and `hugo --source DIRECTORY`.
    """
    try:
        files = init_site(directory, title=title, base_url=base_url, force=force)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    for file in files:
        click.echo(f"{file.status:<11}  {directory / file.path}")
    kept = [f for f in files if f.status == SiteFileStatus.KEPT]
    if kept:
        click.echo(f"{len(kept)} existing files differ and were kept (use --force to overwrite)")
