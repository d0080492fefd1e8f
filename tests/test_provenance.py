"""provenance: publishers, cited-outlet chains and unknown outlets, on hand-written articles.

Outlet names the registry does not know are made up (`Zorbex`, `Kestrel`), so that what is
tested is the rule that finds them, not the registry.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language
from typer.testing import CliRunner, Result

from quotes import query
from quotes.cli import app
from quotes.ingest import make_article
from quotes.models import Quote
from quotes.nlp import parse_text
from quotes.process import quotes_in
from quotes.provenance import outlet_in, unknown_outlet
from quotes.store import open_db, save


def run(nlp: Language, text: str, *, outlet: str | None = None) -> list[Quote]:
    article = make_article(text, source="test.txt", outlet=outlet)
    return quotes_in(article, nlp(parse_text(article.text)))


def quote_with(found: list[Quote], fragment: str) -> Quote:
    matching = [q for q in found if fragment in q.content]
    assert len(matching) == 1, [(q.content, q.cited_chain) for q in found]
    return matching[0]


# --- chains --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment", "chain"),
    [
        # `the X news agency reported, citing Y`
        (
            "The police arrested four men on Monday, the Interfax news agency reported, "
            "citing Deputy Interior Minister Ivan Petrov.",
            "arrested four men",
            ("Interfax",),
        ),
        # `according to X`
        ("According to Reuters, the factory will close next year.", "factory", ("Reuters",)),
        # `Y told X journalist Z`
        (
            '"We will not give up," Mayor Jan Novak told BBC journalist Anna Lee.',
            "not give up",
            ("BBC",),
        ),
        # `X quoted him as saying`, before and after the statement
        ("TASS quoted him as saying that the talks had failed.", "talks had failed", ("TASS",)),
        (
            "Minister Olga Ivanova said the harvest was poor, TASS quoted her as saying.",
            "harvest was poor",
            ("TASS",),
        ),
        # `in an interview with X`, fronted or after the cue
        (
            "In an interview with CNN, the minister said that the army would withdraw.",
            "army would withdraw",
            ("CNN",),
        ),
        (
            "The minister said in an interview with CNN that the army would withdraw.",
            "army would withdraw",
            ("CNN",),
        ),
        # `X reported` after a quote
        (
            '"The army will withdraw," the minister said, Reuters reported.',
            "army will withdraw",
            ("Reuters",),
        ),
        # nested: outlet citing outlet citing a person, outermost first
        (
            "TASS reported, citing Interfax, that Peskov said the army would withdraw.",
            "army would withdraw",
            ("TASS", "Interfax"),
        ),
        (
            "According to Reuters, which cited Interfax, Peskov said that the army would withdraw.",
            "army would withdraw",
            ("Reuters", "Interfax"),
        ),
        (
            "Reuters reported, citing the Interfax news agency, that the army would withdraw.",
            "army would withdraw",
            ("Reuters", "Interfax"),
        ),
        (
            "Interfax adds: the ministry told TASS that the plant had been closed.",
            "plant had been closed",
            ("Interfax", "TASS"),
        ),
        # `X sources`, `sources told X`
        ("The army will withdraw, Reuters sources said.", "army will withdraw", ("Reuters",)),
        ("Sources told Reuters that the army would withdraw.", "army would withdraw", ("Reuters",)),
        ("The deal is off, sources told Bloomberg.", "deal is off", ("Bloomberg",)),
    ],
)
def test_provenance_chain(nlp: Language, text: str, fragment: str, chain: tuple[str, ...]) -> None:
    quote = quote_with(run(nlp, text + "\n"), fragment)
    assert quote.cited_chain == chain
    assert quote.cited_outlet == chain[-1]


@pytest.mark.parametrize(
    ("text", "fragment", "chain"),
    [
        (
            "The bridge will close in May, the Zorbex news agency reported, citing city officials.",
            "bridge will close",
            ("Zorbex",),
        ),
        ("According to the Zorbex newspaper, the factory will close.", "factory", ("Zorbex",)),
        (
            '"We will not give up," Mayor Jan Novak told Zorbex TV channel journalist Anna Lee.',
            "not give up",
            ("Zorbex",),
        ),
        (
            "The minister said in an interview with the Zorbex daily that the army would withdraw.",
            "army would withdraw",
            ("Zorbex",),
        ),
        (
            "The newspaper Kestrel Pravdy wrote that the plant had closed.",
            "plant had closed",
            ("Kestrel Pravdy",),
        ),
        (
            "Reuters, citing the Turkish daily Zorbex, reported that Ankara would buy the jets.",
            "buy the jets",
            ("Reuters", "Zorbex"),
        ),
    ],
)
def test_provenance_unknown_outlets_enter_the_chain(
    nlp: Language, text: str, fragment: str, chain: tuple[str, ...]
) -> None:
    assert quote_with(run(nlp, text + "\n"), fragment).cited_chain == chain


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        # An outlet inside what was said is not where it was taken from.
        ("Peskov said that Reuters had reported the deal.", "Reuters had reported"),
        ("The minister said the Zorbex newspaper was biased.", "newspaper was biased"),
        # Nationalities, place names and organisations are not outlet names.
        ("Peskov told the Russian news agency that the deal was done.", "deal was done"),
        ("Peskov told the Moscow newspaper that the deal was done.", "deal was done"),
        (
            "The minister said that the European Space Agency would launch the probe.",
            "launch the probe",
        ),
        ("The mayor said the Kremlin website was down.", "website was down"),
        ("Putin told reporters that the deal was done.", "deal was done"),
        # A report that is denied is not where the denial came from.
        (
            "The Kremlin denied the Bloomberg report that Erdogan asked Putin for a refund.",
            "Bloomberg report",
        ),
    ],
)
def test_provenance_no_chain(nlp: Language, text: str, fragment: str) -> None:
    quote = quote_with(run(nlp, text + "\n"), fragment)
    assert quote.cited_chain == ()
    assert quote.cited_outlet is None


def test_provenance_statement_on_the_record_is_not_the_relaying_outlets(nlp: Language) -> None:
    found = run(
        nlp,
        "Reuters recalls that on Monday the minister said at a press conference that the plant "
        "had closed.\n",
    )
    (quote,) = [q for q in found if q.content == "that the plant had closed"]
    assert quote.cited_chain == ()


def test_provenance_anonymous_sources_flagged_with_their_outlet(nlp: Language) -> None:
    found = run(
        nlp,
        "Two officials told the Zorbex daily that the deal was off.\n\n"
        "According to Bloomberg, citing people familiar with the talks, the mine will be sold.\n",
    )
    zorbex = quote_with(found, "deal was off")
    assert (zorbex.speaker_kind, zorbex.cited_chain) == ("anonymous", ("Zorbex",))
    bloomberg = quote_with(found, "mine will be sold")
    assert bloomberg.speaker == "people familiar with the talks"
    assert (bloomberg.speaker_kind, bloomberg.cited_chain) == ("anonymous", ("Bloomberg",))


def test_provenance_paragraph_continues_the_cited_report(nlp: Language) -> None:
    """A paragraph opened by an outlet's report goes on reporting it; the next one does not."""
    found = run(
        nlp,
        "According to Reuters, the mine will be sold. The minister said the workers would be "
        "paid.\n\nThe mayor said the road would reopen.\n",
    )
    assert quote_with(found, "workers would be paid").cited_chain == ("Reuters",)
    assert quote_with(found, "road would reopen").cited_chain == ()


