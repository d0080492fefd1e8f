"""According to whom: the article's publisher and the outlets a statement was cited from.

The chain of a statement runs from the outermost outlet to the speaker:
`EADaily adds: the Kremlin stated ...` gives the Kremlin's statement the chain `[EADaily]`;
`"...," Peskov said, RBC reported` gives `[RBC]`; `Peskov told VGTRK journalist Pavel Zarubin`
gives `[VGTRK]`; `According to Bloomberg, citing sources familiar ...` gives `[Bloomberg]` with
the anonymous sources as the speaker.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from . import lexicons
from .attribution import Attributed
from .extract import Layout


def outlet_in(span: Span | None) -> str | None:
    """The canonical name of the first registry outlet named inside `span`."""
    if span is None:
        return None
    for ent in span.ents:
        if ent.label_ == "OUTLET":
            return ent.ent_id_ or ent.text
    return None


def publisher(doc: Doc, lay: Layout, *, known: str | None = None) -> str | None:
    """The outlet that published the article: from metadata, else from the article naming itself.

    An article names itself in page furniture (`Support The Moscow Times!`) and in the house
    style of some agencies (`EADaily adds: ...`); the patterns live in `data/self_reference.txt`.
    """
    if known:
        return known
    names = {ent.ent_id_ or ent.text: ent.text for ent in doc.ents if ent.label_ == "OUTLET"}
    best: tuple[int, str] | None = None
    for name, surface in names.items():
        hits = 0
        for pattern in lexicons.words("self_reference"):
            regex = re.escape(pattern).replace(r"\{outlet\}", "{}")
            for form in {surface, name}:
                hits += len(re.findall(regex.format(re.escape(form.lower())), doc.text.lower()))
        if hits and (best is None or hits > best[0]):
            best = (hits, name)
    return best[1] if best else None


def _framing_outlet(head: Token) -> str | None:
    """An outlet whose own cue frames this one: `Peskov said, RBC reported` (either attachment)."""
    from .extract import is_cue, subject_of

    neighbours = [c for c in head.children if c.dep_ in ("parataxis", "conj", "advcl")]
    if head.dep_ in ("parataxis", "ccomp", "conj") and head.head.i != head.i:
        neighbours.append(head.head)
    for token in neighbours:
        if token.i != head.i and is_cue(token):
            found = outlet_in(subject_of(token))
            if found:
                return found
    return None


def _addressee_outlet(head: Token) -> str | None:
    """An outlet a statement was given to: `told VGTRK journalist`, `in an interview with CNN`."""
    doc = head.doc
    for child in head.children:
        if child.dep_ in ("dobj", "dative", "iobj") or (
            child.dep_ == "prep" and child.lower_ in ("to", "with", "in")
        ):
            found = outlet_in(doc[child.left_edge.i : child.right_edge.i + 1])
            if found:
                return found
    return None


def _on_record(head: Token) -> bool:
    """Whether a statement was made at a public occasion (`said at a press conference`)."""
    venues = lexicons.words("venues")
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in ("at", "in", "during"):
            phrase = " ".join(t.lower_ for t in child.subtree)
            if any(v in phrase for v in venues):
                return True
    return False


def cite(
    items: list[Attributed], lay: Layout, *, publisher_name: str | None
) -> list[tuple[str, ...]]:
    """The cited-outlet chain of each statement (outermost first), in the order of `items`."""
    chains: list[tuple[str, ...]] = []
    running: dict[int, str] = {}
    for item in items:
        chain = _own_outlets(item, items)
        outer = _nesting_outlets(item, items)
        chain = [*[o for o in outer if o not in chain], *chain]
        para = item.candidate.paragraph
        if not chain and para in running:
            chain = [running[para]]
        for outlet in chain:
            if outlet != publisher_name:
                running[para] = outlet
        if (
            item.speaker is not None
            and item.speaker.kind == "outlet"
            and item.speaker.name != publisher_name
        ):
            running[para] = item.speaker.name
        chains.append(tuple(dict.fromkeys(chain)))
    return chains


def _own_outlets(item: Attributed, items: list[Attributed]) -> list[str]:
    cand = item.candidate
    out = []
    if item.speaker is not None and item.speaker.kind == "outlet":
        out.append(item.speaker.name)
    subject_outlet = outlet_in(cand.subject) if cand.citing is not None else None
    if subject_outlet:
        out.insert(0, subject_outlet)
    mention_outlet = outlet_in(item.mention)
    if mention_outlet and item.speaker is not None and item.speaker.kind == "anonymous":
        out.append(mention_outlet)
    if cand.head is not None:
        told = _addressee_outlet(cand.head)
        if told:
            out.append(told)
        framing = _framing_outlet(cand.head)
        if framing:
            out.insert(0, framing)
        # `..., Peskov said, RBC reported.`: an outlet's cue in the same sentence frames this one.
        for other in items:
            head = other.candidate.head
            if (
                other is item
                or head is None
                or other.speaker is None
                or other.speaker.kind != "outlet"
            ):
                continue
            if (
                head.sent.start == cand.head.sent.start
                and other.candidate.spans == cand.spans
                or (
                    head.sent.start == cand.head.sent.start
                    and head.dep_ != "ccomp"
                    and head.i > cand.head.i
                    and _frames(other, item)
                )
            ):
                out.insert(0, other.speaker.name)
    return list(dict.fromkeys(out))


def _frames(outer: Attributed, inner: Attributed) -> bool:
    """Whether `outer`'s cue reports `inner` (its content covers `inner`'s statement)."""
    o = outer.candidate
    i = inner.candidate
    return (
        o.start <= i.start
        and i.end <= o.end + 2
        or (i.head is not None and i.head.head.i == (o.head.i if o.head else -1))
    )


def _nesting_outlets(item: Attributed, items: list[Attributed]) -> list[str]:
    """Outlets whose reported content contains this statement's cue (`EADaily adds: X said ...`)."""
    cand = item.candidate
    if cand.head is None or _on_record(cand.head):
        return []
    pos = cand.head.idx
    out = []
    for other in items:
        if other is item or other.speaker is None or other.speaker.kind != "outlet":
            continue
        if any(s <= pos < e for s, e in other.candidate.spans):
            out.append(other.speaker.name)
    return out
