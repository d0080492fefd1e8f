"""Scoring against gold attributions in the PolNeAR JSONL format.

`predict` runs the pipeline over the gold articles' texts and yields system records in the format
`../shared/eval/score.py` reads: `{"doc_id", "quotes": [{"content", "speaker", "cue",
"speaker_name"}]}` with offsets into the gold text.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from .errors import InputError
from .models import Article, Quote
from .process import process


def read_gold(path: str | Path) -> Iterator[dict[str, Any]]:
    """The gold records of a PolNeAR-format JSONL file."""
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputError(f"{path}:{number}: not JSON: {e}") from e
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from e


def system_record(doc_id: str, quotes: Iterable[Quote]) -> dict[str, Any]:
    """One article's predictions in the scorer's format."""
    out = []
    for q in quotes:
        mention = q.speaker_mention
        out.append(
            {
                "content": [list(s) for s in q.spans],
                "speaker": [[mention.start, mention.end]] if mention else [],
                "cue": [[q.cue.start, q.cue.end]] if q.cue else [],
                "speaker_name": q.speaker or "",
            }
        )
    return {"doc_id": doc_id, "quotes": out}


def predict(
    gold: Iterable[dict[str, Any]], *, nlp: Language | None = None, n_process: int = 1
) -> Iterator[dict[str, Any]]:
    """Run the pipeline over every gold article's text; yield system records in order."""
    articles = (
        Article(id=str(g["doc_id"]), text=g["text"], source=str(g["doc_id"]), title=g.get("title"))
        for g in gold
    )
    for article, quotes in process(articles, nlp_=nlp, n_process=n_process):
        yield system_record(article.id, quotes)


# --------------------------------------------------------------------------------------------
# Scoring: the definitions of ../shared/eval/score.py (non-white-space characters, one-to-one
# greedy matching, Jaccard >= .5 for the headline), so figures agree with it.

DOUBLE_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033'
EXTRA_TRIM = "\u2018\u2019\u201a\u201b\u2039\u203a\u2032`'\u2013\u2014\u2012\u2015\u2026\u00b4"
NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
CRITERIA = ("any", "jaccard", "exact")
SUBSETS = ("all", "direct", "indirect")

Spans = list[tuple[int, int]]


def _merge(spans: Iterable[Iterable[int]], n: int) -> Spans:
    """Clip to the text, sort and merge overlapping fragments."""
    out: Spans = []
    for s, e in sorted((max(0, int(a)), min(n, int(b))) for a, b in spans):
        if s >= e:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


