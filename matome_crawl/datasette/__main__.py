"""``python -m matome_crawl.datasette ARCHIVE [DATASETTE OPTIONS]``: Datasette with our metadata.

Runs ``datasette serve ARCHIVE --metadata …`` (read-only, as Datasette opens files)
with the metadata of :mod:`matome_crawl.datasette` under the archive's name.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from matome_crawl.datasette import metadata_for

MISSING = "Error: datasette is not installed: pip install 'matome-crawl[datasette]'"
USAGE = "usage: python -m matome_crawl.datasette ARCHIVE.sqlite3 [datasette serve options]"


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    archive, options = Path(argv[0]), argv[1:]
    if not archive.is_file():
        print(f"Error: no archive at {archive} (see `matome db upgrade`)", file=sys.stderr)
        return 1
    try:
        from datasette.cli import cli
    except ImportError:
        print(
            "Error: datasette is not installed: pip install 'matome-crawl[datasette]'",
            file=sys.stderr,
        )
        return 1
    with tempfile.TemporaryDirectory(prefix="matome-datasette-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(metadata_for(archive), ensure_ascii=False), "utf-8")
        args = ["serve", str(archive), "--metadata", str(metadata), *options]
        # Exits (SystemExit) when the server stops; the temporary directory goes with it.
        cli.main(args, prog_name="datasette")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
