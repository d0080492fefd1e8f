"""Claim vs denial pairs: one statement says something happened, another says it did not.

A quote *denies* when its cue or content carries a denial cue (`data/denial_cues.txt`); every
other quote *asserts*. `find_contradictions` pairs each denial with the claims about the same
event. It never compares every quote with every other: denials sit in an inverted index of their
rare key terms, and a claim is scored only against the denials that share at least two of them
with it, that come from the same article, or that name an outlet reporting it ("denied the
Reuters report"). Only the denials stay in memory; the claims stream past. Each pair gets a
score in [0, 1] and a reason a fact-checker can read.

Two statements are about the same event only if they share more than a name: a topical term, an
anaphoric link back to an earlier cited claim of the same article ("no such issue was raised"),
or a named report. And they are not, whatever they share, when each names specifics the other
does not ("Putin will visit India" / "Putin did not visit China").
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple

from . import lexicons
from .models import Polarity

# --- polarity ------------------------------------------------------------------------------------

# A negated denial is no denial ("did not deny", "refused to rule out"), and "did not respond to a
# request for comment" is no negated event: both are blanked out before the cues are matched.
_NOT_A_DENIAL = re.compile(
    r"\b(?:not|never|refused to|refuses to|declined to|declines to|would not)\s+"
    r"(?:\w+\s+)?(?:deny|denied|denies|dispute|disputed|refute|refuted|reject|rejected|"
    r"rule out|ruled out|dismiss|dismissed)\b"
    r"|\b(?:did|does|do|has|have|had|would) not\s+(?:\w+\s+)?(?:respond|reply|comment|return)\w*"
)
_NT = re.compile(r"\b(can|won|\w+)n't\b")
_NT_SPECIAL = {"can": "can", "won": "will"}
# "never" followed by a past tense is a negated event ("never asked", "never raised").
_NEVER_PAST = r"never\s+[a-z]+ed"
# How many words of the content a denial phrase shows in a reason ("no such issue was raised"),
# and the words that end it early: what follows them is circumstance, not what is denied.
_EVIDENCE_WORDS = 5
_EVIDENCE_STOP = frozenset(
    {"during", "in", "at", "on", "for", "with", "by", "from", "after", "before"}
    | {"and", "but", "because", "as", "when", "while", "since"}
)


def polarity(content: str, cue: str | None = None) -> Polarity:
    """Whether a statement denies (by its cue or its content) or asserts.

    >>> polarity("no such issue was raised during the meeting", "stated")
    'denies'
    >>> polarity("the minister will resign", "said")
    'asserts'
    """
    return "denies" if denial_phrase(content, cue) else "asserts"


def denial_phrase(content: str, cue: str | None = None) -> str | None:
    """The words that make a statement a denial (lower-cased), or None when it asserts.

    A denying cue wins ("denied"); otherwise the first denial cue in the content, extended to a
    few words of its clause so that a reader sees what is denied.

    >>> denial_phrase("He didn't ask Putin to take back the missiles")
    'did not ask putin to'
    >>> denial_phrase("It did not deny the report") is None
    True
    """
    if cue:
        found = _first_denial(_normalise(cue))
        if found:
            return found[0]
    text = _normalise(content)
    found = _first_denial(text)
    if not found:
        return None
    start = found[1]
    clause = re.split(r"[,.;:!?\"“”()]", text[start:], maxsplit=1)[0]
    words: list[str] = []
    for word in clause.split()[:_EVIDENCE_WORDS]:
        if len(words) >= 2 and word in _EVIDENCE_STOP:
            break
        words.append(word)
    return " ".join(words) or found[0]


def _normalise(text: str) -> str:
    """Lower-cased, curly apostrophes straightened, "n't" spelled " not"."""
    text = text.lower().replace("\u2019", "'")
    return _NT.sub(lambda m: _NT_SPECIAL.get(m.group(1), m.group(1)) + " not", text)


def _first_denial(text: str) -> tuple[str, int] | None:
    # Blank negated denials out with spaces so the offsets of the rest stay put.
    text = _NOT_A_DENIAL.sub(lambda m: " " * len(m.group()), text)
    match = _denial_regex().search(text)
    return (match.group(), match.start()) if match else None


@cache
def _denial_regex() -> re.Pattern[str]:
    # Longest first, so "did not happen" wins over "did not"; a hyphen is part of a word, so
    # "false-flag" is not "false".
    entries = sorted(lexicons.words("denial_cues"), key=len, reverse=True)
    alternatives = [r"\s+".join(map(re.escape, entry.split())) for entry in entries]
    alternatives.append(_NEVER_PAST)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


# --- key terms -----------------------------------------------------------------------------------

# Numbers with separators ("1.5", "5,000") first, then words that may hold inner hyphens or
# apostrophes, so "S-400", "F-35" and "anti-aircraft" stay one term.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['\u2019-][^\W_]+)*")
# After these a capital letter says nothing about a name: a sentence or a quotation starts.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“‘(\[]|\s-)\s*$")
_MIN_TERM = 3
# A term is a name when its capitals outvote its lower-case uses; a capital at a sentence start
# counts for less ("Putin said" vs "Officials said" vs "the officials").
_CAPITAL_VOTE = {True: 2, None: 1, False: -2}


class _Token(NamedTuple):
    term: str
    surface: str
    # True: capitalised mid-sentence; False: lower case; None: capitalised at a sentence start,
    # where a capital is weak evidence of a name.
    capitalised: bool | None


def key_terms(text: str) -> list[str]:
    """The content words of `text`: lower-cased, crudely stemmed, without stop words, in order.

    >>> key_terms("Erdogan asked Putin to take back the S-400 missiles")
    ['erdogan', 'ask', 'putin', 'take', 's-400', 'missil']
    """
    return list(dict.fromkeys(term for _, _, term in _words(text)))


def _words(text: str) -> Iterator[tuple[int, str, str]]:
    """Each word of `text` that is a key term: where it starts, as written, and its term."""
    for match in _TOKEN.finditer(text):
        surface = match.group().replace("\u2019", "'")
        if surface.lower().endswith("'s"):
            surface = surface[:-2]
        term = _term(surface)
        if term is not None:
            yield match.start(), surface, term


def _tokens(text: str) -> Iterator[_Token]:
    for start, surface, term in _words(text):
        capitalised: bool | None = surface[0].isupper()
        if capitalised and _SENTENCE_START.search(text[max(0, start - 3) : start]):
            capitalised = None
        yield _Token(term, surface, capitalised)


def _term_set(text: str) -> frozenset[str]:
    """The key terms of `text` as a set (what `_tokens` finds, without looking at capitals)."""
    return frozenset(term for _, _, term in _words(text))


@lru_cache(maxsize=4096)
def _title_tokens(title: str) -> tuple[_Token, ...]:
    """A headline's tokens, found once for the many quotes of its article."""
    return tuple(_tokens(title))


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> frozenset[str]:
    """A headline's terms: one set shared by the quotes of its article."""
    return frozenset(t.term for t in _title_tokens(title))


