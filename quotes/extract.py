"""Quote spans and cues from a parsed article, one generator per construction.

An extractor finds *what* was said and the cue that reports it; `attribution` then decides *who*.
Constructions:

- `indirect_clauses`: `X said (that) ...`, `..., X said.`, `X stressed the importance of ...`
  (content from the cue's clausal complement, or the clause it interrupts);
- `according_to`: `According to X, ...` and `..., according to X.`;
- `direct_quotes`: text between quotation marks next to a cue (`"...," X said`, `X replied: "..."`),
  split quotes as one attribution with several fragments, and quote-only paragraphs that continue
  the running speaker.

Quotes inside page furniture (link lists, `More news:` lines) and scare quotes (a short quoted
phrase with no cue) are not statements.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from spacy.tokens import Doc, Span, Token

from . import lexicons
from . import paragraphs as _paragraphs
from .nlp import entities

OPENERS = {"\u201c": "\u201d", "\u201e": "\u201d\u201c", "\u00ab": "\u00bb", "``": "''"}
STRAIGHT = ('"', "''")
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
CLAUSE_DEPS = {"ccomp", "xcomp"}
# A speaker phrase may hang off a cue through these (`X, commenting on ...`, `..., citing X`).
# How a content found without a cue hangs from the verb that cues it.
GOVERNED_DEPS = {"ccomp", "xcomp", "dobj", "pobj", "attr", "oprd", "acomp"}
INHERIT_DEPS = {"conj", "advcl", "xcomp", "pcomp", "acl", "relcl"}
GAP = re.compile(r"^[\s,:;\u2014\u2013-]*$")
SHORT_SCARE_QUOTE = 3  # words; a shorter quote with no cue is a scare quote or a title


class Tagging(Protocol):
    """A statement from the trained tagger: content fragments, cue and source offsets."""

    @property
    def content(self) -> tuple[tuple[int, int], ...]: ...
    @property
    def cue(self) -> tuple[int, int] | None: ...
    @property
    def source(self) -> tuple[int, int] | None: ...


@dataclass(frozen=True, slots=True)
class Quoted:
    """Text between quotation marks; `start`/`end` include the marks."""

    start: int
    end: int
    closed: bool = True


@dataclass(slots=True)
class Candidate:
    """A statement found in a `Doc`, before its speaker is resolved.

    `subject` is the speaker phrase as written (None when the construction has none: a
    quote-only paragraph, a passive); `cue` the reporting words; `head` the cue's main token.
    """

    spans: list[tuple[int, int]]
    kind: str
    construction: str
    cue: Span | None = None
    head: Token | None = None
    subject: Span | None = None
    citing: Span | None = None
    paragraph: int = 0
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass(slots=True)
class Layout:
    """What every extractor needs to know about the text around the parse."""

    paragraphs: list[tuple[int, int]]
    furniture: set[int]
    quoted: list[Quoted]
    # The text itself: `Doc.text` is rebuilt from the tokens on every access.
    text: str = ""
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [start for start, _ in self.paragraphs]

    def paragraph_of(self, char: int) -> int:
        """The paragraph holding `char` (or the last one starting before it)."""
        return max(bisect.bisect_right(self.starts, char) - 1, 0)

    def in_furniture(self, char: int) -> bool:
        return self.paragraph_of(char) in self.furniture

    def quote_at(self, start: int, end: int) -> Quoted | None:
        """The quoted stretch that contains [start, end), if any."""
        for q in self.quoted:
            if q.start <= start and end <= q.end:
                return q
        return None


# --------------------------------------------------------------------------------------------
# Layout: paragraphs, page furniture, quotation marks


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Character ranges of the paragraphs of `text` (`quotes.paragraphs`: a line is a paragraph
    in news text, but the lines of hard-wrapped wire copy join into theirs)."""
    return _paragraphs.paragraphs(text)


@cache
def _boilerplate() -> re.Pattern[str]:
    """A line opening with a boilerplate prefix as whole words: `Continue reading`, `Copyright
    2024`, but not `Continued shelling ...` or `Subscribers say ...`."""
    prefixes = sorted(lexicons.words("boilerplate"), key=len, reverse=True)
    alternatives = "|".join(
        re.escape(p) + (r"(?!\w)" if p[-1:].isalnum() else "") for p in prefixes
    )
    return re.compile(f"(?:{alternatives})", re.IGNORECASE)


def _ends_like_prose(line: str) -> bool:
    return bool(re.search(r"[.!?:\"\u201d\u2019')\]]\s*$", line))


