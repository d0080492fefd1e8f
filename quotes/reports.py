"""The claim a denial names: "denied a Bloomberg report that P" makes P a statement of Bloomberg.

A denial act often carries the claim it answers inside its own sentence. When the report it names
names its outlet ("a Bloomberg report that ...", "the Post's story that ...", "a report in the
Financial Times that ..."), the that-clause is stored as that outlet's claim, so the denial can be
paired with it (and never with the act's own span, which contains it). A report without an
outlet ("media reports that ...") gives no claim here: what it refers to is found by pairing.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span, Token

from . import lexicons, stance
from .models import Article, Mention, Quote
from .provenance import outlet_in


def nested_claims(
    doc: Doc, article: Article, found: Iterable[Quote], *, publisher: str | None = None
) -> list[Quote]:
    """The outlets' claims named inside the denials of `found` (offsets into `article.text`)."""
    found = list(found)
    taken = {q.spans for q in found}
    sentences: dict[int, Span] = {}
    for quote in found:
        sent = _sentence(doc, quote) if _denies(quote) else None
        if sent is not None:
            sentences[sent.start] = sent
    # The outlets the article names: its OUTLET entities, then those its statements cite.
    outlets = [ent.ent_id_ or ent.text for ent in doc.ents if ent.label_ == "OUTLET"]
    outlets += [q.cited_outlet for q in found if q.cited_outlet]
    outlets += [q.speaker for q in found if q.speaker and q.speaker_kind == "outlet"]
    outlets = [o for o in outlets if not publisher or o.lower() != publisher.lower()]
    out = []
    for sent in sentences.values():
        for token in sent:
            claim = _claim_of(token, article, publisher, outlets)
            if claim is not None and claim.spans not in taken:
                taken.add(claim.spans)
                out.append(claim)
    return out


def _denies(quote: Quote) -> bool:
    return stance.is_denial(quote.content, quote.cue.text if quote.cue else None)


def _sentence(doc: Doc, quote: Quote) -> Span | None:
    anchor = quote.cue.start if quote.cue else quote.start
    span = doc.char_span(anchor, anchor + 1, alignment_mode="expand")
    return span.sent if span is not None else None


def _that_clause(token: Token) -> Token | None:
    """The head of the that-clause a report noun introduces ("a report that P"), also where the
    parser hung the clause on the verb ("denied a report that P" read as denied + that P)."""

    def opens_with_that(c: Token) -> bool:
        return any(t.lower_ == "that" and t.dep_ in ("mark", "nsubj") for t in c.children)

    for c in token.children:
        if c.dep_ in ("acl", "ccomp", "relcl", "appos") and opens_with_that(c):
            return c
    if token.dep_ in ("dobj", "pobj"):
        nxt = token.right_edge.i + 1
        for c in token.head.children:
            if c.dep_ in ("ccomp", "advcl") and c.left_edge.i == nxt and opens_with_that(c):
                return c
    return None


def _claim_of(
    token: Token, article: Article, publisher: str | None, outlets: list[str]
) -> Quote | None:
    """The outlet's claim when `token` is a report noun naming its outlet with a that-clause."""
    if token.lower_ not in lexicons.words("report_nouns") or token.pos_ not in ("NOUN", "PROPN"):
        return None
    clause = _that_clause(token)
    if clause is None:
        return None
    # The outlet: in the phrase before the noun ("a Bloomberg report", "the Post's story") or
    # after it ("a report in the Financial Times", "a report by Reuters").
    modifiers = [c for c in token.children if c.i < token.i or c.dep_ == "prep"]
    outlet = None
    for child in modifiers:
        phrase = token.doc[child.left_edge.i : child.right_edge.i + 1]
        outlet = outlet_in(phrase)
        if outlet:
            break
    described = " ".join(t.lower_ for c in modifiers for t in c.subtree)
    if not outlet and any(
        f" {noun} " in f" {described} " for noun in lexicons.words("outlet_nouns")
    ):
        # "a report in a weekly magazine that ...": the outlet the article names.
        outlet = outlets[0] if outlets else None
    if not outlet:
        return None
    words = [
        t
        for t in clause.subtree
        if not (t.lower_ == "that" and t.head == clause and t.i < clause.i)
    ]
    while words and (words[-1].is_punct or words[-1].is_space):
        words.pop()
    if len(words) < 3:
        return None
    start, end = words[0].idx, words[-1].idx + len(words[-1].text)
    content = article.text[start:end]
    report = Mention(
        article.text[token.idx : token.idx + len(token.text)],
        token.idx,
        token.idx + len(token.text),
    )
    return Quote(
        article_id=article.id,
        source=article.source,
        content=content,
        spans=((start, end),),
        kind="indirect",
        cue=report,
        speaker_mention=None,
        speaker=outlet,
        speaker_kind="outlet",
        cited_outlet=outlet,
        cited_chain=(outlet,),
        publisher=publisher,
        polarity="denies" if stance.is_denial(content) else "asserts",
        stance=stance.stance(content),
        confidence=0.6,
    )
