"""Stream HN items from dumps in the official API's item schema (Parquet, JSON lines).

Pure: no Scrapy, no SQL. Every batch comes out in one normalized Arrow schema
(:data:`SCHEMA`) whatever the file said: ``time`` as epoch seconds (from ints,
floats or timestamps), ids and counts as ``int64`` (floats and NaN as dumps
write them become ints and nulls), ``kids`` as a list of ids. Memory is one
batch (and, for Parquet, one row group's column chunks) at a time.
"""

from __future__ import annotations

import gzip
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from matome_crawl.hn.firebase import ApiItem

BATCH_ROWS = 16_384

INT_COLUMNS = ("id", "time", "score", "parent", "top_level_parent", "descendants")
TEXT_COLUMNS = ("type", "by", "title", "text", "url")
BOOL_COLUMNS = ("deleted", "dead")
LIST_COLUMNS = ("kids", "parts")

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("type", pa.string()),
        ("by", pa.string()),
        ("time", pa.int64()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("url", pa.string()),
        ("score", pa.int64()),
        ("parent", pa.int64()),
        ("top_level_parent", pa.int64()),
        ("descendants", pa.int64()),
        ("kids", pa.list_(pa.int64())),
        ("deleted", pa.bool_()),
        ("dead", pa.bool_()),
        ("parts", pa.list_(pa.int64())),
    ]
)
# What a dump must have; ``top_level_parent`` and ``parts`` are filled in when absent.
REQUIRED = tuple(n for n in SCHEMA.names if n not in ("top_level_parent", "parts"))
SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz")


class DumpError(Exception):
    """A dump that cannot be read: the message names the file and what is wrong."""


def dump_files(paths: Iterable[str | Path]) -> list[Path]:
    """The dump files named by ``paths`` (files, or directories searched for dump files)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and _is_dump(p))
            if not inside:
                raise DumpError(f"{path}: no {', '.join(SUFFIXES)} files in this directory")
            found.extend(inside)
        elif path.is_file():
            if not _is_dump(path):
                raise DumpError(f"{path}: not a dump file (expected {', '.join(SUFFIXES)})")
            found.append(path)
        else:
            raise DumpError(f"{path}: no such file or directory")
    return found


def _is_dump(path: Path) -> bool:
    return path.name.endswith(SUFFIXES)


def scan(
    files: Sequence[Path], columns: Sequence[str] = SCHEMA.names, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Normalized batches of ``columns`` from every file, in file order."""
    for path in files:
        if path.name.endswith(".parquet"):
            yield from _parquet(path, columns, batch_rows)
        else:
            yield from _jsonl(path, columns, batch_rows)


