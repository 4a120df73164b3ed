"""``matome export``: placeholder, filled in by its issue."""

from __future__ import annotations

import click


@click.group(name="export")
def export() -> None:
    """(not yet implemented)"""
