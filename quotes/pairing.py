"""Claims against denials: denial events, the claims each one answers, and which pairs to keep.

A *denial event* is one denier's answer to a report within one article: its act ("the Kremlin
denied the report"), the truth judgements that carry it ("This is completely false"), and the
negated assertions it makes ("no such issue was raised"), with the report or outlet it targets
("a Bloomberg report") and its date. Statements of an unresolved speaker join the event they
stand next to.

Each event is scored against the claims that could be what it denies: every claim of its own
article (in either order), and claims of other articles within `window_days` that a targeted
outlet reported or that share rare terms with it. A plain negated assertion with no denial of its
speaker beside it contradicts only a claim of the same predicate. A statement is never paired
with one whose span contains it, nor with its own speaker's claims.

Selection keeps, per event and per article of claims, the best claims (restatements of one
report score alike and stay together); every kept claim is paired with each statement of the
event, and all of an event's pairs share its `group`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from . import lexicons, similarity, stance
from .models import Stance

# Claims of another article need this many terms in common with a denial (or an outlet it names).
_MIN_SHARED = 2
# An unresolved statement this close (characters) to an event's statement joins that event.
_NEARBY = 600
# Per event and per article of claims: at most this many claims, within this of the best.
_KEEP_SAME_ARTICLE = 3
_KEEP_OTHER_ARTICLE = 2
_WITHIN_BEST = 0.15
_SHOWN_TERMS = 6


DEFAULT_MIN_SCORE = 0.3
DEFAULT_WINDOW_DAYS = 30


@dataclass(slots=True)
class Statement:
    """One stored statement, with what pairing reads from it computed once."""

    quote: Mapping[str, Any]
    id: str
    article_id: str | None
    spans: tuple[tuple[int, int], ...]
    stance: Stance
    speaker: str | None  # lower-cased speaker name, or its mention when unresolved
    terms: frozenset[str]
    reporters: frozenset[str]  # lower-cased outlets that carried it (cited, chain, outlet speaker)
    publisher: str | None
    published: date | None
    title: str

    @property
    def start(self) -> int:
        return self.spans[0][0] if self.spans else 0

    @property
    def outlets(self) -> frozenset[str]:
        """The outlets that carried it, its publisher included."""
        return self.reporters | {self.publisher} if self.publisher else self.reporters

    @property
    def end(self) -> int:
        return self.spans[-1][1] if self.spans else 0

    def contains(self, other: Statement) -> bool:
        return self.article_id == other.article_id and any(
            s <= o_s and o_e <= e for s, e in self.spans for o_s, o_e in other.spans
        )


@dataclass(slots=True)
class Event:
    """One denier's denial within one article."""

    article_id: str | None
    speaker: str | None
    members: list[Statement] = field(default_factory=list)
    targets: frozenset[str] = frozenset()  # lower-cased outlets it names
    refers: bool = False  # names a report, story, claim ...
    plain: bool = False  # only negated assertions: no denial act or judgement
    terms: frozenset[str] = frozenset()  # what its statements say, judgements left out
    search_terms: frozenset[str] = frozenset()  # and its headline's, when it names a report

    @property
    def id(self) -> str:
        ids = "|".join(sorted(m.id for m in self.members))
        return hashlib.sha1(ids.encode()).hexdigest()[:16]

    @property
    def published(self) -> date | None:
        return self.members[0].published


