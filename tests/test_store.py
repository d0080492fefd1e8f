"""The write side: opening, saving, idempotent re-saves, outlets, speakers, merges."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from quotes.errors import DatabaseError
from quotes.models import Article, Mention, Quote
from quotes.store import (
    merge_speakers,
    open_db,
    quote_id,
    save,
    save_contradictions,
    speaker_names,
)

# Testwire, an outlet only the tests' registry knows (conftest.py), is in the registry.
pytestmark = pytest.mark.usefixtures("testwire_registry")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "quotes.db")
    yield database
    database.close()


def make_article(article_id: str = "a1", **kwargs: Any) -> Article:
    text = kwargs.pop("text", 'Dmitry Peskov said: "There is no such issue." He added more.')
    values: dict[str, Any] = {"source": f"{article_id}.txt", "outlet": "Testwire"} | kwargs
    return Article(id=article_id, text=text, **values)


def make_quote(article_id: str = "a1", **kwargs: Any) -> Quote:
    values: dict[str, Any] = {
        "source": f"{article_id}.txt",
        "content": "There is no such issue.",
        "spans": ((21, 44),),
        "kind": "direct",
        "cue": Mention("said", 14, 18),
        "speaker_mention": Mention("Dmitry Peskov", 0, 13),
        "speaker": "Dmitry Peskov",
        "speaker_kind": "person",
        "publisher": "Testwire",
    } | kwargs
    return Quote(article_id=article_id, **values)


def rows(db: sqlite_utils.Database, sql: str, params: list[Any] | None = None) -> list[dict]:
    return list(db.query(sql, params or []))


def count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.execute(f"select count(*) from [{table}]").fetchone()[0])


def test_store_open_db_creates_wal_db_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = open_db(path)
    assert path.exists()
    assert db.journal_mode == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert "quotes" in db.table_names()
    db.close()


def test_store_open_db_reopens_existing(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    db = open_db(path)
    save(db, [(make_article(), [make_quote()])])
    db.close()
    again = open_db(path, create=False)
    assert count(again, "quotes") == 1
    again.close()


def test_store_open_db_missing_without_create(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseError, match=r"No database at .*missing\.db; run `quotes ingest`"):
        open_db(path, create=False)
    assert not path.exists()


def test_store_open_db_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseError, match="notes.db is not a quotes database"):
        open_db(path)


def test_store_open_db_clashing_schema(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite_utils.Database(path)
    other.table("quotes").insert({"author": "Wilde", "line": "I can resist everything"})
    other.close()
    with pytest.raises(DatabaseError, match="other.db is not a quotes database"):
        open_db(path)


def test_store_open_db_directory(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        open_db(tmp_path)


def test_store_save_writes_article_and_quote(db: sqlite_utils.Database) -> None:
    article = make_article(title="Talks", url="https://testwire.example/1", published="2024-03-01")
    quote = make_quote(cited_outlet="Daily Example", cited_chain=("Daily Example",))
    stats = save(db, [(article, [quote])])
    assert (stats.articles_new, stats.articles_skipped, stats.quotes) == (1, 0, 1)
    [stored_article] = rows(db, "select * from articles")
    assert stored_article["text"] == article.text
    assert stored_article["title"] == "Talks"
    assert stored_article["published"] == "2024-03-01"
    assert stored_article["source"] == "a1.txt"
    assert stored_article["ingested_at"]
    [stored] = rows(db, "select * from quotes")
    assert stored["id"] == quote_id("a1", [[21, 44]])
    assert stored["article_id"] == "a1"
    assert (stored["start"], stored["end"], json.loads(stored["spans"])) == (21, 44, [[21, 44]])
    assert (stored["cue"], stored["cue_start"], stored["cue_end"]) == ("said", 14, 18)
    mention = (stored["speaker_mention"], stored["speaker_start"], stored["speaker_end"])
    assert mention == ("Dmitry Peskov", 0, 13)
    assert json.loads(stored["cited_chain"]) == ["Daily Example"]
    assert (stored["kind"], stored["polarity"], stored["confidence"]) == ("direct", "asserts", 1.0)
    # Offsets point into the stored text.
    assert stored_article["text"][stored["start"] : stored["end"]] == quote.content


def test_store_save_without_cue_or_speaker(db: sqlite_utils.Database) -> None:
    quote = make_quote(cue=None, speaker_mention=None, speaker=None, speaker_kind=None)
    save(db, [(make_article(), [quote])])
    [stored] = rows(db, "select * from quotes")
    assert stored["speaker_id"] is None
    assert stored["cue"] is None and stored["cue_start"] is None
    assert stored["speaker_mention"] is None
    assert count(db, "speakers") == 0


def test_store_save_again_is_a_no_op(db: sqlite_utils.Database) -> None:
    results = [(make_article("a1"), [make_quote("a1")]), (make_article("a2"), [make_quote("a2")])]
    save(db, results)
    before = {t: count(db, t) for t in ("articles", "quotes", "speakers", "outlets")}
    stats = save(db, results)
    assert (stats.articles_new, stats.articles_skipped, stats.quotes) == (0, 2, 0)
    assert (
        {t: count(db, t) for t in before}
        == before
        == {
            "articles": 2,
            "quotes": 2,
            "speakers": 1,
            "outlets": 1,
        }
    )


def test_store_same_article_twice_in_one_batch(db: sqlite_utils.Database) -> None:
    stats = save(db, [(make_article(), [make_quote()]), (make_article(), [make_quote()])])
    assert (stats.articles_new, stats.articles_skipped) == (1, 1)
    assert count(db, "quotes") == 1


def test_store_quote_id_is_stable_and_depends_on_spans() -> None:
    assert quote_id("a1", [(1, 5)]) == quote_id("a1", [[1, 5]])
    assert quote_id("a1", [(1, 5)]) != quote_id("a1", [(1, 6)])
    assert quote_id("a1", [(1, 5)]) != quote_id("a2", [(1, 5)])


def test_store_outlets_from_registry(db: sqlite_utils.Database) -> None:
    # The publisher is named by an alias; the row takes the registry's name, kind and domain.
    article = make_article(outlet="testwire news agency")
    save(db, [(article, [make_quote(cited_outlet="Gazette of Nowhere")])])
    outlets = {r["name"]: r for r in rows(db, "select * from outlets")}
    assert set(outlets) == {"Testwire", "Gazette of Nowhere"}
    assert (outlets["Testwire"]["kind"], outlets["Testwire"]["domain"]) == (
        "agency",
        "testwire.example",
    )
    assert (outlets["Gazette of Nowhere"]["kind"], outlets["Gazette of Nowhere"]["domain"]) == (
        "unknown",
        None,
    )
    aliases = rows(db, "select alias from outlet_aliases where outlet_id = ?", [1])
    assert {r["alias"] for r in aliases} == {
        "TW News",
        "Testwire News Agency",
        "testwire news agency",
    }
    [article_row] = rows(db, "select publisher_id from articles")
    [quote_row] = rows(db, "select cited_outlet_id from quotes")
    assert article_row["publisher_id"] == outlets["Testwire"]["id"]
    assert quote_row["cited_outlet_id"] == outlets["Gazette of Nowhere"]["id"]


def test_store_publisher_falls_back_to_quote(db: sqlite_utils.Database) -> None:
    save(db, [(make_article(outlet=None), [make_quote(publisher="TW News")])])
    [row] = rows(db, "select outlets.name from articles join outlets on publisher_id = outlets.id")
    assert row["name"] == "Testwire"


def test_store_speakers_and_aliases(db: sqlite_utils.Database) -> None:
    first = make_quote(speaker_mention=Mention("Peskov", 0, 6), speaker_title=None)
    second = make_quote(
        spans=((50, 60),),
        speaker_mention=Mention("He", 46, 48),
        speaker_title="Kremlin spokesman",
    )
    third = make_quote(spans=((70, 80),), speaker_mention=Mention("the Kremlin spokesman", 0, 21))
    save(db, [(make_article(), [first, second, third])])
    [speaker] = rows(db, "select * from speakers")
    assert speaker["name"] == "Dmitry Peskov"
    assert speaker["kind"] == "person"
    # The title arrived with the second quote and fills the gap left by the first.
    assert speaker["title"] == "Kremlin spokesman"
    aliases = rows(db, "select alias, speaker_id from speaker_aliases order by alias")
    # A pronoun is not an alias.
    assert aliases == [
        {"alias": "Peskov", "speaker_id": speaker["id"]},
        {"alias": "the Kremlin spokesman", "speaker_id": speaker["id"]},
    ]
    assert {r["speaker_id"] for r in rows(db, "select speaker_id from quotes")} == {speaker["id"]}


def test_store_speaker_kind_filled_but_not_overwritten(db: sqlite_utils.Database) -> None:
    unknown = make_quote(speaker="Rosneft", speaker_kind=None, speaker_mention=None)
    organization = make_quote(spans=((50, 60),), speaker="Rosneft", speaker_kind="organization")
    person = make_quote(spans=((70, 80),), speaker="Rosneft", speaker_kind="person")
    save(db, [(make_article(), [unknown, organization, person])])
    assert speaker_names(db) == [("Rosneft", "organization")]


def test_store_failing_batch_keeps_earlier_batches(db: sqlite_utils.Database) -> None:
    # A quote without spans fails while its batch is being written.
    broken = make_quote("a4", spans=())
    results = [
        (make_article("a1"), [make_quote("a1")]),
        (make_article("a2"), [make_quote("a2")]),
        (make_article("a3"), [make_quote("a3")]),
        (make_article("a4"), [broken]),
    ]
    with pytest.raises(IndexError):
        save(db, results, batch_size=2)
    stored = [r["id"] for r in rows(db, "select id from articles order by id")]
    # a3 was written in the failing batch before a4 broke it, and rolled back with it.
    assert stored == ["a1", "a2"]
    assert count(db, "quotes") == 2


def test_store_batch_size_must_be_positive(db: sqlite_utils.Database) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        save(db, [], batch_size=0)


def test_store_speaker_names(db: sqlite_utils.Database) -> None:
    save(
        db,
        [
            (
                make_article(),
                [
                    make_quote(),
                    make_quote(spans=((50, 60),), speaker="Kremlin", speaker_kind="organization"),
                ],
            )
        ],
    )
    assert speaker_names(db) == [("Dmitry Peskov", "person"), ("Kremlin", "organization")]


def test_store_merge_speakers_repoints_quotes(db: sqlite_utils.Database) -> None:
    quotes = [
        make_quote(speaker="Dmitry Peskov", speaker_mention=Mention("Peskov", 0, 6)),
        make_quote(
            spans=((50, 60),),
            speaker="Dmitri Peskov",
            speaker_title="spokesman",
            speaker_mention=Mention("Dmitri Peskov", 0, 13),
        ),
        make_quote(
            spans=((70, 80),),
            speaker="Vladmir Putin",
            speaker_title="President",
            speaker_mention=Mention("Vladmir Putin", 0, 13),
        ),
    ]
    save(db, [(make_article(), quotes)])
    merged = merge_speakers(
        db,
        {"Dmitri Peskov": "Dmitry Peskov", "Vladmir Putin": "Vladimir Putin", "Nobody": "X"},
    )
    assert merged == 2
    assert speaker_names(db) == [("Dmitry Peskov", "person"), ("Vladimir Putin", "person")]
    speakers = {r["name"]: r for r in rows(db, "select * from speakers")}
    # The new Putin row was created from the old one; Peskov's missing title was filled.
    assert speakers["Vladimir Putin"]["title"] == "President"
    assert speakers["Dmitry Peskov"]["title"] == "spokesman"
    by_speaker = rows(
        db,
        "select speakers.name, count(*) as n from quotes join speakers on speakers.id = speaker_id"
        " group by speakers.name order by speakers.name",
    )
    assert by_speaker == [{"name": "Dmitry Peskov", "n": 2}, {"name": "Vladimir Putin", "n": 1}]
    aliases = rows(
        db,
        "select speakers.name, alias from speaker_aliases join speakers on speakers.id = speaker_id"
        " order by speakers.name, alias",
    )
    assert [(r["name"], r["alias"]) for r in aliases] == [
        ("Dmitry Peskov", "Dmitri Peskov"),
        ("Dmitry Peskov", "Peskov"),
        ("Vladimir Putin", "Vladmir Putin"),
    ]


def test_store_save_contradictions_upserts(db: sqlite_utils.Database) -> None:
    claim = make_quote()
    denial = make_quote(spans=((50, 60),), polarity="denies")
    save(db, [(make_article(), [claim, denial])])
    claim_id, denial_id = quote_id("a1", claim.spans), quote_id("a1", denial.spans)
    pair = {"claim_quote_id": claim_id, "denial_quote_id": denial_id, "score": 0.5, "reason": "r"}
    assert save_contradictions(db, [pair]) == 1
    assert save_contradictions(db, [pair | {"score": 0.9, "reason": "better"}]) == 1
    stored = rows(db, "select claim_quote_id, denial_quote_id, score, reason from contradictions")
    assert stored == [
        {"claim_quote_id": claim_id, "denial_quote_id": denial_id, "score": 0.9, "reason": "better"}
    ]
    assert save_contradictions(db, []) == 0


def test_store_foreign_keys_are_enforced(db: sqlite_utils.Database) -> None:
    pair = {"claim_quote_id": "nope", "denial_quote_id": "nada", "score": 1.0, "reason": "r"}
    with pytest.raises(sqlite3.IntegrityError):
        save_contradictions(db, [pair])
    assert count(db, "contradictions") == 0


def test_store_same_spans_twice_is_one_quote(db: sqlite_utils.Database) -> None:
    stats = save(db, [(make_article(), [make_quote(), make_quote(confidence=0.5)])])
    assert stats.quotes == 1
    assert [r["confidence"] for r in rows(db, "select confidence from quotes")] == [0.5]
