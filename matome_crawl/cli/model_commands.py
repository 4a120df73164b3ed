"""``matome model``: placeholder, filled in by its issue."""

from __future__ import annotations

import click


@click.group(name="model")
def model() -> None:
    """(not yet implemented)"""
