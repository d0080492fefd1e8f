"""Speaker identity: names apart from titles, and one name per person across name variants.

Three steps, each usable on its own:

- `describe(span)`: a speaker mention as written -> `SpeakerRef(name, kind, title)`
  (`Kremlin spokesman Dmitry Peskov` -> `Dmitry Peskov`, person, `Kremlin spokesman`);
- `article_names(doc)` + `resolve_in_article`: within one article, a surname or a misspelling
  takes the full form the article uses (`Erdogan` -> `Recep Tayyip Erdogan`);
- `merge_map(names)`: across the database, surname-only speakers and spelling variants merge
  into one canonical name, and only when that is unambiguous: two people who share a surname
  are never merged without evidence.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from . import lexicons
from .nlp import entities
from .outlets import unknown_outlet

PERSON_PRONOUNS = {"he", "she", "him", "her", "i", "me"}
GROUP_PRONOUNS = {"they", "them", "we", "us"}
THING_PRONOUNS = {"it"}
PRONOUNS = PERSON_PRONOUNS | GROUP_PRONOUNS | THING_PRONOUNS | {"who", "which", "that", "you"}
ORG_LABELS = {"ORG", "GPE", "NORP", "FAC", "LOC"}
NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
FIRST_NAME_SIMILARITY = 80  # rapidfuzz ratio for `Vladmir` ~ `Vladimir`


@dataclass(frozen=True, slots=True)
class SpeakerRef:
    """Who a mention names: canonical name, kind, and the title it was given, if any."""

    name: str
    kind: str
    title: str | None = None


def clean(text: str) -> str:
    """A name without leading articles, possessive `'s`, odd white space or edge punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(the|a|an)\s+", "", text, flags=re.I)
    text = re.sub(r"['\u2019]s?$", "", text)
    return text.strip(" ,.;:()\"'\u201c\u201d")


def surname(name: str) -> str:
    """The last name token, lower-cased, without suffixes (`Martin Luther King Jr.` -> `king`)."""
    tokens = [t for t in re.findall(r"[\w\-']+\.?", name.lower())]
    while len(tokens) > 1 and tokens[-1] in NAME_SUFFIXES:
        tokens.pop()
    return tokens[-1].strip(".") if tokens else ""


def is_pronoun(span: Span) -> bool:
    return len(span) == 1 and span[0].lower_ in PRONOUNS


def head_of(span: Span) -> object:
    return span.root


def describe(span: Span) -> SpeakerRef | None:
    """The speaker a mention names by itself, or None when it needs an antecedent.

    Pronouns (`he`), nominals (`the ambassador`) and speech nouns (`the statement`) return None:
    `attribution` resolves them.
    """
    if is_pronoun(span):
        return None
    root = span.root
    ents = entities(span)
    outlet = next((e for e in ents if e.label_ == "OUTLET"), None)
    person = [e for e in ents if e.label_ == "PERSON"]
    anonymous = lexicons.words("anonymous_sources")
    if root.lower_ in anonymous and not person:
        return SpeakerRef(_anonymous_name(span, outlet), "anonymous")
    if person:
        ent = _with_given_names(
            max(person, key=lambda e: (root.i in range(e.start, e.end), e.end)), span
        )
        return SpeakerRef(clean(ent.text), "person", _title(span, ent))
    if outlet is not None and (
        root.i in range(outlet.start, outlet.end)
        or root.lower_ in lexicons.words("outlet_references")
    ):
        return SpeakerRef(outlet.ent_id_ or clean(outlet.text), "outlet")
    unknown = unknown_outlet(span) if outlet is None else None
    if unknown is not None:
        return SpeakerRef(unknown, "outlet")  # `the Zorbex news agency`
    if root.lower_ in lexicons.words("speech_nouns"):
        return None
    if root.pos_ == "PROPN" or root.ent_type_ in ORG_LABELS:
        name = _org_name(_without_appositive(span))
        kind = "person" if _titled(span) and root.ent_type_ not in ORG_LABELS else "organization"
        return SpeakerRef(name, kind)
    if any(t.dep_ == "poss" and t.pos_ == "PROPN" for t in span):
        return SpeakerRef(_org_name(span), "organization")  # `the Kremlin's press service`
    return None


def describe_nominal(span: Span) -> SpeakerRef | None:
    """A common-noun speaker that names itself: `the health ministry`, `Republicans`, `the ad`.

    Used once resolution found no antecedent; pronouns and bare titles (`the spokesman`) stay
    unresolved rather than becoming a speaker called "spokesman".
    """
    root = span.root
    if (
        is_pronoun(span)
        or root.lower_ in lexicons.words("titles")
        or root.pos_ not in ("NOUN", "PROPN")
    ):
        return None
    kind = (
        "organization" if root.lemma_.lower() in lexicons.words("organization_nouns") else "unknown"
    )
    return SpeakerRef(_org_name(_without_appositive(span)), kind)


def _org_name(span: Span) -> str:
    """`the Kremlin's press service` -> `Kremlin press service`."""
    words = [t.text for t in span if t.dep_ != "case" and t.text not in ("'s", "\u2019s", "'")]
    return clean(" ".join(words))


def _with_given_names(ent: Span, span: Span) -> Span:
    """Extend a PERSON entity left over proper nouns the tagger left out (`Dmitry` of `Peskov`)."""
    titles = lexicons.words("titles")
    start = ent.start
    while (
        start - 1 >= span.start
        and span.doc[start - 1].pos_ == "PROPN"
        and span.doc[start - 1].lower_ not in titles
        and span.doc[start - 1].is_title
        and (
            span.doc[start - 1].ent_type_ in ("", "PERSON")
            # A lone surname whose given name the tagger glued to the entity before it.
            or (len(ent) == 1 and start == ent.start)
        )
    ):
        start -= 1
    return span.doc[start : ent.end]