def furniture(text: str, paras: list[tuple[int, int]]) -> set[int]:
    """Indexes of paragraphs that are page furniture, not article prose.

    A line opening with a boilerplate prefix (`More news:`, `Read more`) is furniture; so is a
    run of two or more short lines that do not end like sentences (a list of headline links).
    """
    out: set[int] = set()
    for i, (start, end) in enumerate(paras):
        if _boilerplate().match(text[start:end].strip()):
            out.add(i)
    run: list[int] = []
    for i, (start, end) in enumerate([*paras, (0, 0)]):
        line = text[start:end].strip()
        headline_like = bool(line) and len(line.split()) <= 25 and not _ends_like_prose(line)
        if headline_like and i < len(paras):
            run.append(i)
            continue
        if len(run) >= 2:
            out.update(run)
        run = []
    return out


def _is_opening(text: str, i: int, width: int) -> bool:
    """Whether a straight mark at `i` opens a quote: nothing word-like before, something after."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    return (before.isspace() or before in "([{\u2014\u2013-:;,/") and not after.isspace()


def quoted_spans(text: str) -> list[Quoted]:
    """Stretches between quotation marks: curly, straight, guillemets and NYT's `''`/``.

    A quote left open at the end of a paragraph continues when the next paragraph opens with a
    quotation mark (the news convention for multi-paragraph quotes); otherwise it ends with its
    paragraph, flagged `closed=False`. Never raises, whatever the balance of marks.
    """
    out: list[Quoted] = []
    paras = paragraphs(text)
    open_at: int | None = None
    closers = ""
    for p, (pstart, pend) in enumerate(paras):
        i = pstart
        while i < pend:
            two = text[i : i + 2]
            ch = text[i]
            width = 2 if two in ("``", "''") else 1
            mark = two if width == 2 else ch
            if open_at is None:
                if mark in OPENERS:
                    open_at, closers = i, OPENERS[mark]
                elif mark in STRAIGHT and _is_opening(text, i, width):
                    open_at, closers = i, mark
            elif (mark in closers or (closers in STRAIGHT and mark in STRAIGHT)) and (
                mark not in STRAIGHT or not _is_opening(text, i, width) or i + width >= pend
            ):
                out.append(Quoted(open_at, i + width))
                open_at = None
            i += width
        if open_at is not None:
            nxt = paras[p + 1] if p + 1 < len(paras) else None
            continues = (
                nxt is not None and text[nxt[0] : nxt[1]].lstrip()[:1] in "\"\u201c\u201e\u00ab`'"
            )
            if not continues:
                out.append(Quoted(open_at, pend, closed=False))
                open_at = None
            else:
                # The next paragraph's opening mark re-opens the same quote: skip past it.
                assert nxt is not None
                lead = len(text[nxt[0] : nxt[1]]) - len(text[nxt[0] : nxt[1]].lstrip())
                paras[p + 1] = (
                    nxt[0]
                    + lead
                    + (2 if text[nxt[0] + lead : nxt[0] + lead + 2] in ("``", "''") else 1),
                    nxt[1],
                )
    return out


def layout(text: str) -> Layout:
    paras = paragraphs(text)
    return Layout(paras, furniture(text, paras), quoted_spans(text), text)


# --------------------------------------------------------------------------------------------
# Cues and phrases


def is_cue(token: Token) -> bool:
    """Whether `token` is a reporting, belief or intention verb (`said`, `pointed out`)."""
    if token.pos_ not in ("VERB", "AUX") and token.tag_ not in ("VBG", "VBN", "VBD", "VBZ", "VBP"):
        return False
    cues = lexicons.words("cue_verbs")
    lemma = token.lemma_.lower()
    for child in token.children:
        if child.dep_ == "prt" and f"{lemma} {child.lower_}" in cues:
            return True
    if token.pos_ == "AUX":
        return False
    if lemma in cues:
        return True
    preps = lexicons.words("cue_prepositions")
    if any(c.dep_ == "prep" and f"{lemma} {c.lower_}" in preps for c in token.children):
        return True
    # `so-called` and `called the meeting` are not cues; `called them "thugs"` is.
    return lemma in lexicons.words("label_verbs") and bool(_label_tokens(token))


def cue_span(token: Token) -> Span:
    """The cue as written: the verb with its auxiliaries, negation and particle (`has said`)."""
    doc = token.doc
    start = end = token.i
    for child in token.children:
        if child.dep_ in ("aux", "auxpass", "neg") and child.i < token.i:
            start = min(start, child.i)
        elif child.dep_ == "prt" and child.i == end + 1:
            end = child.i
    # Keep auxiliaries only when they sit right before the verb (`has also said` keeps all).
    while start < token.i and doc[start].dep_ not in ("aux", "auxpass", "neg"):
        start += 1
    return doc[start : end + 1]


def subject_of(token: Token, *, depth: int = 0) -> Span | None:
    """The speaker phrase of cue `token`: its subject, the agent of a passive, or its governor's."""
    for child in token.children:
        if child.dep_ == "agent":
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs:
                return noun_phrase(objs[0])
    for child in token.children:
        # `X is expected to`, `it was reported that`: the subject is the topic. But the subject of
        # a passive that governs the cue speaks: `X was prompted to say`, `was heard saying`.
        if child.dep_ == "nsubjpass" and depth == 0 and not _has_said(token):
            return None
        if child.dep_ in SUBJECT_DEPS:
            if child.lower_ == "it" and _expletive(child):
                return None
            return noun_phrase(child)
    appositive = _subject_before_comma(token)
    if appositive is not None:
        return appositive
    if token.dep_ == "ROOT":
        # `EADaily adds: ...` where the tagger took the name for an adverb.
        left = [
            c
            for c in token.children
            if c.i == token.i - 1
            and c.text[:1].isupper()
            and c.dep_ in ("advmod", "npadvmod", "compound")
        ]
        if left:
            return token.doc[left[0].i : left[0].i + 1]
    if depth > 3:
        return None
    head = token.head
    if token.dep_ == "acl" and head.pos_ in ("NOUN", "PROPN", "PRON"):
        return noun_phrase(head)  # `Lavrov, commenting on ...`
    if token.dep_ in INHERIT_DEPS and head.i != token.i:
        if head.pos_ == "ADP":  # `by saying`: the preposition's governor
            head = head.head
        return subject_of(head, depth=depth + 1)
    return None


