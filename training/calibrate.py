"""Choose the tagger's decision biases on the held-out train articles.

Trained on every token of PolNeAR, most of which are outside any attribution, the NER is
cautious: on held-out articles it finds 63% of the attributions with 82% precision. Adding a
constant to the score of some of its actions changes what it decides without retraining:
lowering the "outside" action (`O`) makes it open more spans, raising "go on inside a
CONTENT" (`I-CONTENT`) makes contents longer, raising "open a SOURCE" (`B-SOURCE`, `U-SOURCE`)
finds more speakers. The biases are chosen one group at a time, in that order, each by the
best end-to-end F1 of the tagger and its decoder on the held-out train articles
(`training.corpus.is_heldout`, never dev), a tie keeping the smaller change; they are written to
`calibration.json` beside the model, and `training.package` adds them to the shipped weights.

    python -m training.calibrate build/attribution-tagger/model-best ../shared/eval/train.jsonl

prints, for each value tried, content F1 (Jaccard >= .5) and end-to-end F1, as `score.py`
counts them. A packaged model (`quotes/attribution_model`) can be calibrated again: the biases
its meta records are taken off first.
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
from quotes import encoder, evaluate, tagger
from quotes.features import for_tagger
from training.corpus import is_heldout, read_jsonl
from training.evaluate_tagger import system_record

# Each group of actions and the values tried for it, in the order they are chosen.
SEARCH: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("O", (0.0, -0.5, -0.75, -1.0, -1.25, -1.5, -2.0)),
    ("I-CONTENT", (0.0, 0.25, 0.5, 0.75)),
    ("B-SOURCE U-SOURCE", (0.0, 0.5, 1.0)),
)


def recorded_biases(meta: dict[str, Any]) -> dict[str, float]:
    """The biases a packaged model's meta says were added (0.3.0 recorded only `out_bias`)."""
    chosen = meta.get("calibration") or {}
    if "biases" in chosen:
        return {group: float(value) for group, value in chosen["biases"].items()}
    if "out_bias" in chosen:
        return {"O": float(chosen["out_bias"])}
    return {}


def set_biases(nlp: Language, biases: dict[str, float], base: Any = None) -> Any:
    """Add `biases` (action group -> constant) to the NER's action biases (from `base`, the
    original vector, if given; else from the model's current one).

    A group is action names separated by spaces (`"B-SOURCE U-SOURCE"`). Returns the original
    bias vector, to pass as `base` on the next call.
    """
    ner = nlp.get_pipe("ner")
    upper = ner.model.get_ref("upper")  # type: ignore[attr-defined]
    original = upper.get_param("b").copy() if base is None else base
    moves = ner.moves  # type: ignore[attr-defined]
    index = {moves.get_class_name(i): i for i in range(moves.n_moves)}
    changed = original.copy()
    for group, bias in biases.items():
        for action in group.split():
            if action not in index:
                raise SystemExit(f"the NER has no action {action!r} (it has {sorted(index)})")
            changed[index[action]] += bias
    upper.set_param("b", changed)
    return original


def uncalibrated(nlp: Language) -> Any:
    """Take off the biases `nlp`'s meta records; return the bias vector as trained."""
    recorded = recorded_biases(nlp.meta)
    if recorded:
        set_biases(nlp, {group: -bias for group, bias in recorded.items()})
        nlp.meta.pop("calibration", None)
    ner = nlp.get_pipe("ner")
    return ner.model.get_ref("upper").get_param("b").copy()  # type: ignore[attr-defined]


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


def calibrate(
    nlp: Language, records: list[dict[str, Any]], docs: list[Doc]
) -> tuple[dict[str, float], float, float]:
    """The biases chosen group by group; with the held-out end-to-end and content F1."""
    base = uncalibrated(nlp)
    chosen: dict[str, float] = {}
    best = (-1.0, -1.0)
    print(f"{len(records)} held-out articles")
    for group, values in SEARCH:
        print(f"{group:>18}  content F1  e2e F1")
        results = []
        for value in values:
            set_biases(nlp, {**chosen, group: value}, base)
            scores = score(nlp, records, docs)
            e2e, content = float(scores["e2e_f1"] or 0), float(scores["content_f1_jaccard"] or 0)
            # The best e2e F1; of equals, the smallest change.
            results.append((round(e2e, 6), -abs(value), content, value))
            print(f"{value:18.2f}  {content:10.3f}  {e2e:6.3f}")
        e2e, _, content, value = max(results)
        chosen[group] = value
        best = (e2e, content)
    set_biases(nlp, chosen, base)
    return chosen, best[0], best[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="the trained pipeline (model-best)")
    parser.add_argument("train", type=Path, help="PolNeAR train.jsonl")
    parser.add_argument("--out", type=Path, help="where to write it (default: beside the model)")
    parser.add_argument(
        "--encoder",
        type=Path,
        default=tagger.MODEL_DIR / "context",
        help="the encoder folder, for a trained pipeline without it (default: the shipped one)",
    )
    args = parser.parse_args(argv)

    records = [r for r in read_jsonl(args.train) if is_heldout(r["doc_id"])]
    parse = quotes.nlp.load()
    docs = list(parse.pipe(quotes.nlp.parse_text(r["text"]) for r in records))
    nlp = encoder.add_to(spacy.load(args.model), args.encoder)
    # The encoder's vectors do not depend on the biases: made once, carried by `for_tagger`.
    docs = list(nlp.get_pipe("context").pipe(docs))  # type: ignore[attr-defined]
    biases, e2e, content = calibrate(nlp, records, docs)
    out = args.out or args.model.parent / "calibration.json"
    record = {
        "biases": biases,
        "out_bias": biases.get("O", 0.0),
        "heldout_e2e_f1": e2e,
        "heldout_content_f1": content,
    }
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"chose {biases} (e2e F1 {e2e:.3f}, content F1 {content:.3f}); wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
