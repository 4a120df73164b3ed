"""A duplicate filter per job, for a crawler that runs many jobs (see CrawlSession)."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.utils.request import RequestFingerprinterProtocol

logger = logging.getLogger(__name__)

JOB_META = "matome_job"


class JobDupeFilter(BaseDupeFilter):
    """Drops a request seen before in the same job (the job number is part of the key).

    One crawler runs every batch of a backfill; a page seen in an earlier job
    (a thread retried after a failure, say) must be fetched again, while a
    page asked for twice within a job (a "More" link that loops) is dropped,
    and the spider records that as the thread's failure (``request_dropped``).
    """

    def __init__(self, fingerprinter: RequestFingerprinterProtocol) -> None:
        self.fingerprinter = fingerprinter
        self.seen: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobDupeFilter:
        assert crawler.request_fingerprinter is not None
        return cls(crawler.request_fingerprinter)

    def request_seen(self, request: Request) -> bool:
        job = int(request.meta.get(JOB_META, 0))
        key = job.to_bytes(8, "big") + self.fingerprinter.fingerprint(request)
        if key in self.seen:
            logger.debug("dropped a duplicate request: %s", request)
            return True
        self.seen.add(key)
        return False

    def log(self, request: Request, spider: object) -> None:
        """Scrapy calls this for a dropped duplicate; the spider records it as a failure."""
