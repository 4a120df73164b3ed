"""Why a page could not be parsed. Each error names the URL and says what to do."""

from __future__ import annotations


class HNPageError(Exception):
    """A page that must not be parsed into records."""

    retryable = False

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class RateLimited(HNPageError):
    """HN's soft rate limit: an HTTP 200 page saying "Sorry, we're not able to serve…"."""

    retryable = True


class TruncatedPage(HNPageError):
    """The body stops before HN's footer: a cut connection or a partial save."""

    retryable = True


class HNLayoutError(HNPageError):
    """The page does not look like HN's layout: refuse it rather than store a partial result.

    Not retryable: the same markup parses the same way. The crawl stores nothing
    for that page's thread or listing and fails its day, so that a run after
    the parser is fixed crawls it again.
    """

    def __init__(self, url: str, missing: str) -> None:
        super().__init__(url, f"the page does not look like HN's layout: {missing}")
        self.missing = missing


class UnrecognisedLayout(HNLayoutError):
    """Not the modern HN markup (e.g. the 2011–2015 pages): refuse rather than guess."""


class NotAnItem(HNPageError):
    """HN's plain-text answers such as "No such item."."""
