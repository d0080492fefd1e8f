"""Ingest throughput against bare spaCy, with one worker and more, and where the time goes.

    .venv/bin/python benchmarks/throughput.py [--texts ../shared/eval/dev.jsonl] [--repeat 3]
        [--workers 1 2] [--json results.json]

The limit a user compares with is spaCy itself: `nlp.pipe` of `en_core_web_sm` as installed,
nothing added ("bare en_core_web_sm", the headline ratio). A secondary row keeps what earlier
releases called bare: the English pipeline with the rulers `quotes` adds, then the attribution
tagger with its encoder, each over the raw texts ("both pipelines"). The ingest is the whole job
as `quotes ingest` runs it (`pipeline.ingest`): read a JSONL file, parse, tag, extract,
attribute, store in a new SQLite file, merge speakers, find contradictions. All run in this
process on the same texts, interleaved, `--repeat` times; the medians are compared, and each
ratio is also taken within every round (the figures are from a shared machine: the load
average is printed and stored with them).

The per-stage breakdown runs the stages one after another over the whole corpus, each timed
on its own, with its cost per 1,000 words: reading, the spaCy parse, the rules (layout, rule
statements, the tagger's features), the encoder, the tagger (its tok2vec and NER, reading the
encoder's vectors) and its decoding, attribution (extraction's merge, attribution, canonical
names, provenance), storing, speaker merges and contradictions. Without PolNeAR beside the
repo, the seed articles are repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy

from quotes import extract, features, nlp, pipeline, store, tagger
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


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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
    load_before = load()
    # `pipeline.ingest` loads with `nlp.load(None)`: the same call shares its cached pipeline
    # (`nlp.load()` is another cache entry, and would load the pipeline a second time).
    model = nlp.load(None)
    # en_core_web_sm as installed: its own load, without the rulers `nlp.load` adds.
    plain_name = nlp.default_model()
    plain = spacy.load(plain_name)
    use_tagger = tagger.available()
    work = Path(tempfile.mkdtemp(prefix="quotes-bench-"))
    source = work / "corpus.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    def bare_sm() -> None:
        for _ in plain.pipe(texts, batch_size=16):
            pass

    def both() -> None:
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

    bare_sm()  # warm up the pipelines
    both()
    first = f"ingest x{args.workers[0]}"
    names = ["bare en_core_web_sm", "both pipelines", *(f"ingest x{w}" for w in args.workers)]
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.repeat):
        times["bare en_core_web_sm"].append(timed(bare_sm))
        times["both pipelines"].append(timed(both))
        for w in args.workers:
            times[f"ingest x{w}"].append(timed(ingest(w)))
    median = {name: statistics.median(ts) for name, ts in times.items()}
    # The same ratios within each round (one round's runs saw about the same load).
    per_round = {
        name: [b / t for b, t in zip(times["bare en_core_web_sm"], ts, strict=True)]
        for name, ts in times.items()
    }
    stages = breakdown(source, work / "stages.db", model, use_tagger)
    load_after = load()

    print(f"texts: {len(texts)} articles, {words:,} words; tagger: {use_tagger}")
    print(f"bare: {plain_name} {spacy.util.get_package_version(plain_name) or ''}".rstrip())
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    print(f"{'run':>20} {'seconds':>8} {'words/s':>8} {'vs bare':>8} {'per round':>20}")
    for name, seconds in median.items():
        rounds = " ".join(f"{r:.2f}" for r in per_round[name])
        print(
            f"{name:>20} {seconds:8.2f} {words / seconds:8,.0f} "
            f"{median['bare en_core_web_sm'] / seconds:8.3f} {rounds:>20}"
        )
    speedups = {}
    for w in args.workers[1:]:
        name = f"ingest x{w}"
        speedups[name] = median[first] / median[name]
        rounds = " ".join(f"{a / b:.2f}" for a, b in zip(times[first], times[name], strict=True))
        print(f"--workers {w} vs {args.workers[0]}: {speedups[name]:.2f}x (rounds: {rounds})")
    total = sum(stages.values())
    print(f"\n{'stage':>24} {'seconds':>8} {'share':>6} {'ms/1k words':>12}")
    for name, seconds in stages.items():
        print(f"{name:>24} {seconds:8.2f} {seconds / total:6.1%} {seconds / words * 1e6:12.1f}")
    if args.json:
        result = {
            "machine": platform.platform(),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_after,
            "bare_model": plain_name,
            "articles": len(texts),
            "words": words,
            "tagger": use_tagger,
            "repeat": args.repeat,
            "seconds": median,
            "vs_bare_en_core_web_sm": {
                n: median["bare en_core_web_sm"] / s for n, s in median.items()
            },
            "vs_bare_per_round": per_round,
            "workers_speedup": speedups,
            "all_seconds": times,
            "stages": stages,
            "stages_ms_per_1000_words": {n: s / words * 1e6 for n, s in stages.items()},
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
    stages["parse"] = time.perf_counter() - start

    start = time.perf_counter()
    layouts = [extract.layout(a.text) for a in articles]
    ruled = [extract.rule_statements(doc, lay) for doc, lay in zip(docs, layouts, strict=True)]
    if use_tagger:
        for doc, statements in zip(docs, ruled, strict=True):
            doc.user_data[features.FEATURES_KEY] = features.token_features(doc, statements)
    stages["rules"] = time.perf_counter() - start

    decoded: list[list[tagger.Attribution]] = [[] for _ in articles]
    if use_tagger:
        tnlp = tagger.load()
        # What `tagger.predict_docs` feeds the tagger: runs of paragraphs as the tagger's Docs.
        pieces = []
        for doc in docs:
            found = features.features_of(doc)
            for s, e in tagger.segments(doc):
                pieces.append(features.for_tagger(tnlp.vocab, doc[s:e], found[s:e]))
        start = time.perf_counter()
        if "context" in tnlp.pipe_names:
            for _ in tnlp.get_pipe("context").pipe(pieces):  # type: ignore[attr-defined]
                pass
        stages["encoder"] = time.perf_counter() - start
        # The encoder's vectors are on the pieces now: the tagger's pipe skips it.
        start = time.perf_counter()
        for _ in tnlp.pipe(pieces, batch_size=16):
            pass
        stages["tagger"] = time.perf_counter() - start
        start = time.perf_counter()
        tags = list(tagger.predict_docs(docs, batch_size=16))
        tag_total = time.perf_counter() - start
        start = time.perf_counter()
        decoded = [tagger.decode(t, tag) for t, tag in zip(texts, tags, strict=True)]
        stages["tagger decoding"] = time.perf_counter() - start
        print(f"(tagger.predict_docs over the same Docs, encoder included: {tag_total:.2f} s)")

    start = time.perf_counter()
    results = [
        (a, quotes_in(a, doc, tagged=found, lay=lay, ruled=statements))
        for a, doc, found, lay, statements in zip(
            articles, docs, decoded, layouts, ruled, strict=True
        )
    ]
    stages["attribution"] = time.perf_counter() - start

    db = store.open_db(db_path)
    start = time.perf_counter()
    store.save(db, results)
    stages["store (SQLite)"] = time.perf_counter() - start
    start = time.perf_counter()
    pipeline.merge_speakers(db)
    stages["speaker merges"] = time.perf_counter() - start
    start = time.perf_counter()
    pipeline.detect_contradictions(db)
    stages["contradictions"] = time.perf_counter() - start
    db.close()
    return stages


if __name__ == "__main__":
    main()