@lru_cache(maxsize=1 << 16)
def _term(surface: str) -> str | None:
    """The term of a word as written, or None for a stop word; one string object per term."""
    word = surface.lower().replace("'", "")
    if any(ch.isdigit() for ch in word):
        # "5,000" is "5000"; "S-400s" is "S-400"; a lone digit is too common to tell events apart.
        word = re.sub(r"(?<=\d)s$", "", word.replace(",", ""))
        return sys.intern(word) if len(word) >= 2 else None
    stop = _stop_words()
    if word in stop or len(word) < _MIN_TERM:
        return None
    stem = _stem(word)
    if stem in stop or len(stem) < _MIN_TERM:
        return None
    return sys.intern(stem)


def _stem(word: str) -> str:
    """A crude suffix stripper: enough for "resigned", "resigning", "resignation" to meet."""
    word = _strip_plural(word)
    for suffix in ("ation", "ment", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_TERM:
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]  # "planned" -> "plan"
            break
    # "raise" and "raised" both become "rais".
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _strip_plural(word: str) -> str:
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")) and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@cache
def _stop_words() -> frozenset[str]:
    # Single-word denial cues say how something is said, not what it is about.
    denial_words = {cue for cue in lexicons.words("denial_cues") if " " not in cue}
    return lexicons.words("stopwords_topic") | denial_words


