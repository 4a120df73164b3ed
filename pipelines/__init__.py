"""Scrapy item pipelines: validate, then store. Named by dotted path in ITEM_PIPELINES."""
