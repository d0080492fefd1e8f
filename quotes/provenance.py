"""According to whom: the article's publisher and the outlets a statement was cited from.

The chain of a statement runs from the outermost outlet to the one closest to the speaker:

- `"...," Peskov said, RBC reported` and `..., TASS quoted her as saying` give `[RBC]`, `[TASS]`;
- `the RBC news agency reported, citing Kremlin spokesman Dmitry Peskov` gives `[RBC]`;
- `According to Bloomberg, citing sources familiar ...` gives `[Bloomberg]` (the anonymous
  sources are the speaker); so do `Bloomberg sources said` and `sources told Bloomberg`;
- `Peskov told VGTRK journalist Pavel Zarubin` and `in an interview with CNN` give the outlet the
  statement was given to;
- `EADaily adds: the Kremlin stated ...` gives `[EADaily]`: an outlet whose reported content
  holds another statement frames it;
- nested reports keep their order: `Reuters reported, citing Interfax, that Peskov said ...` and
  `According to Reuters, which cited Interfax, Peskov said ...` both give `[Reuters, Interfax]`.

Outlets come from the registry (`data/outlets.jsonl`, the `OUTLET` entities of the pipeline);
an outlet the registry does not know is still recognised by how the text describes it
(`the Zorbex news agency`, `Zorbex newspaper`, `the TV channel Zorbex 24`, with the descriptive
nouns of `data/outlet_nouns.txt`) and enters the chain under its name (`Zorbex`); so is one
the text uses as an outlet with an outlet's name (`Kestrel Media reported`, `told Kestrel Sport
Radio`; `outlets.py`).

A statement given to an outlet (`told X`, `in an interview with X`, `Speaking to X, ...`) starts
an interview: the statements of the same speaker in the paragraphs that directly follow take X
as their outlet, until another speaker or a paragraph without them comes between.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from . import lexicons
from .attribution import Attributed
from .canonical import surname
from .extract import Layout, is_cue, subject_of
from .nlp import entities
from .outlets import unknown_outlet

# Verbs by which an outlet passes on what someone else said or reported.
_CITING_LEMMAS = ("cite", "quote")
# Cue verbs whose outlet subject is an outlet reporting someone else's statement.
_REPORTING_LEMMAS = ("report", "quote", "cite", "write", "add", "remind", "recall", "learn")
# Verbs whose object is who heard the statement (`told Reuters`) or whom it came from (`citing`).
_ADDRESSEE_LEMMAS = ("tell", "inform", "brief", "assure", "cite", "quote")


# --- outlets named in a phrase -------------------------------------------------------------------


def outlet_in(span: Span | None) -> str | None:
    """The canonical name of the first outlet named inside `span`: a registry outlet, else one
    the text describes as an outlet (`the Zorbex news agency` -> `Zorbex`)."""
    if span is None:
        return None
    for ent in entities(span):
        if ent.label_ == "OUTLET":
            return ent.ent_id_ or ent.text
    return unknown_outlet(span)


# --- the publisher -------------------------------------------------------------------------------


def publisher(doc: Doc, lay: Layout, *, known: str | None = None) -> str | None:
    """The outlet that published the article: from metadata, else from the article naming itself.

    An article names itself in page furniture (`Support The Moscow Times!`) and in the house
    style of some agencies (`EADaily adds: ...`); the patterns live in `data/self_reference.txt`.
    """
    if known:
        return known
    names = {ent.ent_id_ or ent.text: ent.text for ent in doc.ents if ent.label_ == "OUTLET"}
    text = doc.text.lower()
    best: tuple[int, str] | None = None
    for name, surface in names.items():
        hits = 0
        for pattern in lexicons.words("self_reference"):
            regex = re.escape(pattern).replace(r"\{outlet\}", "{}")
            for form in {surface, name}:
                hits += len(re.findall(regex.format(re.escape(form.lower())), text))
        if hits and (best is None or hits > best[0]):
            best = (hits, name)
    return best[1] if best else None


# --- the chain of each statement -----------------------------------------------------------------


def cite(
    items: list[Attributed], lay: Layout, *, publisher_name: str | None
) -> list[tuple[str, ...]]:
    """The cited-outlet chain of each statement (outermost first), in the order of `items`.

    A statement with no outlet of its own continues the report of the outlet last cited in its
    paragraph (`According to the agency, ... Erdogan argued ...`), unless that is the publisher.
    """
    # Each statement's speaking outlet, found once: the helpers below look at every pair.
    speaking = [speaker_outlet(item) for item in items]
    own = [_own_outlets(i, items, speaking) for i in range(len(items))]
    chains: list[tuple[str, ...]] = []
    running: dict[int, str] = {}
    # An interview: a person's statement given to an outlet (`told X`, `speaking to X`) and the
    # statements of the same speaker in the paragraphs that directly follow it.
    interview: tuple[str, str, int] | None = None  # speaker, outlet, last paragraph
    for i, item in enumerate(items):
        chain = _nested_chain(i, items, speaking, own, frozenset())
        para = item.candidate.paragraph
        name = item.speaker.name if item.speaker is not None else None
        same = interview is not None and name is not None and _same_speaker(name, interview[0])
        if interview is not None and (para - interview[2] > 1 or (name is not None and not same)):
            interview = None
        if interview is not None and same:
            chain = chain or [interview[1]]
            interview = (interview[0], interview[1], para)
        given = _given_to(item, chain)
        if given is not None and name is not None:
            interview = (name, given, para)
        if not chain and para in running:
            chain = [running[para]]
        for outlet in chain:
            if outlet != publisher_name:
                running[para] = outlet
        outlet_speaking = speaking[i]
        if outlet_speaking and outlet_speaking != publisher_name:
            running[para] = outlet_speaking
        chains.append(tuple(dict.fromkeys(chain)))
    return chains


def _same_speaker(a: str, b: str) -> bool:
    """`Ivo Brandt` and `Brandt` (a surname alone) are one speaker; so are equal names."""
    if a == b:
        return True
    short, full = sorted((a, b), key=lambda n: len(n.split()))
    return len(short.split()) == 1 and surname(full) == short.lower()


def _given_to(item: Attributed, chain: list[str]) -> str | None:
    """The outlet a person or organisation gave statement `item` to (`told X`, `in an
    interview with X`, `speaking to X`), which the quotes after it continue; else None."""
    cand = item.candidate
    if item.speaker is None or item.speaker.kind not in ("person", "organization") or not chain:
        return None
    if cand.head is None:
        return None
    given = _addressee_outlets(cand.head, cand.spans) + _speaking_to(cand.head, cand.spans)
    return next((outlet for outlet in reversed(chain) if outlet in given), None)


def _speaking_to(head: Token, spans: list[tuple[int, int]]) -> list[str]:
    """`Speaking to X, she said ...`: the outlet of a clause of speaking that modifies the cue."""
    doc = head.doc
    out = []
    for child in head.children:
        if child.dep_ != "advcl" or child.lemma_ not in ("speak", "talk") or _inside(child, spans):
            continue
        for prep in child.children:
            if prep.dep_ == "prep" and prep.lower_ in ("to", "with"):
                found = outlet_in(doc[prep.left_edge.i : prep.right_edge.i + 1])
                if found:
                    out.append(found)
    return out


def speaker_outlet(item: Attributed) -> str | None:
    """The outlet that is the speaker of a statement (`Reuters reported`, `the Zorbex daily
    wrote`), or None when the speaker is a person, a group or unknown."""
    if item.speaker is None:
        return None
    if item.speaker.kind == "outlet":
        # The outlet the mention names beats the one a nominal was resolved to.
        return outlet_in(item.mention) or item.speaker.name
    if item.speaker.kind in ("person", "anonymous") or item.mention is None:
        return None
    return unknown_outlet(item.mention)


def _nested_chain(
    i: int,
    items: list[Attributed],
    speaking: list[str | None],
    own: list[list[str]],
    seen: frozenset[int],
) -> list[str]:
    """Item `i`'s own outlets after the chain of every outlet report that holds its cue."""
    outer: list[str] = []
    for j in _nesting_items(i, items, speaking):
        if j not in seen and j != i:
            outer += _nested_chain(j, items, speaking, own, seen | {i})
    return list(dict.fromkeys([*outer, *own[i]]))