def find_contradictions(
    quotes: Iterable[Mapping[str, Any]],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_score: float = DEFAULT_MIN_SCORE,
    stats: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Claim/denial pairs, best first: `{claim_quote_id, denial_quote_id, score, reason, group}`.

    `group` is the denial event's id: the pairs of one denial (its statements against the claims
    it answers) share it. Dated statements of different articles pair only within `window_days`.
    Everything a pair's score reads comes from its two articles, so the pairs of a set of
    quotes are those `pipeline.detect_contradictions` finds adding them a few at a time.
    """
    statements = prepare(quotes)
    events = denial_events(statements)
    claims = [s for s in statements if s.stance == "claim"]
    index = _ClaimIndex.build(claims)
    names = Names(statements)
    pairs: list[dict[str, Any]] = []
    scored = 0
    for event in events:
        candidates = index.candidates(event, window_days)
        scored += len(candidates)
        pairs += event_pairs(event, candidates, names, window_days=window_days, min_score=min_score)
    pairs.sort(key=lambda p: (-p["score"], p["claim_quote_id"], p["denial_quote_id"]))
    if stats is not None:
        stats.update(
            quotes=len(statements),
            claims=len(claims),
            denials=sum(len(e.members) for e in events),
            events=len(events),
            candidates_scored=scored,
            pairs=len(pairs),
        )
    return pairs


def event_pairs(
    event: Event,
    candidates: Iterable[Statement],
    names: Names,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[dict[str, Any]]:
    """The kept pairs of one denial event among its candidate claims (see `_select`)."""
    scores: list[tuple[float, Statement, _Evidence]] = []
    for claim in candidates:
        result = score(claim, event, names, window_days)
        if result is not None and result[0] >= min_score:
            scores.append((result[0], claim, result[1]))
    pairs = []
    for value, claim, evidence in _select(scores):
        for member in event.members:
            if not (member.contains(claim) or claim.contains(member)):
                pairs.append(_pair(claim, member, event, value, evidence, names))
    return pairs


class Names:
    """What pairing knows of each article from all its statements: which terms are names (by
    how it writes them: capitals mid-sentence), and its lead, the first claim it reports."""

    def __init__(self, statements: Iterable[Statement] = ()) -> None:
        self.votes: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.surfaces: dict[str, str] = {}
        self.leads: dict[str | None, str] = {}
        self.add(statements)

    def add(self, statements: Iterable[Statement]) -> None:
        statements = sorted(statements, key=lambda s: (s.article_id or "", s.start, s.id))
        for s in statements:
            if s.stance == "claim" and _reported(s):
                self.leads.setdefault(s.article_id, s.id)
            votes = self.votes[s.article_id]
            for token in similarity.tokens(s.quote.get("content") or ""):
                votes[token.term] += similarity.CAPITAL_VOTE[token.capitalised]
                self.surfaces.setdefault(token.term, token.surface)

    def is_name(self, term: str, *articles: str | None) -> bool:
        if similarity.has_digit(term):
            return False
        return sum(self.votes[a].get(term, 0) for a in set(articles)) > 0


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller side's terms that the other side has too (0-1)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


# --- statements ----------------------------------------------------------------------------------


def prepare(quotes: Iterable[Mapping[str, Any]]) -> list[Statement]:
    """The quotes as `Statement`s: repeats and bare speaker phrases left out."""
    quotes = list(quotes)
    mentions = _speaker_mentions(quotes)
    seen: set[str] = set()
    out = []
    for quote in quotes:
        qid = str(quote.get("id"))
        if qid in seen or _names_a_speaker(quote, mentions):
            continue
        seen.add(qid)
        out.append(_statement(quote))
    return out


def _statement(quote: Mapping[str, Any]) -> Statement:
    content = quote.get("content") or ""
    cue = _text(quote.get("cue"))
    stored = quote.get("stance")
    found: Stance
    if stored in ("claim", "denial", "reaffirmation", "negation"):
        found = stored
    else:
        found = stance.stance(content, cue)
        # A polarity stored without a stance is the pipeline's (or an editor's) verdict.
        if quote.get("polarity") == "denies" and found != "denial":
            found = "denial"
        elif quote.get("polarity") == "asserts" and found == "denial":
            found = "claim"
    speaker = quote.get("speaker") or _text(quote.get("speaker_mention"))
    reporters = {quote.get("cited_outlet"), *(quote.get("cited_chain") or ())}
    if quote.get("speaker_kind") == "outlet":
        reporters.add(quote.get("speaker"))
    publisher = quote.get("publisher")
    return Statement(
        quote=quote,
        id=str(quote.get("id")),
        article_id=quote.get("article_id"),
        spans=_spans(quote),
        stance=found,
        speaker=speaker.lower() if isinstance(speaker, str) and speaker else None,
        terms=similarity.term_set(content),
        reporters=frozenset(outlet_key(r) for r in reporters if isinstance(r, str) and r),
        publisher=outlet_key(publisher) if isinstance(publisher, str) and publisher else None,
        published=_date(quote.get("published")),
        title=quote.get("title") or "",
    )


def _speaker_mentions(quotes: Iterable[Mapping[str, Any]]) -> dict[str, set[tuple[int, int]]]:
    """Per article, where its quotes' speaker mentions stand in the text."""
    found: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for quote in quotes:
        mention = quote.get("speaker_mention")
        if isinstance(mention, Mapping) and quote.get("article_id"):
            start, end = mention.get("start"), mention.get("end")
            if isinstance(start, int) and isinstance(end, int):
                found[str(quote["article_id"])].add((start, end))
    return found


