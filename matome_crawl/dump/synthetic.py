"""A synthetic HN item dump (Parquet, the public dumps' columns) for benchmarks and memory tests.

Each day has ``stories`` stories; each story ``comments`` comments, a third
replies to the story and the rest replies to an earlier comment of the
thread, so trees are several levels deep. Deterministic for given arguments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from matome_crawl.dump.read import SCHEMA

WORDS = str.split(
    "the compiler cache latency database thread kernel memory model startup "
    "rust python sqlite index query browser network privacy open source license"
)


def write_synthetic_dump(
    path: Path,
    *,
    days: int,
    stories: int = 10,
    comments: int = 300,
    start: date = date(2024, 1, 1),
    text_words: int = 30,
    seed: int = 0,
) -> int:
    """Write the dump to ``path`` (one row group per day); returns the number of items."""
    rng = np.random.default_rng(seed)
    columns = [c for c in SCHEMA.names if c != "parts"]
    schema = pa.schema([SCHEMA.field(c) for c in columns])
    first_time = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    texts = []
    for _ in range(256):
        text = " ".join(WORDS[w] for w in rng.choice(len(WORDS), text_words))
        texts.append(f"{text}<p>{text[: len(text) // 2]}")
    per_story = comments + 1
    total = 0
    with pq.ParquetWriter(path, schema) as writer:
        for day in range(days):
            n = stories * per_story
            ids = 1_000_000 + (day * stories * per_story) + np.arange(n)
            story_of = ids - (ids - 1_000_000) % per_story
            index_in_story = (ids - story_of).astype(np.int64)  # 0 for the story itself
            is_story = index_in_story == 0
            # A third of the comments reply to the story, the rest to an earlier comment.
            earlier = (rng.random(n) * np.maximum(index_in_story - 1, 0)).astype(np.int64) + 1
            parent = np.where(index_in_story <= max(1, comments // 3), story_of, story_of + earlier)
            story_time = first_time + day * 86_400 + rng.integers(0, 80_000, stories)
            time = np.repeat(story_time, per_story) + index_in_story
            kids: dict[int, list[int]] = {}
            for cid, pid in zip(ids[~is_story].tolist(), parent[~is_story].tolist(), strict=True):
                kids.setdefault(pid, []).append(cid)
            id_list = ids.tolist()
            story_flags = is_story.tolist()
            text_index = rng.integers(0, len(texts), n).tolist()
            scores = rng.integers(1, 1000, n).tolist()
            data = {
                "id": id_list,
                "type": ["story" if s else "comment" for s in story_flags],
                "by": [f"user{i % 997}" for i in id_list],
                "time": time.tolist(),
                "title": [
                    f"Story {i} about {WORDS[i % len(WORDS)]}" if s else None
                    for i, s in zip(id_list, story_flags, strict=True)
                ],
                "text": [
                    None if s else texts[t] for s, t in zip(story_flags, text_index, strict=True)
                ],
                "url": [
                    f"https://example.com/{i}" if s else None
                    for i, s in zip(id_list, story_flags, strict=True)
                ],
                "score": [sc if s else None for sc, s in zip(scores, story_flags, strict=True)],
                "parent": [
                    None if s else p for p, s in zip(parent.tolist(), story_flags, strict=True)
                ],
                "top_level_parent": [
                    None if s else r for r, s in zip(story_of.tolist(), story_flags, strict=True)
                ],
                "descendants": [comments if s else None for s in story_flags],
                "kids": [kids.get(i) for i in id_list],
                "deleted": [False] * n,
                "dead": [False] * n,
            }
            writer.write_table(pa.Table.from_pydict(data, schema=schema))
            total += n
    return total