def _nesting_items(i: int, items: list[Attributed], speaking: list[str | None]) -> list[int]:
    """Outlet reports whose content holds statement `i`'s cue (`EADaily adds: X said ...`)."""
    cand = items[i].candidate
    if cand.head is None or _on_record(cand.head):
        return []
    pos = cand.head.idx
    return [
        j
        for j, other in enumerate(items)
        if j != i and speaking[j] and any(s <= pos < e for s, e in other.candidate.spans)
    ]


def _own_outlets(i: int, items: list[Attributed], speaking: list[str | None]) -> list[str]:
    """The outlets named around statement `i`'s own cue, outermost first."""
    item = items[i]
    cand = item.candidate
    out: list[str] = []
    if cand.head is not None:
        out += _framing_outlets(i, items, speaking)
    subject_outlet = outlet_in(cand.subject)
    if subject_outlet and (
        cand.citing is not None
        or cand.construction == "according_to"
        or speaking[i]
        or (cand.head is not None and cand.head.lemma_ in _REPORTING_LEMMAS)
    ):
        out.append(subject_outlet)
        if cand.subject is not None:
            out += _relative_citations(cand.subject.root)
    outlet_speaking = speaking[i]
    if outlet_speaking:
        out.append(outlet_speaking)
    citing_outlet = outlet_in(cand.citing)
    if citing_outlet:
        out.append(citing_outlet)
    if item.speaker is not None and item.speaker.kind == "anonymous":
        mention_outlet = outlet_in(item.mention)  # `Bloomberg sources`
        if mention_outlet:
            out.append(mention_outlet)
    if cand.head is not None:
        out += _addressee_outlets(cand.head, cand.spans) + _speaking_to(cand.head, cand.spans)
    return list(dict.fromkeys(out))