def is_passive(token: Token) -> bool:
    if _has_said(token):
        return False
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children)


def _has_said(token: Token) -> bool:
    """Whether `'s` is `has` (`he's said`), which the parse reads as a passive `is`.

    `it's said` stays a passive.
    """
    aux = [c for c in token.children if c.dep_ == "auxpass"]
    subjects = [c for c in token.children if c.dep_ == "nsubjpass"]
    return (
        len(aux) == 1
        and aux[0].lower_ in ("'s", "\u2019s")
        and bool(subjects)
        and all(c.lower_ != "it" for c in subjects)
    )


# An appositive subject the parse lost: `Col. Steven Warren, a spokesman in Baghdad, said`.
_APPOSITION_PATH = {"pobj", "prep", "appos", "compound", "amod", "poss"}


def _subject_before_comma(cue: Token) -> Span | None:
    """The noun phrase ending in `, ` right before a cue with no subject, climbed to its head."""
    doc = cue.doc
    if cue.i < 2 or doc[cue.i - 1].text != "," or cue.pos_ != "VERB":
        return None
    token = doc[cue.i - 2]
    if token.pos_ not in ("PROPN", "NOUN"):
        return None
    while token.dep_ in _APPOSITION_PATH and token.head.i < cue.i and token.head.i != token.i:
        token = token.head
    if token.pos_ not in ("PROPN", "NOUN") or not any(c.dep_ == "appos" for c in token.children):
        return None
    return noun_phrase(token)


def citing_phrase(token: Token) -> Span | None:
    """The source an outlet cites: `..., RBC reported, citing Kremlin spokesman Dmitry Peskov`."""
    for child in token.children:
        if child.dep_ in ("advcl", "xcomp", "conj") and child.lemma_ in ("cite", "quote"):
            dobj = [c for c in child.children if c.dep_ == "dobj"]
            if dobj:
                return noun_phrase(dobj[0])
    return None


def _question_clause(token: Token) -> bool:
    """`When asked if ...`, `Asked about ...`: a question put to the speaker, not theirs."""
    if (
        token.dep_ == "advcl"
        and token.tag_ == "VBN"
        and not any(c.dep_ in SUBJECT_DEPS for c in token.children)
    ):
        return True
    return token.dep_ == "advcl" and any(
        c.dep_ in ("advmod", "mark") and c.lower_ in ("when", "if", "after") for c in token.children
    )


def _expletive(token: Token) -> bool:
    return any(c.dep_ == "ccomp" for c in token.head.children) and token.head.lemma_ == "be"


def noun_phrase(token: Token) -> Span:
    """The phrase headed by `token`, without relative clauses, parentheses and edge punctuation."""
    doc = token.doc
    drop: set[int] = set()
    for child in token.children:
        if child.dep_ in ("relcl", "acl") or (child.dep_ == "appos" and _parenthesised(child)):
            drop.update(t.i for t in child.subtree)
        if child.dep_ == "punct" and child.text in "()":
            drop.add(child.i)
    keep = [t.i for t in token.subtree if t.i not in drop]
    # Stay contiguous around the head.
    start = end = token.i
    while start - 1 in keep and start - 1 >= keep[0]:
        start -= 1
    while end + 1 in keep and end + 1 <= keep[-1]:
        end += 1
    while start < end and (doc[start].is_punct or doc[start].dep_ == "cc"):
        start += 1
    while end > start and (doc[end].is_punct or doc[end].dep_ == "cc"):
        end -= 1
    return doc[start : end + 1]