# --- anaphora and outlets ------------------------------------------------------------------------

# A denial that points back at something said elsewhere: "no such issue", "the report",
# "these media reports", "such claims".
_ANAPHORA = re.compile(
    r"\bno such\b|\b(?:the|this|these|that|those|such)\s+(?:[\w-]+\s+)?"
    r"(?:reports?|claims?|allegations?|accusations?|information|stor(?:y|ies)|articles?|"
    r"rumou?rs?|speculation|assertions?|suggestions?)\b"
)


# "the reports of a storm", "such claims about the factory": the phrase says what it is about,
# so the denial is matched on that, not on what came before it.
_SPECIFIED = re.compile(r"\s+(?:of|about|on|that|regarding|concerning)\b")


def _is_anaphoric(content: str) -> bool:
    """Whether a denial points back at something said elsewhere without saying what it was."""
    text = _normalise(content)
    return any(not _SPECIFIED.match(text, m.end()) for m in _ANAPHORA.finditer(text))


def _outlet_aliases(name: str) -> set[str]:
    """The lower-cased names an outlet goes by: its own and, if registered, its aliases."""
    names = {name.lower()}
    try:
        index = lexicons.outlet_index()
    except FileNotFoundError:
        # The outlet registry is optional here: without it, an outlet matches by its name only.
        return names
    entry = index.get(name.lower())
    if entry is not None:
        names.update(alias.lower() for alias in (entry.name, *entry.aliases))
    return names


