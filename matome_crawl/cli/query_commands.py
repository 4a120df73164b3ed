"""Query the archive: ``matome search``, ``threads``, ``show``, ``stats``, ``sql``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from db import queries
from db.readonly import (
    DEFAULT_MAX_ROWS,
    DEFAULT_TIME_LIMIT,
    QueryError,
    QueryLimits,
    run_readonly,
)
from matome_crawl.cli.app import (
    DAY,
    as_text,
    db_option,
    echo_rows,
    format_option,
    open_database,
    stdout_console,
)


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command()
@click.argument("words", nargs=-1, required=True, metavar="TEXT...")
@click.option("--lang", type=click.Choice(["en", "ja"]), help="Search the English or the Japanese "
              "text [default: ja when TEXT has kana or kanji, else en].")  # fmt: skip
@click.option("--author", metavar="USER", help="Only comments (and stories) by USER.")
@click.option("--since", type=DAY, help="Only items posted on or after this day (YYYY-MM-DD).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@format_option
@db_option
def search(
    words: tuple[str, ...],
    lang: str | None,
    author: str | None,
    since: datetime | None,
    limit: int,
    output_format: str,
    db_url: str | None,
) -> None:
    """Full-text search over comments and titles, English or Japanese.

    Every word of TEXT must match. English matches whole words; Japanese
    matches substrings (SQLite FTS5 trigram index).
    """
    text = " ".join(words)
    database = open_database(db_url, read_only=True)
    with database.sessions() as session:
        hits = queries.search(
            session, text, lang=lang, author=author, since=_day(since), limit=limit
        )
    columns = ["kind", "id", "story_id", "title", "author", "date", "snippet"]
    echo_rows([h.as_row() for h in hits], output_format, columns, title=f"search: {text}")


@click.command()
@click.option("--day", type=DAY, required=True, help="The listing day (YYYY-MM-DD).")
@format_option
@db_option
def threads(day: datetime, output_format: str, db_url: str | None) -> None:
    """The day's front page and what the archive holds of each thread."""
    database = open_database(db_url, read_only=True)
    with database.sessions() as session:
        rows = queries.day_threads(session, day.date())
    if not rows:
        raise click.ClickException(
            f"no front page stored for {day:%Y-%m-%d}: run `matome crawl --day {day:%Y-%m-%d}`"
        )
    echo_rows(rows, output_format, title=f"front page {day:%Y-%m-%d}")


@click.command()
@click.argument("story_id", type=click.IntRange(min=1))
@format_option
@db_option
def show(story_id: int, output_format: str, db_url: str | None) -> None:
    """A thread as an indented tree, original and translation side by side."""
    database = open_database(db_url, read_only=True)
    with database.sessions() as session:
        story, comments = queries.thread(session, story_id)
        if story is None:
            raise click.ClickException(
                f"story {story_id} is not in the archive: run `matome crawl --thread {story_id}`"
            )
        rows: list[dict[str, Any]] = [
            {
                "position": c.position,
                "id": c.id,
                "parent_id": c.parent_id,
                "depth": c.depth,
                "author": c.author,
                "created_at": c.created_at.isoformat() if c.created_at else None,
                "state": ",".join(s for s in ("dead", "flagged", "deleted") if getattr(c, s))
                + (",missing" if c.missing_since else ""),
                "text": c.text,
                "text_ja": c.text_ja,
            }
            for c in comments
        ]
        header = {
            "id": story.id,
            "title": story.title,
            "title_ja": story.title_ja,
            "url": story.url,
            "author": story.author,
            "score": story.score,
            "created_at": story.created_at.isoformat() if story.created_at else None,
        }
    if output_format == "json":
        import json

        click.echo(json.dumps({**header, "comments": rows}, ensure_ascii=False, indent=2))
        return
    if output_format == "csv":
        echo_rows(rows, "csv")
        return
    _print_tree(header, rows)


def _print_tree(header: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The thread as a table; every stored value goes in as text (:func:`as_text`)."""
    from rich.table import Table

    title = header["title"] + (f"\n{header['title_ja']}" if header["title_ja"] else "")
    caption = header["url"] or f"item?id={header['id']}"
    table = Table(title=as_text(title), caption=as_text(caption), show_lines=True)
    table.add_column("author", no_wrap=True)
    table.add_column("English", ratio=1)
    table.add_column("日本語", ratio=1)
    for row in rows:
        indent = "│ " * row["depth"]
        state = f" [{row['state'].strip(',')}]" if row["state"] else ""
        table.add_row(
            as_text(f"{indent}{row['author'] or '-'}{state}"),
            as_text(row["text"]),
            as_text(row["text_ja"]),
        )
    stdout_console().print(table)


@click.command()
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many top authors and domains.")  # fmt: skip
@format_option
@db_option
def stats(top: int, output_format: str, db_url: str | None) -> None:
    """Days, threads, comments, translated share, top authors and domains."""
    database = open_database(db_url, read_only=True)
    with database.sessions() as session:
        summary = queries.stats(session, top=top)
    if output_format == "json":
        import json

        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    totals = [{"metric": k, "value": v} for k, v in summary.items() if not isinstance(v, list)]
    if output_format == "csv":
        rows = [{"section": "totals", "name": r["metric"], "value": r["value"]} for r in totals]
        rows += [{"section": "top_authors", "name": a["author"], "value": a["comments"]}
                 for a in summary["top_authors"]]  # fmt: skip
        rows += [{"section": "top_domains", "name": d["domain"], "value": d["threads"]}
                 for d in summary["top_domains"]]  # fmt: skip
        echo_rows(rows, "csv", ["section", "name", "value"])
        return
    echo_rows(totals, "table", title="archive")
    echo_rows(summary["top_authors"], "table", ["author", "comments"], title="top authors")
    echo_rows(summary["top_domains"], "table", ["domain", "threads"], title="top domains")


@click.command()
@click.argument("query")
@click.option("--timeout", default=DEFAULT_TIME_LIMIT, show_default=True,
              type=click.FloatRange(min=0.1),
              help="Stop the query after this many seconds.")  # fmt: skip
@click.option("--max-rows", default=DEFAULT_MAX_ROWS, show_default=True,
              type=click.IntRange(min=1), help="Refuse results longer than this.")  # fmt: skip
@format_option
@db_option
def sql(query: str, timeout: float, max_rows: int, output_format: str, db_url: str | None) -> None:
    """Run one read-only SQL statement (the connection cannot write), time-limited.

    One statement only; writes, ATTACH, VACUUM, transactions, writing pragmas
    and load_extension are refused.

    \b
      matome sql "SELECT author, count(*) FROM comments GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    """
    open_database(db_url, read_only=True).dispose()  # an archive at the newest schema
    limits = QueryLimits(time_limit=timeout, max_rows=max_rows)
    try:
        result = run_readonly(db_url, query, limits=limits)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_rows(result.as_dicts(), output_format, result.columns)
