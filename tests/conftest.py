"""Fixtures shared by the test modules: the real spaCy pipeline, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

import quotes.nlp

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nlp() -> Language:
    return quotes.nlp.load()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return ROOT / "seeds"
