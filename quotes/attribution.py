"""Who said it: the speaker of each statement, with pronouns and nominals resolved.

A statement's speaker mention is the phrase its construction names (the cue's subject, the
object of `according to`). Mentions that do not name anyone by themselves are resolved against
what the article said before:

- `he`/`she` -> the nearest earlier person (speakers and people the text names);
- `they`/`it` -> the nearest earlier organisation, outlet or group;
- `the ambassador`, `the Russian president` -> the nearest earlier person whose title agrees;
- `the statement`, `the announcement` -> its possessor (`the president's announcement`), else
  the nearest earlier speaker;
- `the agency`, `the newspaper` -> the nearest earlier outlet;
- a quote-only paragraph -> the running speaker of the paragraphs before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from . import canonical, lexicons
from .canonical import SpeakerRef
from .extract import Candidate, Layout, noun_phrase
from .nlp import entities

# Role nouns that stand for one another (`the Turkish leader` may be its president).
ROLE_FAMILIES = [{"leader", "president", "premier", "prime", "chancellor", "head"}]
RUNNING_SPEAKER_PARAGRAPHS = 2


@dataclass(slots=True)
class Attributed:
    """A candidate statement with its speaker mention and who it resolved to."""

    candidate: Candidate
    mention: Span | None
    speaker: SpeakerRef | None


@dataclass(frozen=True, slots=True)
class _Seen:
    """An earlier mention a later pronoun or nominal may point back to."""

    char: int
    ref: SpeakerRef
    as_speaker: bool


def _entity_mentions(doc: Doc, lay: Layout) -> list[_Seen]:
    seen = []
    for ent in doc.ents:
        if lay.in_furniture(ent.start_char):
            continue
        if ent.label_ == "PERSON":
            name = canonical.clean(ent.text)
            ref = SpeakerRef(name, "person", canonical.title_before(ent))
            seen.append(_Seen(ent.start_char, ref, False))
        elif ent.label_ == "OUTLET":
            seen.append(_Seen(ent.start_char, SpeakerRef(ent.ent_id_ or ent.text, "outlet"), False))
    return seen


def _organizations(doc: Doc, lay: Layout) -> list[_Seen]:
    """The organisations the text names (ORG entities), for `the company`, `a spokesman`."""
    return [
        _Seen(ent.start_char, SpeakerRef(canonical.clean(ent.text), "organization"), False)
        for ent in doc.ents
        if ent.label_ == "ORG" and not lay.in_furniture(ent.start_char)
    ]


def attribute(doc: Doc, lay: Layout, candidates: list[Candidate]) -> list[Attributed]:
    """Resolve the speaker of every candidate, in text order."""
    seen = _entity_mentions(doc, lay)
    orgs = _organizations(doc, lay)
    out: list[Attributed] = []
    for cand in sorted(candidates, key=lambda c: c.start):
        mention = cand.subject
        if cand.citing is not None and _names_outlet(cand):
            mention = cand.citing  # `According to Bloomberg, citing sources ...`
        ref = None
        if mention is not None:
            ref = (
                canonical.describe(mention)
                or _resolve(mention, seen, out)
                or _organization_nominal(mention, seen, orgs)
                or canonical.describe_nominal(mention)
            )
        elif cand.construction == "continuation":
            ref = _running_speaker(cand, out)
        if ref is not None and mention is not None:
            seen.append(_Seen(mention.start_char, ref, True))
        out.append(Attributed(cand, mention, ref))
    return out


# Nouns for someone who speaks for an organisation: unnamed, the organisation speaks.
SPOKES_NOUNS = {"spokesman", "spokeswoman", "spokesperson", "representative", "statement"}


def _organization_nominal(mention: Span, seen: list[_Seen], orgs: list[_Seen]) -> SpeakerRef | None:
    """`the company`, `the bank` -> the organisation named before; `a spokesman` (unnamed) ->
    the organisation the text is about, the one named in the mention first (`a Kestrel Bank
    spokeswoman` -> Kestrel Bank)."""
    root = mention.root
    word = root.lower_
    if root.pos_ != "NOUN" or any(t.pos_ == "PROPN" for t in mention):
        if word in SPOKES_NOUNS:
            owner = [
                t
                for t in mention
                if t.i < root.i and t.pos_ == "PROPN" and t.ent_type_ not in ("PERSON", "GPE")
            ]
            if owner:
                start, end = owner[0].i, owner[-1].i + 1
                return SpeakerRef(canonical.clean(mention.doc[start:end].text), "organization")
        return None
    speakers = [
        s
        for s in _before(mention.start_char, seen)
        if s.as_speaker and s.ref.kind == "organization"
    ]
    named = _before(mention.start_char, orgs)
    if word in SPOKES_NOUNS:
        return speakers[0].ref if speakers else None
    if root.lemma_.lower() not in lexicons.words("organization_nouns"):
        return None
    if not any(t.lower_ in ("the", "this") for t in mention):
        return None
    # The nearest organisation the text names whose name holds the noun (`the bank` -> Kestrel
    # Bank); for the generic nouns of a company, the organisation that spoke last, else the
    # nearest one named.
    for s in named:
        if word in s.ref.name.lower().split():
            return s.ref
    if word in ("company", "firm", "group", "club", "team", "carrier", "maker"):
        first = [*speakers, *named]
        return first[0].ref if first else None
    return None


def _names_outlet(cand: Candidate) -> bool:
    """Whether the candidate's own speaker phrase is an outlet (or `according to` one)."""
    if cand.subject is None:
        return False
    if any(e.label_ == "OUTLET" for e in entities(cand.subject)):
        return True
    return cand.subject.root.lower_ in lexicons.words("outlet_references")


