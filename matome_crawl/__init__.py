"""matome-crawl: Hacker News threads to dated Japanese matome posts."""

__version__ = "0.1.0"
