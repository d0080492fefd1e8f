"""quotes: who said what, according to whom.

>>> import quotes
>>> db = quotes.open_db("quotes.db")                    # doctest: +SKIP
>>> quotes.ingest_paths(["seeds/"], db)                   # doctest: +SKIP
>>> quotes.find(db, speaker="Peskov")                     # doctest: +SKIP
"""

from .errors import QuotesError
from .ingest import read_articles
from .models import Article, Failure, Mention, Quote
from .pipeline import extract as extract_quotes
from .pipeline import ingest as ingest_paths
from .query import find, get_quote
from .store import open_db, save

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