class _Text:
    """Non-white-space character counting over one article's text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = [0]
        for ch in text:
            self.prefix.append(self.prefix[-1] + (not ch.isspace()))

    def size(self, spans: Spans) -> int:
        return sum(self.prefix[e] - self.prefix[s] for s, e in spans)

    def inter(self, a: Spans, b: Spans) -> int:
        return sum(
            self.prefix[min(e1, e2)] - self.prefix[max(s1, s2)]
            for s1, e1 in a
            for s2, e2 in b
            if max(s1, s2) < min(e1, e2)
        )

    def key(self, spans: Spans) -> frozenset[int]:
        """Characters left after trimming punctuation, quotes and space from each fragment."""
        out: set[int] = set()
        for s, e in spans:
            while s < e and _trim(self.text[s]):
                s += 1
            while e > s and _trim(self.text[e - 1]):
                e -= 1
            out.update(i for i in range(s, e) if not self.text[i].isspace())
        return frozenset(out)

    def direct(self, spans: Spans) -> bool:
        frags = [self.text[s:e] for s, e in spans]
        return any(any(c in DOUBLE_QUOTES for c in f) or "''" in f or "``" in f for f in frags)


def _trim(ch: str) -> bool:
    return (
        ch.isspace()
        or ch in DOUBLE_QUOTES
        or ch in EXTRA_TRIM
        or unicodedata.category(ch)[0] == "P"
    )


def _name_tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", re.sub(r"['\u2019]s\b", "", text.lower()))


def _speaker_ok(t: _Text, gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if not gold["source"]:
        return not pred["speaker"] and not pred["speaker_name"].strip()
    if pred["speaker"] and t.inter(gold["source"], pred["speaker"]) > 0:
        return True
    tokens = _name_tokens(pred["speaker_name"])
    while tokens and tokens[-1] in NAME_SUFFIXES:
        tokens.pop()
    gold_tokens = set(_name_tokens(" ".join(t.text[s:e] for s, e in gold["source"])))
    return bool(tokens) and tokens[-1] in gold_tokens


def _greedy(cands: list[tuple[float, int, int, int]]) -> dict[int, int]:
    cands.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = {}
    for _, _, gi, pj in cands:
        if gi not in used_g and pj not in used_p:
            used_g.add(gi)
            used_p.add(pj)
            out[gi] = pj
    return out


@dataclass
class Counts:
    """Counts for one subset under one matching criterion."""

    gold: int = 0
    pred: int = 0
    tp: int = 0
    spk_n: int = 0
    spk_ok: int = 0
    cue_n: int = 0
    cue_ok: int = 0
    e2e: int = 0


@dataclass
class Scores:
    """Micro-averaged counts over all articles, and the errors found on the way."""

    counts: dict[tuple[str, str], Counts] = field(
        default_factory=lambda: {(s, c): Counts() for s in SUBSETS for c in CRITERIA}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)

    def prf(self, subset: str, criterion: str, *, e2e: bool = False) -> tuple[float, float, float]:
        c = self.counts[(subset, criterion)]
        return _prf(c.e2e if e2e else c.tp, c.pred, c.gold)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """The headline figures per subset: content F1s, speaker and cue accuracy, e2e F1."""
        out: dict[str, dict[str, float | None]] = {}
        for sub in SUBSETS:
            j = self.counts[(sub, "jaccard")]
            out[sub] = {
                "gold": j.gold,
                "pred": j.pred,
                "content_f1_any": round(self.prf(sub, "any")[2], 4),
                "content_f1_jaccard": round(self.prf(sub, "jaccard")[2], 4),
                "content_f1_exact": round(self.prf(sub, "exact")[2], 4),
                "speaker_acc": round(j.spk_ok / j.spk_n, 4) if j.spk_n else None,
                "cue_acc": round(j.cue_ok / j.cue_n, 4) if j.cue_n else None,
                "e2e_p": round(self.prf(sub, "jaccard", e2e=True)[0], 4),
                "e2e_r": round(self.prf(sub, "jaccard", e2e=True)[1], 4),
                "e2e_f1": round(self.prf(sub, "jaccard", e2e=True)[2], 4),
            }
        return out


def _clean(spans: Any, n: int) -> Spans:
    return _merge(spans or [], n)


def score(gold: Iterable[dict[str, Any]], system: Iterable[dict[str, Any]]) -> Scores:
    """Score system records against gold records (both in the PolNeAR JSONL shapes)."""
    by_doc = _by_doc(system)
    scores = Scores()
    for rec in gold:
        text = rec["text"]
        n = len(text)
        golds = [
            {k: _clean(a.get(k), n) for k in ("content", "source", "cue")}
            for a in rec.get("attributions", [])
        ]
        golds = [g for g in golds if g["content"]]
        preds = [
            {
                "content": _clean(q.get("content"), n),
                "speaker": _clean(q.get("speaker"), n),
                "cue": _clean(q.get("cue"), n),
                "speaker_name": q.get("speaker_name") or "",
            }
            for q in by_doc.get(str(rec["doc_id"]), [])
        ]
        preds = [p for p in preds if p["content"]]
        _score_article(_Text(text), str(rec["doc_id"]), golds, preds, scores)
    return scores


def _score_article(
    t: _Text, doc_id: str, golds: list[dict[str, Any]], preds: list[dict[str, Any]], scores: Scores
) -> None:
    gsize = [t.size(g["content"]) for g in golds]
    psize = [t.size(p["content"]) for p in preds]
    gkey = [t.key(g["content"]) for g in golds]
    pkey = [t.key(p["content"]) for p in preds]
    gcls = ["direct" if t.direct(g["content"]) else "indirect" for g in golds]
    pown = ["direct" if t.direct(p["content"]) else "indirect" for p in preds]
    cands: dict[str, list[tuple[float, int, int, int]]] = {c: [] for c in CRITERIA}
    for gi, g in enumerate(golds):
        for pj, p in enumerate(preds):
            inter = t.inter(g["content"], p["content"])
            if inter <= 0:
                continue
            union = gsize[gi] + psize[pj] - inter
            jac = inter / union if union else 0.0
            cands["any"].append((jac, inter, gi, pj))
            if jac >= 0.5:
                cands["jaccard"].append((jac, inter, gi, pj))
            if gkey[gi] and gkey[gi] == pkey[pj]:
                cands["exact"].append((jac, inter, gi, pj))
    for crit in CRITERIA:
        match = _greedy(cands[crit])
        pcls = list(pown)
        for gi, pj in match.items():
            pcls[pj] = gcls[gi]
        for sub in SUBSETS:
            c = scores.counts[(sub, crit)]
            c.gold += sum(1 for k in gcls if sub in ("all", k))
            c.pred += sum(1 for k in pcls if sub in ("all", k))
            for gi, pj in match.items():
                if sub not in ("all", gcls[gi]):
                    continue
                c.tp += 1
                ok = _speaker_ok(t, golds[gi], preds[pj])
                if golds[gi]["source"]:
                    c.spk_n += 1
                    c.spk_ok += ok
                c.e2e += ok
                if golds[gi]["cue"]:
                    c.cue_n += 1
                    c.cue_ok += (
                        bool(preds[pj]["cue"]) and t.inter(golds[gi]["cue"], preds[pj]["cue"]) > 0
                    )
        if crit == "jaccard":
            _collect_errors(t, doc_id, golds, preds, match, gcls, scores)


def _collect_errors(
    t: _Text,
    doc_id: str,
    golds: list[dict[str, Any]],
    preds: list[dict[str, Any]],
    match: dict[int, int],
    gcls: list[str],
    scores: Scores,
) -> None:
    def show(spans: Spans) -> str:
        return " | ".join(t.text[s:e] for s, e in spans)

    matched_preds = set(match.values())
    for gi, g in enumerate(golds):
        base = {"doc_id": doc_id, "class": gcls[gi], "gold_content": show(g["content"])}
        base |= {"gold_source": show(g["source"]), "gold_cue": show(g["cue"])}
        if gi not in match:
            scores.errors.append({"error": "missed", **base})
            continue
        p = preds[match[gi]]
        if not _speaker_ok(t, g, p):
            scores.errors.append(
                {
                    "error": "wrong_speaker",
                    **base,
                    "pred_speaker": show(p["speaker"]) or None,
                    "pred_name": p["speaker_name"],
                }
            )
    for pj, p in enumerate(preds):
        if pj not in matched_preds:
            scores.errors.append(
                {
                    "error": "spurious",
                    "doc_id": doc_id,
                    "class": "direct" if t.direct(p["content"]) else "indirect",
                    "pred_content": show(p["content"]),
                    "pred_cue": show(p["cue"]),
                    "pred_speaker": show(p["speaker"]),
                }
            )


# The figures `bootstrap` puts intervals on, by the Counts field that is their true positives.
INTERVAL_FIGURES = {"content_f1_jaccard": "tp", "e2e_f1": "e2e"}


def bootstrap(
    gold: list[dict[str, Any]],
    system: Iterable[dict[str, Any]],
    *,
    baseline: Iterable[dict[str, Any]] | None = None,
    samples: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, tuple[float, float]]]:
    """95% intervals of content F1 (Jaccard >= .5) and end-to-end F1, per subset.

    The gold articles are resampled with replacement `samples` times and the micro-averaged
    F1 recomputed on each sample (matching stays within an article, so the article is the
    unit). With `baseline` (another system's records) the intervals are of the paired
    difference `system - baseline` over the same samples: an interval that holds 0 means the
    two systems are not told apart by this gold set.
    """
    if samples < 1:
        raise ValueError("samples must be at least 1")
    runs = [_by_doc(system)] + ([_by_doc(baseline)] if baseline is not None else [])
    # One row per article: (gold, pred, tp, e2e) for every subset, for every system.
    rows = [[_article_counts(record, run) for record in gold] for run in runs]
    rng = random.Random(seed)
    drawn: dict[tuple[str, str], list[float]] = {}
    for _ in range(samples):
        picks = [rng.randrange(len(gold)) for _ in gold]
        for sub in SUBSETS:
            for figure, field_ in INTERVAL_FIGURES.items():
                values = [_f1([per_article[i][sub] for i in picks], field_) for per_article in rows]
                value = values[0] - values[1] if len(values) == 2 else values[0]
                drawn.setdefault((sub, figure), []).append(value)
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for (sub, figure), values in drawn.items():
        values.sort()
        low = values[int(0.025 * len(values))]
        high = values[max(0, int(0.975 * len(values)) - 1)]
        out.setdefault(sub, {})[figure] = (round(low, 4), round(high, 4))
    return out


def _by_doc(system: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for rec in system:
        by_doc.setdefault(str(rec.get("doc_id")), []).extend(rec.get("quotes") or [])
    return by_doc


def _article_counts(
    record: dict[str, Any], by_doc: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, int]]:
    doc_id = str(record["doc_id"])
    scores = score([record], [{"doc_id": doc_id, "quotes": by_doc.get(doc_id, [])}])
    return {
        sub: {k: getattr(scores.counts[(sub, "jaccard")], k) for k in ("gold", "pred", "tp", "e2e")}
        for sub in SUBSETS
    }


def _f1(rows: list[dict[str, int]], field_: str) -> float:
    tp = sum(r[field_] for r in rows)
    return _prf(tp, sum(r["pred"] for r in rows), sum(r["gold"] for r in rows))[2]


def _prf(tp: int, pred: int, gold: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 0.0
    r = tp / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def format_summary(summary: dict[str, dict[str, float | None]]) -> str:
    """The headline table, one line per subset."""

    def f(x: float | None) -> str:
        return "  -  " if x is None else f"{x:.3f}"

    lines = [
        "subset     gold  pred | content F1 any  jacc  exact | spk acc  cue acc"
        " | e2e P    R      F1",
    ]
    for sub, r in summary.items():
        lines.append(
            f"{sub:<9} {r['gold']:>5} {r['pred']:>5} |       {f(r['content_f1_any'])} "
            f"{f(r['content_f1_jaccard'])} {f(r['content_f1_exact'])} | {f(r['speaker_acc'])}    "
            f"{f(r['cue_acc'])}  | {f(r['e2e_p'])}  {f(r['e2e_r'])}  {f(r['e2e_f1'])}"
        )
    return "\n".join(lines)


def format_intervals(
    intervals: dict[str, dict[str, tuple[float, float]]],
    *,
    samples: int,
    articles: int,
    baseline: str | None = None,
) -> str:
    """`bootstrap`'s intervals as a table under `format_summary`'s."""
    what = f"difference from {baseline}, " if baseline is not None else ""
    sign = "+" if baseline is not None else ""
    lines = [
        f"95% intervals ({what}{samples} resamplings of the {articles} articles):",
        "subset     content F1 jacc    e2e F1",
    ]
    for sub, r in intervals.items():
        (cl, ch), (el, eh) = r["content_f1_jaccard"], r["e2e_f1"]
        lines.append(
            f"{sub:<9}  [{cl:{sign}.3f}, {ch:{sign}.3f}]   [{el:{sign}.3f}, {eh:{sign}.3f}]"
        )
    return "\n".join(lines)
