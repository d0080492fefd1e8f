"""Run the shipped tagger and its decoder over a PolNeAR file; write the scorer's SYSTEM format.

    python -m training.evaluate_tagger ../shared/eval/dev.jsonl /tmp/tagger.dev.jsonl
    python3 ../shared/eval/score.py ../shared/eval/dev.jsonl /tmp/tagger.dev.jsonl

`--heldout GOLD_OUT` keeps only the train articles held out for model selection (see
training/corpus.py) and writes their gold lines to GOLD_OUT, to score decoder variants on train
data instead of dev. Speed (words a second, words = white-space separated tokens) is printed for
the tagger alone (`predict_docs` over texts already parsed, their features made), in one pass
after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import quotes.nlp
from quotes import tagger
from quotes.features import features_of
from training.corpus import is_heldout, read_jsonl


def system_record(doc_id: str, attributions: list[tagger.Attribution]) -> dict[str, Any]:
    """One article's attributions in score.py's SYSTEM format."""
    quotes = [
        {
            "content": [list(fragment) for fragment in a.content],
            "speaker": [list(a.source)] if a.source else [],
            "cue": [list(a.cue)] if a.cue else [],
            "speaker_name": "",
        }
        for a in attributions
    ]
    return {"doc_id": doc_id, "quotes": quotes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", type=Path, help="PolNeAR JSONL (dev.jsonl, or train.jsonl)")
    parser.add_argument("out", type=Path, help="system JSONL to write")
    parser.add_argument("--heldout", type=Path, metavar="GOLD_OUT", help="held-out train only")
    parser.add_argument("--no-fallback-words", action="store_true")
    parser.add_argument("--uncued-content", action="store_true")
    parser.add_argument("--n-process", type=int, default=1)
    args = parser.parse_args(argv)

    records = list(read_jsonl(args.gold))
    if args.heldout:
        records = [r for r in records if is_heldout(r["doc_id"])]
        with open(args.heldout, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    texts = [r["text"] for r in records]
    # The tagger reads the parse and the rules' statements: both are made first, untimed.
    parser = quotes.nlp.load()
    docs = list(parser.pipe(quotes.nlp.parse_text(text) for text in texts))
    for doc in docs:
        features_of(doc)
    next(tagger.predict_docs(docs[:1]))  # load and warm up
    started = time.perf_counter()
    tagged = list(tagger.predict_docs(docs, n_process=args.n_process))
    seconds = time.perf_counter() - started
    words = sum(len(text.split()) for text in texts)

    with open(args.out, "w", encoding="utf-8") as f:
        for record, tags in zip(records, tagged, strict=True):
            attributions = tagger.decode(
                record["text"],
                tags,
                fallback_words=not args.no_fallback_words,
                uncued_content=args.uncued_content,
            )
            f.write(json.dumps(system_record(record["doc_id"], attributions)) + "\n")
    print(
        f"{len(records)} articles, {words} words tagged in {seconds:.1f} s "
        f"({words / seconds:,.0f} words/s, n_process={args.n_process}); wrote {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
