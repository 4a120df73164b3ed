"""The loopback HN server and in-process CLI runner of the crawl tests, for the dump tests."""

from tests.crawl.conftest import site  # noqa: F401
