"""The whole jobs, stage after stage: `ingest` (inputs -> database), `extract` (inputs -> quotes).

Each job only chains the stages' own functions; this is what the CLI commands call.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlite_utils
import threadpoolctl

from . import canonical, contradictions, editors, nlp, query, store, tagger
from .ingest import read_articles
from .models import Article, Failure, Quote
from .process import canonicalize, process

if TYPE_CHECKING:
    # Only a cluster ingest imports Dask (`quotes.cluster`).
    from .cluster import Cluster


@dataclass(slots=True)
class IngestReport:
    """What an ingest did, for the CLI to print."""

    articles_read: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_skipped: int = 0
    # Quotes this run wrote (of new and updated articles).
    quotes: int = 0
    speakers_merged: int = 0
    # Contradictions found among every stored quote after this run.
    contradictions: int = 0
    # What the database holds after this run (`query.stats`).
    totals: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    # Inputs read with a caveat (`read_articles`' `on_warning`): stored, and said so.
    warnings: list[Failure] = field(default_factory=list)


def _new_only(
    db: sqlite_utils.Database,
    articles: Iterable[Article],
    report: IngestReport,
    on_skipped: Callable[[Article], None] | None = None,
) -> Iterator[Article]:
    """Articles not stored yet: a re-ingest parses nothing it has seen."""
    seen: set[str] = set()
    for article in articles:
        report.articles_read += 1
        if article.id in seen or db["articles"].count_where("id = ?", [article.id]):
            report.articles_skipped += 1
            if on_skipped is not None:
                on_skipped(article)
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
    on_skipped: Callable[[Article], None] | None = None,
    cluster: Cluster | None = None,
    on_partition: Callable[[int, int], None] | None = None,
    on_warning: Callable[[Failure], None] | None = None,
) -> IngestReport:
    """Read `paths`, extract every statement and store it in `db`.

    Bad inputs, and articles whose processing fails, are reported through `on_error` (and kept
    in the report) and never stop the others; `on_article` is called after each article is
    processed (for a progress bar), `on_skipped` with each one skipped as already stored,
    `on_warning` with each input stored with a caveat (a file name that is not UTF-8; see
    `read_articles`; not on a cluster).
    `n_process` above 1 runs the processing in that many worker processes
    (`process_parallel`) while this one reads and writes. Afterwards speaker name variants
    across the database are merged and contradictions found.

    With `cluster` (`quotes.cluster.connect`), the reading and processing run on its workers
    instead, partition by partition (`on_partition(done, total)` after each), and this process
    stores what they return in input order; every other step is the same.
    """
    report = IngestReport()

    def failed(failure: Failure) -> None:
        report.failures.append(failure)
        if on_error is not None:
            on_error(failure)

    def warned(warning: Failure) -> None:
        report.warnings.append(warning)
        if on_warning is not None:
            on_warning(warning)

    def read(count: int) -> None:
        report.articles_read += count

    if cluster is not None:
        # Articles already stored are skipped when saving (`store.save`), not before.
        processed: Iterator[_Result] = cluster.process(
            paths,
            model=model,
            outlet=outlet,
            on_error=failed,
            on_read=read,
            on_partition=on_partition,
        )
    else:
        articles = _new_only(
            db,
            read_articles(paths, outlet=outlet, on_error=failed, on_warning=warned),
            report,
            on_skipped,
        )
        if n_process > 1:
            processed = process_parallel(articles, model=model, workers=n_process, on_error=failed)
        else:
            processed = process(articles, nlp_=nlp.load(model), on_error=failed)
    results = _notify(processed, on_article)
    stats = store.save(db, results, batch_size=batch_size)
    report.articles_new = stats.articles_new
    report.articles_updated = stats.articles_updated
    report.articles_skipped += stats.articles_skipped
    report.quotes = stats.quotes
    report.speakers_merged = merge_speakers(db)
    # Editors' corrections (`quotes speakers merge|rename`, `quotes aliases import`) win.
    report.speakers_merged += editors.apply_aliases(db)
    report.contradictions = detect_contradictions(db)
    report.totals = query.stats(db)
    return report


# Articles per task sent to a worker process, and tasks in flight per worker: enough to keep
# every worker busy, few enough that a long input is never read far ahead into memory.
WORKER_CHUNK = 8
IN_FLIGHT = 2

_Result = tuple[Article, list[Quote]]
_ChunkResult = tuple[list[_Result], list[Failure]]


def process_parallel(
    articles: Iterable[Article],
    *,
    model: str | None = None,
    workers: int = 2,
    on_error: Callable[[Failure], None] | None = None,
) -> Iterator[_Result]:
    """`process` over `workers` processes, results in input order.

    Each worker runs the whole of `process` (parsing, the tagger and our own stages) over a
    chunk of articles; this process only hands out chunks and collects what comes back, so it
    is free to read inputs and write the database meanwhile. An article that fails becomes a
    `Failure` for `on_error`, as in `process`.
    """
    # Forked workers share the pipelines this process has loaded instead of loading their own.
    nlp.load(model)
    if tagger.available():
        tagger.load()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(model,)
    ) as pool:
        pending: deque[Future[_ChunkResult]] = deque()
        iterator = iter(articles)
        while chunk := list(itertools.islice(iterator, WORKER_CHUNK)):
            pending.append(pool.submit(_process_chunk, chunk, isolate=on_error is not None))
            if len(pending) >= workers * IN_FLIGHT:
                yield from _collected(pending.popleft(), on_error)
        while pending:
            yield from _collected(pending.popleft(), on_error)


_worker_model: str | None = None


def _start_worker(model: str | None) -> None:
    global _worker_model
    _worker_model = model
    # One BLAS thread per worker: the workers are the parallelism. The tagger's encoder is
    # matrix products; two workers of two BLAS threads each on two cores ran at half the speed
    # of one process (docs/benchmarks.md).
    threadpoolctl.threadpool_limits(1, user_api="blas")
    nlp.load(model)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker once the process that started it is gone.

    A killed ingest (`kill -9`) cannot shut its pool down, and its workers would otherwise
    wait for work forever, each holding a copy of the pipelines.
    """
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _process_chunk(chunk: list[Article], *, isolate: bool) -> _ChunkResult:
    """`process` over one chunk, in a worker; failures are sent back rather than raised."""
    failures: list[Failure] = []
    on_error = failures.append if isolate else None
    results = list(process(chunk, nlp_=nlp.load(_worker_model), on_error=on_error))
    return results, failures


def _collected(
    future: Future[_ChunkResult], on_error: Callable[[Failure], None] | None
) -> Iterator[_Result]:
    # `future.result()` re-raises here whatever the worker raised (with `isolate` off).
    results, failures = future.result()
    if on_error is not None:
        for failure in failures:
            on_error(failure)
    yield from results


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


def detect_contradictions(db: sqlite_utils.Database, *, full: bool = False) -> int:
    """Pair the statements not paired yet with the stored ones (`contradictions.detect`);
    returns how many pairs were stored. `full` pairs every statement again."""
    return contradictions.detect(db, full=full)


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
