"""An ingest on a Dask `LocalCluster` against the same ingest in local worker processes.

    .venv/bin/python benchmarks/cluster.py [--texts ../shared/eval/dev.jsonl] [--repeat 1]
        [--limit N] [--json benchmarks/results/cluster.json]

Four runs of the whole `pipeline.ingest` (read a JSONL file, parse, tag, extract, attribute,
store in a new SQLite file, merge speakers, find contradictions) over the same texts, one after
another in each round, `--repeat` rounds, medians compared: `--workers 1` and `--workers 2`
(`process_parallel`), and `--cluster local:1` and `--cluster local:2` (`quotes.cluster`). The
clusters are started once, before the rounds, and their start (worker processes, each loading
the pipelines) is timed apart: a cluster is meant to be started once and used for long runs.
Every run must store the same articles and quotes. Without PolNeAR beside the repo, the seed
articles are repeated.
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

import psutil

from quotes import cluster, nlp, pipeline, store, tagger

ROOT = Path(__file__).resolve().parent.parent


def rows_of(path: Path) -> list[dict[str, object]]:
    if path.exists():
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [
            {"text": r["text"], "title": r.get("title"), "outlet": r.get("publisher")} for r in rows
        ]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return [{"text": f"{text}\n\nCopy {i}.\n"} for i in range(30) for text in seeds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--limit", type=int, help="only the first N texts (a loaded machine)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = rows_of(args.texts)[: args.limit]
    words = sum(len(str(r["text"]).split()) for r in rows)
    work = Path(tempfile.mkdtemp(prefix="quotes-cluster-bench-"))
    source = work / "corpus.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    nlp.load(None)  # the client's own load, outside the timings (the CLI does it first too)
    if tagger.available():
        tagger.load()

    started: dict[str, float] = {}
    clusters: dict[int, cluster.Cluster] = {}
    for n in (1, 2):
        start = time.perf_counter()
        clusters[n] = cluster.connect(f"local:{n}")
        # The workers load their pipelines when the plugin is registered: run a tiny ingest.
        db = store.open_db(work / f"warm-{n}.db")
        pipeline.ingest([str(ROOT / "seeds")], db, cluster=clusters[n])
        db.close()
        started[f"local:{n}"] = time.perf_counter() - start

    counts: dict[str, set[tuple[int, int]]] = {}
    runs = 0

    def ingest(name: str, **kwargs: object) -> Callable[[], float]:
        def run() -> float:
            nonlocal runs
            runs += 1
            db = store.open_db(work / f"ingest-{runs}.db")
            start = time.perf_counter()
            report = pipeline.ingest([str(source)], db, **kwargs)  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
            counts.setdefault(name, set()).add((report.articles_new, report.quotes))
            db.close()
            return seconds

        return run

    plans = {
        "--workers 1": ingest("--workers 1", n_process=1),
        "--workers 2": ingest("--workers 2", n_process=2),
        "--cluster local:1": ingest("--cluster local:1", cluster=clusters[1]),
        "--cluster local:2": ingest("--cluster local:2", cluster=clusters[2]),
    }
    times: dict[str, list[float]] = {name: [] for name in plans}
    load: list[str] = []
    for _ in range(args.repeat):
        for name, run in plans.items():
            load.append(f"{name}: load {os.getloadavg()[0]:.2f}")
            times[name].append(run())
    # What a worker process holds once it has run partitions (both pipelines loaded).
    rss = clusters[2].client.run(lambda: psutil.Process().memory_info().rss / 2**20)
    for connection in clusters.values():
        connection.close()
    same = len({c for cs in counts.values() for c in cs}) == 1
    median = {name: statistics.median(ts) for name, ts in times.items()}
    ratio = median["--workers 2"] / median["--cluster local:2"]
    scaling = {
        "workers": median["--workers 1"] / median["--workers 2"],
        "cluster": median["--cluster local:1"] / median["--cluster local:2"],
    }

    print(f"texts: {len(rows)} articles, {words:,} words; tagger: {tagger.available()}")
    print(f"cluster start (workers loading the pipelines): {started}")
    print(f"{'run':>18} {'seconds':>8} {'words/s':>8}")
    for name, seconds in median.items():
        print(f"{name:>18} {seconds:8.2f} {words / seconds:8,.0f}")
    print(f"--cluster local:2 vs --workers 2: {ratio:.3f}x (target >= 0.9)")
    print(
        f"1 -> 2 workers: local processes {scaling['workers']:.2f}x, "
        f"cluster {scaling['cluster']:.2f}x"
    )
    print(f"same articles and quotes in every run: {same} {sorted(counts.items())}")
    print("worker memory (RSS, MiB):", {a: round(m) for a, m in rss.items()})
    print("load average (1 min) before each run:", "; ".join(load))
    if args.json:
        result = {
            "machine": platform.platform(),
            "cores": os.cpu_count(),
            "articles": len(rows),
            "words": words,
            "tagger": tagger.available(),
            "repeat": args.repeat,
            "limit": args.limit,
            "cluster_start_seconds": started,
            "seconds": median,
            "all_seconds": times,
            "words_per_second": {name: words / s for name, s in median.items()},
            "cluster_vs_workers": ratio,
            "scaling_1_to_2": scaling,
            "same_results": same,
            "load_before_each_run": load,
            "worker_rss_mib": sorted(round(m) for m in rss.values()),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
