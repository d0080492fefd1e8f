"""Datasette over a quotes database: metadata, labels, facets, search, canned queries, feeds."""

from __future__ import annotations

import inspect
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from datasette.app import Datasette
from typer.testing import CliRunner

from quotes.cli import app
from quotes.errors import DatabaseError
from quotes.migrations import migrations
from quotes.models import Article, Mention, Quote
from quotes.serve import (
    QUERIES,
    SETTINGS,
    TEMPLATES,
    make_datasette,
    metadata,
    publish_instructions,
    serve,
    write_metadata,
)
from quotes.store import open_db, quote_id, save, save_contradictions

ATOM = "{http://www.w3.org/2005/Atom}"


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
        "a1",
        "text one",
        "a1.txt",
        title="One",
        outlet="Testwire",
        published="2024-03-01",
        url="https://testwire.example/one",
    )
    two = Article("a2", "text two", "a2.txt", title="Two", outlet="Daily Example")
    save(db, [(one, [CLAIM]), (replace(two, published="2024-03-05"), [DENIAL, OTHER])])
    pair = {"claim_quote_id": qid(CLAIM), "denial_quote_id": qid(DENIAL), "score": 0.8}
    save_contradictions(db, [pair | {"reason": "shared: talks"}])
    db.close()
    return path


@pytest.fixture
async def ds(db_path: Path) -> Datasette:
    # As `quotes serve` configures it: metadata, settings, templates (and installed plugins).
    datasette = make_datasette(db_path)
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
    names = [
        n
        for n in db.table_names()
        if not n.startswith(("quotes_fts_", "statements_fts_", "pairing_terms_"))
    ] + db.view_names()
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
    assert tables["quotes"]["label_column"] == "content"
    assert tables["quotes"]["facets"] == ["speaker_id", "cited_outlet_id", "kind", "polarity"]
    assert tables["quote_triples"]["facets"] == [
        "speaker",
        "cited_outlet",
        "publisher",
        "kind",
        {"date": "published"},
    ]
    assert tables["quote_triples"]["sort_desc"] == tables["articles"]["sort_desc"] == "published"
    assert tables["contradiction_pairs"]["sort_desc"] == "score"
    assert "character offset into articles.text" in tables["quotes"]["columns"]["start"]


def test_serve_metadata_instance_lines(db_path: Path) -> None:
    meta = metadata(db_path)
    assert meta["title"] == "quotes"
    assert "Who said what" in meta["description"]
    assert meta["source"] and "Apache-2.0" in meta["license"]
    # The home page leads to the reading views and every canned query of this database.
    for path in ["quote_triples", "contradiction_pairs", *QUERIES]:
        assert f'href="/quotes/{path}"' in meta["description_html"]
    # Keyed by the file's stem, as Datasette names the database.
    assert list(metadata("/somewhere/news 2024.db")["databases"]) == ["news 2024"]
    assert 'href="/news%202024/quote_triples"' in metadata("news 2024.db")["description_html"]


def test_serve_metadata_canned_queries_have_titles_and_parameters(db_path: Path) -> None:
    queries = metadata(db_path)["databases"]["quotes"]["queries"]
    assert set(queries) == {
        "quotes_by_speaker",
        "outlet_attributions",
        "claims_and_denials",
        "speaker_timeline",
        "new_quotes_by_speaker",
    }
    for name, query in queries.items():
        assert query["title"] and query["description"], name
        assert query["params"], name
        for param in query["params"]:
            assert f":{param}" in query["sql"], name


def test_serve_settings_bind_and_defaults() -> None:
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    assert SETTINGS["suggest_facets"] is False


async def test_serve_home_page_links_to_views_and_queries(ds: Datasette) -> None:
    response = await ds.client.get("/")
    assert response.status_code == 200
    assert '<a href="/quotes/quote_triples">Statements</a>' in response.text
    assert '<a href="/quotes/claims_and_denials">Claims and their denials</a>' in response.text
    assert "Article texts belong to their publishers" in response.text


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
    facets = data["facet_results"]
    assert {"speaker", "cited_outlet", "publisher", "kind", "published"} <= set(facets)
    publishers = {r["value"]: r["count"] for r in facets["publisher"]["results"]}
    assert publishers == {"Testwire": 1, "Daily Example": 2}
    assert facets["published"]["type"] == "date"
    dates = {r["value"]: r["count"] for r in facets["published"]["results"]}
    assert dates == {"2024-03-05": 2, "2024-03-01": 1}
    assert [row["published"] for row in data["rows"]] == ["2024-03-05", "2024-03-05", "2024-03-01"]
    # A date facet's link filters by day.
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&published__date=2024-03-01")
    assert [row["quote_id"] for row in rows] == [qid(CLAIM)]


