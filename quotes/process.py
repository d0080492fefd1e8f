"""Runs the stages in order over parsed articles: extract -> attribution -> canonical -> provenance.

No I/O here: articles in, `Quote` records out.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from . import (
    attribution,
    canonical,
    contradictions,
    extract,
    features,
    nlp,
    outlets,
    provenance,
    reports,
    tagger,
)
from .models import FRAGMENT_JOINER, Article, Failure, Mention, Quote

# How sure each construction is of being a real attribution, before speaker resolution.
CONFIDENCE = {
    "direct": 0.9,
    "according_to": 0.85,
    "indirect": 0.8,
    "direct_governed": 0.6,
    "continuation": 0.6,
    "tagger": 0.6,
}


CHUNK = 64  # articles parsed and tagged together; bounds memory on long streams


def process(
    articles: Iterable[Article],
    *,
    nlp_: Language | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    use_tagger: bool | None = None,
    on_error: Callable[[Failure], None] | None = None,
) -> Iterator[tuple[Article, list[Quote]]]:
    """Yield every article with the statements found in it, in input order.

    `use_tagger`: combine the rules with the trained tagger (`quotes.tagger`); by default,
    whenever the tagger is installed. `on_error`: called with a `Failure` for an article
    whose processing raised, which is then left out while the others go on; without it the
    error propagates. Texts longer than a pipeline's `max_length` are run in pieces (see
    `nlp.pieces`), offsets kept.
    """
    model = nlp_ or nlp.load()
    if use_tagger is None:
        use_tagger = tagger.available()

    def tags(
        parsed: list[tuple[Article, Doc]], ruled: list[list[extract.Candidate]]
    ) -> Iterable[list[tagger.Attribution]]:
        if not use_tagger:
            return [[] for _ in parsed]
        # The tagger reads the parse and what the rules found.
        for (_, doc), statements in zip(parsed, ruled, strict=True):
            doc.user_data[features.FEATURES_KEY] = features.token_features(doc, statements)
        found = tagger.predict_docs(
            (doc for _, doc in parsed), batch_size=batch_size, n_process=n_process
        )
        # Contents the tagger found without a cue are dropped (on held-out train articles they
        # cost more precision than they bring recall; docs/evaluation.md).
        # The decoder splits paragraphs at line breaks: it reads the parse's text, where the
        # breaks that only wrap a paragraph are spaces (`nlp.parse_text`).
        return (
            tagger.decode(nlp.parse_text(article.text), t)
            for (article, _), t in zip(parsed, found, strict=True)
        )

    def run(chunk: list[Article]) -> list[tuple[Article, list[Quote]]]:
        parsed = list(nlp.parse(chunk, nlp=model, batch_size=batch_size, n_process=n_process))
        layouts = [extract.layout(article.text) for article, _ in parsed]
        ruled = [
            extract.rule_statements(doc, lay) for (_, doc), lay in zip(parsed, layouts, strict=True)
        ]
        return [
            (article, quotes_in(article, doc, tagged=found, lay=lay, ruled=statements))
            for (article, doc), found, lay, statements in zip(
                parsed, tags(parsed, ruled), layouts, ruled, strict=True
            )
        ]

    for chunk in _chunks(articles, CHUNK):
        if on_error is None:
            yield from run(chunk)
            continue
        try:
            results = run(chunk)
        except Exception:
            # One article broke the batch: run each alone, so only the broken one is lost.
            results = []
            for article in chunk:
                try:
                    results += run([article])
                except Exception as e:
                    reason = f"article {article.id} could not be processed: {type(e).__name__}: {e}"
                    on_error(Failure(article.source, reason))
        yield from results


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def quotes_in(
    article: Article,
    doc: Doc,
    *,
    tagged: Iterable[extract.Tagging] = (),
    lay: extract.Layout | None = None,
    ruled: list[extract.Candidate] | None = None,
) -> list[Quote]:
    """The statements of one parsed article, speakers resolved within the article.

    `lay` and `ruled` (the article's layout and the rules' statements) are found here unless
    the caller has them already.
    """
    lay = lay or extract.layout(article.text)
    # Outlets the registry does not know, recognised by how the text uses them, become OUTLET
    # entities before the stages that read them (after the tagger, which was trained without).
    outlets.mark_article_outlets(doc)
    found = extract.extract(doc, lay, tagged=tagged, ruled=ruled)
    items = attribution.attribute(doc, lay, found)
    names = canonical.article_names(doc)
    publisher = provenance.publisher(doc, lay, known=article.outlet)
    chains = provenance.cite(items, lay, publisher_name=publisher)
    framing = _framing_outlet_items(items)
    out = []
    for i, (item, chain) in enumerate(zip(items, chains, strict=True)):
        if i in framing:
            continue
        quote = _quote(article, item, chain, publisher, names)
        if quote is not None:
            out.append(quote)
    # The outlets' claims that denials name ("denied a Bloomberg report that ...").
    out += reports.nested_claims(doc, article, out, publisher=publisher)
    return sorted(out, key=lambda q: q.spans)


def _framing_outlet_items(items: list[attribution.Attributed]) -> set[int]:
    """Outlet attributions that only frame another one (`RBC reported` around `Peskov said`).

    Their outlet is already in the inner statement's chain, so they would repeat its content.
    An outlet item is dropped when another item's cue sits inside its content (it frames that
    one: in a chain of outlets only the innermost stays), or when a non-outlet item reports
    the same content.
    """
    drop = set()
    for i, outer in enumerate(items):
        if outer.speaker is None or outer.speaker.kind != "outlet":
            continue
        for inner in items:
            if inner is outer or inner.candidate.head is None or inner.speaker is None:
                continue
            pos = inner.candidate.head.idx
            inside = any(s <= pos < e for s, e in outer.candidate.spans)
            same = (
                inner.speaker.kind != "outlet"
                and _overlap(outer.candidate.spans, inner.candidate.spans) > 0.5
            )
            if inside or same:
                drop.add(i)
    return drop


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> float:
    inter = sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)
    size = min(sum(e - s for s, e in a), sum(e - s for s, e in b)) or 1
    return inter / size


def _mention(span: object, text: str) -> Mention | None:
    """A span as a `Mention`, its text taken from the article (not the parser's copy)."""
    if span is None:
        return None
    start, end = span.start_char, span.end_char  # type: ignore[attr-defined]
    return Mention(text[start:end], start, end)


def _quote(
    article: Article,
    item: attribution.Attributed,
    chain: tuple[str, ...],
    publisher: str | None,
    names: Counter[str],
) -> Quote | None:
    cand = item.candidate
    ref = item.speaker
    if cand.construction == "continuation" and ref is None:
        return None
    speaker = kind = title = None
    if ref is not None:
        speaker, kind, title = ref.name, ref.kind, ref.title
        if kind == "person" or (kind == "organization" and len(speaker.split()) == 1):
            resolved = canonical.resolve_in_article(speaker, names)
            if resolved != speaker:
                speaker, kind = resolved, "person"
    confidence = CONFIDENCE.get(cand.construction, 0.5) - (0.2 if ref is None else 0.0)
    spans = tuple(cand.spans)
    content = FRAGMENT_JOINER.join(article.text[s:e] for s, e in spans)
    cue = _mention(cand.cue, article.text)
    return Quote(
        article_id=article.id,
        source=article.source,
        content=content,
        spans=spans,
        kind=cand.kind,  # type: ignore[arg-type]
        cue=cue,
        speaker_mention=_mention(item.mention, article.text),
        speaker=speaker,
        speaker_kind=kind,  # type: ignore[arg-type]
        speaker_title=title,
        cited_outlet=chain[-1] if chain else None,
        cited_chain=chain,
        publisher=publisher,
        polarity=contradictions.polarity(content, cue.text if cue else None),
        confidence=round(confidence, 2),
        stance=contradictions.stance(content, cue.text if cue else None),
    )


def canonicalize(quotes: list[Quote], *, texts: Iterable[str] = ()) -> list[Quote]:
    """Merge speaker name variants across a set of quotes (what `store` does across a database).

    `texts` (the articles' texts) break ties between spellings by how often each occurs.
    """
    corpus = "\n".join(texts)
    names = {(q.speaker, q.speaker_kind) for q in quotes if q.speaker}
    mapping = canonical.merge_map(
        [(n, k) for n, k in names if n is not None], frequency=corpus.count
    )
    if not mapping:
        return quotes
    return [
        dataclasses.replace(q, speaker=mapping.get(q.speaker, q.speaker)) if q.speaker else q
        for q in quotes
    ]
