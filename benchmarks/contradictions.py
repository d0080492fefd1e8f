"""Contradiction detection over 1k, 10k and 100k quotes: time, memory, candidates, growth.

    .venv/bin/python benchmarks/contradictions.py [--sizes 1000 10000 100000] [--json out.json]

The quotes are dicts shaped as `quotes.query.find` returns them, made from real news sentences
(the PolNeAR texts in `../shared/eval/`, else the seed articles): each quote is one sentence,
or two half sentences spliced, ten quotes to an article, articles spread over three years with
10,000 speakers and 200 outlets. About one quote in ten is a denial (the sentence negated, or
introduced by a denying cue), so the claim/denial matcher has real work. The growth exponent
between two sizes is log(t2 / t1) / log(n2 / n1): 1 is linear, 2 quadratic.

Each size runs twice, each time in a process of its own, whose peak RSS (`getrusage`'s
`ru_maxrss`: the interpreter, the sentences, the input and the detection) is reported: once
with the quotes in a list, as the times before streaming were taken, and once streamed, made
anew on each of the passes `find_contradictions` makes, as `query.pairing_quotes` reads them
from a database.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from quotes.contradictions import find_contradictions

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SEED = 6
DENIAL_SHARE = 0.1
CITED_SHARE = 0.3
PER_ARTICLE = 10
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NEGATABLE = re.compile(r"\b(is|are|was|were|will|has|have|had|can|would|should)\b")


def sentences() -> list[str]:
    """Sentences of 6 to 60 words from the PolNeAR texts, or from the seeds without them."""
    texts: list[str] = []
    for name in ("train.jsonl", "dev.jsonl"):
        path = EVAL / name
        if path.exists():
            with path.open(encoding="utf-8") as f:
                texts += [json.loads(line)["text"] for line in f if line.strip()]
    if not texts:
        texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    found = []
    for text in texts:
        for paragraph in text.split("\n"):
            found += [s for s in _SENTENCE.split(paragraph) if 6 <= len(s.split()) <= 60]
    return found


def denial_of(sentence: str, rng: random.Random) -> tuple[str, str]:
    """A denying version of `sentence`, and its cue."""
    negated = _NEGATABLE.sub(lambda m: m.group() + " not", sentence, count=1)
    if negated != sentence and rng.random() < 0.6:
        return negated, "said"
    return sentence[0].lower() + sentence[1:], rng.choice(("denied", "rejected claims"))


def make_quotes(n: int, pool: list[str], *, seed: int = SEED) -> list[dict[str, Any]]:
    """`n` quote dicts (see the module docstring)."""
    return list(iter_quotes(n, pool, seed=seed))


def iter_quotes(n: int, pool: list[str], *, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """The quotes of `make_quotes`, made one at a time."""
    rng = random.Random(seed)
    speakers = [f"Speaker {i}" for i in range(10_000)]
    outlets = [f"Outlet {i}" for i in range(200)]
    first = date(2022, 1, 1)
    for i in range(n):
        article = i // PER_ARTICLE
        if i % PER_ARTICLE == 0:
            published = (first + timedelta(days=rng.randrange(3 * 365))).isoformat()
            title = rng.choice(pool)
            publisher = rng.choice(outlets)
        content = rng.choice(pool)
        if rng.random() < 0.33:
            other = rng.choice(pool).split()
            content = " ".join(
                content.split()[: len(content.split()) // 2] + other[len(other) // 2 :]
            )
        cue = "said"
        denies = rng.random() < DENIAL_SHARE
        if denies:
            content, cue = denial_of(content, rng)
        cited = [rng.choice(outlets)] if rng.random() < CITED_SHARE else []
        start = (i % PER_ARTICLE) * 300
        speaker = rng.choice(speakers)
        yield (
            {
                "id": f"q{i:07d}",
                "article_id": f"a{article:06d}",
                "content": content,
                "spans": [[start, start + len(content)]],
                "kind": "indirect",
                "cue": {
                    "text": cue,
                    "start": start + len(content) + 12,
                    "end": start + len(content) + 12 + len(cue),
                },
                "speaker": speaker,
                "speaker_mention": {
                    "text": speaker,
                    "start": start + len(content) + 2,
                    "end": start + len(content) + 11,
                },
                "cited_outlet": cited[-1] if cited else None,
                "cited_chain": cited,
                "publisher": publisher,
                "polarity": "denies" if denies else "asserts",
                "title": title,
                "published": published,
            }
        )


class Stream:
    """The quotes of `make_quotes`, made anew on each iteration: a list never exists."""

    def __init__(self, n: int, pool: list[str]) -> None:
        self.n, self.pool = n, pool

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter_quotes(self.n, self.pool)


def measure(size: int, streamed: bool) -> dict[str, Any]:
    """One run in this process: seconds, peak RSS (MiB), and `find_contradictions`' stats."""
    pool = sentences()
    quotes: Any = Stream(size, pool) if streamed else make_quotes(size, pool)
    rss_before = rss_mb()
    stats: dict[str, int] = {}
    start = time.perf_counter()
    pairs = find_contradictions(quotes, stats=stats)
    seconds = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        {"seconds": seconds, "peak_rss_mb": peak, "rss_before_mb": rss_before}
        | stats
        | {"pairs": len(pairs)}
    )


def rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def run(size: int, streamed: bool) -> dict[str, Any]:
    """`measure` in a new process, so that its peak RSS is its own."""
    command = [sys.executable, __file__, "--measure", str(size)]
    command += ["--streamed"] if streamed else []
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # one run, in a child
    parser.add_argument("--streamed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.streamed)))
        return
    print(f"{len(sentences()):,} source sentences")
    print(
        f"{'quotes':>8} {'seconds':>8} {'peak MiB':>8} {'streamed':>9} {'peak MiB':>8}"
        f" {'denials':>8} {'scored':>10} {'pairs':>7} {'growth':>7}"
    )
    results: list[dict[str, Any]] = []
    for size in args.sizes:
        listed, streamed = run(size, streamed=False), run(size, streamed=True)
        assert streamed["pairs"] == listed["pairs"], (listed, streamed)
        growth = None
        if results:
            prev = results[-1]
            growth = math.log(listed["seconds"] / prev["seconds"]) / math.log(size / prev["quotes"])
        results.append(
            {
                "quotes": size,
                "seconds": listed["seconds"],
                "peak_rss_mb": listed["peak_rss_mb"],
                "rss_before_mb": listed["rss_before_mb"],
                "streamed_seconds": streamed["seconds"],
                "streamed_peak_rss_mb": streamed["peak_rss_mb"],
                "streamed_rss_before_mb": streamed["rss_before_mb"],
                "denials": listed["denials"],
                "candidates_scored": listed["candidates_scored"],
                "pairs": listed["pairs"],
                "growth_exponent": growth,
            }
        )
        shown = f"{growth:7.2f}" if growth is not None else f"{'':7}"
        print(
            f"{size:>8,} {listed['seconds']:8.2f} {listed['peak_rss_mb']:8.0f}"
            f" {streamed['seconds']:9.2f} {streamed['peak_rss_mb']:8.0f}"
            f" {listed['denials']:>8,} {listed['candidates_scored']:>10,}"
            f" {listed['pairs']:>7,} {shown}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
