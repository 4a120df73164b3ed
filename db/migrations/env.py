"""Alembic environment.

:func:`db.engine.upgrade` passes a connection that is already inside the
transaction holding the schema lock: every migration it runs commits together,
or not at all. ``alembic -c db/alembic.ini …`` from the repository root gets the
same transaction here, on ``$MATOME_DB_URL`` (or ``matome.sqlite3``).
"""

from alembic import context
from sqlalchemy import Connection

from db.engine import make_engine, migration_connection
from db.fts import include_object
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things
        compare_type=True,
        include_object=include_object,
        # The connection wraps DDL in its transaction on SQLite too (see migration_connection).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = config.attributes.get("engine") or make_engine()
    with migration_connection(engine) as connection:
        run_with(connection)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `matome db upgrade`")
run_migrations_online()
