"""``matome site``: placeholder, filled in by its issue."""

from __future__ import annotations

import click


@click.group(name="site")
def site() -> None:
    """(not yet implemented)"""
