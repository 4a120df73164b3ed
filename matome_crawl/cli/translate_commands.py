"""``matome translate``: placeholder, filled in by its issue."""

from __future__ import annotations

import click


@click.group(name="translate")
def translate() -> None:
    """(not yet implemented)"""
