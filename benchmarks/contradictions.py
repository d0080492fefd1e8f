"""Contradiction detection over 1k, 10k and 100k quotes: time, candidates scored, growth.

    .venv/bin/python benchmarks/contradictions.py [--sizes 1000 10000 100000] [--json out.json]

The quotes are dicts shaped as `quotes.query.find` returns them, made from real news sentences
(the PolNeAR texts in `../shared/eval/`, else the seed articles): each quote is one sentence,
or two half sentences spliced, ten quotes to an article, articles spread over three years with
10,000 speakers and 200 outlets. About one quote in ten is a denial (the sentence negated, or
introduced by a denying cue), so the claim/denial matcher has real work. The growth exponent
between two sizes is log(t2 / t1) / log(n2 / n1): 1 is linear, 2 quadratic.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import time
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
    rng = random.Random(seed)
    speakers = [f"Speaker {i}" for i in range(10_000)]
    outlets = [f"Outlet {i}" for i in range(200)]
    first = date(2022, 1, 1)
    quotes = []
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
        quotes.append(
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
    return quotes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    pool = sentences()
    print(f"{len(pool):,} source sentences")
    print(f"{'quotes':>8} {'seconds':>8} {'denials':>8} {'scored':>10} {'pairs':>7} {'growth':>7}")
    results: list[dict[str, Any]] = []
    for size in args.sizes:
        quotes = make_quotes(size, pool)
        stats: dict[str, int] = {}
        start = time.perf_counter()
        pairs = find_contradictions(quotes, stats=stats)
        seconds = time.perf_counter() - start
        growth = None
        if results:
            prev = results[-1]
            growth = math.log(seconds / prev["seconds"]) / math.log(size / prev["quotes"])
        results.append(
            {
                "quotes": size,
                "seconds": seconds,
                "denials": stats["denials"],
                "candidates_scored": stats["candidates_scored"],
                "pairs": len(pairs),
                "growth_exponent": growth,
            }
        )
        shown = f"{growth:7.2f}" if growth is not None else f"{'':7}"
        print(
            f"{size:>8,} {seconds:8.2f} {stats['denials']:>8,} {stats['candidates_scored']:>10,}"
            f" {len(pairs):>7,} {shown}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