def _anonymous_name(span: Span, outlet: Span | None) -> str:
    name = clean(span.text)
    if outlet is not None and outlet.ent_id_:
        name = name.replace(outlet.text, outlet.ent_id_)
    return name[:1].lower() + name[1:] if not span[0].is_title or span[0].lower_ == "the" else name


def _without_appositive(span: Span) -> Span:
    for token in span:
        if token.text == "," and token.i > span.start:
            return span.doc[span.start : token.i]
    return span


def _titled(span: Span) -> bool:
    titles = lexicons.words("titles")
    return any(t.lower_ in titles for t in span)


TITLE_JOINERS = {"of", "to", "the", "for", "and", "at", "on", "'s", "\u2019s"}


def title_before(name: Span, *, limit: int | None = None) -> str | None:
    """The title written right before a name: `US Ambassador to Turkey` Tom Barrack.

    Scans left over capitalised words and the small words that join them, within the sentence
    (and within `limit`, a token index), and keeps the result only if it holds a title word.
    """
    doc = name.doc
    lowest = max(name.sent.start, limit if limit is not None else 0)
    start = name.start
    while start - 1 >= lowest:
        tok = doc[start - 1]
        if not (
            tok.is_title
            or tok.is_upper
            or tok.lower_ in TITLE_JOINERS
            or tok.lower_ in lexicons.words("titles")
        ):
            break
        if tok.is_punct:
            break
        start -= 1
    while start < name.start and doc[start].lower_ in TITLE_JOINERS:
        start += 1
    words = doc[start : name.start]
    titles = lexicons.words("titles")
    if not len(words) or not any(t.lower_ in titles for t in words):
        return None
    return clean(words.text) or None


def _title(span: Span, name: Span) -> str | None:
    """The words of `span` around the name that say who the person is."""
    parts = []
    before = title_before(name, limit=span.start)
    if before:
        parts.append(before)
    after = span.doc[name.end : span.end]
    if len(after) and after[0].text == ",":
        parts.append(clean(after[1:].text))
    title = ", ".join(p for p in parts if p)
    return title or None


def title_words(title: str | None) -> set[str]:
    return {
        w for w in re.findall(r"[a-z]+", (title or "").lower()) if w not in ("the", "of", "to", "a")
    }


# --------------------------------------------------------------------------------------------
# Within an article


def article_names(doc: Doc) -> Counter[str]:
    """How often each full person name (two tokens or more) is mentioned in the article."""
    names: Counter[str] = Counter()
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            name = clean(ent.text)
            if len(name.split()) >= 2:
                names[name] += 1
    return names


def resolve_in_article(name: str, names: Counter[str]) -> str:
    """The full form the article uses for `name` (`Erdogan` -> `Recep Tayyip Erdogan`).

    A surname takes the one full name in the article that ends with it; with two candidates
    (`Bill Clinton`, `Hillary Clinton`) it stays as it is.
    """
    last = surname(name)
    if not last:
        return name
    fulls = {n for n in names if surname(n) == last and n != name}
    if len(name.split()) == 1:
        return next(iter(fulls)) if len(fulls) == 1 else name
    return name


# --------------------------------------------------------------------------------------------
# Across the database


def same_person(a: str, b: str) -> bool:
    """Whether two full names are spellings of one name: same surname, similar given names."""
    if surname(a) != surname(b):
        return False
    first_a, first_b = a.split()[0].lower(), b.split()[0].lower()
    if first_a == first_b:
        return True
    return fuzz.ratio(first_a, first_b) >= FIRST_NAME_SIMILARITY


def merge_map(
    names: Iterable[tuple[str, str | None]],
    *,
    frequency: Callable[[str], int] | None = None,
) -> dict[str, str]:
    """Which speaker names to merge into which: `{variant: canonical}`.

    Only persons merge. Spelling variants of a full name (`Vladmir Putin`, `Vladimir Putin`) go
    to the most frequent spelling (by `frequency`, e.g. occurrences in the stored articles; ties
    to the longer, then alphabetical). A surname alone (`Peskov`) goes to the full name only when
    exactly one person with that surname is known.
    """
    freq = frequency or (lambda _name: 0)
    by_surname: dict[str, list[str]] = defaultdict(list)
    for name, kind in names:
        # A lone surname the tagger took for an organisation (`Lavrov said`) may join a person.
        lone = len(name.split()) == 1 and name[:1].isupper() and kind == "organization"
        if (kind in (None, "person") or lone) and surname(name):
            by_surname[surname(name)].append(name)
    mapping: dict[str, str] = {}
    for group in by_surname.values():
        fulls = sorted({n for n in group if len(n.split()) >= 2})
        clusters: list[list[str]] = []
        for name in fulls:
            for cluster in clusters:
                if same_person(name, cluster[0]):
                    cluster.append(name)
                    break
            else:
                clusters.append([name])
        canon = [
            max(c, key=lambda n: (freq(n), len(n), n)) if len(c) > 1 else c[0] for c in clusters
        ]
        for cluster, best in zip(clusters, canon, strict=True):
            mapping.update({n: best for n in cluster if n != best})
        if len(canon) == 1:
            mapping.update({n: canon[0] for n in group if len(n.split()) == 1})
        elif not canon:
            pass
    return mapping
