"""The schema: a blank database gets every table, key, index, trigger and view."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
from sqlite_utils.db import ForeignKey, Table

from quotes.migrations import (
    m001_initial,
    m002_browsing,
    m003_quote_outlets,
    m008_issue17_stance_and_groups,
    migrations,
)

EXPECTED_COLUMNS = {
    "outlets": {"id": int, "name": str, "kind": str, "domain": str},
    "outlet_aliases": {"alias": str, "outlet_id": int},
    "speakers": {"id": int, "name": str, "kind": str, "title": str, "affiliation": str},
    "speaker_aliases": {"alias": str, "speaker_id": int},
    "articles": {
        "id": str,
        "url": str,
        "title": str,
        "published": str,
        "publisher_id": int,
        "source": str,
        "text": str,
        "ingested_at": str,
    },
    "quotes": {
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
        "stance": str,
    },
    "contradictions": {
        "id": str,
        "claim_quote_id": str,
        "denial_quote_id": str,
        "score": float,
        "reason": str,
        "group_id": str,
    },
}

EXPECTED_FOREIGN_KEYS = {
    "outlet_aliases": {("outlet_id", "outlets", "id")},
    "speaker_aliases": {("speaker_id", "speakers", "id")},
    "articles": {("publisher_id", "outlets", "id")},
    "quotes": {
        ("article_id", "articles", "id"),
        ("speaker_id", "speakers", "id"),
        ("cited_outlet_id", "outlets", "id"),
    },
    "contradictions": {
        ("claim_quote_id", "quotes", "id"),
        ("denial_quote_id", "quotes", "id"),
    },
}


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = sqlite_utils.Database(tmp_path / "blank.db")
    migrations.apply(database)
    return database


def table(db: sqlite_utils.Database, name: str) -> Table:
    result = db[name]
    assert isinstance(result, Table)
    return result


def fk_triples(keys: list[ForeignKey]) -> set[tuple[str | None, str, str | None]]:
    return {(fk.column, fk.other_table, fk.other_column) for fk in keys}


def test_migrations_blank_db_gets_every_table(db: sqlite_utils.Database) -> None:
    assert set(EXPECTED_COLUMNS) | {"quotes_fts", "_sqlite_migrations"} <= set(db.table_names())
    assert sorted(db.view_names()) == ["contradiction_pairs", "quote_triples"]


@pytest.mark.parametrize("name", sorted(EXPECTED_COLUMNS))
def test_migrations_columns(db: sqlite_utils.Database, name: str) -> None:
    assert table(db, name).columns_dict == EXPECTED_COLUMNS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_FOREIGN_KEYS))
def test_migrations_foreign_keys(db: sqlite_utils.Database, name: str) -> None:
    assert fk_triples(table(db, name).foreign_keys) == EXPECTED_FOREIGN_KEYS[name]


def test_migrations_primary_keys(db: sqlite_utils.Database) -> None:
    assert table(db, "quotes").pks == ["id"]
    assert table(db, "articles").pks == ["id"]
    assert table(db, "outlet_aliases").pks == ["alias"]
    assert table(db, "speaker_aliases").pks == ["alias", "speaker_id"]


def test_migrations_indexes(db: sqlite_utils.Database) -> None:
    quotes_indexed = {tuple(i.columns) for i in table(db, "quotes").indexes}
    assert {("speaker_id",), ("article_id",), ("cited_outlet_id",)} <= quotes_indexed
    articles_indexed = {tuple(i.columns) for i in table(db, "articles").indexes}
    assert {("published",), ("publisher_id",)} <= articles_indexed
    for name in ("outlets", "speakers"):
        unique = {tuple(i.columns) for i in table(db, name).indexes if i.unique}
        assert ("name",) in unique


def test_migrations_not_null(db: sqlite_utils.Database) -> None:
    outlets = table(db, "outlets")
    assert [c.name for c in outlets.columns if c.notnull] == ["name"]
    quotes = {c.name for c in table(db, "quotes").columns if c.notnull}
    assert quotes == {"article_id", "kind", "content", "start", "end", "spans"}


def insert_quote(db: sqlite_utils.Database, quote_id: str, content: str) -> None:
    if not table(db, "articles").count:
        table(db, "articles").insert({"id": "a1", "text": "irrelevant"})
    table(db, "quotes").insert(
        {
            "id": quote_id,
            "article_id": "a1",
            "kind": "direct",
            "content": content,
            "start": 0,
            "end": 5,
            "spans": "[[0, 5]]",
        }
    )


def fts_ids(db: sqlite_utils.Database, term: str) -> list[str]:
    sql = (
        "select quotes.id from quotes join quotes_fts on quotes_fts.rowid = quotes.rowid "
        "where quotes_fts match ? order by quotes.id"
    )
    return [row["id"] for row in db.query(sql, [term])]


def test_migrations_fts_follows_insert_update_delete(db: sqlite_utils.Database) -> None:
    insert_quote(db, "q1", "There is no such issue on the agenda")
    insert_quote(db, "q2", "Sanctions will not work")
    # Porter stemming: `issues` finds `issue`.
    assert fts_ids(db, "issues") == ["q1"]
    table(db, "quotes").update("q1", {"content": "Sanctions are illegal"})
    assert fts_ids(db, "issue") == []
    assert fts_ids(db, "sanctions") == ["q1", "q2"]
    table(db, "quotes").delete("q2")
    assert fts_ids(db, "sanctions") == ["q1"]


def test_migrations_quote_triples_view(db: sqlite_utils.Database) -> None:
    table(db, "outlets").insert_all(
        [{"id": 1, "name": "Testwire"}, {"id": 2, "name": "Daily Example"}]
    )
    table(db, "speakers").insert({"id": 7, "name": "Dmitry Peskov", "title": "spokesman"})
    table(db, "articles").insert(
        {
            "id": "a1",
            "text": "x",
            "title": "T",
            "url": "u",
            "published": "2024-03-01",
            "publisher_id": 1,
        }
    )
    table(db, "quotes").insert(
        {
            "id": "q1",
            "article_id": "a1",
            "speaker_id": 7,
            "cue": "said",
            "kind": "direct",
            "content": "No",
            "start": 3,
            "end": 5,
            "spans": "[[3, 5]]",
            "cited_outlet_id": 2,
        }
    )
    assert list(db.query("select * from quote_triples")) == [
        {
            "quote_id": "q1",
            "quote_rowid": 1,
            "published": "2024-03-01",
            "speaker": "Dmitry Peskov",
            "speaker_mention": None,
            "speaker_title": "spokesman",
            "content": "No",
            "kind": "direct",
            "cue": "said",
            "cited_outlet": "Daily Example",
            "publisher": "Testwire",
            "title": "T",
            "url": "u",
            "article_id": "a1",
            "start": 3,
            "end": 5,
        }
    ]


def test_migrations_reapply_is_a_no_op(db: sqlite_utils.Database) -> None:
    schema = db.schema
    assert migrations.pending(db) == []
    migrations.apply(db)
    assert db.schema == schema
    applied = list(db.query("select migration_set, name from _sqlite_migrations"))
    assert applied == [
        {"migration_set": "quotes", "name": "m001_initial"},
        {"migration_set": "quotes", "name": "m002_browsing"},
        {"migration_set": "quotes", "name": "m003_quote_outlets"},
        {"migration_set": "quotes", "name": "m004_newest_first_indexes"},
        {"migration_set": "quotes", "name": "m005_issue19_editors"},
        {"migration_set": "quotes", "name": "m006_issue19_statements"},
        {"migration_set": "quotes", "name": "m007_issue19_statement_search"},
        {"migration_set": "quotes", "name": "m008_issue17_stance_and_groups"},
        {"migration_set": "quotes", "name": "m009_issue17_pairing_index"},
    ]


def test_migrations_quote_outlets_backfilled_from_chains(tmp_path: Path) -> None:
    """A database from before m003 gets every outlet of its stored chains in quote_outlets."""
    db = sqlite_utils.Database(tmp_path / "old.db")
    m001_initial(db)
    m002_browsing(db)
    table(db, "outlets").insert_all([{"id": 1, "name": "TASS"}, {"id": 2, "name": "Interfax"}])
    table(db, "articles").insert({"id": "a1", "text": "x"})
    table(db, "quotes").insert(
        {
            "id": "q1",
            "article_id": "a1",
            "kind": "direct",
            "content": "x",
            "start": 0,
            "end": 1,
            "spans": "[[0, 1]]",
            "cited_chain": '["TASS", "Interfax"]',
        }
    )
    m003_quote_outlets(db)
    rows = list(db.query("select * from quote_outlets order by position"))
    assert rows == [
        {"quote_id": "q1", "outlet_id": 1, "position": 0},
        {"quote_id": "q1", "outlet_id": 2, "position": 1},
    ]


def test_migrations_stance_of_quotes_stored_before(tmp_path: Path) -> None:
    """m006 reads the stance of quotes stored without one from their content and cue."""
    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db)
    db.execute("pragma foreign_keys = off")
    base = {"article_id": "a", "cue": "said", "kind": "indirect", "start": 0, "end": 1}
    base["spans"] = "[[0, 1]]"
    db["quotes"].insert_all(
        [
            {**base, "id": "q1", "content": "the report is false"},
            {**base, "id": "q2", "content": "the mine will close"},
        ]
    )
    m008_issue17_stance_and_groups(db)
    rows = dict(db.execute("select id, stance from quotes").fetchall())
    assert rows == {"q1": "denial", "q2": "claim"}