def _names_a_speaker(
    quote: Mapping[str, Any], speakers: Mapping[str, set[tuple[int, int]]]
) -> bool:
    """Whether a "statement" is only the phrase naming another statement's speaker
    (`According to X, citing sources familiar with the talks, ...`)."""
    spans = _spans(quote)
    mentions = speakers.get(str(quote.get("article_id")), set())
    return bool(spans) and all(
        any(m_start <= s[0] and s[1] <= m_end for m_start, m_end in mentions) for s in spans
    )


# --- denial events -------------------------------------------------------------------------------


def denial_events(statements: Sequence[Statement]) -> list[Event]:
    """The denial events of each article, in text order (see the module's docstring)."""
    by_article: dict[str | None, list[Statement]] = defaultdict(list)
    for s in statements:
        by_article[s.article_id].append(s)
    events: list[Event] = []
    for article_id, found in by_article.items():
        found.sort(key=lambda s: s.start)
        article_events: list[Event] = []
        # Denials first: they make the events; negations then join the event of their speaker.
        for wanted in ("denial", "negation"):
            for s in found:
                if s.stance != wanted:
                    continue
                event = _event_of(s, article_events)
                if event is None:
                    event = Event(article_id, s.speaker, plain=wanted == "negation")
                    article_events.append(event)
                event.members.append(s)
                if event.speaker is None:
                    event.speaker = s.speaker
        for event in article_events:
            event.members.sort(key=lambda s: s.start)
            event.refers = any(
                stance.names_a_report(m.quote.get("content") or "") for m in event.members
            )
            judging = stance.judgement_words()
            event.terms = frozenset(t for m in event.members for t in m.terms if t not in judging)
            # Across articles a headline says what "the report" was about.
            title = similarity.term_set(event.members[0].title) if event.refers else frozenset()
            event.search_terms = event.terms | title
            _find_targets(event, found)
        events += sorted(article_events, key=lambda e: e.members[0].start)
    return events


def _event_of(s: Statement, events: list[Event]) -> Event | None:
    """The event `s` belongs to: its speaker's, or the nearest one when `s` has no speaker."""
    if s.speaker is not None:
        for event in events:
            if event.speaker is not None and same_speaker(event.speaker, s.speaker):
                return event
    near = [
        e
        for e in events
        if (s.speaker is None or e.speaker is None)
        and any(abs(m.start - s.start) <= _NEARBY for m in e.members)
    ]
    return min(near, key=lambda e: min(abs(m.start - s.start) for m in e.members), default=None)


@cache
def _generic_words() -> frozenset[str]:
    names = ("titles", "organization_nouns", "stopwords_topic", "anonymous_sources")
    words = {w for name in names for entry in lexicons.words(name) for w in entry.split()}
    return frozenset(words | {"-", "'s", "spokesman", "spokeswoman", "spokesperson", "official"})


def same_speaker(a: str, b: str) -> bool:
    """Whether two lower-cased speaker names may be one speaker ("geng" and "geng shuang").

    >>> same_speaker("saudi aramco", "aramco")
    True
    >>> same_speaker("the ministry", "the company")
    False
    >>> same_speaker("the saudi embassy", "the embassy")
    True
    """
    if a == b:
        return True
    generic = _generic_words()
    words_a = {w for w in a.replace("'s", "").split() if w not in generic and len(w) > 1}
    words_b = {w for w in b.replace("'s", "").split() if w not in generic and len(w) > 1}
    if words_a & words_b:
        return True
    # "the embassy" after "the Saudi embassy": a bare nominal is the named one it heads.
    head_a, head_b = a.split()[-1], b.split()[-1]
    return (not words_b and head_b in a.split()) or (not words_a and head_a in b.split())


