"""Scrapy settings for matome-crawl (``scrapy crawl`` and the ``matome`` CLI both use them)."""

import os

from matome_crawl import __version__

BOT_NAME = "matome_crawl"
SPIDER_MODULES = ["matome_crawl.spiders"]
NEWSPIDER_MODULE = "matome_crawl.spiders"

USER_AGENT = (
    f"matome-crawl/{__version__} (Hacker News to Japanese roundup archiver; "
    "polite: obeys robots.txt and its Crawl-delay)"
)
ROBOTSTXT_OBEY = True

# --- matome settings -------------------------------------------------------
# HN site and official API; tests and mirrors point these at 127.0.0.1.
HN_BASE_URL = os.environ.get("MATOME_HN_BASE_URL", "https://news.ycombinator.com")
HN_API_URL = os.environ.get("MATOME_HN_API_URL", "https://hacker-news.firebaseio.com/v0")
# HN's robots.txt says "Crawl-delay: 30", which Scrapy does not apply by itself:
# every request to the HN site goes through one download slot with this delay
# and one request at a time (see matome_crawl.addons.HNPoliteness).
HN_CRAWL_DELAY = 30.0
HN_CONCURRENCY = 1
# Scrapy spaces requests by when they are sent; HN sees when they arrive. A new
# connection (TCP and TLS handshakes) makes a request arrive later than the next
# one on the kept-alive connection, so a nonzero delay gets this much on top.
HN_DELAY_MARGIN = 0.25
# The official API serves one item per request and asks for no delay.
HN_API_CONCURRENCY = 8
# After a rate-limit answer (429, 503 or HN's 200 "Sorry…" page) the HN slot's
# delay is multiplied by HN_BACKOFF_FACTOR, starting from at least
# HN_BACKOFF_MIN seconds (so a delay of 0 still backs off), up to
# HN_BACKOFF_MAX seconds, never below a Retry-After header, and returns to
# HN_CRAWL_DELAY after a success.
HN_BACKOFF_FACTOR = 2.0
HN_BACKOFF_MIN = 1.0
HN_BACKOFF_MAX = 900.0
# The archive (SQLAlchemy URL); empty means $MATOME_DB_URL or ./matome.sqlite3.
MATOME_DB_URL = os.environ.get("MATOME_DB_URL", "")

ADDONS = {"matome_crawl.addons.HNPoliteness": 0}
DOWNLOAD_DELAY = 0  # the HN slot has its own delay; the API host needs none
CONCURRENT_REQUESTS = 16
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

DOWNLOADER_MIDDLEWARES = {
    # Routes every request not explicitly meant for the API into the polite HN
    # slot (robots.txt included) and backs off after rate limits.
    "matome_crawl.middlewares.HNPolitenessMiddleware": 560,
}
# A crawler that runs many jobs (matome run/backfill) filters duplicates per job.
DUPEFILTER_CLASS = "matome_crawl.dupefilter.JobDupeFilter"
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "matome_crawl.extensions.CrawlRunRecorder": 500,
}

# If a user turns the HTTP cache on, rate-limit and truncated pages are never cached.
HTTPCACHE_POLICY = "matome_crawl.middlewares.HNCachePolicy"

FEED_EXPORT_ENCODING = "utf-8"
# Scrapy parses a generator callback's source on every response to warn about a
# `return value` in it (its cache is keyed weakly by the bound method, made anew per
# request): a quarter of the API spider's CPU. The test suite checks our callbacks once
# instead (tests/crawl/test_settings.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
