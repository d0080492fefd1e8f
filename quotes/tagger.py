"""The trained attribution tagger: SOURCE, CUE and CONTENT spans, and a decoder into attributions.

A small spaCy pipeline ships in `quotes/attribution_model/` (context + tok2vec + ner, trained
on PolNeAR; `context` is the encoder of `quotes.encoder`, all-MiniLM-L6-v2 in 8/4 bits; see
docs/model-card.md) and is loaded from there, or from the folder `QUOTES_TAGGER` names (one
that `python -m training.package` wrote, to score another training run): nothing is
downloaded.
`predict` tags texts; `decode` turns one text's tags into attributions: each CONTENT goes to a
cue, each cue to a source, and CONTENT fragments that share a cue (a quote split by "said X")
become one attribution.

>>> text = '"We will win," Smith said.'
>>> tagged = next(predict([text]))
>>> [(t.label, text[t.start:t.end]) for t in tagged]  # doctest: +SKIP
[('CONTENT', '"We will win,"'), ('SOURCE', 'Smith'), ('CUE', 'said')]
>>> decode(text, tagged)  # doctest: +SKIP
[Attribution(content=((0, 14),), cue=(21, 25), source=(15, 20))]

Every offset is a character offset into the text as given, end-exclusive.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import nlp as _nlp
from .errors import ModelError
from .features import features_of, for_tagger

MODEL_DIR = Path(__file__).parent / "attribution_model"
LABELS = ("SOURCE", "CUE", "CONTENT")

Offsets = tuple[int, int]


@dataclass(frozen=True)
class Tagged:
    """One tagged span: `label` is SOURCE, CUE or CONTENT; `text[start:end]` is the span."""

    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Attribution:
    """One attributed statement: content fragments in text order, its cue and its source."""

    content: tuple[Offsets, ...]
    cue: Offsets | None
    source: Offsets | None


ENV_VAR = "QUOTES_TAGGER"


def model_dir() -> Path:
    """The folder the tagger is loaded from: `$QUOTES_TAGGER` if set, else `MODEL_DIR`."""
    return Path(os.environ.get(ENV_VAR) or MODEL_DIR)


def _complete(folder: Path) -> bool:
    return (folder / "config.cfg").is_file() and (folder / "ner").is_dir()


def available() -> bool:
    """Whether there is a tagger to use: shipped in `quotes/attribution_model/`, or named.

    A folder named by `QUOTES_TAGGER` counts even if it is not there: asking for a tagger
    and getting the rules alone would go unnoticed, so `load` says what is wrong instead.
    """
    return bool(os.environ.get(ENV_VAR)) or _complete(MODEL_DIR)


def load() -> Language:
    """The tagger pipeline, loaded once per process and folder (`model_dir()`).

    Raises:
        ModelError: the folder is missing (run `make train`) or does not load.
    """
    return _load(model_dir())


@cache
def _load(folder: Path) -> Language:
    if not _complete(folder):
        if folder != MODEL_DIR:
            raise ModelError(
                f"{ENV_VAR}={folder} is not an attribution tagger (no config.cfg and ner/ in "
                "it): name a folder that `python -m training.package` wrote, or unset it."
            )
        raise ModelError(
            f"The attribution tagger is not installed: {folder} is missing. "
            "Build it with `make train` (see training/README.md)."
        )
    try:
        nlp = spacy.load(folder)
    except (OSError, ValueError) as e:
        raise ModelError(f"Cannot load the attribution tagger from {folder}: {e}") from e
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp


def predict(
    texts: Iterable[str], *, batch_size: int = 32, n_process: int = 1
) -> Iterator[list[Tagged]]:
    """Tag each text; yields, in order, one list of `Tagged` spans (in text order) per text.

    The texts are parsed first (`quotes.nlp.load()`, the default pipeline): the tagger reads
    the parse. Callers that have the parse already use `predict_docs`.
    """
    if isinstance(texts, str):
        raise TypeError("predict() takes an iterable of texts, not one text: use predict([text])")
    parsed = _nlp.load().pipe((_nlp.parse_text(text) for text in texts), batch_size=batch_size)
    yield from predict_docs(parsed, batch_size=batch_size, n_process=n_process)


def predict_docs(
    docs: Iterable[Doc], *, batch_size: int = 32, n_process: int = 1
) -> Iterator[list[Tagged]]:
    """Tag each parsed Doc; yields, in order, one list of `Tagged` spans per Doc.

    Offsets are into `doc.text`. A Doc without a dependency parse is tagged from its words
    alone, which the model was not trained for: expect fewer and worse spans. Long Docs are
    tagged in runs of whole paragraphs (`segments`), so memory stays bounded.
    """
    nlp = load()
    pending: list[list[Tagged]] = []
    counts: list[int] = []

    def pieces() -> Iterator[tuple[Doc, int]]:
        for doc in docs:
            bounds = segments(doc)
            counts.append(len(bounds))
            features = features_of(doc)
            for start, end in bounds:
                piece = for_tagger(nlp.vocab, doc[start:end], features[start:end])
                yield piece, doc[start].idx

    tagged = nlp.pipe(pieces(), as_tuples=True, batch_size=batch_size, n_process=n_process)
    for tagger_doc, offset in tagged:
        pending.append(
            [Tagged(e.label_, e.start_char + offset, e.end_char + offset) for e in tagger_doc.ents]
        )
        while counts and len(pending) >= counts[0]:
            n = counts.pop(0)
            yield [t for piece in pending[:n] for t in piece]
            del pending[:n]
    while counts and counts[0] == 0:
        counts.pop(0)
        yield []


# A run of paragraphs the tagger takes at once, in tokens; a longer paragraph is cut.
SEGMENT_TOKENS = 5000


def segments(doc: Doc, limit: int = SEGMENT_TOKENS) -> list[tuple[int, int]]:
    """Token ranges that cover `doc`: runs of whole paragraphs of at most `limit` tokens.

    A paragraph longer than `limit` is cut every `limit` tokens.

    >>> import spacy
    >>> segments(spacy.blank("en")("One two.\\nThree four five.\\nSix."), limit=6)
    [(0, 4), (4, 9), (9, 11)]
    """
    breaks = [t.i + 1 for t in doc if t.is_space and "\n" in t.text and t.i + 1 < len(doc)]
    bounds: list[tuple[int, int]] = []
    start = last = 0
    for end in [*breaks, len(doc)]:
        if end - start > limit and last > start:
            bounds.append((start, last))
            start = last
        while end - start > limit:
            bounds.append((start, start + limit))
            start += limit
        last = end
    if last > start:
        bounds.append((start, last))
    return bounds


# ---------------------------------------------------------------------------------------------
# decoding

# A sentence ends at . ! or ? (plus closing quotes or brackets) before white space and a capital,
# a digit or an opening quote; not after a common abbreviation or a single initial.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9])")
# fmt: off
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "st", "jr",
    "sr", "prof", "rev", "hon", "pres", "vs", "no", "inc", "corp", "co", "ltd", "dept", "u.s",
    "u.n", "u.k", "d.c", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec",
})
# fmt: on
_SPEAKER_STOP = re.compile(r"[,;:\"“”()\[\]—–]|''|``")
_WORD = re.compile(r"\S+")
_OPENING_QUOTE = re.compile(r"[\"“”«]|''|``")
# The fallback speaker is at most this many words right before the cue, less leading
# conjunctions and prepositions ("and Bernie Sanders", "While the president").
_MAX_FALLBACK_WORDS = 4
# fmt: off
_NOT_SPEAKER_WORDS = frozenset({
    "and", "or", "but", "nor", "so", "yet", "while", "whilst", "after", "before", "because",
    "although", "though", "when", "whenever", "as", "if", "since", "despite", "then", "also",
    "that", "which", "by", "of", "in", "on", "at", "for", "with", "from", "to", "about", "over",
    "than",
})
# fmt: on


def _sentence_starts(text: str) -> list[int]:
    """Start offsets of sentences: each line is split at sentence-final punctuation."""
    starts = [0]
    for line in re.finditer(r"[^\n]+", text):
        if line.start() > 0:
            starts.append(line.start())
        for m in _SENTENCE_END.finditer(line.group()):
            before = line.group()[: m.start()].rsplit(None, 1)
            word = before[-1].lower().lstrip("\"'“‘(") if before else ""
            if m.group()[0] == "." and (word in _ABBREVIATIONS or len(word) == 1):
                continue
            starts.append(line.start() + m.end())
    return sorted(set(starts))


def _paragraph_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _index(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _solid_counts(text: str) -> list[int]:
    """Non-space characters in `text[:i]`, for every i: a gap is then two look-ups."""
    return [0, *itertools.accumulate(not ch.isspace() for ch in text)]


def _gap(solid: list[int], a: Offsets, b: Offsets) -> int:
    """Non-space characters between two spans (0 if they touch or overlap); `solid` is the
    text's `_solid_counts`."""
    left, right = (a, b) if a[0] <= b[0] else (b, a)
    return solid[right[0]] - solid[left[1]] if left[1] < right[0] else 0