def _find_targets(event: Event, statements: Sequence[Statement]) -> None:
    """The outlets `event` names ("denied the Bloomberg report"): registry outlets, and the
    outlets its own article cites or is published by; never its own publisher."""
    surfaces = {
        name
        for s in statements
        for name in (
            s.quote.get("cited_outlet"),
            s.quote.get("publisher"),
            *(s.quote.get("cited_chain") or ()),
        )
        if isinstance(name, str) and name
    }
    texts = [m.quote.get("content") or "" for m in event.members]
    title = event.members[0].title
    if title and stance.is_denial(title):
        texts.append(title)
    found: set[str] = set()
    for matcher in (_registry_matcher(), similarity.outlet_matcher(sorted(surfaces))):
        if matcher is not None:
            pattern, alias_to_name = matcher
            found |= {
                outlet_key(alias_to_name[m.group()]) for t in texts for m in pattern.finditer(t)
            }
    publisher = event.members[0].publisher
    event.targets = frozenset(found - ({publisher} if publisher else set()))


def outlet_key(name: str) -> str:
    """An outlet's name as pairing compares it: the registry's name for an alias, lower-cased
    ("AFP" and "Agence France-Presse" are one outlet)."""
    entry = lexicons.outlet_index().get(name.lower().removeprefix("the "))
    entry = entry or lexicons.outlet_index().get(name.lower())
    return (entry.name if entry else name).lower()


@cache
def _registry_matcher() -> tuple[re.Pattern[str], dict[str, str]] | None:
    return similarity.outlet_matcher(entry.name for entry in lexicons.outlets())


# --- candidates ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _ClaimIndex:
    """Claims by article, by the outlets that carried them and by term (in memory)."""

    claims: list[Statement]
    by_article: dict[str | None, list[int]]
    by_outlet: dict[str, list[int]]
    by_term: dict[str, list[int]]

    @classmethod
    def build(cls, claims: list[Statement]) -> _ClaimIndex:
        by_article: dict[str | None, list[int]] = defaultdict(list)
        by_outlet: dict[str, list[int]] = defaultdict(list)
        by_term: dict[str, list[int]] = defaultdict(list)
        for i, claim in enumerate(claims):
            by_article[claim.article_id].append(i)
            for outlet in claim.outlets:
                by_outlet[outlet].append(i)
            for term in claim.terms:
                by_term[term].append(i)
        return cls(claims, dict(by_article), dict(by_outlet), dict(by_term))

    def candidates(self, event: Event, window_days: int) -> list[Statement]:
        """The claims `is_candidate` accepts for `event`, in input order."""
        found = set(self.by_article.get(event.article_id, ()))
        for outlet in event.targets:
            found.update(self.by_outlet.get(outlet, ()))
        for term in event.search_terms:
            found.update(self.by_term.get(term, ()))
        return [
            self.claims[i]
            for i in sorted(found)
            if is_candidate(self.claims[i], event, window_days)
        ]


def is_candidate(claim: Statement, event: Event, window_days: int) -> bool:
    """Whether `claim` is worth scoring against `event`: a claim of its own article, or one of
    another article within the window that an outlet it names carried or that shares at least
    two terms with it. Any index that finds every such claim gives the same pairs."""
    if claim.stance != "claim":
        return False
    if claim.article_id == event.article_id:
        return True
    if not _in_window(claim, event, window_days):
        return False
    return (
        bool(claim.outlets & event.targets) or len(claim.terms & event.search_terms) >= _MIN_SHARED
    )


def _in_window(claim: Statement, event: Event, window_days: int) -> bool:
    if claim.published is None or event.published is None:
        # Undated: only what the denial names may pair across articles.
        return bool(claim.outlets & event.targets)
    return abs((event.published - claim.published).days) <= window_days


