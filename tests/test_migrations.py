from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.engine import current_revision
from db.fts import include_object
from db.models import Base


def test_migrations_match_models(database):
    """The Alembic head builds exactly the schema the models declare (no drift)."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(database):
    from db.engine import upgrade

    head = current_revision(database.engine)
    assert upgrade(database.engine) == head
    assert current_revision(database.engine) == head


def test_sqlite_pragmas(database):
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
