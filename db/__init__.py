"""Storage layer: SQLAlchemy models, engine/session factory, upserts and queries.

No other layer writes SQL: spiders, pipelines, the translator front end and the
exporter call the functions exported here.
"""

from db.engine import DEFAULT_DB_URL, connect, resolve_db_url, upgrade

__all__ = ["DEFAULT_DB_URL", "connect", "resolve_db_url", "upgrade"]
