"""The read side: every filter of `find`, id prefixes, speakers, outlets, contradictions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from quotes.errors import NotFound
from quotes.models import Article, Mention, Quote
from quotes.query import contradictions, find, fts_query, get_quote, outlets, speakers, stats
from quotes.store import open_db, quote_id, save, save_contradictions

# Testwire, an outlet only the tests' registry knows (conftest.py), is in the registry.
pytestmark = pytest.mark.usefixtures("testwire_registry")


def make_quote(article_id: str, start: int, content: str, **kwargs: Any) -> Quote:
    values: dict[str, Any] = {
        "source": f"{article_id}.txt",
        "content": content,
        "spans": ((start, start + len(content)),),
        "kind": "direct",
        "cue": Mention("said", 0, 4),
        "speaker": "Dmitry Peskov",
        "speaker_kind": "person",
        "speaker_title": "Kremlin spokesman",
        "speaker_mention": Mention("Dmitry Peskov", 5, 18),
        "publisher": "Testwire",
    } | kwargs
    return Quote(article_id=article_id, **values)


def make_article(article_id: str, published: str | None, outlet: str | None) -> Article:
    return Article(
        id=article_id,
        text=f"The full text of article {article_id}.",
        source=f"{article_id}.txt",
        title=f"Title {article_id}",
        url=f"https://example.org/{article_id}",
        outlet=outlet,
        published=published,
    )


Q1 = make_quote("a1", 20, "There is no such issue on the agenda")
Q2 = make_quote(
    "a1",
    80,
    "the talks were constructive",
    kind="indirect",
    speaker_mention=Mention("Песков", 60, 66),
    cited_outlet="Gazette of Nowhere",
    cited_chain=("Gazette of Nowhere",),
)
Q3 = make_quote(
    "a2",
    10,
    "Moscow never planned such talks",
    speaker="Maria Zakharova",
    speaker_title=None,
    speaker_mention=Mention("the ministry spokeswoman", 50, 74),
    cited_outlet="TW News",
    cited_chain=("TW News",),
    polarity="denies",
    publisher="Gazette of Nowhere",
    confidence=0.75,
)
Q4 = make_quote(
    "a3",
    0,
    "AND OR NOT * stars align",
    kind="mixed",
    cue=None,
    speaker=None,
    speaker_kind=None,
    speaker_title=None,
    speaker_mention=None,
    publisher=None,
)
Q5 = make_quote("a0", 5, "Sanctions will not work", speaker_mention=Mention("Peskov", 30, 36))

ARTICLES = [
    (make_article("a1", "2024-03-01", "Testwire"), [Q2, Q1]),
    (make_article("a2", "2024-03-05T10:00:00", "Gazette of Nowhere"), [Q3]),
    (make_article("a3", None, None), [Q4]),
    (make_article("a0", "2024-02-01", "Testwire"), [Q5]),
]


def qid(quote: Quote) -> str:
    return quote_id(quote.article_id, quote.spans)


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_db(tmp_path / "quotes.db")
    save(database, ARTICLES)
    save_contradictions(
        database,
        [
            {"claim_quote_id": qid(Q1), "denial_quote_id": qid(Q3), "score": 0.8, "reason": "a"},
            {"claim_quote_id": qid(Q5), "denial_quote_id": qid(Q3), "score": 0.3, "reason": "b"},
            {"claim_quote_id": qid(Q5), "denial_quote_id": qid(Q2), "score": 0.2, "reason": "c"},
        ],
    )
    yield database
    database.close()


def test_query_find_orders_newest_first_undated_last(db: sqlite_utils.Database) -> None:
    assert ids(find(db)) == [qid(Q3), qid(Q1), qid(Q2), qid(Q5), qid(Q4)]


def test_query_find_row_has_the_output_contract(db: sqlite_utils.Database) -> None:
    [row] = [r for r in find(db) if r["id"] == qid(Q1)]
    assert set(row) == set(Q1.to_dict()) | {"id", "title", "url", "published"}
    assert {key: row[key] for key in Q1.to_dict()} == Q1.to_dict()
    assert row["cue"] == {"text": "said", "start": 0, "end": 4}
    assert row["speaker_mention"] == {"text": "Dmitry Peskov", "start": 5, "end": 18}
    assert (row["title"], row["url"], row["published"]) == (
        "Title a1",
        "https://example.org/a1",
        "2024-03-01",
    )


def test_query_find_row_with_outlets_and_no_cue(db: sqlite_utils.Database) -> None:
    by_id = {r["id"]: r for r in find(db)}
    q3 = by_id[qid(Q3)]
    assert (q3["cited_outlet"], q3["cited_chain"], q3["publisher"]) == (
        "Testwire",
        ["TW News"],
        "Gazette of Nowhere",
    )
    assert (q3["polarity"], q3["confidence"], q3["speaker_title"]) == ("denies", 0.75, None)
    q4 = by_id[qid(Q4)]
    assert (q4["cue"], q4["speaker_mention"], q4["speaker"], q4["publisher"]) == (
        None,
        None,
        None,
        None,
    )
    assert q4["spans"] == [[0, 24]]


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        ("Peskov", [Q1, Q2, Q5]),
        ("dmitry peskov", [Q1, Q2, Q5]),
        # Aliases: the mention as written, in any script and case.
        ("ministry spokes", [Q3]),
        ("ПЕСКОВ", [Q1, Q2, Q5]),
        # LIKE wildcards are plain characters here.
        ("%", []),
        ("_", []),
        ("Putin", []),
    ],
)
def test_query_find_by_speaker(
    db: sqlite_utils.Database, speaker: str, expected: list[Quote]
) -> None:
    assert ids(find(db, speaker=speaker)) == [qid(q) for q in expected]


@pytest.mark.parametrize(
    ("outlet", "expected"),
    [("testwire", [Q1, Q2, Q5]), ("tw news", [Q1, Q2, Q5]), ("nowhere", [Q3]), ("BBC", [])],
)
def test_query_find_by_publisher(
    db: sqlite_utils.Database, outlet: str, expected: list[Quote]
) -> None:
    assert ids(find(db, outlet=outlet)) == [qid(q) for q in expected]


@pytest.mark.parametrize(
    ("cited", "expected"),
    [("Testwire", [Q3]), ("news agency", [Q3]), ("gazette", [Q2]), ("Bloomberg", [])],
)
def test_query_find_by_cited_outlet(
    db: sqlite_utils.Database, cited: str, expected: list[Quote]
) -> None:
    assert ids(find(db, cited=cited)) == [qid(q) for q in expected]


def test_query_find_by_kind(db: sqlite_utils.Database) -> None:
    assert ids(find(db, kind="indirect")) == [qid(Q2)]
    assert ids(find(db, kind="mixed")) == [qid(Q4)]
    assert ids(find(db, kind="Direct")) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("issue", [Q1]),
        # Porter stemming, every word required, in any order.
        ("issues agenda", [Q1]),
        ("talks", [Q3, Q2]),
        ("talks never", [Q3]),
        # Operators are searched for as words, never obeyed.
        ("AND OR NOT *", [Q4]),
        ("NOT stars", [Q4]),
        ('"); DROP TABLE quotes; --', []),
        ('issue"', [Q1]),
        ("(", []),
        ("   ", [Q3, Q1, Q2, Q5, Q4]),
    ],
)
def test_query_find_by_text(db: sqlite_utils.Database, text: str, expected: list[Quote]) -> None:
    assert ids(find(db, text=text)) == [qid(q) for q in expected]
    assert stats(db)["quotes"] == 5


def test_query_fts_query_quotes_every_term() -> None:
    assert fts_query("no such issue") == '"no" "such" "issue"'
    assert fts_query('say "hi"') == '"say" """hi"""'
    assert fts_query("") == ""


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2024-03-01", None, [Q3, Q1, Q2]),
        (None, "2024-03-01", [Q1, Q2, Q5]),
        # `until` keeps the whole day, times included.
        ("2024-03-05", "2024-03-05", [Q3]),
        ("2024-03-02", "2024-03-04", []),
        ("2024-02-01", "2024-02-01", [Q5]),
    ],
)
def test_query_find_by_dates(
    db: sqlite_utils.Database, since: str | None, until: str | None, expected: list[Quote]
) -> None:
    assert ids(find(db, since=since, until=until)) == [qid(q) for q in expected]


def test_query_find_rejects_a_bad_date(db: sqlite_utils.Database) -> None:
    with pytest.raises(ValueError, match="since must be an ISO date"):
        find(db, since="last week")


def test_query_find_combines_filters_and_pages(db: sqlite_utils.Database) -> None:
    assert ids(find(db, speaker="peskov", kind="direct", since="2024-03-01")) == [qid(Q1)]
    assert ids(find(db, limit=2, offset=1)) == [qid(Q1), qid(Q2)]
    assert len(find(db, limit=None)) == 5


def test_query_get_quote_by_id_and_prefix(db: sqlite_utils.Database) -> None:
    full = get_quote(db, qid(Q1))
    assert full["content"] == Q1.content
    assert full["text"] == "The full text of article a1."
    assert get_quote(db, qid(Q1)[:12])["id"] == qid(Q1)
    assert get_quote(db, qid(Q1)[:12].upper())["id"] == qid(Q1)
    assert {k: v for k, v in full.items() if k != "text"} == find(db, kind="direct")[1]


@pytest.mark.parametrize("bad", ["", "   ", "zzzz", "%", "0" * 41])
def test_query_get_quote_not_found(db: sqlite_utils.Database, bad: str) -> None:
    with pytest.raises(NotFound):
        get_quote(db, bad)


def test_query_get_quote_ambiguous_prefix(tmp_path: Path) -> None:
    # 17 ids over 16 hex digits: at least two share their first character.
    many = [make_quote("m", 10 * i, f"statement {i}") for i in range(17)]
    database = open_db(tmp_path / "many.db")
    save(database, [(make_article("m", "2024-01-01", None), many)])
    firsts = [qid(q)[0] for q in many]
    shared = next(c for c in firsts if firsts.count(c) > 1)
    with pytest.raises(NotFound, match=f"Quote id '{shared}' is ambiguous"):
        get_quote(database, shared)
    database.close()


def test_query_speakers(db: sqlite_utils.Database) -> None:
    assert speakers(db) == [
        {
            "name": "Dmitry Peskov",
            "kind": "person",
            "title": "Kremlin spokesman",
            "quotes": 3,
            "aliases": ["Peskov", "Песков"],
        },
        {
            "name": "Maria Zakharova",
            "kind": "person",
            "title": None,
            "quotes": 1,
            "aliases": ["the ministry spokeswoman"],
        },
    ]
    assert [s["name"] for s in speakers(db, limit=1)] == ["Dmitry Peskov"]


def test_query_outlets(db: sqlite_utils.Database) -> None:
    assert outlets(db) == [
        {
            "name": "Testwire",
            "kind": "agency",
            "domain": "testwire.example",
            "articles": 2,
            "cited": 1,
            "aliases": ["TW News", "Testwire News Agency"],
        },
        {
            "name": "Gazette of Nowhere",
            "kind": "unknown",
            "domain": None,
            "articles": 1,
            "cited": 1,
            "aliases": [],
        },
    ]


def test_query_contradictions_join_both_quotes(db: sqlite_utils.Database) -> None:
    pairs = contradictions(db)
    assert [(p["claim"]["id"], p["denial"]["id"], p["score"]) for p in pairs] == [
        (qid(Q1), qid(Q3), 0.8),
        (qid(Q5), qid(Q3), 0.3),
        (qid(Q5), qid(Q2), 0.2),
    ]
    by_id = {r["id"]: r for r in find(db)}
    assert pairs[0]["claim"] == by_id[qid(Q1)]
    assert pairs[0]["denial"] == by_id[qid(Q3)]
    assert pairs[0]["reason"] == "a"


@pytest.mark.parametrize(
    ("kwargs", "scores"),
    [
        ({"min_score": 0.5}, [0.8]),
        ({"speaker": "zakharova"}, [0.8, 0.3]),
        ({"speaker": "peskov"}, [0.8, 0.3, 0.2]),
        ({"speaker": "putin"}, []),
        # Either article on or after the date.
        ({"since": "2024-03-02"}, [0.8, 0.3]),
        ({"since": "2024-03-01"}, [0.8, 0.3, 0.2]),
    ],
)
def test_query_contradictions_filters(
    db: sqlite_utils.Database, kwargs: dict[str, Any], scores: list[float]
) -> None:
    assert [p["score"] for p in contradictions(db, **kwargs)] == scores


def test_query_stats(db: sqlite_utils.Database) -> None:
    assert stats(db) == {
        "articles": 4,
        "quotes": 5,
        "speakers": 2,
        "outlets": 2,
        "contradictions": 3,
    }