def _parquet(path: Path, columns: Sequence[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
    try:
        # Buffered reads, one row group at a time, no read-ahead threads: measured flat
        # (~17 MB over 50 or 400 days of a synthetic dump) where the defaults grow with it.
        parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        present = set(parquet.schema_arrow.names)
        missing = [c for c in REQUIRED if c not in present]
        if missing:
            raise DumpError(f"{path}: not an HN item dump, missing columns: {', '.join(missing)}")
        wanted = [c for c in columns if c in present]
        for group in range(parquet.num_row_groups):
            for batch in parquet.iter_batches(
                batch_size=batch_rows, row_groups=[group], columns=wanted, use_threads=False
            ):
                yield normalize(batch, columns)
    except (OSError, pa.ArrowException) as exc:
        raise DumpError(f"{path}: cannot read Parquet ({exc})") from exc


def normalize(batch: pa.RecordBatch, columns: Sequence[str] = SCHEMA.names) -> pa.RecordBatch:
    """``batch`` in :data:`SCHEMA`'s types, restricted to ``columns`` (absent ones as nulls)."""
    arrays = []
    for name in columns:
        target = SCHEMA.field(name).type
        if name not in batch.schema.names:
            arrays.append(pa.nulls(batch.num_rows, target))
            continue
        column = batch.column(name)
        if name == "time" and pa.types.is_timestamp(column.type):
            column = pc.cast(pc.cast(column, pa.timestamp("s", tz="UTC"), safe=False), pa.int64())
        elif pa.types.is_floating(column.type):
            column = pc.cast(pc.if_else(pc.is_nan(column), None, column), target, safe=False)
        elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            values = column.type.value_type
            if pa.types.is_floating(values):
                column = pc.cast(column, pa.list_(pa.float64()))
            column = pc.cast(column, target, safe=False)
        else:
            column = pc.cast(column, target)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema([SCHEMA.field(c) for c in columns]))


def _jsonl(path: Path, columns: Sequence[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
    schema = pa.schema([SCHEMA.field(c) for c in columns])
    try:
        with _open_text(path) as stream:
            rows: list[dict[str, Any]] = []
            for number, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                rows.append(_json_row(path, number, line, columns))
                if len(rows) >= batch_rows:
                    yield pa.RecordBatch.from_pylist(rows, schema=schema)
                    rows = []
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=schema)
    except (OSError, EOFError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise DumpError(f"{path}: cannot read JSON lines ({exc})") from exc


def _open_text(path: Path) -> Any:
    raw: BinaryIO = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8")


def _json_row(path: Path, number: int, line: str, columns: Sequence[str]) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise DumpError(f"{path}:{number}: not JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("id") is None:
        raise DumpError(f"{path}:{number}: not an HN item (no id)")
    row: dict[str, Any] = {}
    for name in columns:
        value = data.get(name)
        try:
            if name == "time" and isinstance(value, str):
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
                value = int(value.replace(tzinfo=value.tzinfo or UTC).timestamp())
            elif name in INT_COLUMNS:
                value = _int(value)
            elif name in LIST_COLUMNS and value is not None:
                value = [int(v) for v in value]
        except (TypeError, ValueError) as exc:
            raise DumpError(f"{path}:{number}: bad {name} {value!r} ({exc})") from exc
        row[name] = value
    return row


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


@dataclass(frozen=True, slots=True)
class DumpItem:
    """One dump row: the item as :func:`matome_crawl.hn.firebase.parse_item` makes it."""

    item: ApiItem
    top_level_parent: int | None


class ItemColumns:
    """A full-schema batch or table as one Python list per column, with ``parse_item``'s
    normalization (empty text and URL as None, no kids as ``()``, flags as bools).
    """

    def __init__(self, data: pa.RecordBatch | pa.Table) -> None:
        def column(name: str) -> list[Any]:
            return data.column(name).to_pylist()

        self.rows = data.num_rows
        self.id: list[int] = column("id")
        self.type: list[str] = [t or "" for t in column("type")]
        self.by: list[str | None] = column("by")
        self.time: list[int | None] = column("time")
        self.text: list[str | None] = [t or None for t in column("text")]
        self.kids: list[tuple[int, ...]] = [tuple(k) if k else () for k in column("kids")]
        self.parent: list[int | None] = column("parent")
        self.dead: list[bool] = [bool(d) for d in column("dead")]
        self.deleted: list[bool] = [bool(d) for d in column("deleted")]
        self.title: list[str | None] = column("title")
        self.url: list[str | None] = [u or None for u in column("url")]
        self.score: list[int | None] = column("score")
        self.descendants: list[int | None] = column("descendants")
        self.parts: list[tuple[int, ...]] = [tuple(p) if p else () for p in column("parts")]
        self.top_level_parent: list[int | None] = column("top_level_parent")

    def item(self, row: int) -> ApiItem:
        return ApiItem(
            id=self.id[row],
            type=self.type[row],
            by=self.by[row],
            time=self.time[row],
            text=self.text[row],
            kids=self.kids[row],
            parent=self.parent[row],
            dead=self.dead[row],
            deleted=self.deleted[row],
            title=self.title[row],
            url=self.url[row],
            score=self.score[row],
            descendants=self.descendants[row],
            parts=self.parts[row],
        )


def api_items(batch: pa.RecordBatch) -> Iterator[DumpItem]:
    """The rows of a full-schema batch as API items, with ``parse_item``'s normalization."""
    columns = ItemColumns(batch)
    for row in range(columns.rows):
        yield DumpItem(columns.item(row), columns.top_level_parent[row])
