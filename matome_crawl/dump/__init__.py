"""Whole-HN dumps (Parquet, JSON lines) into the archive, with no request to HN."""

from matome_crawl.dump.importer import ImportProgress, ImportResult, import_dump
from matome_crawl.dump.read import DumpError

__all__ = ["DumpError", "ImportProgress", "ImportResult", "import_dump"]
