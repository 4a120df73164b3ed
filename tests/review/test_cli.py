"""``matome review`` on the command line: safe defaults, one-line failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crawl.conftest import run_matome


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_a_non_loopback_bind_needs_a_password(
    host: str, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MATOME_REVIEW_TOKEN", raising=False)
    outcome = run_matome("review", "--host", host, "--db", str(db_path))
    assert outcome.returncode == 1
    assert outcome.stderr == (
        f"Error: --host {host} is not loopback: set --password or MATOME_REVIEW_TOKEN\n"
    )
    assert not db_path.exists()  # refused before the archive is opened


def test_help_names_the_options() -> None:
    outcome = run_matome("review", "--help")
    assert outcome.returncode == 0
    for option in ("--day", "--host", "--port", "--password", "--out", "--db"):
        assert option in outcome.stdout


def test_loopback_hosts() -> None:
    from matome_crawl.review.security import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "example.org", "10.0.0.1", "::"))