# --- scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What a pair's score is made of, kept to write its reason."""

    shared: list[str]
    target: str | None
    reported: bool
    same_article: bool
    days: int | None


FEATURES = (
    "target",
    "reported",
    "refers",
    "reported_refers",
    "overlap",
    "named",
    "topical",
    "same_article",
    "plain",
    "plain_overlap",
    "recency",
    "claim_first",
    "lead",
    "act",
    "members",
)


def features(
    claim: Statement, event: Event, names: Names, window_days: int = DEFAULT_WINDOW_DAYS
) -> tuple[dict[str, float], _Evidence] | None:
    """What the score of `event` against `claim` is made of; None when it cannot deny it.

    It cannot when the claim lies inside every one of the event's statements (or holds them),
    when it is the denier's own claim beside the denial, or when a claim of another article
    shares neither an outlet the denial names nor two rare terms with it; a plain negated
    assertion needs two shared terms that are not names (the same predicate).
    """
    same = claim.article_id == event.article_id
    own = bool(claim.speaker and event.speaker and same_speaker(claim.speaker, event.speaker))
    if same and own and not claim.reporters & event.targets:
        return None  # a speaker's own claims beside its denial are its content
    if all(m.contains(claim) or claim.contains(m) for m in event.members):
        return None
    reporters = set(claim.reporters)
    if not same and claim.publisher:
        reporters.add(claim.publisher)
    target = next(iter(sorted(reporters & event.targets)), None)
    event_terms = event.terms if same else event.search_terms
    shared = claim.terms & event_terms
    topical = {t for t in shared if not names.is_name(t, claim.article_id, event.article_id)}
    if event.plain and len(topical) < 2:
        return None
    if not same and not ((target and shared) or len(shared) >= _MIN_SHARED):
        return None
    reported = _reported(claim)
    days = _days(claim, event)
    recency = 0.0
    if not same and days is not None and window_days > 0:
        recency = max(0.0, 1 - days / window_days)
    found = {
        "target": float(bool(target)),
        "reported": float(reported),
        "refers": float(event.refers),
        "reported_refers": float(reported and event.refers),
        "overlap": _overlap(claim.terms, event_terms),
        "named": min(3, len(shared - topical)) / 3,
        "topical": min(3, len(topical)) / 3,
        "same_article": float(same),
        "plain": float(event.plain),
        # A plain negated assertion counts by how much of the claim's predicate it repeats.
        "plain_overlap": _overlap(claim.terms, event_terms) if event.plain else 0.0,
        "recency": recency,
        "claim_first": float(same and claim.start < event.members[0].start),
        "lead": float(names.leads.get(claim.article_id) == claim.id),
        "act": float(any(stance.is_act(_text(m.quote.get("cue"))) for m in event.members)),
        "members": min(3, len(event.members)) / 3,
    }
    ranked = sorted(shared, key=lambda t: (t in topical, t))
    return found, _Evidence(ranked, target, reported, same, days)


def score(
    claim: Statement, event: Event, names: Names, window_days: int = DEFAULT_WINDOW_DAYS
) -> tuple[float, _Evidence] | None:
    """How sure it is that `event` denies `claim` (0-1), and why; None when it cannot.

    The score is a logistic model over `features` (`data/pairing_model.json`, fitted by
    `training/pairing.py`): on the pairs it was fitted on, a score of 0.7 was right about 7
    times in 10.
    """
    found = features(claim, event, names, window_days)
    if found is None:
        return None
    values, evidence = found
    weights = lexicons.pairing_model()
    total = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * v for k, v in values.items())
    return round(1 / (1 + math.exp(-total)), 3), evidence


def _reported(claim: Statement) -> bool:
    """Whether a claim comes from a report: cited from an outlet, spoken by one or by unnamed
    sources, or introduced as a report ("X reported", "according to X", "X claimed")."""
    quote = claim.quote
    if claim.reporters or quote.get("speaker_kind") in ("outlet", "anonymous"):
        return True
    if claim.speaker and claim.speaker.removeprefix("the ") in lexicons.outlet_index():
        return True
    cue = stance.normalise(_text(quote.get("cue")) or "")
    return bool(cue) and bool(_report_cues().search(cue))