def _parenthesised(token: Token) -> bool:
    doc = token.doc
    left = token.left_edge.i
    return left > 0 and doc[left - 1].text == "("


def _fragments(doc: Doc, indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Character spans of runs of consecutive tokens, without punctuation at the edges.

    A closing quotation mark stays when its quote opened inside the run, so a content that ends
    with a quoted phrase keeps its marks.
    """
    idx = sorted(set(indexes))
    runs: list[list[int]] = []
    for i in idx:
        # Runs separated only by punctuation (quotation marks the parse hung elsewhere) join.
        if runs and all(doc[j].is_punct for j in range(runs[-1][-1] + 1, i)):
            runs[-1].extend(range(runs[-1][-1] + 1, i + 1))
        else:
            runs.append([i])
    out = []
    for run in runs:
        start, end = run[0], run[-1]
        # A quotation opened inside the run closes right after it: keep the closing mark.
        if sum(doc[j].is_quote for j in run) % 2 and end + 1 < len(doc) and doc[end + 1].is_quote:
            end += 1
        while start <= end and _edge_punct(doc[start]):
            start += 1
        while end >= start and _edge_punct(doc[end]) and not _closes_inside(doc, start, end):
            end -= 1
        if start <= end:
            out.append((doc[start].idx, doc[end].idx + len(doc[end].text)))
    return out


def _edge_punct(token: Token) -> bool:
    return token.is_punct or token.is_space or token.dep_ == "cc"


def _closes_inside(doc: Doc, start: int, end: int) -> bool:
    """Whether token `end` is a quotation mark closing one opened within tokens start..end."""
    tok = doc[end]
    if not tok.is_quote:
        # A period just before a closing mark stays with it: `... the king."`
        return False
    marks = sum(1 for t in doc[start : end + 1] if t.is_quote)
    return marks % 2 == 0


# --------------------------------------------------------------------------------------------
# Constructions


def _content_tokens(cue: Token) -> list[Token]:
    """Tokens of the statement a cue reports, from its clausal complement or object."""
    for child in cue.children:
        if child.dep_ == "ccomp":
            return list(child.subtree)
    labelled = _label_tokens(cue)
    if labelled:
        return labelled
    for child in cue.children:
        # `called for a ban`, `pointed to the polls`
        if child.dep_ == "prep" and f"{cue.lemma_.lower()} {child.lower_}" in lexicons.words(
            "cue_prepositions"
        ):
            objs = [t for c in child.children if c.dep_ in ("pobj", "pcomp") for t in c.subtree]
            if objs:
                return objs
    for child in cue.children:
        # `X wants to ...`, `expects Ankara's role to ...`
        if child.dep_ == "xcomp" and cue.lemma_ in lexicons.words("cue_verbs"):
            tokens = list(child.subtree)
            if len(tokens) >= 3:
                return tokens
    for child in cue.children:
        # `stressing the importance of ...`: a long object is the statement.
        if child.dep_ == "dobj" and child.pos_ not in ("PRON",):
            tokens = list(child.subtree)
            if len(tokens) >= 4 and cue.lemma_ not in ("tell", "ask", "say", "quote", "cite"):
                return tokens
    head = cue.head
    if cue.dep_ == "parataxis" and head.i > cue.i and is_cue(head):
        # `The army will go, the minister said, the TV channel reported.`: the statement is
        # the clause the outer cue reports.
        before = [c for c in head.children if c.dep_ == "ccomp" and c.i < cue.i]
        if before:
            return list(before[0].subtree)
    if cue.dep_ == "parataxis" and head.i < cue.i and head.pos_ in ("VERB", "AUX"):
        # `Turkey will leave, the ambassador said.`: the cue interrupts the clause it reports.
        inner = {t.i for t in cue.subtree}
        return [t for t in head.subtree if t.i not in inner and t.i < cue.i]
    return []


def _new_frames(tokens: list[Token], lay: Layout) -> set[int]:
    """Token indexes of conjoined clauses that open a new attribution frame of their own.

    In `X said that A, and he used words "B"` (or `..., and he added ...`) the second clause is
    the narrator again, with a pronoun subject, introducing a cue or a quotation of its own.
    """
    inside = {t.i for t in tokens}
    drop: set[int] = set()
    for token in tokens:
        if token.dep_ != "conj" or token.pos_ not in ("VERB", "AUX"):
            continue
        subject = [c for c in token.children if c.dep_ == "nsubj"]
        own_cue = not subject and is_cue(token)  # `said A and said that B`
        if not own_cue and (not subject or subject[0].lower_ not in ("he", "she", "they")):
            continue
        subtree = list(token.subtree)
        quoted = any(lay.quote_at(t.idx, t.idx + len(t.text)) for t in subtree)
        if is_cue(token) or quoted:
            drop.update(t.i for t in subtree)
            # The `, and` that joined it goes too.
            for left in range(subtree[0].i - 1, -1, -1):
                tok = token.doc[left]
                if left not in inside or not (tok.is_punct or tok.dep_ == "cc"):
                    break
                drop.add(left)
    return drop


def _label_tokens(cue: Token) -> list[Token]:
    """`called protesters "thugs"`, `described him as a liar`: the object and its label."""
    if cue.lemma_.lower() not in lexicons.words("label_verbs"):
        return []
    dobj = [c for c in cue.children if c.dep_ == "dobj"]
    label = [
        c
        for c in cue.children
        if c.dep_ in ("oprd", "xcomp", "acomp") or (c.dep_ == "prep" and c.lower_ == "as")
    ]
    if not dobj or not label:
        return []
    return [t for c in (*dobj, *label) for t in c.subtree]


def indirect_clauses(doc: Doc, lay: Layout) -> Iterator[Candidate]:
    """`X said (that) ...`, `..., X said.`, and statements carried by a cue's object."""
    for token in doc:
        if not is_cue(token) or lay.in_furniture(token.idx):
            continue
        if lay.quote_at(token.idx, token.idx + len(token.text)):
            continue  # a cue inside a quotation is part of what was said
        if _question_clause(token):
            continue
        subject = subject_of(token)
        if subject is None and not is_passive(token):
            continue  # a cue with no speaker and no passive is a verb used in passing
        tokens = [t for t in _content_tokens(token) if t.i != token.i]
        frames = _new_frames(tokens, lay)
        tokens = [t for t in tokens if t.i not in frames]
        if not tokens or not any(t.pos_ in ("VERB", "AUX", "NOUN", "PROPN") for t in tokens):
            continue
        spans = _fragments(doc, (t.i for t in tokens))
        if not spans:
            continue
        kind = _kind(spans, lay)
        if kind == "direct":
            continue  # wholly a quotation: `direct_quotes` owns it, marks and all
        yield Candidate(
            spans=spans,
            kind=kind,
            construction="indirect",
            cue=cue_span(token),
            head=token,
            subject=subject,
            citing=citing_phrase(token),
            paragraph=lay.paragraph_of(spans[0][0]),
        )


def _kind(spans: list[tuple[int, int]], lay: Layout) -> str:
    """`direct` if the content is one quotation, `mixed` if it holds one, else `indirect`."""
    start, end = spans[0][0], spans[-1][1]
    inside = [q for q in lay.quoted if start - 1 <= q.start and q.end <= end + 1]
    if len(spans) == 1 and lay.quote_at(start, end):
        return "direct"
    if inside and len(inside) == 1 and inside[0].start <= start + 1 and inside[0].end >= end - 1:
        return "direct"
    return "mixed" if inside else "indirect"


def according_to(doc: Doc, lay: Layout) -> Iterator[Candidate]:
    """`According to X, ...` and `..., according to X.`: X speaks, the clause is the content."""
    for token in doc:
        if token.lower_ != "according" or lay.in_furniture(token.idx):
            continue
        to = next((c for c in token.children if c.lower_ == "to"), None)
        if to is None:
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            to = nxt if nxt is not None and nxt.lower_ == "to" else None
        if to is None:
            continue
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if not objs:
            continue
        head = token.head if token.head.i != token.i else None
        while head is not None and head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
            head = head.head
        if head is None or head.i == token.i:
            continue
        phrase = {t.i for t in token.subtree} | {t.i for t in to.subtree} | {token.i, to.i}
        citing = None
        for child in head.children:
            if child.dep_ == "advcl" and child.lemma_ in ("cite", "quote"):
                phrase.update(t.i for t in child.subtree)
                dobj = [c for c in child.children if c.dep_ == "dobj"]
                citing = noun_phrase(dobj[0]) if dobj else None
            if child.dep_ == "parataxis" and is_cue(child):
                phrase.update(t.i for t in child.subtree)  # `..., RBC reported.`
        content = [t.i for t in head.subtree if t.i not in phrase]
        spans = _fragments(doc, content)
        if not spans:
            continue
        cue_end = to.i + 1
        yield Candidate(
            spans=spans,
            kind=_kind(spans, lay) if _kind(spans, lay) != "direct" else "mixed",
            construction="according_to",
            cue=doc[token.i : cue_end],
            head=token,
            subject=noun_phrase(objs[0]),
            citing=citing,
            paragraph=lay.paragraph_of(spans[0][0]),
        )


def _tokens_in(doc: Doc, start: int, end: int) -> range:
    span = doc.char_span(start, end, alignment_mode="expand")
    return range(span.start, span.end) if span is not None else range(0)


def _frame_cue(doc: Doc, q: Quoted, lay: Layout) -> Token | None:
    """The cue whose frame (`X said`, `said X`, `X replied:`) touches quotation `q`."""
    inside = set(_tokens_in(doc, q.start, q.end))
    if not inside:
        return None
    first, last = min(inside), max(inside)
    # The quotation's sentences, and a short sentence right after it (`... ." Smith said.`).
    start = doc[first].sent.start
    end = doc[last].sent.end
    if end < len(doc) and doc[last].is_sent_end and len(doc[end].sent) <= 12:
        end = doc[end].sent.end
    window = doc[start:end]
    best: tuple[int, Token] | None = None
    for token in window:
        if token.i in inside or not is_cue(token) or lay.quote_at(token.idx, token.idx + 1):
            continue
        frame = [t.i for t in _frame_tokens(token) if t.i not in inside and not t.is_punct]
        if not _touches(doc, lay.text, q, frame or [token.i], first, last):
            continue
        distance = min(abs(token.i - first), abs(token.i - last))
        if subject_of(token) is None and token.dep_ != "ROOT":
            distance += 50
        if best is None or distance < best[0]:
            best = (distance, token)
    return best[1] if best else None


def _touches(doc: Doc, text: str, q: Quoted, frame: list[int], first: int, last: int) -> bool:
    """Whether a frame's nearest word reaches quotation `q` with only punctuation between."""
    before = [i for i in frame if i < first]
    after = [i for i in frame if i > last]
    if before:
        tok = doc[max(before)]
        if GAP.match(text[tok.idx + len(tok.text) : q.start]):
            return True
    return bool(after) and bool(GAP.match(text[q.end : doc[min(after)].idx]))


def _frame_tokens(cue: Token) -> list[Token]:
    """The cue with its subject and modifiers, without the clauses it joins or reports."""
    skip: set[int] = set()
    for child in cue.children:
        if child.dep_ in ("conj", "parataxis", "advcl") or (
            child.dep_ == "ccomp" and child.i < cue.i
        ):
            skip.update(t.i for t in child.subtree)
    return [t for t in cue.subtree if t.i not in skip]


def _governing_verb(doc: Doc, q: Quoted) -> Token | None:
    """A verb outside quotation `q` that governs it and has a subject (`he used words "..."`)."""
    inside = set(_tokens_in(doc, q.start, q.end))
    if not inside:
        return None
    head = doc[min(inside)]
    for _ in range(6):
        head_in = [t for t in inside if doc[t].head.i not in inside]
        if not head_in:
            return None
        head = doc[head_in[0]].head
        while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
            head = head.head
        if head.i in inside:
            return None
        if any(c.dep_ in SUBJECT_DEPS for c in head.children):
            return head
        return None
    return None


def direct_quotes(doc: Doc, lay: Layout, taken: list[tuple[int, int]]) -> Iterator[Candidate]:
    """Quotations next to a cue, split quotes joined, quote-only paragraphs kept for the speaker.

    `taken` holds the content spans other constructions already claimed: a quotation inside one
    of them is part of a mixed quote, not a statement of its own.
    """
    by_cue: dict[int, Candidate] = {}
    for q in lay.quoted:
        if lay.in_furniture(q.start) or any(s <= q.start and q.end <= e for s, e in taken):
            continue
        words = len(lay.text[q.start : q.end].split())
        cue = _frame_cue(doc, q, lay)
        paragraph = lay.paragraph_of(q.start)
        if cue is not None:
            if cue.i in by_cue:  # `"...," he said, "..."`: one attribution, two fragments
                by_cue[cue.i].spans.append((q.start, q.end))
                continue
            by_cue[cue.i] = Candidate(
                spans=[(q.start, q.end)],
                kind="direct",
                construction="direct",
                cue=cue_span(cue),
                head=cue,
                subject=subject_of(cue),
                paragraph=paragraph,
            )
            continue
        verb = _governing_verb(doc, q) if words > SHORT_SCARE_QUOTE else None
        if verb is not None:
            by_cue[verb.i] = Candidate(
                spans=[(q.start, q.end)],
                kind="direct",
                construction="direct_governed",
                cue=doc[verb.i : verb.i + 1],
                head=verb,
                subject=subject_of(verb),
                paragraph=paragraph,
            )
            continue
        previous = _previous_direct(by_cue.values(), q, paragraph, lay.text)
        if previous is not None and words > SHORT_SCARE_QUOTE:
            # `"A," she said. "B."`: the quote goes on after its frame, one attribution.
            previous.spans.append((q.start, q.end))
            continue
        starts_paragraph = lay.text[lay.paragraphs[paragraph][0] : q.start].strip() == ""
        if starts_paragraph and words > SHORT_SCARE_QUOTE:
            # A quote-only paragraph: the running speaker goes on talking.
            yield Candidate(
                spans=[(q.start, q.end)],
                kind="direct",
                construction="continuation",
                paragraph=paragraph,
            )
    yield from by_cue.values()


CONTINUATION_GAP = 150  # characters of frame between a quote and its continuation


def _previous_direct(
    found: Iterable[Candidate], q: Quoted, paragraph: int, text: str
) -> Candidate | None:
    """The direct quote this quotation continues: same paragraph, only its frame in between."""
    for cand in found:
        if cand.paragraph != paragraph or cand.end > q.start:
            continue
        gap = text[cand.end : q.start]
        if (
            len(gap) <= CONTINUATION_GAP
            and re.search(r"[.!?:]\s*$", gap)
            and not re.search(r"[\"\u201c\u201d]", gap)
        ):
            return cand
    return None


def tagged_statements(doc: Doc, lay: Layout, tagged: Iterable[Tagging]) -> Iterator[Candidate]:
    """Statements the trained tagger found (`quotes.tagger`), as candidates like the rules'.

    The tagger's SOURCE becomes the speaker phrase (resolved like any other); without one,
    the subject of the cue's verb is used, if the parse has it.
    """
    for item in tagged:
        spans = [(s, e) for s, e in item.content if lay.text[s:e].strip()]
        if not spans or lay.in_furniture(spans[0][0]):
            continue
        cue = doc.char_span(*item.cue, alignment_mode="expand") if item.cue else None
        subject = doc.char_span(*item.source, alignment_mode="expand") if item.source else None
        if cue is None:
            cue = _governing_cue(doc, spans)
            if cue is None:
                continue
        head = cue.root
        if _sourceless(head):
            subject = None
        elif subject is None and head.pos_ in ("VERB", "AUX"):
            subject = subject_of(head)
        yield Candidate(
            spans=spans,
            kind=_kind(spans, lay),
            construction="tagger",
            cue=cue,
            head=head,
            subject=subject,
            paragraph=lay.paragraph_of(spans[0][0]),
        )


def _sourceless(cue: Token) -> bool:
    """Whether a cue names no one who said it: a passive without agent (`it was announced`),
    or a verb of seeming (`it seems that ...`, `data/raising_verbs.txt`)."""
    if cue.lemma_ in lexicons.words("raising_verbs"):
        return True
    return is_passive(cue) and not any(c.dep_ == "agent" for c in cue.children)


def _governing_cue(doc: Doc, spans: list[tuple[int, int]]) -> Span | None:
    """The cue of a content the tagger found without one: the verb that governs the content.

    `Obama privately made the case that ...`: the content's root hangs from a verb outside it
    (its object or clausal complement), and that verb with its particles is the cue, its
    subject the speaker.
    """
    content = doc.char_span(spans[0][0], spans[-1][1], alignment_mode="expand")
    if content is None:
        return None
    root = content.root
    if root.dep_ not in GOVERNED_DEPS or root.head.i == root.i:
        return None
    head = root.head
    if root.dep_ == "pobj" and head.dep_ == "prep":  # `came out against the tax`
        head = head.head
    if content.start <= head.i < content.end or head.pos_ not in ("VERB", "AUX"):
        return None
    return cue_span(head)


def rule_statements(doc: Doc, lay: Layout) -> list[Candidate]:
    """The statements the rules find on their own, in the order the constructions claim them.

    `according to` and the indirect frames first, then the quotations left (a quotation
    inside an indirect frame's content is not a statement of its own).
    """
    ruled: list[Candidate] = []
    for cand in [*according_to(doc, lay), *indirect_clauses(doc, lay)]:
        if not _overlaps_cue(cand, ruled):
            ruled.append(cand)
    taken = [span for cand in ruled for span in cand.spans]
    ruled.extend(c for c in direct_quotes(doc, lay, taken) if not _overlaps_cue(c, ruled))
    return ruled


def extract(
    doc: Doc,
    lay: Layout | None = None,
    *,
    tagged: Iterable[Tagging] = (),
    ruled: Iterable[Candidate] | None = None,
) -> list[Candidate]:
    """Every statement in `doc`, in text order, each claimed by one construction.

    With the trained tagger's statements (`tagged`), the tagger leads: its statements stand,
    and a rule statement that overlaps one gives way to it, passing on its speaker and
    citation when the two agree on the cue (the parse knows the subject of a verb exactly).
    The rules' statements that no tagger statement touches fill the gaps. What the tagger
    finds inside the content of `According to X, ...` is part of that content. An outlet's own
    frame (`..., RBC reported`) always stays, for provenance reads the chain off it; a tagger
    statement with the cue of such a frame, or that swallowed one, or that is an outlet's frame
    around a statement the rules found (`EADaily adds: the Kremlin stated that ...`), gives way
    to the rules.
    (Measured on PolNeAR train articles held out from the tagger's training: see
    docs/evaluation.md.)

    >>> import quotes.nlp
    >>> nlp = quotes.nlp.load()
    >>> [c.construction for c in extract(nlp('"We will win," Smith said.'))]
    ['direct']
    """
    lay = lay or layout(doc.text)
    ruled = rule_statements(doc, lay) if ruled is None else list(ruled)
    cues = [c.cue for c in ruled if c.cue is not None]
    frame_cues = [c.cue for c in ruled if c.cue is not None and _is_frame(c)]
    according = [c for c in ruled if c.construction == "according_to"]
    # Who is cited, and the X of `according to X`, are never content.
    sources = [(p.start_char, p.end_char) for c in ruled for p in _cited_parts(c)]
    tags = [
        t
        for t in tagged_statements(doc, lay, tagged)
        if not _holds(t, frame_cues)
        and not any(_same_cue(t.cue, cue) for cue in frame_cues)
        and not (_is_frame(t) and _holds(t, cues))
        and not any(_nested(t, c) for c in according)
        and not _intersection(t.spans, sources)
    ]
    if not tags:
        return sorted(ruled, key=lambda c: c.start)
    tag_spans = [span for cand in tags for span in cand.spans]
    kept: list[Candidate] = []
    replaced: list[Candidate] = []
    for cand in ruled:
        if _is_frame(cand) or not _intersection(cand.spans, tag_spans):
            kept.append(cand)
        else:
            replaced.append(cand)
    for cand in tags:
        _take_speaker(cand, replaced)
    return sorted([*tags, *kept], key=lambda c: c.start)


def _cited_parts(cand: Candidate) -> list[Span]:
    """The words of a rule statement that name whom it cites: `citing X`, `according to X`."""
    parts = [cand.citing] if cand.citing is not None else []
    if cand.construction == "according_to" and cand.subject is not None:
        parts.append(cand.subject)
    return parts


def _nested(inner: Candidate, outer: Candidate) -> bool:
    """Whether `inner`, cue and content, lies inside the content of `outer`."""
    if inner.cue is None:
        return False

    def within(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in outer.spans)

    return within(inner.cue.start_char, inner.cue.end_char) and all(
        within(s, e) for s, e in inner.spans
    )


def _holds(cand: Candidate, cues: list[Span]) -> bool:
    """Whether one of `cues` lies inside the content of `cand`."""
    return any(s <= cue.start_char and cue.end_char <= e for s, e in cand.spans for cue in cues)


def _is_frame(cand: Candidate) -> bool:
    """Whether a statement is an outlet's report (`RBC reported ...`), a frame for provenance."""
    return cand.subject is not None and any(e.label_ == "OUTLET" for e in entities(cand.subject))


def _intersection(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _take_speaker(cand: Candidate, replaced: list[Candidate]) -> None:
    """Give a tagger statement the cue and citation of a rule statement it replaces, and the
    speaker unless the tagger found another one in the cue's sentence.

    Only a rule statement with a subject and the same cue (the two overlap) passes them on.
    The parse's subject is exact where the tagger's source overlaps it (`Rosoboronexport`, not
    `Rosoboronexport (part of Rostec)`) or is missing or far off; where the tagger names
    someone else in the cue's own sentence, the tagger is more often right (measured on the
    held-out train articles, docs/evaluation.md).
    """
    rivals = [
        r
        for r in replaced
        if r.subject is not None
        and _intersection(r.spans, cand.spans)
        and _same_cue(r.cue, cand.cue)
    ]
    if not rivals:
        return
    rule = max(rivals, key=lambda r: _intersection(r.spans, cand.spans))
    own = cand.subject
    keeps_own = (
        own is not None
        and cand.cue is not None
        and not _same_cue(own, rule.subject)
        and own.sent.start == cand.cue.sent.start
    )
    cand.cue, cand.head, cand.citing = rule.cue, rule.head, rule.citing
    if not keeps_own:
        cand.subject = rule.subject


def _same_cue(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def _overlaps_cue(cand: Candidate, found: list[Candidate]) -> bool:
    """Whether another candidate already reports the same content with the same cue."""
    for other in found:
        if cand.head is not None and other.head is not None and cand.head.i == other.head.i:
            return True
        if cand.spans == other.spans:
            return True
    return False
