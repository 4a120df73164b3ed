"""Alembic environment.

:func:`db.engine.upgrade` passes a connection that is already inside the
transaction holding the schema lock: every migration it runs commits together,
or not at all. ``alembic -c db/alembic.ini …`` from the repository root gets the
same transaction here, on ``$MATOME_DB_URL`` (or ``matome.sqlite3``). Offline
(``--sql``) it writes the SQL for the URL's dialect and connects to nothing.
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


def run_migrations_offline() -> None:
    """Write the SQL for a DBA (``matome db upgrade --sql``): the URL's dialect, no connection."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url is None:
        url = make_engine().url  # $MATOME_DB_URL; an engine connects to nothing until used
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=True,
        include_object=include_object,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
