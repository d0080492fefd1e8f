"""Outlet identity: the registry, its aliases and domains, the ruler patterns, and the outlets
the registry does not know, recognised by how the text uses them.

The registry (`data/outlets.jsonl`, read through `lexicons`) gives each outlet a canonical name,
a kind, a domain and the names it goes by; `patterns()` turns it into the pipeline's `OUTLET`
EntityRuler patterns, so `ent.ent_id_` is the canonical name of a mention. An outlet the registry
does not know is recognised by construction:

- described as one: `the Zorbex news agency`, `the weekly Zorbex`, `a local newspaper, Zorbex`
  (`unknown_outlet`, with the descriptive nouns of `data/outlet_nouns.txt`);
- used as one, with a name that reads like an outlet's (`data/outlet_name_words.txt`):
  `Kestrel Media reported ...`, `told Kestrel Noticias`, `according to Kestrel TV`, `Kestrel
  Times reporter Ann Lee`, or a web address (`Kestrel.com News`).

`mark_article_outlets(doc)` makes every mention of such an outlet in the article an `OUTLET`
entity (kind unknown), its short form too (`Kestrel` after `Kestrel Media`), so that later
`Kestrel said` and `the agency` resolve to it like any registry outlet.
"""

from __future__ import annotations

import re
from functools import cache

from spacy.tokens import Doc, Span, Token

from . import lexicons

# Verbs whose subject, used as an outlet, reports (`Kestrel Media reported that ...`).
_REPORT_LEMMAS = ("report", "write", "publish")
# Verbs whose object heard the statement (`told Kestrel TV`); `speaking to`, `in an interview with`.
_ADDRESSEE_LEMMAS = ("tell", "speak", "talk")
# Nouns after a name that make it an outlet's (`Kestrel Times reporter Ann Lee`).
_STAFF_NOUNS = ("reporter", "journalist", "correspondent", "columnist", "editor")
_WEB_NAME = re.compile(r"\w\.(?:com|net|org|co|info|news)\b", re.IGNORECASE)


# --- the registry --------------------------------------------------------------------------------


def patterns() -> list[dict[str, str]]:
    """EntityRuler patterns for every registry outlet name and alias, labelled `OUTLET`.

    The pattern id is the canonical name, so `ent.ent_id_` says which outlet a mention is.
    """
    out = []
    for entry in lexicons.outlets():
        for alias in {entry.name, *entry.aliases}:
            out.append({"label": "OUTLET", "pattern": alias, "id": entry.name})
            if alias.startswith("The "):
                out.append({"label": "OUTLET", "pattern": "the" + alias[3:], "id": entry.name})
    return out


def canonical_name(name: str) -> str:
    """The registry's name for an outlet named `name` (any alias, with or without `the`), else
    `name` without a leading `the`."""
    for form in _spellings(name):
        entry = lexicons.outlet_index().get(form.lower())
        if entry is not None:
            return entry.name
    return re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)


def _spellings(name: str) -> list[str]:
    """`name` and its spellings with abbreviations written out (`Corp.` -> `Corporation`)."""
    name = re.sub(r"\s+", " ", name.strip())
    out = [name]
    for short, full in _ABBREVIATIONS:
        if re.search(short, name):
            out.append(re.sub(short, full, name))
    return out


_ABBREVIATIONS = (
    (r"\bCorp\b\.?", "Corporation"),
    (r"\bCo\b\.?", "Company"),
    (r"\bInc\b\.?", "Incorporated"),
    (r"\bIntl\b\.?", "International"),
    (r"\bBroadcasting Corp\b", "Broadcasting Corporation"),
)


def kind(name: str) -> str:
    """The registry's kind of the outlet `name` (`agency`, `newspaper`, ...), else `unknown`."""
    entry = lexicons.outlet_index().get(name.lower())
    return entry.kind if entry is not None else "unknown"


# --- outlets described as outlets ---------------------------------------------------------------

# Tags of the words of an outlet's name (`Zorbex`, `Zorbex 24`).
_NAME_TAGS = ("NNP", "NNPS")
# Entity types that say a lone capitalised word is a place, not a name (`the Moscow daily`).
_PLACE_TYPES = ("GPE", "LOC")


@cache
def _outlet_nouns() -> tuple[tuple[str, ...], ...]:
    """The descriptive nouns of outlets as word tuples, longest first (`tv channel` before `tv`)."""
    nouns = {tuple(entry.split()) for entry in lexicons.words("outlet_nouns")}
    return tuple(sorted(nouns, key=len, reverse=True))