def _before(char: int, seen: list[_Seen]) -> list[_Seen]:
    return sorted((s for s in seen if s.char < char), key=lambda s: s.char, reverse=True)


def _resolve(mention: Span, seen: list[_Seen], done: list[Attributed]) -> SpeakerRef | None:
    root = mention.root
    word = root.lower_
    earlier = _before(mention.start_char, seen)
    if root.tag_ in ("WP", "WDT") and root.head.dep_ == "relcl":
        # `the senator, who said ...`: the speaker is the noun the clause describes.
        antecedent = noun_phrase(root.head.head)
        return canonical.describe(antecedent) or _resolve(antecedent, seen, done)
    if canonical.is_pronoun(mention):
        if word in canonical.PERSON_PRONOUNS:
            return next((s.ref for s in earlier if s.ref.kind == "person"), None)
        if word in canonical.GROUP_PRONOUNS | canonical.THING_PRONOUNS:
            kinds = ("organization", "outlet", "anonymous")
            return next((s.ref for s in earlier if s.ref.kind in kinds), None)
        return None
    if word in lexicons.words("speech_nouns"):
        owner = next((t for t in mention if t.dep_ == "poss" and t.head.i == root.i), None)
        if owner is not None:
            owner_span = mention.doc[owner.left_edge.i : owner.i + 1]
            return canonical.describe(owner_span) or _resolve(owner_span, seen, done)
        return next((s.ref for s in earlier if s.as_speaker), None)
    if word in lexicons.words("outlet_references"):
        return next((s.ref for s in earlier if s.ref.kind == "outlet"), None)
    if word in lexicons.words("titles") or any(word in f for f in ROLE_FAMILIES):
        return _by_title(mention, earlier)
    return None


def _by_title(mention: Span, earlier: list[_Seen]) -> SpeakerRef | None:
    """The nearest earlier person whose title agrees with a nominal (`the ambassador`)."""
    words = {t.lower_ for t in mention if not t.is_stop and not t.is_punct}
    head = mention.root.lower_
    family = next((f for f in ROLE_FAMILIES if head in f), {head})
    for s in earlier:
        if s.ref.kind != "person" or not s.ref.title:
            continue
        title = canonical.title_words(s.ref.title)
        if title & family and (words - family) <= title | {w.lower() for w in s.ref.name.split()}:
            return s.ref
    for s in earlier:
        if s.ref.kind == "person" and head in canonical.title_words(s.ref.title):
            return s.ref
    return None


def _running_speaker(cand: Candidate, done: list[Attributed]) -> SpeakerRef | None:
    """The speaker of the nearest attribution in this or the previous paragraphs."""
    for prev in reversed(done):
        if cand.paragraph - prev.candidate.paragraph > RUNNING_SPEAKER_PARAGRAPHS:
            return None
        if prev.speaker is not None:
            return prev.speaker
    return None
