"""Convert PolNeAR JSONL into spaCy DocBin files for the attribution tagger.

Every attribution contributes entities to the NER layer of its article: the source fragments as
SOURCE, the cue fragments as CUE and the content fragments as CONTENT (a quote split by "said X"
is two CONTENT entities). Character spans are trimmed of white space and aligned to the tokens
of spaCy's English tokenizer (the tokenizer the shipped pipeline uses) with
``alignment_mode="expand"``; run with ``--compare`` to see what "contract" would lose instead.

NER entities cannot overlap. PolNeAR is univocal (a token belongs to at most one attribution),
but a few spans overlap anyway (annotation slips, or edges that "expand" pushed onto a shared
token). The policy: keep the longest span first (ties: the earlier one, then CONTENT > CUE >
SOURCE), and drop every span that overlaps one already kept. The counts are printed.

Every token also carries the encoder's contextual vector (`quotes.encoder`, all-MiniLM-L6-v2
run over its paragraph; `--encoder` names the folder, by default the shipped tagger's), so the
tagger trains on what it reads at run time.

Articles are cut into paragraphs (a chunk never splits an entity) so that training batches mix
many articles. A fixed, hash-chosen slice of train is written apart as ``heldout.spacy`` for
model selection; ``dev.jsonl`` is converted too but only used for the reported figures.

Usage::

    python -m training.corpus ../shared/eval training/corpus
    python -m training.corpus ../shared/eval training/corpus --encoder build/encoder
    python -m training.corpus ../shared/eval training/corpus --compare
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

import quotes.extract
import quotes.nlp
from quotes import encoder, tagger
from quotes.features import FEATURES_KEY, token_features

LABELS = ("SOURCE", "CUE", "CONTENT")
# Tie-break between equally long overlapping spans (higher wins).
_PRIORITY = {"CONTENT": 2, "CUE": 1, "SOURCE": 0}
# Roughly 1 train article in 14 (60 of 840) is held out for model selection.
HELDOUT_BUCKETS = 14
# What each stored Doc keeps: its tokens, the parse (the tagger's features) and the entities.
DOC_ATTRS = ["ORTH", "SPACY", "TAG", "POS", "DEP", "HEAD", "LEMMA", "SENT_START"]
DOC_ATTRS += ["ENT_IOB", "ENT_TYPE"]


def plain_text(text: str) -> str:
    """Same-length copy of `text` with unicode spaces made plain, as `quotes.nlp.parse_text`.

    Repeated here so that this script runs without importing the package.
    """
    return "".join(" " if ch.isspace() and ch not in "\n\r\t" else ch for ch in text)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def is_heldout(doc_id: str) -> bool:
    """Whether a train article goes to the held-out model-selection set (stable across runs)."""
    digest = hashlib.sha1(doc_id.encode("utf-8")).digest()
    return digest[0] % HELDOUT_BUCKETS == 0


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading and trailing white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def gold_spans(record: dict[str, Any]) -> list[tuple[str, int, int]]:
    """All (label, start, end) character spans of an article, trimmed and de-duplicated."""
    text = record["text"]
    seen: set[tuple[str, int, int]] = set()
    fields = (("SOURCE", "source"), ("CUE", "cue"), ("CONTENT", "content"))
    for attribution in record["attributions"]:
        for label, key in fields:
            for start, end in attribution.get(key) or []:
                start, end = trim(text, start, end)
                if start < end:
                    seen.add((label, start, end))
    return sorted(seen, key=lambda s: (s[1], s[2], s[0]))


def resolve_overlaps(
    spans: Iterable[tuple[str, int, int]], dropped: Counter[str]
) -> list[tuple[str, int, int]]:
    """Keep the longest spans first and drop any span that overlaps a kept one."""
    order = sorted(spans, key=lambda s: (-(s[2] - s[1]), s[1], -_PRIORITY[s[0]]))
    kept: list[tuple[str, int, int]] = []
    for label, start, end in order:
        if any(start < k_end and k_start < end for _, k_start, k_end in kept):
            dropped[label] += 1
        else:
            kept.append((label, start, end))
    return sorted(kept, key=lambda s: s[1])


def make_doc(doc: Doc, record: dict[str, Any], mode: str, stats: Counter[str]) -> Doc:
    """The article's parse with its gold entities, aligned with `mode` ("expand"/"contract")."""
    aligned: list[tuple[str, int, int]] = []
    for label, start, end in gold_spans(record):
        stats[f"gold {label}"] += 1
        span = doc.char_span(start, end, label=label, alignment_mode=mode)
        if span is None or len(span) == 0:
            stats[f"lost in alignment {label}"] += 1
            continue
        if (span.start_char, span.end_char) != (start, end):
            stats[f"boundary moved {label}"] += 1
        aligned.append((label, span.start, span.end))
    # The tagger's features are read off the parse as `quotes` makes it, named entities
    # included, before the gold entities replace those.
    lay = quotes.extract.layout(record["text"])
    doc.user_data[FEATURES_KEY] = token_features(doc, quotes.extract.rule_statements(doc, lay))
    dropped: Counter[str] = Counter()
    # Overlaps are resolved on tokens: "expand" can make touching spans share a token.
    kept = resolve_overlaps(aligned, dropped)
    for label, n in dropped.items():
        stats[f"dropped as overlapping {label}"] += n
    doc.ents = [Span(doc, start, end, label=label) for label, start, end in kept]
    return doc


