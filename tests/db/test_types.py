"""SQLite's timestamp text: the fast formatting writes what strftime wrote."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from db.types import sqlite_timestamp


def test_sqlite_timestamp_is_strftime_s_text():
    rng = random.Random(0)
    zones = [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5, minutes=-30))]
    values = [datetime(1, 1, 2, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)]
    for _ in range(2000):
        seconds = rng.randint(0, 250_000_000_000)
        moment = datetime(1, 1, 2, tzinfo=UTC) + timedelta(seconds=seconds)
        values.append(moment.replace(microsecond=rng.choice([0, 1, 999_999])))
    for value in values:
        local = value.astimezone(rng.choice(zones))
        expected = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert sqlite_timestamp(local) == expected, value