def test_provenance_publisher_not_its_own_citation(nlp: Language) -> None:
    """The publisher naming itself (`EADaily adds:`) publishes; later quotes do not cite it."""
    found = run(
        nlp,
        "According to Bloomberg, the mine will be sold.\n\n"
        "EADaily adds: the ministry stated that the mine was not for sale. "
        "The mayor said the road would reopen.\n",
    )
    assert {q.publisher for q in found} == {"EADaily"}
    assert quote_with(found, "mine will be sold").cited_chain == ("Bloomberg",)
    assert quote_with(found, "road would reopen").cited_chain == ()


# --- unknown outlets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("the Zorbex news agency", "Zorbex"),
        ("Zorbex newspaper", "Zorbex"),
        ("the Zorbex TV channel", "Zorbex"),
        ("the Zorbex daily", "Zorbex"),
        # A capitalised descriptive noun belongs to the name.
        ("the Zorbex News Agency", "Zorbex News Agency"),
        ("the Daily Kestrel", "Daily Kestrel"),
        ("the pro-government Zorbex daily", "Zorbex"),
        ("the newspaper Kestrel Pravdy", "Kestrel Pravdy"),
        ("the Turkish daily Zorbex", "Zorbex"),
        ('the TV channel "Zorbex"', "Zorbex"),
        ("the Russian news agency", None),
        ("the Moscow newspaper", None),
        ("the European Space Agency", None),
        ("the Kremlin website", None),
        ("a state television channel", None),
    ],
)
def test_provenance_unknown_outlet_names(nlp: Language, phrase: str, name: str | None) -> None:
    doc = nlp(f"Sources told {phrase} that the deal was off.")
    assert unknown_outlet(doc[:]) == name


