"""Fixtures shared by the test modules: the real spaCy pipeline, loaded once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

import quotes.nlp
from quotes import lexicons

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nlp() -> Language:
    return quotes.nlp.load()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return ROOT / "seeds"


# An outlet only the tests' registry knows, so the shipped registry cannot interfere.
TESTWIRE = {
    "name": "Testwire",
    "kind": "agency",
    "domain": "testwire.example",
    "aliases": ["TW News", "Testwire News Agency"],
}


@pytest.fixture
def testwire_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Add Testwire to the outlet registry through `QUOTES_DATA`, its documented extension."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "outlets.jsonl").write_text(json.dumps(TESTWIRE) + "\n", encoding="utf-8")
    monkeypatch.setenv("QUOTES_DATA", str(folder))
    lexicons.outlets.cache_clear()
    lexicons.outlet_index.cache_clear()
    yield
    lexicons.outlets.cache_clear()
    lexicons.outlet_index.cache_clear()
