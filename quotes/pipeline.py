"""The whole jobs, stage after stage: `ingest` (inputs -> database), `extract` (inputs -> quotes).

Each job only chains the stages' own functions; this is what the CLI commands call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlite_utils

from . import canonical, contradictions, nlp, query, store
from .ingest import read_articles
from .models import Article, Failure, Quote
from .process import canonicalize, process


@dataclass(slots=True)
class IngestReport:
    """What an ingest did, for the CLI to print."""

    articles_read: int = 0
    articles_new: int = 0
    articles_skipped: int = 0
    quotes: int = 0
    speakers_merged: int = 0
    contradictions: int = 0
    failures: list[Failure] = field(default_factory=list)


def _new_only(
    db: sqlite_utils.Database, articles: Iterable[Article], report: IngestReport
) -> Iterator[Article]:
    """Articles not stored yet: a re-ingest parses nothing it has seen."""
    seen: set[str] = set()
    for article in articles:
        report.articles_read += 1
        if article.id in seen or db["articles"].count_where("id = ?", [article.id]):
            report.articles_skipped += 1
            continue
        seen.add(article.id)
        yield article


def ingest(
    paths: Iterable[str],
    db: sqlite_utils.Database,
    *,
    model: str | None = None,
    outlet: str | None = None,
    n_process: int = 1,
    batch_size: int = 50,
    on_error: Callable[[Failure], None] | None = None,
    on_article: Callable[[Article], None] | None = None,
) -> IngestReport:
    """Read `paths`, extract every statement and store it in `db`.

    Bad inputs are reported through `on_error` (and kept in the report) and never stop the
    others; `on_article` is called after each article is processed (for a progress bar).
    Afterwards speaker name variants across the database are merged and contradictions found.
    """
    report = IngestReport()

    def failed(failure: Failure) -> None:
        report.failures.append(failure)
        if on_error is not None:
            on_error(failure)

    model_ = nlp.load(model)
    articles = _new_only(db, read_articles(paths, outlet=outlet, on_error=failed), report)
    results = _notify(process(articles, nlp_=model_, n_process=n_process), on_article)
    stats = store.save(db, results, batch_size=batch_size)
    report.articles_new = stats.articles_new
    report.articles_skipped += stats.articles_skipped
    report.quotes = stats.quotes
    report.speakers_merged = merge_speakers(db)
    report.contradictions = detect_contradictions(db)
    return report


def _notify(
    results: Iterator[tuple[Article, list[Quote]]], on_article: Callable[[Article], None] | None
) -> Iterator[tuple[Article, list[Quote]]]:
    for article, found in results:
        if on_article is not None:
            on_article(article)
        yield article, found


def merge_speakers(db: sqlite_utils.Database) -> int:
    """Merge speaker name variants across the database (see `canonical.merge_map`)."""

    def frequency(name: str) -> int:
        row = db.execute(
            "select count(*) from articles where instr(text, ?) > 0", [name]
        ).fetchone()
        return int(row[0])

    mapping = canonical.merge_map(store.speaker_names(db), frequency=frequency)
    return store.merge_speakers(db, mapping) if mapping else 0


def detect_contradictions(db: sqlite_utils.Database) -> int:
    """Find claim/denial pairs among all stored quotes and store them; returns how many."""
    pairs = contradictions.find_contradictions(query.find(db, limit=None))
    db.table("contradictions").delete_where()
    return store.save_contradictions(db, pairs)


def extract(
    paths: Iterable[str],
    *,
    model: str | None = None,
    outlet: str | None = None,
    on_error: Callable[[Failure], None] | None = None,
) -> list[Quote]:
    """Every statement in `paths`, speakers merged across them; nothing is stored."""
    model_ = nlp.load(model)
    texts: list[str] = []
    found: list[Quote] = []
    for article, quotes in process(
        read_articles(paths, outlet=outlet, on_error=on_error), nlp_=model_
    ):
        texts.append(article.text)
        found.extend(quotes)
    return canonicalize(found, texts=texts)
