"""Extraction throughput against its limit: bare `nlp.pipe` with the same pipelines, same texts.

    .venv/bin/python benchmarks/throughput.py [--texts ../shared/eval/dev.jsonl] [--repeat 3]

The limit is what spaCy alone costs: the English pipeline (with the rulers `quotes` adds) and,
when installed, the attribution tagger, each run over the texts with `nlp.pipe`. `process`
runs the same pipelines plus extraction, attribution, canonical names and provenance; the
ratio of the two says what our own stages cost. Without PolNeAR beside the repo, the seed
articles are repeated to make a corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from quotes import nlp, tagger
from quotes.ingest import make_article
from quotes.models import Article
from quotes.process import process

ROOT = Path(__file__).resolve().parent.parent


def corpus(path: Path) -> list[str]:
    if path.exists():
        with path.open(encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f if line.strip()]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    return seeds * 30


def timed(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = corpus(args.texts)
    words = sum(len(t.split()) for t in texts)
    articles = [make_article(t, source=str(i)) for i, t in enumerate(texts)]
    model = nlp.load()
    use_tagger = tagger.available()

    def bare() -> None:
        for _ in model.pipe((nlp.parse_text(t) for t in texts), batch_size=16):
            pass
        if use_tagger:
            for _ in tagger.predict(texts, batch_size=16):
                pass

    def ours(items: list[Article] = articles) -> None:
        for _ in process(items, nlp_=model, batch_size=16, use_tagger=use_tagger):
            pass

    bare()  # warm up both pipelines
    t_bare = timed(bare, args.repeat)
    t_ours = timed(ours, args.repeat)
    print(f"texts: {len(texts)} articles, {words:,} words; tagger: {use_tagger}")
    print(f"bare nlp.pipe: {t_bare:6.2f} s  {words / t_bare:8,.0f} words/s")
    print(f"quotes process: {t_ours:6.2f} s  {words / t_ours:8,.0f} words/s")
    print(f"process / bare: {t_bare / t_ours:.3f} of the limit ({t_ours / t_bare - 1:+.1%} time)")


if __name__ == "__main__":
    main()