def _framing_outlets(i: int, items: list[Attributed], speaking: list[str | None]) -> list[str]:
    """Outlets whose own bare cue reports statement `i`: `Peskov said, RBC reported`,
    `..., TASS quoted her as saying`, in either attachment the parser gives them."""
    item = items[i]
    cand = item.candidate
    head = cand.head
    assert head is not None
    out: list[str] = []
    neighbours = [c for c in head.children if c.dep_ in ("parataxis", "conj", "advcl", "ccomp")]
    if head.dep_ in ("parataxis", "ccomp", "conj") and head.head.i != head.i:
        neighbours.append(head.head)
    for token in neighbours:
        if token.i == head.i or _inside(token, cand.spans) or not _bare_report(token, cand.spans):
            continue
        found = outlet_in(subject_of(token))
        if found:
            out.append(found)
    # An outlet's statement found with the same content, or reporting it later in the sentence
    # (`"...," Peskov said, RBC reported.` parsed as two attributions).
    for j, other in enumerate(items):
        other_head = other.candidate.head
        outlet = speaking[j]
        if j == i or other_head is None or outlet is None:
            continue
        if other_head.sent.start != head.sent.start:
            continue
        if other.candidate.spans == cand.spans or (
            other_head.dep_ != "ccomp" and other_head.i > head.i and _frames(other, item)
        ):
            out.insert(0, outlet)
    return out


def _bare_report(token: Token, spans: list[tuple[int, int]]) -> bool:
    """A reporting verb with no statement of its own but the one in `spans`: `RBC reported`,
    `TASS quoted her as saying`; not `Reuters reported that the plant closed`."""
    if not (is_cue(token) or token.lemma_ in _REPORTING_LEMMAS):
        return False
    for child in token.children:
        if _inside(child, spans):
            continue  # the parser hung the reported statement itself on the outlet's verb
        if child.dep_ in ("ccomp", "xcomp"):
            return False
        if child.dep_ == "dobj" and child.pos_ not in ("PRON", "PROPN"):
            return False
    return True


def _inside(token: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s <= token.idx < e for s, e in spans)


def _relative_citations(token: Token) -> list[str]:
    """Outlets an outlet phrase says it took its report from: `Reuters, which cited Interfax`,
    `TASS, quoting the Zorbex daily`."""
    out = []
    for child in token.children:
        if child.dep_ in ("relcl", "acl", "advcl") and child.lemma_ in _CITING_LEMMAS:
            for obj in child.children:
                if obj.dep_ == "dobj":
                    found = outlet_in(obj.doc[obj.left_edge.i : obj.right_edge.i + 1])
                    if found:
                        out.append(found)
    return out


def _addressee_outlets(head: Token, spans: list[tuple[int, int]]) -> list[str]:
    """Outlets a statement was given to: `told VGTRK journalist`, `in an interview with CNN`,
    `sources told Reuters`; or taken from, for a citing cue (`citing the Zorbex daily`).

    Only verbs of telling have an addressee as their object: `denied the Bloomberg report`
    names what is denied, not who heard the denial. Nothing inside the statement counts.
    """
    doc = head.doc
    out = []
    for child in head.children:
        if _inside(child, spans):
            continue
        told = child.dep_ in ("dative", "iobj") or (
            child.dep_ == "dobj" and head.lemma_ in _ADDRESSEE_LEMMAS
        )
        if told or (child.dep_ == "prep" and child.lower_ in ("to", "with", "in")):
            found = outlet_in(doc[child.left_edge.i : child.right_edge.i + 1])
            if found:
                out.append(found)
    return out


def _on_record(head: Token) -> bool:
    """Whether a statement was made at a public occasion (`said at a press conference`)."""
    venues = lexicons.words("venues")
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in ("at", "in", "during"):
            phrase = " ".join(t.lower_ for t in child.subtree)
            if any(v in phrase for v in venues):
                return True
    return False


def _frames(outer: Attributed, inner: Attributed) -> bool:
    """Whether `outer`'s cue reports `inner` (its content covers `inner`'s statement)."""
    o = outer.candidate
    i = inner.candidate
    return (
        o.start <= i.start
        and i.end <= o.end + 2
        or (i.head is not None and i.head.head.i == (o.head.i if o.head else -1))
    )
