"""Spiders: they only schedule requests and hand responses to the pure parsers in ``hn``."""
