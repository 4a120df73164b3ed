"""Small HN item dumps built in the tests from the API fixtures (read by path, never copied).

Items are the API's JSON objects (``/v0/item/ID.json``); :func:`write_parquet`
and :func:`write_jsonl` write them as public dumps do, in several variants of
column types.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from matome_crawl.hn.thread import join_pages, parse_thread_page
from tests.conftest import HN_FIXTURES
from tests.crawl.firebase_data import api_answers

FIREBASE = HN_FIXTURES / "api" / "firebase"
ITEM = HN_FIXTURES / "html" / "item"
THREAD_ID = 48350598  # 124 comments, served to the API spider by tests.crawl.firebase_data
FIREBASE_ITEMS = (
    "item_8863_story.json",
    "item_121003_ask.json",
    "item_192327_job.json",
    "item_126809_poll.json",
    "item_160705_pollopt.json",
    "item_2921983_comment.json",
)
COLUMNS = (
    "id", "type", "by", "time", "title", "text", "url", "score", "parent",
    "top_level_parent", "descendants", "kids", "deleted", "dead",
)  # fmt: skip


def fixture_thread():
    url = f"https://news.ycombinator.com/item?id={THREAD_ID}"
    return join_pages([parse_thread_page(url, (ITEM / "item_48350598.html").read_bytes())])


def thread_answers() -> dict[str, bytes]:
    """``/v0/item/ID.json`` → body for the fixture thread: what the API spider is served."""
    return api_answers(fixture_thread())


def fixture_items() -> list[dict[str, Any]]:
    """The fixture thread's API items (with ``top_level_parent``) and the Firebase fixtures."""
    items = [json.loads(body) for body in thread_answers().values()]
    for item in items:
        if item["type"] == "comment":
            item["top_level_parent"] = THREAD_ID
    items += [json.loads((FIREBASE / name).read_bytes()) for name in FIREBASE_ITEMS]
    return items


def _time(value: int | None, variant: str) -> Any:
    if value is None or variant not in ("timestamp", "timestamp_tz"):
        return value
    return datetime.fromtimestamp(value, tz=UTC)


def _number(value: Any, variant: str) -> Any:
    if variant != "float":
        return value
    return math.nan if value is None else float(value)


def table(items: Iterable[dict[str, Any]], variant: str = "int", tlp: bool = True) -> pa.Table:
    """A dump table: ``int`` (API types), ``float`` (NaN for nulls, float kids), ``timestamp``
    (``time`` as naive microsecond timestamps) or ``timestamp_tz`` (seconds, UTC)."""
    number = pa.float64() if variant == "float" else pa.int64()
    time_type = {
        "timestamp": pa.timestamp("us"),
        "timestamp_tz": pa.timestamp("s", tz="UTC"),
    }.get(variant, pa.int64())
    fields = [
        ("id", pa.int64()), ("type", pa.string()), ("by", pa.string()), ("time", time_type),
        ("title", pa.string()), ("text", pa.string()), ("url", pa.string()), ("score", number),
        ("parent", number), ("top_level_parent", number), ("descendants", number),
        ("kids", pa.list_(number)), ("deleted", pa.bool_()), ("dead", pa.bool_()),
    ]  # fmt: skip
    if not tlp:
        fields = [f for f in fields if f[0] != "top_level_parent"]
    rows = []
    for item in items:
        row = {name: item.get(name) for name, _ in fields}
        row["time"] = _time(item.get("time"), variant)
        for name in ("score", "parent", "top_level_parent", "descendants"):
            if name in row:
                row[name] = _number(row[name], variant)
        if row["kids"] is not None:
            row["kids"] = [_number(k, variant) for k in row["kids"]]
        if variant == "timestamp" and row["time"] is not None:
            row["time"] = row["time"].replace(tzinfo=None)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def write_parquet(path: Path, items: Iterable[dict[str, Any]], **options: Any) -> Path:
    pq.write_table(table(items, **options), path, row_group_size=64)
    return path


def write_jsonl(path: Path, items: Iterable[dict[str, Any]]) -> Path:
    """JSON lines as the API writes items (absent fields left out); gzip for ``.gz``."""
    lines = "".join(json.dumps(item) + "\n" for item in items).encode()
    path.write_bytes(gzip.compress(lines) if path.name.endswith(".gz") else lines)
    return path
