"""archive_totals, author_totals, domain_totals: stats kept on write, not counted on read

``matome stats`` counted the whole archive on every call (comments with text,
with a translation, per author), so it took longer as the archive grew: 2.3 s
for a year. These tables hold the same counts, filled from the data here and
kept in step by triggers on ``stories`` and ``comments``: row triggers on SQLite,
statement triggers over the transition tables on PostgreSQL (one update per
statement, not per row). The bulk store of ``matome import`` drops the SQLite
insert trigger of ``comments`` inside its transaction and adds its rows' counts
in one statement, as it does for the FTS indexes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00

Self-contained on purpose: a migration copies the DDL it needs instead of
importing application code that later changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = [
    "INSERT INTO archive_totals (id, stories, threads, titles_translated, comments,"
    " comments_with_text, comments_translated) SELECT 1,"
    " (SELECT count(*) FROM stories),"
    " (SELECT count(last_crawled_at) FROM stories),"
    " (SELECT count(title_ja) FROM stories),"
    " (SELECT count(*) FROM comments),"
    " (SELECT count(text) FROM comments),"
    " (SELECT count(text_ja) FROM comments)",
    "INSERT INTO author_totals (author, comments) SELECT author, count(*) FROM comments"
    " WHERE author IS NOT NULL GROUP BY author",
    "INSERT INTO domain_totals (domain, threads) SELECT domain, count(*) FROM stories"
    " WHERE domain IS NOT NULL AND last_crawled_at IS NOT NULL GROUP BY domain",
]

# SQLite: one trigger per event and table. A counted author or domain moves only when it
# changes; the update triggers run only when something counted changed.
ADD_AUTHOR = (
    "INSERT INTO author_totals (author, comments) SELECT new.author, 1"
    " WHERE new.author IS NOT NULL{extra}"
    " ON CONFLICT (author) DO UPDATE SET comments = comments + 1"
)
ADD_DOMAIN = (
    "INSERT INTO domain_totals (domain, threads) SELECT new.domain, 1"
    " WHERE new.domain IS NOT NULL AND new.last_crawled_at IS NOT NULL"
    " ON CONFLICT (domain) DO UPDATE SET threads = threads + 1"
)
SQLITE_TRIGGERS = {
    "comments_totals_ai": (
        "CREATE TRIGGER comments_totals_ai AFTER INSERT ON comments BEGIN "
        "UPDATE archive_totals SET comments = comments + 1,"
        " comments_with_text = comments_with_text + (new.text IS NOT NULL),"
        " comments_translated = comments_translated + (new.text_ja IS NOT NULL) WHERE id = 1; "
        f"{ADD_AUTHOR.format(extra='')}; END"
    ),
    "comments_totals_ad": (
        "CREATE TRIGGER comments_totals_ad AFTER DELETE ON comments BEGIN "
        "UPDATE archive_totals SET comments = comments - 1,"
        " comments_with_text = comments_with_text - (old.text IS NOT NULL),"
        " comments_translated = comments_translated - (old.text_ja IS NOT NULL) WHERE id = 1; "
        "UPDATE author_totals SET comments = comments - 1 WHERE author = old.author; END"
    ),
    "comments_totals_au": (
        "CREATE TRIGGER comments_totals_au AFTER UPDATE OF author, text, text_ja ON comments "
        "WHEN old.author IS NOT new.author OR (old.text IS NULL) <> (new.text IS NULL)"
        " OR (old.text_ja IS NULL) <> (new.text_ja IS NULL) BEGIN "
        "UPDATE archive_totals SET"
        " comments_with_text = comments_with_text + (new.text IS NOT NULL)"
        " - (old.text IS NOT NULL),"
        " comments_translated = comments_translated + (new.text_ja IS NOT NULL)"
        " - (old.text_ja IS NOT NULL) WHERE id = 1; "
        "UPDATE author_totals SET comments = comments - 1"
        " WHERE author = old.author AND old.author IS NOT new.author; "
        f"{ADD_AUTHOR.format(extra=' AND old.author IS NOT new.author')}; END"
    ),
    "stories_totals_ai": (
        "CREATE TRIGGER stories_totals_ai AFTER INSERT ON stories BEGIN "
        "UPDATE archive_totals SET stories = stories + 1,"
        " threads = threads + (new.last_crawled_at IS NOT NULL),"
        " titles_translated = titles_translated + (new.title_ja IS NOT NULL) WHERE id = 1; "
        f"{ADD_DOMAIN}; END"
    ),
    "stories_totals_ad": (
        "CREATE TRIGGER stories_totals_ad AFTER DELETE ON stories BEGIN "
        "UPDATE archive_totals SET stories = stories - 1,"
        " threads = threads - (old.last_crawled_at IS NOT NULL),"
        " titles_translated = titles_translated - (old.title_ja IS NOT NULL) WHERE id = 1; "
        "UPDATE domain_totals SET threads = threads - 1"
        " WHERE domain = old.domain AND old.last_crawled_at IS NOT NULL; END"
    ),
    "stories_totals_au": (
        "CREATE TRIGGER stories_totals_au AFTER UPDATE OF domain, last_crawled_at, title_ja"
        " ON stories WHEN old.domain IS NOT new.domain"
        " OR (old.last_crawled_at IS NULL) <> (new.last_crawled_at IS NULL)"
        " OR (old.title_ja IS NULL) <> (new.title_ja IS NULL) BEGIN "
        "UPDATE archive_totals SET"
        " threads = threads + (new.last_crawled_at IS NOT NULL)"
        " - (old.last_crawled_at IS NOT NULL),"
        " titles_translated = titles_translated + (new.title_ja IS NOT NULL)"
        " - (old.title_ja IS NOT NULL) WHERE id = 1; "
        "UPDATE domain_totals SET threads = threads - 1"
        " WHERE domain = old.domain AND old.last_crawled_at IS NOT NULL; "
        f"{ADD_DOMAIN}; END"
    ),
}

# PostgreSQL: a statement trigger per event and table reads the rows the statement
# inserted, deleted or changed (its transition tables) and adds their counts at once.
PG_FUNCTIONS = {
    "comments_totals_insert": """
  UPDATE archive_totals SET comments = archive_totals.comments + d.n,
    comments_with_text = archive_totals.comments_with_text + d.with_text,
    comments_translated = archive_totals.comments_translated + d.translated
  FROM (SELECT count(*) AS n, count(text) AS with_text, count(text_ja) AS translated
        FROM new_rows) AS d
  WHERE id = 1 AND d.n > 0;
  INSERT INTO author_totals (author, comments)
  SELECT author, count(*) FROM new_rows WHERE author IS NOT NULL GROUP BY author
  ON CONFLICT (author) DO UPDATE SET comments = author_totals.comments + excluded.comments;""",
    "comments_totals_delete": """
  UPDATE archive_totals SET comments = archive_totals.comments - d.n,
    comments_with_text = archive_totals.comments_with_text - d.with_text,
    comments_translated = archive_totals.comments_translated - d.translated
  FROM (SELECT count(*) AS n, count(text) AS with_text, count(text_ja) AS translated
        FROM old_rows) AS d
  WHERE id = 1 AND d.n > 0;
  UPDATE author_totals SET comments = author_totals.comments - d.n
  FROM (SELECT author, count(*) AS n FROM old_rows GROUP BY author) AS d
  WHERE author_totals.author = d.author;""",
    "comments_totals_update": """
  UPDATE archive_totals
  SET comments_with_text = archive_totals.comments_with_text + d.with_text,
    comments_translated = archive_totals.comments_translated + d.translated
  FROM (SELECT (SELECT count(text) FROM new_rows) - (SELECT count(text) FROM old_rows)
          AS with_text,
        (SELECT count(text_ja) FROM new_rows) - (SELECT count(text_ja) FROM old_rows)
          AS translated) AS d
  WHERE id = 1 AND (d.with_text <> 0 OR d.translated <> 0);
  INSERT INTO author_totals (author, comments)
  SELECT author, sum(n) FROM (SELECT author, 1 AS n FROM new_rows
                              UNION ALL SELECT author, -1 FROM old_rows) AS r
  WHERE author IS NOT NULL GROUP BY author HAVING sum(n) <> 0
  ON CONFLICT (author) DO UPDATE SET comments = author_totals.comments + excluded.comments;""",
    "stories_totals_insert": """
  UPDATE archive_totals SET stories = archive_totals.stories + d.n,
    threads = archive_totals.threads + d.threads,
    titles_translated = archive_totals.titles_translated + d.translated
  FROM (SELECT count(*) AS n, count(last_crawled_at) AS threads, count(title_ja) AS translated
        FROM new_rows) AS d
  WHERE id = 1 AND d.n > 0;
  INSERT INTO domain_totals (domain, threads)
  SELECT domain, count(*) FROM new_rows
  WHERE domain IS NOT NULL AND last_crawled_at IS NOT NULL GROUP BY domain
  ON CONFLICT (domain) DO UPDATE SET threads = domain_totals.threads + excluded.threads;""",
    "stories_totals_delete": """
  UPDATE archive_totals SET stories = archive_totals.stories - d.n,
    threads = archive_totals.threads - d.threads,
    titles_translated = archive_totals.titles_translated - d.translated
  FROM (SELECT count(*) AS n, count(last_crawled_at) AS threads, count(title_ja) AS translated
        FROM old_rows) AS d
  WHERE id = 1 AND d.n > 0;
  UPDATE domain_totals SET threads = domain_totals.threads - d.n
  FROM (SELECT domain, count(*) AS n FROM old_rows
        WHERE last_crawled_at IS NOT NULL GROUP BY domain) AS d
  WHERE domain_totals.domain = d.domain;""",
    "stories_totals_update": """
  UPDATE archive_totals SET threads = archive_totals.threads + d.threads,
    titles_translated = archive_totals.titles_translated + d.translated
  FROM (SELECT (SELECT count(last_crawled_at) FROM new_rows)
          - (SELECT count(last_crawled_at) FROM old_rows) AS threads,
        (SELECT count(title_ja) FROM new_rows) - (SELECT count(title_ja) FROM old_rows)
          AS translated) AS d
  WHERE id = 1 AND (d.threads <> 0 OR d.translated <> 0);
  INSERT INTO domain_totals (domain, threads)
  SELECT domain, sum(n) FROM (SELECT domain, 1 AS n FROM new_rows
                              WHERE last_crawled_at IS NOT NULL
                              UNION ALL SELECT domain, -1 FROM old_rows
                              WHERE last_crawled_at IS NOT NULL) AS r
  WHERE domain IS NOT NULL GROUP BY domain HAVING sum(n) <> 0
  ON CONFLICT (domain) DO UPDATE SET threads = domain_totals.threads + excluded.threads;""",
}
PG_EVENTS = {
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows"),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows"),
    "update": ("UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
}


def upgrade() -> None:
    op.create_table(
        "archive_totals",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.Column("titles_translated", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("comments_with_text", sa.Integer(), nullable=False),
        sa.Column("comments_translated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_totals")),
    )
    op.create_table(
        "author_totals",
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("author", name=op.f("pk_author_totals")),
    )
    op.create_index(
        "ix_author_totals_comments", "author_totals", ["comments", "author"], unique=False
    )
    op.create_table(
        "domain_totals",
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_domain_totals")),
    )
    op.create_index(
        "ix_domain_totals_threads", "domain_totals", ["threads", "domain"], unique=False
    )
    for statement in FILL:
        op.execute(statement)
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for trigger in SQLITE_TRIGGERS.values():
            op.execute(trigger)
    elif dialect == "postgresql":
        for table in ("comments", "stories"):
            for event, (verb, referencing) in PG_EVENTS.items():
                name = f"{table}_totals_{event}"
                op.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN"
                    f"{PG_FUNCTIONS[name]}\n  RETURN NULL;\nEND $$"
                )
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {verb} ON {table} {referencing}"
                    f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
    # Elsewhere nothing keeps the totals: stats would drift, so refuse rather than mislead.
    else:
        raise NotImplementedError(f"archive totals need SQLite or PostgreSQL, not {dialect}")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for table in ("comments", "stories"):
            for event in PG_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_totals_{event} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {table}_totals_{event}()")
    op.drop_index("ix_domain_totals_threads", table_name="domain_totals")
    op.drop_table("domain_totals")
    op.drop_index("ix_author_totals_comments", table_name="author_totals")
    op.drop_table("author_totals")
    op.drop_table("archive_totals")