def _outlet_matcher(names: Iterable[str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """A regex finding any of `names` (or their aliases) in a text, and alias -> name."""
    alias_to_name: dict[str, str] = {}
    for name in names:
        for alias in _outlet_aliases(name):
            if len(alias) >= 2:
                alias_to_name.setdefault(alias, name.lower())
    if not alias_to_name:
        return None
    alternatives = sorted(alias_to_name, key=len, reverse=True)
    pattern = r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)"
    return re.compile(pattern, re.IGNORECASE), alias_to_name


# --- prepared quotes -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Prepared:
    """One quote with what pairing needs, computed once."""

    quote: Mapping[str, Any]
    id: str
    article_id: str | None
    denies: bool
    published: date | None
    start: int | None
    content: frozenset[str]
    title: frozenset[str]
    anaphoric: bool
    evidence: str | None
    outlets: frozenset[str]  # lower-cased outlets that report this quote
    # Terms of the speaker's name and mention, and of the reporting outlets' names.
    speaker_terms: frozenset[str]
    outlet_terms: frozenset[str]
    targets: frozenset[str] = frozenset()  # for a denial: outlets it names
    specifics: frozenset[str] | None = None  # see `_specifics`, once the corpus is counted


@dataclass(slots=True)
class _Corpus:
    """Statistics over every quote: term frequencies, name-ness, surface forms."""

    size: int
    df: Counter[str]
    capital_votes: Counter[str]
    surfaces: dict[str, str]

    def weight(self, term: str) -> float:
        """IDF-like rarity; smoothed so that two quotes out of two still weigh something."""
        return math.log(1 + self.size / max(1, self.df[term]))

    def is_name(self, term: str) -> bool:
        """A capitalised word (mostly written so mid-sentence); numbers and codes are not names."""
        return not _has_digit(term) and self.capital_votes[term] > 0

    def is_named(self, term: str) -> bool:
        """A name or a number: the specific bits two reports of one event share."""
        return self.is_name(term) or _has_digit(term)


@lru_cache(maxsize=1 << 16)
def _has_digit(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


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


def _start(quote: Mapping[str, Any]) -> int | None:
    spans = quote.get("spans") or []
    if spans and isinstance(spans[0], Sequence) and spans[0]:
        return int(spans[0][0])
    start = quote.get("start")
    return int(start) if isinstance(start, int) else None


def _reporting_outlets(quote: Mapping[str, Any]) -> frozenset[str]:
    names = [quote.get("cited_outlet"), *(quote.get("cited_chain") or []), quote.get("publisher")]
    return frozenset(name.lower() for name in names if isinstance(name, str) and name)


def _polarity(quote: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether a quote denies, and for a denial the words that say so (for its reason)."""
    stored = quote.get("polarity")
    if stored == "asserts":
        return False, None
    evidence = denial_phrase(quote.get("content") or "", _text(quote.get("cue")))
    # The stored polarity is the pipeline's verdict; recompute only when it is missing.
    denies = stored == "denies" or evidence is not None
    return denies, evidence or (_text(quote.get("cue")) if denies else None)


def _prepare(
    quote: Mapping[str, Any],
    content: frozenset[str],
    title: frozenset[str],
    evidence: str | None = None,
    *,
    denies: bool = False,
) -> _Prepared:
    """A quote ready to be scored, with `content` and `title` its (and its article's) terms."""
    outlets = _reporting_outlets(quote)
    return _Prepared(
        quote=quote,
        id=str(quote.get("id")),
        article_id=quote.get("article_id"),
        denies=denies,
        published=_date(quote.get("published")),
        start=_start(quote),
        content=content,
        title=title,
        anaphoric=denies and _is_anaphoric(quote.get("content") or ""),
        evidence=evidence,
        outlets=outlets,
        speaker_terms=_terms_of(quote.get("speaker"), _text(quote.get("speaker_mention"))),
        outlet_terms=_terms_of(*outlets),
    )


@lru_cache(maxsize=1 << 14)
def _terms_of(*texts: str | None) -> frozenset[str]:
    """The terms of a few names (a speaker and its mention, outlets), shared by their quotes."""
    return frozenset(t.term for text in texts if text for t in _tokens(text))


def _count(corpus: _Corpus, content: list[_Token], title: Sequence[_Token]) -> None:
    """Add one quote, its content and its article's title, to the corpus statistics."""
    corpus.size += 1
    corpus.df.update({t.term for t in content} | {t.term for t in title})
    # Headlines are often in Title Case, where a capital says nothing about a name.
    title_case = sum(t.capitalised is True for t in title) > len(title) / 2
    for token in content if title_case else [*content, *title]:
        corpus.capital_votes[token.term] += _CAPITAL_VOTE[token.capitalised]
    for token in [*content, *title]:
        corpus.surfaces.setdefault(token.term, token.surface)


def _find_targets(denials: list[_Prepared], claim_outlets: Iterable[str]) -> None:
    """Mark the outlets each denial names ("denied the Reuters report") among claim outlets."""
    matcher = _outlet_matcher(claim_outlets)
    if matcher is None:
        return
    pattern, alias_to_name = matcher
    for denial in denials:
        texts = [denial.quote.get("content") or ""]
        title = denial.quote.get("title") or ""
        # A headline names the target of the article's denial ("Kremlin denies Bloomberg report").
        if title and polarity(title) == "denies":
            texts.append(title)
        found = {alias_to_name[m.group().lower()] for t in texts for m in pattern.finditer(t)}
        denial.targets = frozenset(found)


# --- pairing -------------------------------------------------------------------------------------

# Blocking: a term held by more than this share of the quotes picks no candidates (it still
# counts in the score), once there are at least `_LARGE` quotes.
_MAX_DF_SHARE = 0.05
_LARGE = 200
_MIN_SHARED = 2

# Score weights; the parts add up and the total is capped at 1.
_W_OVERLAP = 0.7
_W_NAMED = 0.1
_W_TARGET = 0.35
_W_ANTECEDENT = 0.15
_W_LEAD = 0.1
_W_SAME_ARTICLE = 0.1
_W_TIME = 0.05
# A shared term found only through an article's title counts for this much of a content term.
_TITLE_FACTOR = 0.5
_SHOWN_TERMS = 6


@dataclass(frozen=True, slots=True)
class _Evidence:
    """What a pair's score is made of, kept to write its reason."""

    shared: list[str]
    target: str | None
    antecedent: bool
    lead: bool
    same_article: bool
    days: int | None


def find_contradictions(
    quotes: Iterable[Mapping[str, Any]],
    *,
    window_days: int = 60,
    min_score: float = 0.3,
    stats: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Claim/denial pairs about the same event, best first.

    Each pair is `{"claim_quote_id", "denial_quote_id", "score", "reason"}`. Speakers may differ or
    be the same (a self-contradiction). Dated quotes from different articles must lie within
    `window_days` of each other. Pass a dict as `stats` to learn how many quotes, claims,
    denials and scored candidate pairs there were.

    `quotes` is read three times, so that only the denials stay in memory, never all the claims:
    pass a list or anything that gives the same quotes in the same order on each iteration
    (`query.pairing_quotes`); a one-shot iterator is read into a list first.
    """
    if iter(quotes) is quotes:
        quotes = list(quotes)
    survey = _survey(quotes)
    corpus, denials = survey.corpus, survey.denials
    _find_targets(denials, survey.claim_outlets)
    index = _Index.build(denials, corpus)
    scored = 0
    pairs: list[dict[str, Any]] = []
    for quote, kind in zip(quotes, survey.kinds, strict=False):
        found = _candidates(quote, index) if kind == _CLAIM else None
        if found is None:
            continue
        claim, candidates = found
        is_lead = claim.id in survey.leads
        for i in sorted(candidates):
            denial = denials[i]
            if claim.id == denial.id or not _in_window(claim, denial, window_days):
                continue
            scored += 1
            result = _score(claim, denial, corpus, window_days, is_lead)
            if result is not None and result[0] >= min_score:
                pairs.append(_pair(claim, denial, result[0], result[1], corpus))
    pairs.sort(key=lambda p: (-p["score"], p["claim_quote_id"], p["denial_quote_id"]))
    if stats is not None:
        stats.update(
            quotes=corpus.size,
            claims=survey.claims,
            denials=len(denials),
            candidates_scored=scored,
            pairs=len(pairs),
        )
    return pairs


# What `_survey` decides for each input quote, by position.
_SKIP, _CLAIM, _DENIAL = 0, 1, 2


@dataclass(slots=True)
class _Survey:
    """What the first reading of the quotes keeps: statistics, the denials, a note per quote."""

    corpus: _Corpus
    kinds: bytearray  # per input quote: _SKIP (a repeat or a speaker phrase), _CLAIM, _DENIAL
    denials: list[_Prepared]
    claims: int
    claim_outlets: set[str]  # lower-cased outlets that report some claim
    leads: set[str]  # ids of the claims `_Leads` finds


def _survey(quotes: Iterable[Mapping[str, Any]]) -> _Survey:
    """Term statistics over every quote, and the denials prepared; claims are only noted.

    Reads `quotes` twice: for the speaker mentions of each article, then for the rest.
    """
    speakers = _speaker_mentions(quotes)
    survey = _Survey(_Corpus(0, Counter(), Counter(), {}), bytearray(), [], 0, set(), set())
    seen: set[str] = set()
    leads = _Leads()
    for quote in quotes:
        qid = str(quote.get("id"))
        if qid in seen or _names_a_speaker(quote, speakers):
            survey.kinds.append(_SKIP)
            continue
        seen.add(qid)
        content = list(_tokens(quote.get("content") or ""))
        title = quote.get("title") or ""
        _count(survey.corpus, content, _title_tokens(title))
        denies, evidence = _polarity(quote)
        if denies:
            survey.kinds.append(_DENIAL)
            terms = frozenset(t.term for t in content)
            survey.denials.append(
                _prepare(quote, terms, _title_terms(title), evidence, denies=True)
            )
        else:
            survey.kinds.append(_CLAIM)
            survey.claims += 1
            survey.claim_outlets.update(_reporting_outlets(quote))
            leads.add(quote)
    survey.leads = leads.ids()
    return survey


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
    """Whether a "statement" is only the phrase naming another statement's speaker.

    `According to X, citing sources familiar with the talks, ...` names its sources; read as a
    statement of X ("sources familiar with the talks") it asserts nothing anyone could deny.
    """
    spans = [s for s in quote.get("spans") or [] if isinstance(s, Sequence) and len(s) == 2]
    mentions = speakers.get(str(quote.get("article_id")), set())
    return bool(spans) and all(
        any(m_start <= s[0] and s[1] <= m_end for m_start, m_end in mentions) for s in spans
    )


class _Leads:
    """Per article, its first claim and its first claim cited from another outlet."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[int | None, str]] = {}
        self.first_cited: dict[str, tuple[int | None, str]] = {}

    def add(self, claim: Mapping[str, Any]) -> None:
        """Take a claim into account, in input order (the earlier of two at one offset wins)."""
        key = claim.get("article_id")
        if not key:
            return
        found = (_start(claim), str(claim.get("id")))
        if key not in self.first or _before(found[0], self.first[key][0]):
            self.first[key] = found
        cited = self.first_cited
        if _is_cited(claim) and (key not in cited or _before(found[0], cited[key][0])):
            cited[key] = found

    def ids(self) -> set[str]:
        """The lead claims' ids."""
        return {qid for _, qid in self.first.values()} | {
            qid for _, qid in self.first_cited.values()
        }


def _before(a: int | None, b: int | None) -> bool:
    return a is not None and (b is None or a < b)


@dataclass(frozen=True, slots=True)
class _Index:
    """Where to find denials (positions in the list): by rare term, by article."""

    # Each denial under its content terms; an anaphoric one under its title terms as well.
    terms: dict[str, list[int]]
    # The anaphoric denials only, under their content and title terms.
    anaphoric: dict[str, list[int]]
    by_article: dict[str, list[int]]
    by_target: dict[str, list[int]]  # the denials that name an outlet, by the outlet

    @classmethod
    def build(cls, denials: list[_Prepared], corpus: _Corpus) -> _Index:
        """Inverted indexes over `denials` (targets found), common terms left out."""
        size = corpus.size
        max_df = size if size < _LARGE else max(_MIN_SHARED, _MAX_DF_SHARE * size)
        terms: dict[str, list[int]] = defaultdict(list)
        anaphoric: dict[str, list[int]] = defaultdict(list)
        by_article: dict[str, list[int]] = defaultdict(list)
        by_target: dict[str, list[int]] = defaultdict(list)
        for i, denial in enumerate(denials):
            # An anaphoric denial says little itself ("no such issue"), so its article's title
            # and the claims' titles count too; any other denial is matched on what the two
            # quotes say.
            blocking = denial.content | denial.title if denial.anaphoric else denial.content
            for term in blocking:
                if corpus.df[term] <= max_df:
                    terms[term].append(i)
                    if denial.anaphoric:
                        anaphoric[term].append(i)
            if denial.article_id:
                by_article[denial.article_id].append(i)
            for outlet in denial.targets:
                by_target[outlet].append(i)
        return cls(dict(terms), dict(anaphoric), dict(by_article), dict(by_target))


def _candidates(quote: Mapping[str, Any], index: _Index) -> tuple[_Prepared, set[int]] | None:
    """The claim, prepared, and the denials worth scoring against it, or None if there are none.

    A denial shares at least two rare terms with the claim (title terms count for an anaphoric
    denial), or names an outlet that reports the claim and shares a term, or comes from the
    same article.
    """
    content = _term_set(quote.get("content") or "")
    title = _title_terms(quote.get("title") or "")
    counts: Counter[int] = Counter()
    for term in content:
        counts.update(index.terms.get(term, ()))
    for term in title - content:
        counts.update(index.anaphoric.get(term, ()))
    found = {i for i, n in counts.items() if n >= _MIN_SHARED}
    outlets = _reporting_outlets(quote)
    for outlet in outlets & index.by_target.keys():
        found.update(i for i in index.by_target[outlet] if i in counts)
    article_id = quote.get("article_id")
    if article_id:
        found.update(index.by_article.get(article_id, ()))
    return (_prepare(quote, content, title), found) if found else None


def _is_cited(quote: Mapping[str, Any]) -> bool:
    return bool(quote.get("cited_outlet") or quote.get("cited_chain"))


def _in_window(claim: _Prepared, denial: _Prepared, window_days: int) -> bool:
    if _same_article(claim, denial) or claim.published is None or denial.published is None:
        return True
    return abs((denial.published - claim.published).days) <= window_days


def _same_article(claim: _Prepared, denial: _Prepared) -> bool:
    return claim.article_id is not None and claim.article_id == denial.article_id


def _shared_terms(claim: _Prepared, denial: _Prepared) -> tuple[set[str], set[str]]:
    """Terms shared by the two contents, and terms shared only through an article title.

    Titles count only for an anaphoric denial from another article: its headline says what
    "these reports" are. A claim's own headline is about its article, not about the claim, and
    within one article the headline is the same for both sides.
    """
    in_content = set(claim.content & denial.content)
    if not denial.anaphoric or _same_article(claim, denial):
        return in_content, set()
    via_title = (claim.content | claim.title) & denial.title | claim.title & denial.content
    return in_content, set(via_title) - in_content


def _score(
    claim: _Prepared,
    denial: _Prepared,
    corpus: _Corpus,
    window_days: int,
    is_lead: bool,
) -> tuple[float, _Evidence] | None:
    """The pair's score and its evidence, or None when nothing but a name links them."""
    in_content, via_title = _shared_terms(claim, denial)
    shared = in_content | via_title
    same_article = _same_article(claim, denial)
    target = next(iter(sorted(claim.outlets & denial.targets)), None)
    # An anaphoric denial refers back to an earlier claim of its article that came from
    # elsewhere ("according to Bloomberg ...") or opened the article.
    antecedent = (
        denial.anaphoric
        and same_article
        and (claim.start is None or denial.start is None or claim.start < denial.start)
        and (_is_cited(claim.quote) or is_lead)
    )
    topical = any(not corpus.is_name(t) for t in shared)
    if not (topical or antecedent or (target and (shared or same_article))):
        return None
    if _other_event(claim, denial, corpus):
        return None

    weight = corpus.weight
    matched = sum(weight(t) for t in in_content) + _TITLE_FACTOR * sum(weight(t) for t in via_title)
    # Title terms count in a side's total only where they matched, so a long headline does not
    # dilute the overlap.
    claim_total = sum(weight(t) for t in claim.content | (claim.title & shared))
    denial_total = sum(weight(t) for t in denial.content | (denial.title & shared))
    overlap = matched / min(claim_total, denial_total) if matched else 0.0
    named = sum(corpus.is_named(t) for t in in_content)
    days = _days_apart(claim, denial)

    score = _W_OVERLAP * min(1.0, overlap) + _W_NAMED * min(named, 2) / 2
    score += _W_TARGET if target else 0.0
    score += _W_ANTECEDENT if antecedent else 0.0
    score += _W_LEAD if antecedent and is_lead else 0.0
    score += _W_SAME_ARTICLE if same_article else 0.0
    if days is not None and not same_article and window_days > 0:
        score += _W_TIME * max(0.0, 1 - days / window_days)
    ranked = sorted(shared, key=lambda t: (-weight(t) * (t in in_content or _TITLE_FACTOR), t))
    evidence = _Evidence(ranked, target, antecedent, antecedent and is_lead, same_article, days)
    return round(min(1.0, score), 3), evidence


def _other_event(claim: _Prepared, denial: _Prepared, corpus: _Corpus) -> bool:
    """Whether the two quotes name different specifics, so they are about different events.

    "Putin will visit India" and "Putin did not visit China" share a name and a verb, but each
    names a place the other does not. A denial that names as many new specifics (names,
    numbers) as it shares with the claim, against a claim that names specifics of its own, is
    about something else. The denial's speaker ("Peskov said ...") and the outlet it targets
    ("the Reuters report") are not specifics of the event, nor are month names.
    """
    target_terms = _terms_of(*denial.targets)
    in_denial = _specifics(denial, corpus) - denial.speaker_terms - target_terms
    known = claim.content | claim.speaker_terms | claim.outlet_terms
    new_in_denial = in_denial - known
    new_in_claim = _specifics(claim, corpus) - denial.content - denial.title
    return (
        bool(new_in_denial) and bool(new_in_claim) and len(new_in_denial) >= len(in_denial & known)
    )


def _specifics(quote: _Prepared, corpus: _Corpus) -> frozenset[str]:
    """The names and numbers of a quote's content, without month and day names."""
    if quote.specifics is None:
        calendar = lexicons.words("calendar_words")
        named = (t for t in quote.content if corpus.is_named(t) and t not in calendar)
        quote.specifics = frozenset(named)
    return quote.specifics


def _days_apart(claim: _Prepared, denial: _Prepared) -> int | None:
    if claim.published is None or denial.published is None:
        return None
    return abs((denial.published - claim.published).days)


# --- reasons -------------------------------------------------------------------------------------


def _speaker(quote: Mapping[str, Any]) -> str:
    return quote.get("speaker") or _text(quote.get("speaker_mention")) or "an unnamed speaker"


def _pair(
    claim: _Prepared, denial: _Prepared, score: float, evidence: _Evidence, corpus: _Corpus
) -> dict[str, Any]:
    return {
        "claim_quote_id": claim.id,
        "denial_quote_id": denial.id,
        "score": score,
        "reason": _reason(claim, denial, evidence, corpus),
    }


def _reason(claim: _Prepared, denial: _Prepared, evidence: _Evidence, corpus: _Corpus) -> str:
    """A sentence saying why the two quotes were paired."""
    cited = claim.quote.get("cited_outlet")
    publisher = claim.quote.get("publisher")
    claim_part = f"a claim by {_speaker(claim.quote)}"
    if cited and cited != _speaker(claim.quote):
        claim_part += f" reported by {cited}"
    elif publisher:
        claim_part += f" in {publisher}"
    parts = [f'Denial ("{denial.evidence or "denied"}", {_speaker(denial.quote)}) of {claim_part}']
    if evidence.target:
        parts.append(f"explicitly targets the {_display_outlet(claim, evidence.target)} report")
    if evidence.shared:
        shown = [corpus.surfaces.get(t, t) for t in evidence.shared[:_SHOWN_TERMS]]
        parts.append("shared terms: " + ", ".join(shown))
    if evidence.antecedent:
        which = "the article's lead claim" if evidence.lead else "an earlier cited claim"
        parts.append(f"the denial refers back ({_anaphor(denial)}) to {which}")
    if evidence.same_article:
        parts.append("same article")
    elif evidence.days is not None:
        parts.append("same day" if evidence.days == 0 else f"{evidence.days} days apart")
    if claim.quote.get("speaker") and claim.quote.get("speaker") == denial.quote.get("speaker"):
        parts.append("same speaker (self-contradiction)")
    return "; ".join(parts)


def _display_outlet(claim: _Prepared, lowered: str) -> str:
    names = [claim.quote.get("cited_outlet"), *(claim.quote.get("cited_chain") or [])]
    names.append(claim.quote.get("publisher"))
    return next((n for n in names if isinstance(n, str) and n.lower() == lowered), lowered)


def _anaphor(denial: _Prepared) -> str:
    match = _ANAPHORA.search(_normalise(denial.quote.get("content") or ""))
    return f'"{match.group()}"' if match else "anaphora"
