"""The database schema, as named `sqlite_utils.Migrations` steps.

`store.open_db` applies every pending step on each open. Never edit a step that has shipped:
add the next one (`m002_...`), so that existing databases are brought up to date.
"""

from __future__ import annotations

from typing import cast

import sqlite_utils
from sqlite_utils.db import Table

migrations = sqlite_utils.Migrations("quotes")

# One row per statement, with the names joined in, for reading in Datasette.
QUOTE_TRIPLES_SQL = """
select
  quotes.id as quote_id,
  articles.published as published,
  speakers.name as speaker,
  speakers.title as speaker_title,
  quotes.content as content,
  quotes.kind as kind,
  quotes.cue as cue,
  cited.name as cited_outlet,
  publisher.name as publisher,
  articles.title as title,
  articles.url as url,
  quotes.article_id as article_id,
  quotes.start as start,
  quotes."end" as "end"
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
""".strip()


def _table(db: sqlite_utils.Database, name: str) -> Table:
    # `db[name]` is typed as Table | View; every name used here is a table.
    return cast(Table, db[name])


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Outlets, speakers, articles, quotes, contradictions, full-text search and `quote_triples`."""
    _create_outlets(db)
    _create_speakers(db)
    _create_articles(db)
    _create_quotes(db)
    _create_contradictions(db)
    db.create_view("quote_triples", QUOTE_TRIPLES_SQL)


def _create_outlets(db: sqlite_utils.Database) -> None:
    outlets = _table(db, "outlets")
    outlets.create({"id": int, "name": str, "kind": str, "domain": str}, pk="id", not_null={"name"})
    # Unique, so `Table.lookup({"name": ...})` finds it and does not add its own index.
    outlets.create_index(["name"], unique=True)
    aliases = _table(db, "outlet_aliases")
    aliases.create(
        {"alias": str, "outlet_id": int},
        pk="alias",
        foreign_keys=[("outlet_id", "outlets", "id")],
        not_null={"outlet_id"},
    )
    aliases.create_index(["outlet_id"])


def _create_speakers(db: sqlite_utils.Database) -> None:
    speakers = _table(db, "speakers")
    speakers.create(
        {"id": int, "name": str, "kind": str, "title": str, "affiliation": str},
        pk="id",
        not_null={"name"},
    )
    speakers.create_index(["name"], unique=True)
    aliases = _table(db, "speaker_aliases")
    aliases.create(
        {"alias": str, "speaker_id": int},
        pk=("alias", "speaker_id"),
        foreign_keys=[("speaker_id", "speakers", "id")],
    )
    aliases.create_index(["speaker_id"])


def _create_articles(db: sqlite_utils.Database) -> None:
    articles = _table(db, "articles")
    articles.create(
        {
            "id": str,
            "url": str,
            "title": str,
            "published": str,
            "publisher_id": int,
            "source": str,
            "text": str,
            "ingested_at": str,
        },
        pk="id",
        foreign_keys=[("publisher_id", "outlets", "id")],
        not_null={"text"},
    )
    articles.create_index(["published"])
    articles.create_index(["publisher_id"])


def _create_quotes(db: sqlite_utils.Database) -> None:
    quotes = _table(db, "quotes")
    quotes.create(
        {
            "id": str,
            "article_id": str,
            "speaker_id": int,
            "speaker_mention": str,
            "speaker_start": int,
            "speaker_end": int,
            "cue": str,
            "cue_start": int,
            "cue_end": int,
            "kind": str,
            "content": str,
            "start": int,
            "end": int,
            "spans": str,
            "cited_outlet_id": int,
            "cited_chain": str,
            "polarity": str,
            "confidence": float,
        },
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("speaker_id", "speakers", "id"),
            ("cited_outlet_id", "outlets", "id"),
        ],
        not_null={"article_id", "kind", "content", "start", "end", "spans"},
    )
    for column in ("speaker_id", "article_id", "cited_outlet_id"):
        quotes.create_index([column])
    quotes.enable_fts(["content"], create_triggers=True, tokenize="porter")


def _create_contradictions(db: sqlite_utils.Database) -> None:
    contradictions = _table(db, "contradictions")
    contradictions.create(
        {
            "id": str,
            "claim_quote_id": str,
            "denial_quote_id": str,
            "score": float,
            "reason": str,
        },
        pk="id",
        foreign_keys=[
            ("claim_quote_id", "quotes", "id"),
            ("denial_quote_id", "quotes", "id"),
        ],
        not_null={"claim_quote_id", "denial_quote_id"},
    )
    contradictions.create_index(["claim_quote_id"])
    contradictions.create_index(["denial_quote_id"])