async def test_serve_quote_triples_reads_as_statements(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&speaker=Dmitry+Peskov")
    claim = next(row for row in rows if row["quote_id"] == qid(CLAIM))
    assert list(claim)[:11] == [
        "published",
        "speaker",
        "speaker_mention",
        "speaker_title",
        "content",
        "kind",
        "cue",
        "cited_outlet",
        "publisher",
        "title",
        "url",
    ]
    assert (claim["published"], claim["content"], claim["title"]) == (
        "2024-03-01",
        CLAIM.content,
        "One",
    )
    assert (claim["cited_outlet"], claim["publisher"]) == ("Gazette", "Testwire")
    response = await ds.client.get("/quotes/quote_triples")
    assert "<h1>Statements (view)</h1>" in response.text
    # The article's address is a link a reader can follow.
    assert '<a href="https://testwire.example/one">' in response.text


async def test_serve_contradiction_pairs_view(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/contradiction_pairs.json?_shape=array")
    assert len(rows) == 1
    row = rows[0]
    assert (row["claim_speaker"], row["claim"], row["claim_published"]) == (
        "Dmitry Peskov",
        CLAIM.content,
        "2024-03-01",
    )
    assert (row["denial_speaker"], row["denial"], row["denial_published"]) == (
        "Maria Zakharova",
        DENIAL.content,
        "2024-03-05",
    )
    assert (row["claim_cited_outlet"], row["claim_publisher"]) == ("Gazette", "Testwire")
    assert row["denial_publisher"] == "Daily Example"
    assert (row["score"], row["reason"]) == (0.8, "shared: talks")
    assert (row["claim_quote_id"], row["denial_quote_id"]) == (qid(CLAIM), qid(DENIAL))
    # Both sides come first, so that they fit on one screen.
    assert list(row)[:5] == ["score", "claim_speaker", "claim", "denial_speaker", "denial"]


async def test_serve_full_text_search(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array&_search=issues")
    assert [row["id"] for row in rows] == [qid(CLAIM)]
    rows = await get_json(ds, "/quotes/quotes.json?_shape=array&_search=talks")
    assert [row["id"] for row in rows] == [qid(DENIAL)]


async def test_serve_full_text_search_on_the_statements_view(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=issues")
    assert [row["quote_id"] for row in rows] == [qid(CLAIM)]
    # Every word must match; stemming finds `sanctions` from `sanction`.
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=sanction+work")
    assert [row["quote_id"] for row in rows] == [qid(OTHER)]
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=agenda+talks")
    assert rows == []
    # Search and a facet together: the facet counts follow the search.
    data = await get_json(ds, "/quotes/quote_triples.json?_search=work+OR+talks&_searchmode=raw")
    speakers = {r["value"]: r["count"] for r in data["facet_results"]["speaker"]["results"]}
    assert speakers == {"Dmitry Peskov": 1, "Maria Zakharova": 1}
    # Operators typed into the box are words, not syntax errors.
    rows = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=%22no+such%22+AND(")
    assert rows == []


@pytest.mark.parametrize("table", ["quotes", "quote_triples"])
async def test_serve_search_box_on_table_page(ds: Datasette, table: str) -> None:
    response = await ds.client.get(f"/quotes/{table}?_search=issues")
    assert response.status_code == 200
    assert re.search(
        r'<input id="_search" type="search" name="_search" value="issues">', response.text
    )
    assert "1 row where search matches" in response.text
    assert CLAIM.content in response.text


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
    # A speaker on either side, by name or alias, selects the pair; anyone else selects nothing.
    db = sqlite_utils.Database(ds.databases["quotes"].path)
    with db.conn:
        db.execute(
            "insert into speaker_aliases (alias, speaker_id) "
            "select 'the ministry spokeswoman', id from speakers where name = 'Maria Zakharova'"
        )
    db.close()
    for speaker in ["peskov", "Zakharova", "ministry spokeswoman"]:
        url = f"/quotes/claims_and_denials.json?_shape=array&speaker={speaker}"
        assert [r["claim"] for r in await get_json(ds, url)] == [CLAIM.content]
    url = "/quotes/claims_and_denials.json?_shape=array&speaker=Lavrov"
    assert await get_json(ds, url) == []


async def test_serve_canned_speaker_timeline(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/speaker_timeline.json?_shape=array&speaker=peskov")
    # Oldest first: the claim of March 1st, then the statement of March 5th.
    assert [(row["published"], row["content"]) for row in rows] == [
        ("2024-03-01", CLAIM.content),
        ("2024-03-05", OTHER.content),
    ]
    assert {row["polarity"] for row in rows} == {"asserts"}


async def test_serve_canned_query_page_has_title_and_form(ds: Datasette) -> None:
    response = await ds.client.get("/quotes/speaker_timeline?speaker=Peskov")
    assert response.status_code == 200
    assert "A speaker&#39;s statements over time</h1>" in response.text
    assert re.search(r'<input type="text" id="qp1" name="speaker" value="Peskov">', response.text)
    assert CLAIM.content in response.text


async def test_serve_atom_feed_of_a_speaker(ds: Datasette) -> None:
    response = await ds.client.get("/quotes/new_quotes_by_speaker.atom?speaker=Peskov")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "New quotes by a speaker"
    entries = feed.findall(f"{ATOM}entry")
    # Newest first; each entry names the speaker and links to the article, else the quote.
    assert [entry.findtext(f"{ATOM}id") for entry in entries] == [qid(OTHER), qid(CLAIM)]
    other = entries[0]
    assert other.findtext(f"{ATOM}title") == f"Dmitry Peskov: {OTHER.content}"
    assert other.findtext(f"{ATOM}content") == OTHER.content
    assert other.findtext(f"{ATOM}author/{ATOM}name") == "Dmitry Peskov"
    assert datetime.fromisoformat(other.findtext(f"{ATOM}updated") or "").isoformat() == (
        "2024-03-05T00:00:00+00:00"
    )
    links = [entry.find(f"{ATOM}link") for entry in entries]
    assert [link.get("href") for link in links if link is not None] == [
        f"quotes/{qid(OTHER)}",  # no URL: the quote's row, relative to the feed
        "https://testwire.example/one",
    ]
    # The HTML page of the query offers the feed.
    page = await ds.client.get("/quotes/new_quotes_by_speaker?speaker=Peskov")
    assert "new_quotes_by_speaker.atom?speaker=Peskov" in page.text


async def test_serve_atom_feed_of_an_unquoted_speaker_is_valid(ds: Datasette) -> None:
    response = await ds.client.get("/quotes/new_quotes_by_speaker.atom?speaker=Lavrov")
    assert response.status_code == 200, response.text
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}id") for entry in entries] == ["no-statements-yet"]
    assert 'matching "Lavrov"' in (entries[0].findtext(f"{ATOM}title") or "")


async def test_serve_column_descriptions_render(ds: Datasette) -> None:
    response = await ds.client.get("/quotes/quotes")
    assert response.status_code == 200
    assert "character offset into articles.text" in response.text
    # Folded away under the rows' heading rather than filling the first screen.
    assert "<summary>What the columns mean</summary>" in response.text
    assert 'data-column-description="What was said' in response.text


async def test_serve_contradictions_show_the_quotes_as_labels(ds: Datasette) -> None:
    rows = await get_json(ds, "/quotes/contradictions.json?_shape=array&_labels=on")
    assert rows[0]["claim_quote_id"]["label"] == CLAIM.content
    assert rows[0]["denial_quote_id"]["label"] == DENIAL.content


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
    assert ds.metadata("queries", database="quotes").keys() == QUERIES.keys()
    assert ds.setting("suggest_facets") is False


def test_serve_write_metadata_and_publish_instructions(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "metadata.json"
    write_metadata(db_path, out)
    assert json.loads(out.read_text(encoding="utf-8")) == metadata(db_path)
    text = publish_instructions(db_path, out)
    templates = f"--template-dir {TEMPLATES}"
    assert f"datasette serve --immutable {db_path} --metadata {out} {templates}" in text
    assert f"datasette publish cloudrun {db_path} --metadata {out} {templates}" in text
    assert (TEMPLATES / "table.html").is_file()
    # Settings as `datasette serve --setting` parses them.
    assert "--setting suggest_facets off" in text and "--setting sql_time_limit_ms 3000" in text
    assert "--install datasette-atom" in text
    # `publish` writes --install values into a shell command unquoted: no < or > there.
    assert "--install datasette~=0.65.0" in text


def test_serve_cli_writes_metadata_for_publishing(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "meta.json"
    result = CliRunner().invoke(
        app, ["serve", "--db", str(db_path), "--metadata-json", str(out)], prog_name="quotes"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == metadata(db_path)
    assert "datasette publish cloudrun" in result.stdout
    assert "--immutable" in result.stdout


def test_serve_cli_help_says_how_to_publish() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], prog_name="quotes", terminal_width=100)
    assert result.exit_code == 0
    assert "--metadata-json" in result.output
    assert "read-only" in result.output and "datasette publish" in result.output
    assert "127.0.0.1" in result.output


@pytest.mark.parametrize("damage", ["triggers", "index"])
def test_serve_upgrades_an_m001_database(tmp_path: Path, damage: str) -> None:
    """A database made before m002 gets the searchable view, the pairs view and a working index."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m002_browsing")
    assert db.view_names() == ["quote_triples"]
    # As a tool that rebuilt `quotes` could leave it: the index no longer follows the table.
    if damage == "index":
        db.execute("drop table quotes_fts")
    else:
        for trigger in ("quotes_ai", "quotes_ad", "quotes_au"):
            db.execute(f"drop trigger {trigger}")
        db["quotes"].add_column("stance", str)  # what today's `save` writes
        save(db, [(Article("a1", "text", "a1.txt", title="One"), [CLAIM])])
    db.close()
    db = open_db(path, create=False)
    if damage == "index":
        save(db, [(Article("a1", "text", "a1.txt", title="One"), [CLAIM])])
    assert sorted(db.view_names()) == ["contradiction_pairs", "quote_triples"]
    assert "quote_rowid" in {c.name for c in db["quote_triples"].columns}
    assert {t.name for t in db.triggers} >= {"quotes_ai", "quotes_ad", "quotes_au"}
    match = "select rowid from quotes_fts where quotes_fts match 'agenda'"
    rows = db.query(f"select content from quotes where rowid in ({match})")
    assert [row["content"] for row in rows] == [CLAIM.content]
    db.close()


def test_serve_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="No database at"):
        make_datasette(tmp_path / "missing.db")
    with pytest.raises(DatabaseError, match="No database at"):
        serve(tmp_path / "missing.db", port=0)
    assert not (tmp_path / "missing.db").exists()


async def test_serve_statements_hide_ids_and_offsets_until_asked(ds: Datasette) -> None:
    page = (await ds.client.get("/quotes/quote_triples")).text
    for column in ("quote_id", "article_id", "start", "end", "quote_rowid"):
        assert f"body:not(.show-ids) .rows-and-columns .col-{column}" in page
    assert "classList.toggle('show-ids')" in page
    # Other tables show every column.
    assert "body:not(.show-ids)" not in (await ds.client.get("/quotes/quotes")).text


async def test_serve_database_page_leads_with_statements_and_contradictions(
    ds: Datasette,
) -> None:
    page = (await ds.client.get("/quotes")).text
    statements = page.index('href="/quotes/quote_triples"')
    contradictions = page.index('href="/quotes/contradiction_pairs"')
    first_table = page.index('href="/quotes/articles"')
    assert statements < first_table and contradictions < first_table


async def test_serve_contradictions_strongest_first(ds: Datasette) -> None:
    page = (await ds.client.get("/quotes/contradiction_pairs")).text
    assert "score&nbsp;▲" in page or "sorted by score descending" in page


async def test_serve_statements_show_unnamed_speakers_mentions(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    db = open_db(path)
    unnamed = make_quote(
        "u1",
        0,
        "The timetable is under review",
        speaker=None,
        speaker_kind=None,
        speaker_title=None,
        speaker_mention=Mention("a Port Authority spokesperson", 40, 69),
    )
    save(db, [(Article("u1", "text", "u1.txt", title="U"), [unnamed])])
    db.close()
    datasette = make_datasette(path)
    rows = await get_json(datasette, "/quotes/quote_triples.json?_shape=array")
    assert [(r["speaker"], r["speaker_mention"]) for r in rows] == [
        (None, "a Port Authority spokesperson")
    ]


async def test_serve_statements_search_finds_speakers_and_outlets(ds: Datasette) -> None:
    def found(rows: list[dict[str, Any]]) -> set[str]:
        return {row["quote_id"] for row in rows}

    by_name = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=Zakharova")
    assert found(by_name) == {qid(DENIAL)}
    by_outlet = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=Gazette")
    assert qid(CLAIM) in found(by_outlet)
    # A word of the quote and the speaker together.
    both = await get_json(ds, "/quotes/quote_triples.json?_shape=array&_search=Peskov+agenda")
    assert found(both) == {qid(CLAIM)}


def test_statement_search_follows_merges_and_deletes(db_path: Path) -> None:
    from quotes import editors

    db = open_db(db_path)

    def hits(term: str) -> int:
        sql = "select count(*) from statements_fts where statements_fts match ?"
        return int(db.execute(sql, [term]).fetchone()[0])

    assert hits("Zakharova") == 1
    editors.merge_speaker(db, "Maria Zakharova", "Maria V. Zakharova")
    assert hits('"Maria V. Zakharova"') == 1
    editors.rename_speaker(db, "Dmitry Peskov", "Dmitry S. Peskov")
    assert hits('"Dmitry S. Peskov"') == hits("Peskov") >= 1
    db.execute("delete from contradictions")
    db.execute("delete from quote_outlets")
    db.execute("delete from quotes")
    assert db.execute("select count(*) from statements_fts").fetchone()[0] == 0
    db.close()