def unknown_outlet(span: Span) -> str | None:
    """The name of an outlet the registry does not know, described as one inside `span`.

    The name is the run of proper nouns before the descriptive noun (`the Zorbex news agency`,
    `Zorbex TV channel journalist`) or after it (`the newspaper Zorbex Pravdy`,
    `the Turkish daily Zorbex`, `the TV channel Zorbex 24`); nationalities (`the Russian news
    agency`) and lone place names (`the Moscow newspaper`) are not names.

    >>> import quotes.nlp
    >>> unknown_outlet(quotes.nlp.load()("Sources told the Zorbex news agency.")[:])
    'Zorbex'
    """
    doc = span.doc
    i = span.start
    while i < span.end:
        size = _outlet_noun_at(span, i)
        if not size:
            i += 1
            continue
        if any(doc[k].ent_type_ == "OUTLET" for k in range(i, i + size)):
            i += size
            continue
        after = _name_after(span, i + size)
        before = _name_before(span, i)
        capitalised = all(doc[k].is_title for k in range(i, i + size))
        if capitalised and not doc[i].is_sent_start and (before or after):
            # A capitalised noun is part of the name: `The Daily Planet`, `Zorbex News Agency`.
            return " ".join(part for part in (before, doc[i : i + size].text, after) if part)
        name = after or before
        if name:
            return name
        i += size
    return None


@cache
def _outlet_noun_starts() -> frozenset[str]:
    return frozenset(words[0] for words in _outlet_nouns())


def _outlet_noun_at(span: Span, i: int) -> int:
    """How many tokens of a descriptive outlet noun start at token `i` (0: none)."""
    doc = span.doc
    if doc[i].lower_ not in _outlet_noun_starts():
        return 0
    for words in _outlet_nouns():
        end = i + len(words)
        if end <= span.end and all(doc[i + k].lower_ == word for k, word in enumerate(words)):
            return len(words)
    return 0


def _name_like(token: Token, *, person_ok: bool = True) -> bool:
    if token.tag_ not in _NAME_TAGS or not (token.is_title or token.is_upper):
        return False
    if token.ent_type_ == "OUTLET" or (token.ent_type_ == "PERSON" and not person_ok):
        return False
    return token.lower_ not in _title_words()


@cache
def _title_words() -> frozenset[str]:
    return lexicons.words("titles") | {"the"}


def _name_text(tokens: list[Token]) -> str | None:
    if not tokens:
        return None
    doc = tokens[0].doc
    text = doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
    return re.sub(r"\s+", " ", text).strip(" \"'\u201c\u201d\u00ab\u00bb") or None


def _name_before(span: Span, i: int) -> str | None:
    """`the Zorbex news agency`: the proper nouns right before the noun starting at `i`."""
    doc = span.doc
    tokens: list[Token] = []
    k = i - 1
    while k >= span.start and (_name_like(doc[k]) or (doc[k].is_quote and tokens)):
        if not doc[k].is_quote:
            tokens.insert(0, doc[k])
        k -= 1
    if not tokens or all(t.ent_type_ in _PLACE_TYPES for t in tokens):
        return None
    return _name_text(tokens)


def _name_after(span: Span, i: int) -> str | None:
    """`the newspaper Zorbex Pravdy`, `the TV channel "Zorbex 24"`: proper nouns after the noun."""
    doc = span.doc
    k = i
    while k < span.end and doc[k].is_quote:
        k += 1
    tokens: list[Token] = []
    # A person right after the noun is more likely its journalist (`the daily Ivan Orlov`) than
    # its name, which is why a PERSON counts only before the noun (`the Zorbex Gazette daily`).
    while k < span.end and (_name_like(doc[k], person_ok=False) or (tokens and doc[k].like_num)):
        tokens.append(doc[k])
        k += 1
    return _name_text(tokens)


# --- outlets used as outlets ---------------------------------------------------------------------


@cache
def _name_words() -> frozenset[str]:
    return lexicons.words("outlet_name_words")


def _name_run(token: Token) -> tuple[int, int] | None:
    """The run of name words around `token` (proper nouns, `the` at its start, web addresses),
    as token offsets, or None when `token` is not in a name."""
    doc = token.doc

    def namey(t: Token) -> bool:
        return (t.tag_ in _NAME_TAGS and (t.is_title or t.is_upper or "." in t.text)) or bool(
            _WEB_NAME.search(t.text)
        )

    if not namey(token):
        return None
    start = end = token.i
    while start - 1 >= 0 and namey(doc[start - 1]) and not doc[start - 1].is_sent_end:
        start -= 1
    while end + 1 < len(doc) and namey(doc[end + 1]):
        end += 1
    return start, end + 1


