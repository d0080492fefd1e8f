"""quotes: who said what, according to whom.

>>> import quotes
>>> db = quotes.open_db("quotes.db")                    # doctest: +SKIP
>>> quotes.ingest_paths(["seeds/"], db)                   # doctest: +SKIP
>>> quotes.find(db, speaker="Peskov")                     # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import QuotesError
    from .ingest import read_articles
    from .models import Article, Failure, Mention, Quote
    from .pipeline import extract as extract_quotes
    from .pipeline import ingest as ingest_paths
    from .query import find, get_quote
    from .store import open_db, save

# Each public name and the module it lives in, imported on first use (PEP 562): `import quotes`
# (and so the CLI's read commands) must not pay for spaCy and textacy unless something parses.
_EXPORTS = {
    "Article": ("models", "Article"),
    "Failure": ("models", "Failure"),
    "Mention": ("models", "Mention"),
    "Quote": ("models", "Quote"),
    "QuotesError": ("errors", "QuotesError"),
    "extract_quotes": ("pipeline", "extract"),
    "find": ("query", "find"),
    "get_quote": ("query", "get_quote"),
    "ingest_paths": ("pipeline", "ingest"),
    "open_db": ("store", "open_db"),
    "read_articles": ("ingest", "read_articles"),
    "save": ("store", "save"),
}

__all__ = [
    "Article",
    "Failure",
    "Mention",
    "Quote",
    "QuotesError",
    "extract_quotes",
    "find",
    "get_quote",
    "ingest_paths",
    "open_db",
    "read_articles",
    "save",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'quotes' has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
