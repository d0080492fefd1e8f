"""The shipped outlet registry and word lists, and the `QUOTES_DATA` extension folder."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from quotes.lexicons import outlet_by_domain, outlet_index, outlets, words

KINDS = {"agency", "newspaper", "broadcaster", "magazine", "online", "radio", "government"}


def registry_rows() -> list[dict[str, object]]:
    text = resources.files("quotes").joinpath("data", "outlets.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_lexicons_registry_rows_are_complete() -> None:
    rows = registry_rows()
    assert len(rows) >= 150
    for row in rows:
        assert set(row) == {"name", "kind", "domain", "aliases", "country"}, row
        assert row["kind"] in KINDS, row
        assert isinstance(row["aliases"], list), row
        assert isinstance(row["country"], str) and len(row["country"]) == 2, row
    assert len(outlets()) == len(rows)


def test_lexicons_names_and_aliases_unique() -> None:
    """No name or alias, lower-cased and with or without `the`, belongs to two outlets."""
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in outlets():
        for alias in (entry.name, *entry.aliases):
            key = alias.lower()
            owners[key].add(entry.name)
            owners[key.removeprefix("the ")].add(entry.name)
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}
    names = [entry.name for entry in outlets()]
    assert len(names) == len(set(names))


def test_lexicons_domains_unique_and_not_nested() -> None:
    """Each domain names one outlet, and none is a subdomain of another's, so lookups agree."""
    domains = [entry.domain for entry in outlets() if entry.domain]
    assert len(domains) == len(set(domains))
    nested = [(a, b) for a in domains for b in domains if a.endswith("." + b)]
    assert nested == []


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("Bloomberg", "Bloomberg"),
        ("Bloomberg News", "Bloomberg"),
        ("the New York Times", "The New York Times"),
        ("NYT", "The New York Times"),
        ("TASS", "TASS"),
        ("ITAR-TASS", "TASS"),
        ("RBC", "RBC"),
        ("RBC-Ukraine", "RBC-Ukraine"),
        ("VGTRK", "VGTRK"),
        ("Rossiya 1", "VGTRK"),
        ("EADaily", "EADaily"),
        ("The Moscow Times", "The Moscow Times"),
        ("Moscow Times", "The Moscow Times"),
        ("AFP", "Agence France-Presse"),
        ("AP", "Associated Press"),
        ("Anadolu", "Anadolu Agency"),
        ("SANA", "Syrian Arab News Agency"),
        ("NTV", "NTV"),
        ("NTV Turkey", "NTV Turkey"),
    ],
)
def test_lexicons_outlet_index_finds(alias: str, name: str) -> None:
    assert outlet_index()[alias.lower()].name == name


@pytest.mark.parametrize("word", ["the times", "times", "post", "kremlin", "kremlin.ru"])
def test_lexicons_ambiguous_or_non_outlets_are_absent(word: str) -> None:
    assert word not in outlet_index()


@pytest.mark.parametrize(
    ("domain", "name"),
    [
        ("www.nytimes.com", "The New York Times"),
        ("nytimes.com", "The New York Times"),
        ("www.bbc.co.uk", "BBC"),
        ("edition.cnn.com", "CNN"),
        ("tass.com", "TASS"),
        ("www.rbc.ua", "RBC-Ukraine"),
    ],
)
def test_lexicons_outlet_by_domain(domain: str, name: str) -> None:
    entry = outlet_by_domain(domain)
    assert entry is not None and entry.name == name


@pytest.mark.parametrize("domain", ["kremlin.ru", "example.com", "notnytimes.com"])
def test_lexicons_outlet_by_domain_unknown(domain: str) -> None:
    assert outlet_by_domain(domain) is None


@pytest.fixture
def fresh_words() -> Iterator[None]:
    """`words` recomputed for the test, and again after it, since it is cached per process."""
    words.cache_clear()
    yield
    words.cache_clear()


def test_lexicons_words_extended_by_quotes_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_words: None
) -> None:
    name = "cue_verbs"
    if not resources.files("quotes").joinpath("data", f"{name}.txt").is_file():
        pytest.skip(f"quotes/data/{name}.txt is not there yet")
    shipped = words(name)
    (tmp_path / f"{name}.txt").write_text("# user additions\nZzblurted  # made up\n\n")
    monkeypatch.setenv("QUOTES_DATA", str(tmp_path))
    words.cache_clear()
    extended = words(name)
    assert extended == shipped | {"zzblurted"}