def _outlet_like(doc: Doc, start: int, end: int) -> bool:
    """Whether the name doc[start:end] reads like an outlet's (the tagger often takes one for a
    person: `told Kestrel Sport TV`) and is no place."""
    tokens = doc[start:end]
    if any(t.ent_type_ == "OUTLET" for t in tokens):
        return False
    if all(t.ent_type_ in ("GPE", "NORP", "LOC") for t in tokens):
        return False
    words = {t.lower_ for t in tokens}
    return bool(words & _name_words()) or any(_WEB_NAME.search(t.text) for t in tokens)


def _used_as_outlet(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of names the text uses as an outlet's (see the module's docstring)."""
    heads: list[Token] = []
    for token in doc:
        lemma = token.lemma_.lower()
        if token.pos_ in ("VERB", "AUX") and lemma in _REPORT_LEMMAS:
            heads += [c for c in token.children if c.dep_ == "nsubj"]
        if token.pos_ == "VERB" and lemma in _ADDRESSEE_LEMMAS:
            heads += [c for c in token.children if c.dep_ in ("dobj", "dative")]
            for prep in (
                c for c in token.children if c.dep_ == "prep" and c.lower_ in ("to", "with")
            ):
                heads += [c for c in prep.children if c.dep_ == "pobj"]
        if (
            token.lower_ == "according"
            and token.i + 1 < len(doc)
            and doc[token.i + 1].lower_ == "to"
        ):
            heads += [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
        if token.lower_ == "interview":
            for prep in (
                c for c in token.children if c.dep_ == "prep" and c.lower_ in ("with", "to")
            ):
                heads += [c for c in prep.children if c.dep_ == "pobj"]
        if token.lower_ in _STAFF_NOUNS:
            heads += [c for c in token.children if c.dep_ in ("compound", "poss")]
    out = []
    for head in heads:
        # The name may be the head itself or a compound before it (`Kestrel TV presenter`).
        for token in (head, *[c for c in head.children if c.dep_ in ("compound", "poss")]):
            run = _name_run(token)
            if run and _outlet_like(doc, *run):
                out.append(run)
                break
    return out


def _short_form(name: str) -> str | None:
    """`Kestrel Media` -> `Kestrel`: the name without its trailing outlet words, if that leaves
    a name of its own."""
    words = name.split()
    while words and words[-1].lower() in _name_words():
        words.pop()
    if words and words[0].lower() == "the":
        words = words[1:]
    short = " ".join(words)
    return short if short and short != name and short.lower() not in _name_words() else None


def mark_article_outlets(doc: Doc) -> list[str]:
    """Make the outlets of `doc` the registry does not know `OUTLET` entities, every mention.

    Returns their names. An outlet is one described as such (`unknown_outlet` over each
    sentence) or used as one with an outlet's name (`_used_as_outlet`); its mentions are every
    occurrence of its name, and of its short form standing alone (`Kestrel said`).
    """
    names: dict[str, str] = {}
    for sent in doc.sents:
        described = unknown_outlet(sent)
        if described and not any(
            t.ent_type_ == "OUTLET" for t in sent if t.text in described.split()
        ):
            names.setdefault(described, canonical_name(described))
    for start, end in _used_as_outlet(doc):
        text = doc[start:end].text
        # How the text describes an outlet names it best (`Zorbex` of `Zorbex TV channel`).
        if not any(text in other or other in text for other in names):
            names.setdefault(text, canonical_name(text))
    if not names:
        return []
    forms = dict(names)
    for text, canon in names.items():
        short = _short_form(text)
        if short and short not in forms:
            forms[short] = canon
    spans: list[Span] = []
    text = doc.text
    for form, canon in sorted(forms.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text):
            span = doc.char_span(m.start(), m.end())
            if span is None or any(s.start < span.end and span.start < s.end for s in spans):
                continue
            if form != names.get(form) and form not in names:
                # A short form stands alone: not the start of a longer name (`Kestrel Bay`).
                nxt = doc[span.end] if span.end < len(doc) else None
                if nxt is not None and nxt.tag_ in _NAME_TAGS and nxt.is_title:
                    continue
            spans.append(Span(doc, span.start, span.end, label="OUTLET", span_id=canon))
    if not spans:
        return []
    kept = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in spans)]
    doc.ents = sorted([*kept, *spans], key=lambda e: e.start)
    return sorted(set(names.values()))
