"""Pure Hacker News parsing: HTML/JSON in, typed records out. No Scrapy imports here."""