def paragraphs(doc: Doc) -> Iterator[Doc]:
    """Cut a Doc after each blank line (a white-space token with a newline), never in an entity."""
    inside = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    start = 0
    for token in doc:
        end = token.i + 1
        if token.is_space and "\n" in token.text and token.i not in inside and end - start > 1:
            yield _part(doc, start, end)
            start = end
    if start < len(doc):
        yield _part(doc, start, len(doc))


def _part(doc: Doc, start: int, end: int) -> Doc:
    part = doc[start:end].as_doc()
    part.user_data[FEATURES_KEY] = doc.user_data[FEATURES_KEY][start:end]
    return part


def convert(
    records: Iterable[dict[str, Any]], nlp: Language, mode: str, stats: Counter[str], *, split: bool
) -> list[Doc]:
    """The articles parsed by `nlp`, gold entities set, cut into paragraphs if `split`."""
    records = list(records)
    texts = (plain_text(record["text"]) for record in records)
    docs: list[Doc] = []
    for record, parsed in zip(records, nlp.pipe(texts, batch_size=16), strict=True):
        doc = make_doc(parsed, record, mode, stats)
        stats["articles"] += 1
        docs.extend(paragraphs(doc) if split else [doc])
    return docs


def add_context(docs: list[Doc], folder: Path, batch: int = 64) -> None:
    """Put the encoder's vectors of every token in each Doc's `user_data`."""
    # The float32 pass the shipped tagger was trained on (ingest runs the 8-bit runtime).
    model = encoder.Encoder(folder, exact=True)
    for start in range(0, len(docs), batch):
        part = docs[start : start + batch]
        for doc, vectors in zip(part, model.doc_vectors(part), strict=True):
            doc.user_data[encoder.CONTEXT_KEY] = vectors
        if start // batch % 50 == 0:
            print(f"  encoder: {start + len(part)} of {len(docs)} docs", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path, help="folder with train.jsonl and dev.jsonl")
    parser.add_argument("out_dir", type=Path, help="where to write the .spacy files")
    parser.add_argument("--mode", choices=("expand", "contract"), default="expand")
    parser.add_argument(
        "--compare", action="store_true", help="only count what each alignment mode loses"
    )
    parser.add_argument(
        "--encoder",
        type=Path,
        default=tagger.MODEL_DIR / "context",
        help="the encoder folder (training.encoder); default: the shipped tagger's",
    )
    args = parser.parse_args(argv)
    # The parse the tagger reads its features from is the one `quotes` makes at run time.
    nlp = quotes.nlp.load()
    train = list(read_jsonl(args.eval_dir / "train.jsonl"))

    if args.compare:
        for mode in ("expand", "contract"):
            stats: Counter[str] = Counter()
            convert(train, nlp, mode, stats, split=False)
            print(f"== train, alignment_mode={mode}")
            for key, n in sorted(stats.items()):
                print(f"  {key:40s} {n:7d}")
        return 0

    args.out_dir.mkdir(parents=True, exist_ok=True)
    sets = {
        "train": [r for r in train if not is_heldout(r["doc_id"])],
        "heldout": [r for r in train if is_heldout(r["doc_id"])],
        "dev": list(read_jsonl(args.eval_dir / "dev.jsonl")),
    }
    for name, records in sets.items():
        stats = Counter()
        docs = convert(records, nlp, args.mode, stats, split=name == "train")
        add_context(docs, args.encoder)
        DocBin(attrs=DOC_ATTRS, docs=docs, store_user_data=True).to_disk(
            args.out_dir / f"{name}.spacy"
        )
        summary = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()))
        print(f"{name}: {len(docs)} docs; {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
