"""Alembic environment: runs with the engine that :func:`db.engine.upgrade` passes in.

``alembic -c db/alembic.ini …`` also works from the repository root; it then
uses ``$MATOME_DB_URL`` (or ``matome.sqlite3``).
"""

from alembic import context

from db.engine import make_engine
from db.fts import include_object
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things
            compare_type=True,
            include_object=include_object,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `matome db upgrade`")
run_migrations_online()
