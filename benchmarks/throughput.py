"""Ingest throughput against its limit, with one worker and more, and where the time goes.

    .venv/bin/python benchmarks/throughput.py [--texts ../shared/eval/dev.jsonl] [--repeat 3]
        [--workers 1 2] [--json results.json]

The limit is what spaCy alone costs: the English pipeline (with the rulers `quotes` adds) and,
when installed, the attribution tagger, each run over the texts with `nlp.pipe` ("bare"; the
tagger reads no parse features there, so building them counts against the ingest). The
ingest is the whole job as `quotes ingest` runs it (`pipeline.ingest`): read a JSONL file,
parse, tag, extract, attribute, store in a new SQLite file, merge speakers, find
contradictions. Both run in this process on the same texts, alternately, `--repeat` times; the
medians are compared. Each `--workers` count gets its own ingest timing.

The per-stage breakdown runs the stages one after another over the whole corpus, each timed
on its own: reading, the spaCy parse, the tagger, decoding its tags, our stages (extraction,
attribution, canonical names, provenance), storing, and the end of an ingest (speaker merges
and contradictions). Without PolNeAR beside the repo, the seed articles are repeated.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quotes import nlp, pipeline, store, tagger
from quotes.ingest import read_articles
from quotes.process import quotes_in

ROOT = Path(__file__).resolve().parent.parent


def corpus(path: Path) -> list[dict[str, Any]]:
    """Article rows (`text`, and `title`, `published`, `outlet` when known)."""
    if path.exists():
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [
            {
                "text": row["text"],
                "title": row.get("title"),
                "published": row.get("publication_date"),
                "outlet": row.get("publisher"),
            }
            for row in rows
        ]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    # Each copy numbered, so that its article id differs and the ingest stores it.
    return [{"text": f"{text}\n\nCopy {i}.\n"} for i in range(30) for text in seeds]


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = corpus(args.texts)
    texts = [row["text"] for row in rows]
    words = sum(len(t.split()) for t in texts)
    # `pipeline.ingest` loads with `nlp.load(None)`: the same call shares its cached pipeline
    # (`nlp.load()` is another cache entry, and would load the pipeline a second time).
    model = nlp.load(None)
    use_tagger = tagger.available()
    work = Path(tempfile.mkdtemp(prefix="quotes-bench-"))
    source = work / "corpus.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    def bare() -> None:
        # Each pipeline over the texts, nothing else: the tagger's own tokenizer, no parse
        # features (its feature layer finds zeros), no segments.
        for _ in model.pipe((nlp.parse_text(t) for t in texts), batch_size=16):
            pass
        if use_tagger:
            for _ in tagger.load().pipe((nlp.parse_text(t) for t in texts), batch_size=16):
                pass

    runs = 0

    def ingest(workers: int) -> Callable[[], object]:
        def run() -> None:
            nonlocal runs
            runs += 1
            db = store.open_db(work / f"ingest-{runs}.db")
            report = pipeline.ingest([str(source)], db, n_process=workers)
            assert report.articles_new == len(rows), report
            db.close()

        return run

    bare()  # warm up both pipelines
    names = ["bare", *(f"ingest x{w}" for w in args.workers)]
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.repeat):
        times["bare"].append(timed(bare))
        for w in args.workers:
            times[f"ingest x{w}"].append(timed(ingest(w)))
    median = {name: statistics.median(ts) for name, ts in times.items()}
    stages = breakdown(source, work / "stages.db", model, use_tagger)

    print(f"texts: {len(texts)} articles, {words:,} words; tagger: {use_tagger}")
    print(f"{'run':>12} {'seconds':>8} {'words/s':>8} {'vs bare':>8}")
    for name, seconds in median.items():
        print(f"{name:>12} {seconds:8.2f} {words / seconds:8,.0f} {median['bare'] / seconds:8.3f}")
    for w in args.workers[1:]:
        speedup = median[f"ingest x{args.workers[0]}"] / median[f"ingest x{w}"]
        print(f"--workers {w} vs {args.workers[0]}: {speedup:.2f}x")
    total = sum(stages.values())
    print(f"\n{'stage':>34} {'seconds':>8} {'share':>6}")
    for name, seconds in stages.items():
        print(f"{name:>34} {seconds:8.2f} {seconds / total:6.1%}")
    if args.json:
        result = {
            "machine": platform.platform(),
            "articles": len(texts),
            "words": words,
            "tagger": use_tagger,
            "repeat": args.repeat,
            "seconds": median,
            "all_seconds": times,
            "stages": stages,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def breakdown(source: Path, db_path: Path, model: Any, use_tagger: bool) -> dict[str, float]:
    """Seconds per stage, each run over the whole corpus on its own."""
    stages: dict[str, float] = {}
    start = time.perf_counter()
    articles = list(read_articles([str(source)]))
    stages["read (JSONL, ids)"] = time.perf_counter() - start
    texts = [a.text for a in articles]

    start = time.perf_counter()
    docs = [doc for _, doc in nlp.parse(articles, nlp=model)]
    stages["spaCy parse (nlp.pipe)"] = time.perf_counter() - start

    decoded: list[list[tagger.Attribution]] = [[] for _ in articles]
    if use_tagger:
        start = time.perf_counter()
        tags = list(tagger.predict_docs(docs, batch_size=16))
        stages["attribution tagger (features, nlp.pipe)"] = time.perf_counter() - start
        start = time.perf_counter()
        decoded = [tagger.decode(t, tag) for t, tag in zip(texts, tags, strict=True)]
        stages["tagger decoding"] = time.perf_counter() - start

    start = time.perf_counter()
    results = [
        (a, quotes_in(a, doc, tagged=found))
        for a, doc, found in zip(articles, docs, decoded, strict=True)
    ]
    stages["extract, attribute, canonical, provenance"] = time.perf_counter() - start

    db = store.open_db(db_path)
    start = time.perf_counter()
    store.save(db, results)
    stages["store (SQLite)"] = time.perf_counter() - start
    start = time.perf_counter()
    pipeline.merge_speakers(db)
    pipeline.detect_contradictions(db)
    stages["speaker merges, contradictions"] = time.perf_counter() - start
    db.close()
    return stages


if __name__ == "__main__":
    main()