def _fallback_speaker(text: str, cue: Offsets, floor: int, taken: list[Offsets]) -> Offsets | None:
    """The last few words right before the cue, back to punctuation, a tagged span or `floor`."""
    start = max([floor] + [end for _, end in taken if end <= cue[0]])
    window = text[start : cue[0]]
    stops = list(_SPEAKER_STOP.finditer(window))
    if stops:
        start += stops[-1].end()
        window = text[start : cue[0]]
    words = list(_WORD.finditer(window))[-_MAX_FALLBACK_WORDS:]
    words = [w for w in words if any(ch.isalnum() for ch in w.group())]
    while words and words[0].group().lower() in _NOT_SPEAKER_WORDS:
        words.pop(0)
    if not words:
        return None
    return start + words[0].start(), start + words[-1].end()


def decode(
    text: str,
    tagged: list[Tagged],
    *,
    fallback_words: bool = True,
    uncued_content: bool = False,
) -> list[Attribution]:
    """Group one text's tagged spans into attributions.

    Each CONTENT goes to the nearest CUE (fewest non-space characters apart) in a sentence the
    content touches; a content that opens with a quotation mark may instead take the nearest
    cue of another sentence of its paragraph ('"...," he said. "More."'). Each cue goes to the
    nearest SOURCE of its sentence; failing that, to the words right before the cue
    (`fallback_words`); failing that, to the nearest SOURCE of its paragraph. CONTENT fragments
    that share a cue form one attribution. A CONTENT left without a cue is dropped, or becomes
    an attribution of its own without cue or source if `uncued_content` (on held-out train
    data fewer than 1 in 10 of those were right, so they cost precision; a caller with its own
    cue finder may still want them). Sentences are found with a regular expression (the model
    has no parser); paragraphs are lines.
    """
    spans = sorted({(t.start, t.end, t.label) for t in tagged if t.start < t.end})
    if not spans:
        return []
    sentences = _sentence_starts(text)
    paragraphs = _paragraph_starts(text)
    solid = _solid_counts(text)

    def where(span: Offsets) -> tuple[int, int, int]:
        """(paragraph, first sentence, last sentence) of a span."""
        return (
            _index(paragraphs, span[0]),
            _index(sentences, span[0]),
            _index(sentences, max(span[0], span[1] - 1)),
        )

    contents = [(s, e) for s, e, label in spans if label == "CONTENT"]
    cues = [(s, e) for s, e, label in spans if label == "CUE"]
    sources = [(s, e) for s, e, label in spans if label == "SOURCE"]
    cue_where = {cue: where(cue) for cue in cues}
    source_where = {source: where(source) for source in sources}

    by_cue: dict[Offsets, list[Offsets]] = {}
    uncued: list[Offsets] = []
    for content in contents:
        para, first, last = where(content)
        candidates = [
            (0 if first <= cue_where[cue][1] <= last else 1, _gap(solid, content, cue), cue[0], cue)
            for cue in cues
            if cue_where[cue][0] == para
        ]
        if _OPENING_QUOTE.match(text, content[0]) is None:
            # Only a quotation goes on across sentences ("...," he said. "More."): an indirect
            # content takes a cue of its own sentences or none.
            candidates = [c for c in candidates if c[0] == 0]
        if candidates:
            by_cue.setdefault(min(candidates)[3], []).append(content)
        else:
            uncued.append(content)

    attributions = []
    for cue, fragments in by_cue.items():
        para, sentence, _ = cue_where[cue]
        same_sentence = [src for src in sources if source_where[src][1] == sentence]
        source: Offsets | None = None
        if same_sentence:
            source = min(same_sentence, key=lambda src: (_gap(solid, src, cue), src[0]))
        if source is None and fallback_words:
            floor = sentences[sentence]
            taken = [(s, e) for s, e, _ in spans]
            source = _fallback_speaker(text, cue, floor, taken)
        if source is None:
            in_paragraph = [src for src in sources if source_where[src][0] == para]
            if in_paragraph:
                source = min(in_paragraph, key=lambda src: (_gap(solid, src, cue), src[0]))
        attributions.append(Attribution(tuple(sorted(fragments)), cue, source))
    if uncued_content:
        attributions.extend(Attribution((content,), None, None) for content in uncued)
    return sorted(attributions, key=lambda a: a.content[0])
