"""The project's own Scrapy signals."""

# Sent by a spider when it gives up on a thread or a list page, with keyword
# arguments story_id (or None for a listing), listing_day (ISO day, "live" or
# None), url and reason. The CrawlRunRecorder extension stores each one in the
# archive's ``crawl_failures`` table, where ``matome status`` and the day
# checks read why something is missing.
crawl_failed = object()