@cache
def _report_cues() -> re.Pattern[str]:
    entries = sorted(lexicons.words("report_cues"), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(e) for e in entries) + r")\b")


def _days(claim: Statement, event: Event) -> int | None:
    if claim.published is None or event.published is None:
        return None
    return abs((event.published - claim.published).days)


# --- selection -----------------------------------------------------------------------------------


def _select(
    scores: list[tuple[float, Statement, _Evidence]],
) -> list[tuple[float, Statement, _Evidence]]:
    """Per article of claims, the best few claims (restatements of one report score alike)."""
    by_article: dict[str | None, list[tuple[float, Statement, _Evidence]]] = defaultdict(list)
    for item in scores:
        by_article[item[1].article_id].append(item)
    kept = []
    for items in by_article.values():
        items.sort(key=lambda x: (-x[0], x[1].start))
        best = items[0][0]
        limit = _KEEP_SAME_ARTICLE if items[0][2].same_article else _KEEP_OTHER_ARTICLE
        kept += [x for x in items[:limit] if x[0] >= best - _WITHIN_BEST]
    return kept


# --- output --------------------------------------------------------------------------------------


def _pair(
    claim: Statement,
    member: Statement,
    event: Event,
    value: float,
    evidence: _Evidence,
    names: Names,
) -> dict[str, Any]:
    return {
        "claim_quote_id": claim.id,
        "denial_quote_id": member.id,
        "score": value,
        "reason": _reason(claim, member, event, evidence, names),
        "group": event.id,
    }


def _display(claim: Statement, lowered: str) -> str:
    names = [claim.quote.get("cited_outlet"), *(claim.quote.get("cited_chain") or ())]
    names.append(claim.quote.get("publisher"))
    return next((n for n in names if isinstance(n, str) and n.lower() == lowered), lowered)


def _speaker_name(quote: Mapping[str, Any]) -> str:
    return quote.get("speaker") or _text(quote.get("speaker_mention")) or "an unnamed speaker"


def _reason(
    claim: Statement, member: Statement, event: Event, evidence: _Evidence, names: Names
) -> str:
    """A sentence saying why the two statements were paired."""
    quote = claim.quote
    cited = quote.get("cited_outlet")
    claim_part = f"a claim by {_speaker_name(quote)}"
    if cited and cited != _speaker_name(quote):
        claim_part += f" reported by {cited}"
    elif quote.get("publisher"):
        claim_part += f" in {quote['publisher']}"
    said = stance.evidence(member.quote.get("content") or "", _text(member.quote.get("cue")))
    kind = "Negated assertion" if event.plain else "Denial"
    parts = [f'{kind} ("{said or "denied"}", {_speaker_name(member.quote)}) of {claim_part}']
    if evidence.target:
        parts.append(f"explicitly targets the {_display(claim, evidence.target)} report")
    elif evidence.reported and event.refers:
        parts.append("answers a reported claim")
    if evidence.shared:
        shown = [names.surfaces.get(t, t) for t in evidence.shared[:_SHOWN_TERMS]]
        parts.append("shared terms: " + ", ".join(shown))
    if claim.speaker and member.speaker and same_speaker(claim.speaker, member.speaker):
        parts.append("same speaker (self-contradiction)")
    if evidence.same_article:
        parts.append("same article")
    elif evidence.days is not None:
        parts.append("same day" if evidence.days == 0 else f"{evidence.days} days apart")
    return "; ".join(parts)


# --- small readers -------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """The text of a cue or mention, given as a string or as {"text", "start", "end"}."""
    if isinstance(value, Mapping):
        value = value.get("text")
    return value if isinstance(value, str) and value else None


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _spans(quote: Mapping[str, Any]) -> tuple[tuple[int, int], ...]:
    spans = quote.get("spans") or ()
    out = []
    for span in spans:
        if isinstance(span, Sequence) and len(span) == 2:
            out.append((int(span[0]), int(span[1])))
    return tuple(out)
