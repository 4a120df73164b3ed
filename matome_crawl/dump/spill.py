"""Items partitioned by their story's UTC day into scratch files, so memory holds one day.

Rows are buffered per day and appended to ``DIR/<day>.arrows`` as length-prefixed
Arrow IPC streams whenever the buffers pass ``cap_bytes``; reading a day back
concatenates its chunks.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pyarrow as pa

LENGTH = struct.Struct("<Q")


class DaySpill:
    def __init__(self, directory: Path, cap_bytes: int = 32 * 1024 * 1024) -> None:
        self.directory = directory
        self.cap_bytes = cap_bytes
        self.buffers: dict[int, list[pa.RecordBatch]] = {}
        self.buffered = 0
        self.days: set[int] = set()
        self.rows = 0

    def add(self, day: int, batch: pa.RecordBatch) -> None:
        self.buffers.setdefault(day, []).append(batch)
        self.days.add(day)
        self.buffered += batch.nbytes
        self.rows += batch.num_rows
        if self.buffered > self.cap_bytes:
            self.flush()

    def flush(self) -> None:
        for day, batches in self.buffers.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batches[0].schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
            data = sink.getvalue()
            with open(self._path(day), "ab") as out:
                out.write(LENGTH.pack(data.size))
                out.write(data)
        self.buffers.clear()
        self.buffered = 0

    def read(self, day: int) -> pa.Table | None:
        """Every row spilled for ``day`` (call :meth:`flush` first); ``None`` if there is none."""
        path = self._path(day)
        if not path.exists():
            return None
        tables = []
        with open(path, "rb") as stream:
            while header := stream.read(LENGTH.size):
                (size,) = LENGTH.unpack(header)
                tables.append(pa.ipc.open_stream(stream.read(size)).read_all())
        return pa.concat_tables(tables)

    def drop(self, day: int) -> None:
        self._path(day).unlink(missing_ok=True)

    def _path(self, day: int) -> Path:
        return self.directory / f"{day}.arrows"
