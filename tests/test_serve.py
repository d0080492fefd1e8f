"""Datasette over a quotes database: metadata, labels, facets, search, canned queries."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from datasette.app import Datasette

from quotes.errors import DatabaseError
from quotes.models import Article, Mention, Quote
from quotes.serve import make_datasette, metadata, serve
from quotes.store import open_db, quote_id, save, save_contradictions


def make_quote(article_id: str, start: int, content: str, **kwargs: Any) -> Quote:
    values: dict[str, Any] = {
        "source": f"{article_id}.txt",
        "content": content,
        "spans": ((start, start + len(content)),),
        "kind": "direct",
        "cue": Mention("said", 0, 4),
        "speaker": "Dmitry Peskov",
        "speaker_kind": "person",
        "speaker_mention": Mention("Peskov", 5, 11),
    } | kwargs
    return Quote(article_id=article_id, **values)


CLAIM = make_quote("a1", 20, "There is no such issue on the agenda", cited_outlet="Gazette")
DENIAL = make_quote(
    "a2",
    10,
    "Moscow never planned such talks",
    kind="indirect",
    speaker="Maria Zakharova",
    speaker_mention=Mention("Zakharova", 0, 9),
    polarity="denies",
)
OTHER = make_quote("a2", 60, "Sanctions will not work")


def qid(quote: Quote) -> str:
    return quote_id(quote.article_id, quote.spans)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "quotes.db"
    db = open_db(path)
    one = Article(
        "a1", "text one", "a1.txt", title="One", outlet="Testwire", published="2024-03-01"
    )
    two = Article("a2", "text two", "a2.txt", title="Two", outlet="Daily Example")
    save(db, [(one, [CLAIM]), (replace(two, published="2024-03-05"), [DENIAL, OTHER])])
    pair = {"claim_quote_id": qid(CLAIM), "denial_quote_id": qid(DENIAL), "score": 0.8}
    save_contradictions(db, [pair | {"reason": "shared: talks"}])
    db.close()
    return path


@pytest.fixture
async def ds(db_path: Path) -> Datasette:
    datasette = Datasette([str(db_path)], metadata=metadata(db_path))
    await datasette.invoke_startup()
    return datasette


async def get_json(ds: Datasette, url: str) -> Any:
    response = await ds.client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_serve_metadata_describes_every_table_and_column(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    tables = metadata(db_path)["databases"]["quotes"]["tables"]
    # FTS5 keeps its own shadow tables; Datasette hides them.
    names = [n for n in db.table_names() if not n.startswith("quotes_fts_")] + db.view_names()
    assert sorted(tables) == sorted(names)
    for name in names:
        assert tables[name]["description"]
        columns = [c.name for c in db[name].columns]
        assert sorted(tables[name]["columns"]) == sorted(columns), name
        assert all(tables[name]["columns"].values()), name
    db.close()


def test_serve_metadata_labels_facets_and_sorting(db_path: Path) -> None:
    tables = metadata(db_path)["databases"]["quotes"]["tables"]
    assert tables["speakers"]["label_column"] == "name"
    assert tables["outlets"]["label_column"] == "name"
    assert tables["articles"]["label_column"] == "title"
    assert tables["quotes"]["facets"] == ["speaker_id", "kind", "cited_outlet_id"]
    assert tables["quote_triples"]["facets"] == ["speaker", "cited_outlet", "publisher", "kind"]
    assert tables["quote_triples"]["sort_desc"] == tables["articles"]["sort_desc"] == "published"
    assert "character offset into articles.text" in tables["quotes"]["columns"]["start"]


async def test_serve_quotes_rows(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array")
    assert sorted(row["id"] for row in rows) == sorted([qid(CLAIM), qid(DENIAL), qid(OTHER)])
    by_id = {row["id"]: row for row in rows}
    assert by_id[qid(CLAIM)]["content"] == CLAIM.content
    assert by_id[qid(CLAIM)]["spans"] == "[[20, 56]]"


async def test_serve_labels_show_names(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array&_labels=on")
    claim = next(row for row in rows if row["id"] == qid(CLAIM))
    assert claim["speaker_id"]["label"] == "Dmitry Peskov"
    assert claim["cited_outlet_id"]["label"] == "Gazette"
    assert claim["article_id"] == {"value": "a1", "label": "One"}


async def test_serve_facets_in_table_json(ds: Datasette) -> None:
    data = await get_json(ds, "/quotes/quotes.json")
    facets = data["facet_results"]
    assert {"speaker_id", "kind", "cited_outlet_id"} <= set(facets)
    speakers = {r["label"]: r["count"] for r in facets["speaker_id"]["results"]}
    assert speakers == {"Dmitry Peskov": 2, "Maria Zakharova": 1}
    kinds = {r["value"]: r["count"] for r in facets["kind"]["results"]}
    assert kinds == {"direct": 2, "indirect": 1}


async def test_serve_quote_triples_facets_and_order(ds: Datasette) -> None:
    data = await get_json(ds, "/quotes/quote_triples.json?_shape=objects")
    assert {"speaker", "cited_outlet", "publisher", "kind"} <= set(data["facet_results"])
    publishers = {r["value"]: r["count"] for r in data["facet_results"]["publisher"]["results"]}
    assert publishers == {"Testwire": 1, "Daily Example": 2}
    assert [row["published"] for row in data["rows"]] == ["2024-03-05", "2024-03-05", "2024-03-01"]


async def test_serve_full_text_search(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array&_search=issues")
    assert [row["id"] for row in rows] == [qid(CLAIM)]
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array&_search=talks")
    assert [row["id"] for row in rows] == [qid(DENIAL)]


async def test_serve_canned_quotes_by_speaker(ds: Datasette) -> None:
    # `zakharova` is an alias (the mention as written) as well as part of the name.
    rows = await get_json(ds, "/quotes/quotes_by_speaker.json?_shape=array&speaker=zakharova")
    assert [row["quote_id"] for row in rows] == [qid(DENIAL)]
    rows = await get_json(ds, "/quotes/quotes_by_speaker.json?_shape=array&speaker=Peskov")
    assert sorted(row["content"] for row in rows) == sorted([CLAIM.content, OTHER.content])


async def test_serve_canned_outlet_attributions(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/outlet_attributions.json?_shape=array&outlet=gazette")
    assert [(row["role"], row["quote_id"]) for row in rows] == [("cited", qid(CLAIM))]
    rows = await get_json(ds, "/quotes/outlet_attributions.json?_shape=array&outlet=daily")
    assert sorted(row["quote_id"] for row in rows) == sorted([qid(DENIAL), qid(OTHER)])
    assert {row["role"] for row in rows} == {"published"}


async def test_serve_canned_claims_and_denials(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/claims_and_denials.json?_shape=array")
    assert len(rows) == 1
    row = rows[0]
    assert (row["claim_speaker"], row["claim"]) == ("Dmitry Peskov", CLAIM.content)
    assert (row["denial_speaker"], row["denial"]) == ("Maria Zakharova", DENIAL.content)
    assert (row["score"], row["reason"]) == (0.8, "shared: talks")


async def test_serve_column_descriptions_render(ds: Datasette) -> None:
    response = await ds.client.get("/quotes/quotes")
    assert response.status_code == 200
    assert "character offset into articles.text" in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/quotes/quotes",
        "/quotes/quotes/-/insert",
        "/quotes",
        "/quotes/quotes_by_speaker",
        "/quotes/-/create",
    ],
)
async def test_serve_refuses_writes(db_path: Path, url: str) -> None:
    ds = make_datasette(db_path)
    response = await ds.client.post(url, json={"row": {"id": "x", "content": "forged"}})
    assert response.status_code >= 400
    db = sqlite_utils.Database(db_path)
    assert db.execute("select count(*) from quotes").fetchone()[0] == 3
    db.close()


async def test_serve_refuses_write_sql(db_path: Path) -> None:
    ds = make_datasette(db_path)
    response = await ds.client.get("/quotes.json?sql=delete+from+quotes")
    assert response.status_code == 400
    assert "must be a SELECT" in response.json()["error"]
    db = sqlite_utils.Database(db_path)
    assert db.execute("select count(*) from quotes").fetchone()[0] == 3
    db.close()


async def test_serve_unknown_url_is_a_404(db_path: Path) -> None:
    ds = make_datasette(db_path)
    response = await ds.client.post("/quotes/quotes/-/insert")
    assert response.status_code == 404
    response = await ds.client.get("/quotes/no_such_table")
    assert response.status_code == 404


def test_serve_make_datasette_uses_metadata(db_path: Path) -> None:
    ds = make_datasette(db_path)
    assert ds.metadata("title") == "quotes"
    assert ds.metadata("queries", database="quotes").keys() == {
        "quotes_by_speaker",
        "outlet_attributions",
        "claims_and_denials",
    }


def test_serve_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="No database at"):
        make_datasette(tmp_path / "missing.db")
    with pytest.raises(DatabaseError, match="No database at"):
        serve(tmp_path / "missing.db", port=0)
    assert not (tmp_path / "missing.db").exists()