def test_provenance_registry_outlets_win(nlp: Language) -> None:
    doc = nlp("Sources told the Interfax news agency that the deal was off.")
    assert unknown_outlet(doc[:]) is None
    assert outlet_in(doc[:]) == "Interfax"


def test_provenance_unknown_outlet_stored_as_unknown(nlp: Language, tmp_path: Path) -> None:
    text = "The bridge will close in May, the Zorbex news agency reported, citing officials.\n"
    article = make_article(text, source="zorbex.txt")
    found = quotes_in(article, nlp(parse_text(text)))
    db = open_db(tmp_path / "q.db")
    save(db, [(article, found)])
    rows = {row["name"]: row for row in query.outlets(db)}
    assert rows["Zorbex"]["kind"] == "unknown"
    assert rows["Zorbex"]["cited"] == 1
    (row,) = query.find(db, cited="Zorbex")
    assert row["cited_chain"] == ["Zorbex"]
    assert row["speaker_kind"] == "anonymous"


# --- the chain in every output -------------------------------------------------------------------

CHAINED = (
    "TASS reported, citing Interfax, that Peskov said the army would withdraw.\n\n"
    "The bridge will close in May, the Zorbex news agency reported, citing city officials.\n"
)


@pytest.fixture(scope="module")
def chained_db(tmp_path_factory: pytest.TempPathFactory, nlp: Language) -> Path:
    """A hand-written article with a nested chain and an unknown outlet, ingested by the CLI."""
    folder = tmp_path_factory.mktemp("chained")
    (folder / "story.txt").write_text(CHAINED, encoding="utf-8")
    db = folder / "q.db"
    result = cli("ingest", folder / "story.txt", "--db", db, "--outlet", "Kestrel Times")
    assert result.exit_code == 0, result.output
    return db


def cli(*args: object) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], prog_name="quotes")


