"""Peak memory of `quotes ingest` on a large JSONL: does the ingest stream?

    .venv/bin/python benchmarks/memory.py generate build/bench-50k.jsonl [--articles 50000]
        [--paragraphs 3 8]
    .venv/bin/python benchmarks/memory.py read build/bench-50k.jsonl
    .venv/bin/python benchmarks/memory.py ingest build/bench-50k.jsonl [--articles N]
        [--workers 2] [--json out.json]
    .venv/bin/python benchmarks/memory.py detect quotes.db [--json out.json]

`generate` writes articles made from the PolNeAR texts (`../shared/eval/`, else the seeds):
each is a run of consecutive paragraphs (3 to 8, or `--paragraphs MIN MAX`) of one text under a
numbered dateline, so every article is real news prose, and every id differs.

`read` streams every article through `quotes.read_articles` in this process and reports the
peak RSS (the reader alone, no spaCy).

`ingest` runs `quotes ingest` in a subprocess on the first `--articles` articles (all by
default) and samples the RSS of its whole process tree (the ingest and its workers) every
half second, with how many articles were stored by then: the peak, whether memory grows with
the number of articles or stays flat once the pipelines are loaded, and the peak of the last
phase (from the last article stored: speaker merges and contradiction detection).

`detect` runs contradiction detection as an ingest ends it (`find_contradictions` over
`query.pairing_quotes`) on a database in this process, without storing the pairs, and reports
its time and peak RSS, and the RSS before it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SEED = 6


def source_texts() -> list[str]:
    texts: list[str] = []
    for name in ("train.jsonl", "dev.jsonl"):
        path = EVAL / name
        if path.exists():
            with path.open(encoding="utf-8") as f:
                texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts or [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]


def generate(path: Path, articles: int, paragraphs: tuple[int, int] = (3, 8)) -> None:
    rng = random.Random(SEED)
    texts = [[p for p in text.split("\n") if p.strip()] for text in source_texts()]
    texts = [ps for ps in texts if len(ps) >= max(3, paragraphs[0])]
    path.parent.mkdir(parents=True, exist_ok=True)
    words = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(articles):
            ps = rng.choice(texts)
            n = rng.randint(paragraphs[0], min(paragraphs[1], len(ps)))
            first = rng.randrange(len(ps) - n + 1)
            body = "\n\n".join(ps[first : first + n])
            text = f"Dispatch {i}\n\nWASHINGTON, item {i} -\n\n{body}\n"
            words += len(text.split())
            day = 1 + i % 28
            row = {
                "text": text,
                "published": f"2016-{1 + i % 12:02d}-{day:02d}",
                "url": f"https://news.example/{i}",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{articles:,} articles, {words:,} words ({words / articles:.0f} a article) -> {path}")


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read(path: Path) -> dict[str, Any]:
    from quotes.ingest import read_articles

    before = peak_rss_mb()
    start = time.perf_counter()
    count = chars = 0
    marks = []
    for article in read_articles([str(path)]):
        count += 1
        chars += len(article.text)
        if count % 10_000 == 0:
            marks.append((count, round(current_rss_mb(os.getpid()), 1)))
    seconds = time.perf_counter() - start
    result = {
        "articles": count,
        "seconds": seconds,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "rss_by_articles": marks,
    }
    print(json.dumps(result, indent=2))
    return result


def current_rss_mb(pid: int, *, field: str = "Rss") -> float:
    """The memory of `pid` and all its descendants, in MiB, from /proc/PID/smaps_rollup.

    `Rss` counts a page shared by forked workers once per process; `Pss` shares it out, so
    the sum over the tree is the memory the tree really takes.
    """
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith(f"{field}:"):
                        total += int(line.split()[1])
        except OSError:
            continue  # ended meanwhile
    return total / 1024


def descendants(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                children = [int(c) for c in f.read().split()]
            for child in children:
                found += [child, *descendants(child)]
    except OSError:
        pass
    return found


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("select count(*) from articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def ingest(path: Path, articles: int | None, workers: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="quotes-mem-"))
    source = path
    if articles is not None:
        source = work / "subset.jsonl"
        with path.open(encoding="utf-8") as f, source.open("w", encoding="utf-8") as subset:
            for _, line in zip(range(articles), f, strict=False):
                subset.write(line)
    db = work / "quotes.db"
    command = [sys.executable, "-m", "quotes", "ingest", str(source), "--db", str(db)]
    command += ["--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    samples: list[tuple[float, float, float, int]] = []
    while proc.poll() is None:
        rss = current_rss_mb(proc.pid)
        pss = current_rss_mb(proc.pid, field="Pss")
        samples.append((time.perf_counter() - start, rss, pss, stored(db)))
        time.sleep(0.5)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {err.decode()[-2000:]}")
    shown = samples[::20] + samples[-1:]
    # The last phase: every article stored, speakers merged and contradictions found.
    last = [sample for sample in samples if sample[3] == samples[-1][3]]
    result: dict[str, Any] = {
        "command": " ".join(command),
        "articles": articles,
        "workers": workers,
        "seconds": seconds,
        "peak_tree_rss_mb": max(rss for _, rss, _, _ in samples),
        "peak_tree_pss_mb": max(pss for _, _, pss, _ in samples),
        "last_phase_seconds": seconds - last[0][0],
        "last_phase_peak_rss_mb": max(rss for _, rss, _, _ in last),
        "last_phase_peak_pss_mb": max(pss for _, _, pss, _ in last),
        "summary": out.decode().strip(),
        # Every 20th sample: (seconds, tree RSS MiB, tree PSS MiB, articles stored).
        "samples": shown,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=2))
    print("seconds  RSS MiB  PSS MiB   stored")
    for t, rss, pss, n in shown:
        print(f"{t:7.0f} {rss:8.0f} {pss:8.0f} {n:8,}")
    return result


def detect(path: Path) -> dict[str, Any]:
    from quotes import contradictions, query
    from quotes.store import open_db

    db = open_db(path, create=False)
    before = current_rss_mb(os.getpid())
    stats: dict[str, int] = {}
    start = time.perf_counter()
    contradictions.find_contradictions(query.pairing_quotes(db), stats=stats)
    result = {
        "database": str(path),
        "seconds": time.perf_counter() - start,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    } | stats
    print(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["generate", "read", "ingest", "detect"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--articles", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--paragraphs", type=int, nargs=2, default=[3, 8], help="generate: paragraphs per article"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.mode == "generate":
        generate(args.path, args.articles or 50_000, (args.paragraphs[0], args.paragraphs[1]))
        return
    if args.mode == "read":
        result = read(args.path)
    elif args.mode == "detect":
        result = detect(args.path)
    else:
        result = ingest(args.path, args.articles, args.workers)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
