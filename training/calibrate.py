"""Choose the tagger's decision bias on the held-out train articles.

Trained on every token of PolNeAR, most of which are outside any attribution, the NER is
cautious: on held-out articles it finds 63% of the attributions with 82% precision. Lowering
the score of its "outside" action (`O`) by a constant makes it open more spans; the constant
that gives the best end-to-end F1 of the tagger and its decoder on the held-out train articles
(`training.corpus.is_heldout`, never dev) is written to `calibration.json` beside the model,
and `training.package` adds it to the shipped weights (the bias of the `O` action).

    python -m training.calibrate build/attribution-tagger/model-best ../shared/eval/train.jsonl

prints, for each bias, content F1 (Jaccard >= .5) and end-to-end F1, as `score.py` counts them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import quotes.nlp
from quotes import evaluate, tagger
from quotes.features import for_tagger
from training.corpus import is_heldout, read_jsonl
from training.evaluate_tagger import system_record

BIASES = (0.0, -0.5, -0.75, -1.0, -1.25, -1.5, -2.0)


def set_out_bias(nlp: Language, bias: float, base: Any = None) -> Any:
    """Add `bias` to the `O` action's bias of the NER (from `base`, its original, if given).

    Returns the original bias vector, to pass as `base` on the next call.
    """
    ner = nlp.get_pipe("ner")
    upper = ner.model.get_ref("upper")  # type: ignore[attr-defined]
    original = upper.get_param("b").copy() if base is None else base
    moves = ner.moves  # type: ignore[attr-defined]
    out = [i for i in range(moves.n_moves) if moves.get_class_name(i) == "O"]
    if len(out) != 1:
        raise SystemExit(f"expected one O action, found {len(out)}")
    changed = original.copy()
    changed[out[0]] += bias
    upper.set_param("b", changed)
    return original


def score(nlp: Language, records: list[dict[str, Any]], docs: list[Doc]) -> dict[str, Any]:
    """Tagger and decoder over the parsed `docs`, scored against `records` (all subsets)."""
    system = []
    for record, tags in zip(records, _tag(nlp, docs), strict=True):
        system.append(system_record(record["doc_id"], tagger.decode(record["text"], tags)))
    return evaluate.score(records, system).summary()["all"]


def _tag(nlp: Language, docs: list[Doc]) -> list[list[tagger.Tagged]]:
    out = []
    for doc in docs:
        tagged = nlp(for_tagger(nlp.vocab, doc))
        out.append([tagger.Tagged(e.label_, e.start_char, e.end_char) for e in tagged.ents])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="the trained pipeline (model-best)")
    parser.add_argument("train", type=Path, help="PolNeAR train.jsonl")
    parser.add_argument("--out", type=Path, help="where to write it (default: beside the model)")
    args = parser.parse_args(argv)

    records = [r for r in read_jsonl(args.train) if is_heldout(r["doc_id"])]
    parse = quotes.nlp.load()
    docs = list(parse.pipe(quotes.nlp.parse_text(r["text"]) for r in records))
    nlp = spacy.load(args.model)
    base = None
    results = []
    print(f"{len(records)} held-out articles\n  bias  content F1  e2e F1")
    for bias in BIASES:
        base = set_out_bias(nlp, bias, base)
        scores = score(nlp, records, docs)
        e2e, content = float(scores["e2e_f1"] or 0), float(scores["content_f1_jaccard"] or 0)
        results.append((e2e, content, bias))
        print(f"{bias:6.2f}  {content:10.3f}  {e2e:6.3f}")
    best = max(results)
    out = args.out or args.model.parent / "calibration.json"
    record = {"out_bias": best[2], "heldout_e2e_f1": best[0], "heldout_content_f1": best[1]}
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"chose bias {best[2]} (e2e F1 {best[0]:.3f}); wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
