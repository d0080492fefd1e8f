"""Fit the claim/denial pairing model (`quotes/data/pairing_model.json`) on annotated real news.

    .venv/bin/python -m training.pairing CASES_DIR [--statements FILE] [--out MODEL.json]

CASES_DIR holds texts `NN_slug.txt` with `NN_slug.meta.json` (url, date, title) and the annotations
and `score.py` of ../shared/cases-dev (its definitions say which pairs are right). Every candidate
pair `pairing` scores (a claim against a denial event) is a training example: right when one of the
event's statements paired with the claim is right by `score.py`'s lenient definition. The model
is a logistic regression with an L2 penalty, fitted by gradient descent on those examples; the
figures it prints are on the same examples (so, optimistic).

The statements are those `quotes extract` finds in the texts (read as one JSONL file with their
metadata, as `score.py` does); `--statements FILE` reuses or keeps them (`quotes extract
--format jsonl` output). `make train-pairing` runs it on ../shared/cases-dev.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from quotes import pairing
from quotes.store import quote_id


def _scorer(folder: Path) -> Any:
    spec = importlib.util.spec_from_file_location("cases_score", folder / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(folder: Path, statements: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The statements as pairing reads them (ids, dates, titles added), and text -> file."""
    names = sorted(n for n in os.listdir(folder) if n.endswith(".txt"))
    texts = {n: (folder / n).read_text(encoding="utf-8") for n in names}
    metas = {n: json.loads((folder / (n[:-4] + ".meta.json")).read_text()) for n in names}
    quotes, files = [], {}
    for line in statements.read_text(encoding="utf-8").splitlines():
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        start, end = rec["spans"][0][0], rec["spans"][-1][1]
        name = next(
            (
                n
                for n, t in texts.items()
                if end <= len(t) and t[start:end][:20] == rec["content"][:20]
            ),
            None,
        )
        if name is None:
            continue
        rec["id"] = quote_id(rec["article_id"], rec["spans"])
        rec["published"] = metas[name].get("date")
        rec["title"] = metas[name].get("title")
        files[rec["id"]] = name
        quotes.append(rec)
    return quotes, files


def examples(
    folder: Path, quotes: list[dict[str, Any]], files: dict[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels of every candidate pair."""
    score = _scorer(folder)
    expected = score.load_expected(str(folder))
    statements = pairing.prepare(quotes)
    events = pairing.denial_events(statements)
    claims = [s for s in statements if s.stance == "claim"]
    index = pairing._ClaimIndex.build(claims)
    names = pairing.Names(statements)
    rows, labels = [], []

    def side(s: pairing.Statement) -> dict[str, Any]:
        return {
            "file": files[s.id],
            "content": s.quote.get("content"),
            "speaker": s.quote.get("speaker"),
        }

    for event in events:
        for claim in index.candidates(event, pairing.DEFAULT_WINDOW_DAYS):
            found = pairing.features(claim, event, names)
            if found is None:
                continue
            right = False
            for member in event.members:
                system = {
                    "quotes": defaultdict(list),
                    "contradictions": [{"claim": side(claim), "denial": side(member)}],
                }
                if score.score(expected, system)["pair_precision_lenient"] == 1.0:
                    right = True
                    break
            rows.append([found[0][k] for k in pairing.FEATURES])
            labels.append(float(right))
    return np.array(rows, dtype=float), np.array(labels)


# Evidence that can only make a pair likelier: its weight is kept at 0 or above, so that a few
# dozen examples (and their extraction errors) cannot teach that naming the report, or sharing
# its terms, counts against a pair.
POSITIVE = frozenset(pairing.FEATURES) - {"plain", "recency"}
# What the weights are drawn towards where the examples say little (the penalty is on the
# distance from these, not from 0): naming the report's outlet and sharing its terms are the
# evidence a reader goes by; a plain negated assertion is weaker than a denial.
PRIOR = {
    "target": 2.0,
    "reported": 0.5,
    "refers": 0.5,
    "reported_refers": 1.0,
    "overlap": 2.0,
    "named": 0.5,
    "topical": 1.0,
    "same_article": 0.5,
    "plain": -1.0,
    "plain_overlap": 3.0,
    "recency": 0.5,
    "claim_first": 0.3,
    "lead": 1.0,
    "act": 0.3,
    "members": 0.5,
}


def fit(
    x: np.ndarray, y: np.ndarray, *, l2: float = 2.0, steps: int = 20_000, rate: float = 0.5
) -> np.ndarray:
    """Logistic regression by projected gradient descent (the `POSITIVE` weights kept >= 0);
    returns [bias, weights...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    positive = np.array([name in POSITIVE for name in pairing.FEATURES])
    prior = np.array([PRIOR[name] for name in pairing.FEATURES])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        grad = design.T @ (p - y) / len(y)
        grad[1:] += l2 * (w[1:] - prior) / len(y)
        w -= rate * grad
        w[1:][positive] = np.maximum(w[1:][positive], 0.0)
    return w


def extract(folder: Path, out: Path) -> None:
    """The statements of the texts in `folder`, as `quotes extract --format jsonl` writes them."""
    from quotes import pipeline

    rows = []
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".txt")):
        meta = json.loads((folder / (name[:-4] + ".meta.json")).read_text(encoding="utf-8"))
        row = {
            "text": (folder / name).read_text(encoding="utf-8"),
            "url": meta.get("url") or f"file:///{name}",
            "title": meta.get("title"),
            "outlet": meta.get("outlet"),
            "published": meta.get("date"),
        }
        rows.append(json.dumps({k: v for k, v in row.items() if v}))
    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases.jsonl"
        cases.write_text("\n".join(rows) + "\n", encoding="utf-8")
        found = pipeline.extract([str(cases)])
    out.write_text("".join(json.dumps(q.to_dict()) + "\n" for q in found), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cases", type=Path)
    ap.add_argument("--statements", type=Path, help="reuse (or keep) the extracted statements")
    ap.add_argument("--out", type=Path, default=Path("quotes/data/pairing_model.json"))
    args = ap.parse_args()
    if args.statements is None or not args.statements.exists():
        args.statements = args.statements or Path(tempfile.mkstemp(suffix=".jsonl")[1])
        extract(args.cases, args.statements)
    quotes, files = load(args.cases, args.statements)
    x, y = examples(args.cases, quotes, files)
    w = fit(x, y)
    p = 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        band = (p >= low) & (p < low + 0.2)
        if band.any():
            print(
                f"score {low:.1f}-{low + 0.2:.1f}: {band.sum():4d} candidates,"
                f" {y[band].mean():.2f} right"
            )
    print(f"{len(y)} candidates, {int(y.sum())} right")
    weights = {"bias": round(float(w[0]), 4)} | {
        k: round(float(v), 4) for k, v in zip(pairing.FEATURES, w[1:], strict=True)
    }
    model = {
        "note": "Logistic weights of quotes.pairing.score, fitted by training/pairing.py",
        "examples": len(y),
        "positives": int(y.sum()),
        "weights": weights,
    }
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(weights))


if __name__ == "__main__":
    main()
