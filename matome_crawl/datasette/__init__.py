"""Datasette metadata for an archive: title, license, source, Japanese search, canned queries.

Datasette keys a database's settings by its name (the file name without its
suffix), so the shipped ``metadata.json`` is written for ``matome.sqlite3`` and
:func:`metadata_for` renames it for any other archive.
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

METADATA_FILE = "metadata.json"
SHIPPED_NAME = "matome"  # the default archive, matome.sqlite3


def database_name(archive: Path) -> str:
    """The name Datasette gives the archive file (``matome.sqlite3`` → ``matome``)."""
    return Path(archive).stem


def metadata_for(archive: Path) -> dict[str, Any]:
    """The shipped metadata with its database settings under the archive's name."""
    text = importlib.resources.files(__package__).joinpath(METADATA_FILE).read_text("utf-8")
    metadata: dict[str, Any] = json.loads(text)
    metadata["databases"] = {database_name(archive): metadata["databases"][SHIPPED_NAME]}
    return metadata