def find_rows(db: Path, *args: object) -> list[dict[str, Any]]:
    result = cli("find", "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def row_with(rows: list[dict[str, Any]], fragment: str) -> dict[str, Any]:
    (row,) = [row for row in rows if fragment in row["content"]]
    return row


def test_provenance_cli_find_by_cited_outlet_and_publisher(chained_db: Path) -> None:
    interfax = row_with(find_rows(chained_db, "--cited", "Interfax"), "army would withdraw")
    assert interfax["cited_chain"] == ["TASS", "Interfax"]
    assert interfax["publisher"] == "Kestrel Times"
    zorbex = row_with(find_rows(chained_db, "--cited", "zorbex"), "bridge will close")
    assert zorbex["cited_chain"] == ["Zorbex"] and zorbex["speaker_kind"] == "anonymous"
    published = " ".join(row["content"] for row in find_rows(chained_db, "--outlet", "Kestrel"))
    assert "army would withdraw" in published and "bridge will close" in published
    assert find_rows(chained_db, "--outlet", "Reuters") == []


def test_provenance_cli_find_csv_and_table_carry_the_chain(chained_db: Path) -> None:
    result = cli("find", "--db", chained_db, "--cited", "Interfax", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    row = row_with(rows, "army would withdraw")
    assert json.loads(row["cited_chain"]) == ["TASS", "Interfax"]
    assert row["cited_outlet"] == "Interfax" and row["publisher"] == "Kestrel Times"
    table = cli("find", "--db", chained_db, "--cited", "Interfax")
    assert table.exit_code == 0, table.output
    assert "Interfax" in table.stdout and "Kestrel Times" in table.stdout


def test_provenance_cli_outlets_counts(chained_db: Path) -> None:
    result = cli("outlets", "--db", chained_db, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert (rows["Kestrel Times"]["kind"], rows["Kestrel Times"]["articles"]) == ("unknown", 1)
    assert rows["Zorbex"]["kind"] == "unknown" and rows["Zorbex"]["cited"] >= 1
    assert rows["Interfax"]["kind"] == "agency" and rows["Interfax"]["cited"] >= 1


def test_provenance_cli_show_prints_the_chain(chained_db: Path) -> None:
    row = row_with(find_rows(chained_db, "--cited", "Interfax"), "army would withdraw")
    result = cli("show", row["id"][:10], "--db", chained_db)
    assert result.exit_code == 0, result.output
    assert "Cited:      TASS ← Interfax" in result.stdout
    assert f"Chain:      Kestrel Times ← TASS ← Interfax ← {row['speaker']}" in result.stdout
    shown = json.loads(cli("show", row["id"], "--db", chained_db, "-f", "json").stdout)
    assert shown["cited_chain"] == ["TASS", "Interfax"]
    zorbex = row_with(find_rows(chained_db, "--cited", "Zorbex"), "bridge will close")
    assert "(anonymous source)" in cli("show", zorbex["id"], "--db", chained_db).stdout


def test_provenance_find_cited_matches_anywhere_in_the_chain(nlp: Language, tmp_path: Path) -> None:
    import quotes
    from quotes import pipeline, query

    path = tmp_path / "a.txt"
    path.write_text(
        "TASS reported, citing Interfax, that the minister said the talks would resume.\n",
        encoding="utf-8",
    )
    db = quotes.open_db(tmp_path / "chain.db")
    pipeline.ingest([str(path)], db)
    rows = query.find(db, cited="TASS")
    assert rows and all("TASS" in r["cited_chain"] for r in rows)
    assert query.find(db, cited="Interfax") == rows
    counts = {o["name"]: o["cited"] for o in query.outlets(db)}
    assert counts["TASS"] >= 1 and counts["Interfax"] >= 1


# --- outlets the registry does not know, recognised by how the text uses them ---------------------


@pytest.mark.parametrize(
    ("text", "fragment", "outlet"),
    [
        (
            "The port will close next year, Kestrel Media reported on Monday.",
            "port will close",
            "Kestrel Media",
        ),
        (
            'Mayor Ivo Brandt told Zorbex Sport Radio: "The stadium stays where it is."',
            "stadium stays",
            "Zorbex Sport Radio",
        ),
        (
            "According to Kestrel Noticias, the minister will resign on Friday.",
            "minister will resign",
            "Kestrel Noticias",
        ),
        (
            "Coach Lena Moss said in an interview with Zorbex.com News that she would stay.",
            "she would stay",
            "Zorbex.com News",
        ),
    ],
)
def test_outlets_recognised_by_use(nlp: Language, text: str, fragment: str, outlet: str) -> None:
    assert quote_with(run(nlp, text + "\n"), fragment).cited_outlet == outlet


def test_outlets_short_form_and_later_mentions(nlp: Language) -> None:
    from quotes import outlets

    doc = nlp(
        parse_text(
            "The factory will shut in May, Kestrel Media reported.\n\n"
            "Kestrel said the owners had already sold the land.\n"
        )
    )
    assert outlets.mark_article_outlets(doc) == ["Kestrel Media"]
    marked = [(e.text, e.ent_id_) for e in doc.ents if e.label_ == "OUTLET"]
    assert marked == [("Kestrel Media", "Kestrel Media"), ("Kestrel", "Kestrel Media")]


def test_outlets_names_that_are_not_outlets_stay_unmarked(nlp: Language) -> None:
    from quotes import outlets

    doc = nlp(
        parse_text(
            "Apple reported that sales rose in March.\n"
            "The minister told Parliament the budget was balanced.\n"
        )
    )
    assert outlets.mark_article_outlets(doc) == []


def test_outlets_abbreviated_alias_takes_the_registry_name() -> None:
    from quotes import outlets

    assert outlets.canonical_name("Australian Broadcasting Corp.") == (
        "Australian Broadcasting Corporation"
    )
    assert outlets.canonical_name("ABC Australia") == "Australian Broadcasting Corporation"
    assert outlets.canonical_name("the Kestrel Gazette") == "Kestrel Gazette"


# --- passages: an interview goes on in the quotes that follow it ----------------------------------


def test_provenance_told_outlet_covers_the_following_quotes(nlp: Language) -> None:
    found = run(
        nlp,
        '"We have no plans to sell the club," chairman Ivo Brandt told Kestrel Sport Radio.\n\n'
        '"The coach has two more years on his contract and he will stay."\n\n'
        "Brandt added that the board would meet in June.\n\n"
        "Fans gathered outside the stadium on Sunday evening.\n\n"
        '"We want a new coach," supporter Mia Lund said.\n',
    )
    assert quote_with(found, "no plans to sell").cited_outlet == "Kestrel Sport Radio"
    assert quote_with(found, "two more years").cited_outlet == "Kestrel Sport Radio"
    assert quote_with(found, "board would meet").cited_outlet == "Kestrel Sport Radio"
    # Another speaker, after other material, is not part of the interview.
    assert quote_with(found, "new coach").cited_outlet is None


def test_provenance_speaking_to_outlet(nlp: Language) -> None:
    found = run(
        nlp,
        "Speaking to CNN, the governor said the bridge would reopen in a week.\n\n"
        "The governor also said the repairs would cost less than expected.\n",
    )
    assert quote_with(found, "bridge would reopen").cited_outlet == "CNN"
