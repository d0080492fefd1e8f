"""What a statement does to a claim: asserts it, denies it, reaffirms it, or negates an event.

- `denial`: a denial act ("the Kremlin denied the report", "dismissing a report that ...") or
  a truth judgement ("This is completely false", "a fabrication", "We deny the article");
- `reaffirmation`: the claimant keeps to it ("stands by its reporting"): never a denial;
- `negation`: a plain negated assertion ("the minister did not meet him", "there were no
  talks"): it contradicts only a claim of the same predicate, and joins a denial of its speaker;
- `claim`: everything else.

The phrases live in `quotes/data/` (`denial_verbs`, `truth_judgements`, `reaffirmations`,
`negated_events`, `non_denials`); negations that deny nothing ("did not respond", "not to be
named", "did not deny") are blanked out before the others are looked for.
"""

from __future__ import annotations

import re
from functools import cache

from . import lexicons
from .models import Stance

_NT = re.compile(r"\b(can|won|\w+)n't\b")
_NT_SPECIAL = {"can": "can", "won": "will"}
# "never" followed by a past tense is a negated event ("never asked", "never progressed").
_NEVER_PAST = r"never\s+(?:\w+\s+)?[a-z]+ed"
# How many words a denial's evidence phrase shows, and the words that end it early.
_EVIDENCE_WORDS = 6
_EVIDENCE_STOP = frozenset(
    {"during", "in", "at", "on", "for", "with", "by", "from", "after", "before"}
    | {"and", "but", "because", "as", "when", "while", "since"}
)
# "Nothing in the article is correct": a negated truth judgement of a whole report.
_NOTHING_TRUE = re.compile(
    r"\bnothing\b(?:\s+\S+){0,5}\s+(?:is|was|are|were)\s+(?:\w+\s+)?(?:true|correct|accurate)\b"
)


def normalise(text: str) -> str:
    """Lower-cased, curly apostrophes straightened, "n't" spelled " not"."""
    text = text.lower().replace("\u2019", "'")
    return _NT.sub(lambda m: _NT_SPECIAL.get(m.group(1), m.group(1)) + " not", text)


@cache
def _regex(name: str, *extra: str) -> re.Pattern[str]:
    # Longest first, so "did not happen" wins over "did not"; a hyphen is part of a word, so
    # "false-flag" is not "false".
    entries = sorted(lexicons.words(name), key=len, reverse=True)
    alternatives = [r"\s+".join(map(re.escape, entry.split())) for entry in entries]
    alternatives += extra
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


def _blanked(text: str) -> str:
    """`text` normalised, with the negations that deny nothing blanked out (offsets kept)."""
    return _regex("non_denials").sub(lambda m: " " * len(m.group()), normalise(text))


def stance(content: str, cue: str | None = None) -> Stance:
    """What the statement does: `claim`, `denial`, `reaffirmation` or `negation`.

    >>> stance("the report was completely false", "said")
    'denial'
    >>> stance("the report", "denied")
    'denial'
    >>> stance("it stands by its reporting", "said")
    'reaffirmation'
    >>> stance("the minister did not meet the envoy", "said")
    'negation'
    >>> stance("the company did not respond to a request for comment", "said")
    'claim'
    >>> stance("the minister will resign", "said")
    'claim'
    """
    cue_text = _blanked(cue or "")
    text = _blanked(content)
    if _regex("reaffirmations").search(text) or _regex("reaffirmations").search(cue_text):
        return "reaffirmation"
    if _regex("denial_verbs").search(cue_text) or _regex("truth_judgements").search(cue_text):
        return "denial"
    if _regex("denial_verbs").search(text) or _judges(text):
        return "denial"
    if _regex("negated_events", _NEVER_PAST).search(text):
        return "negation"
    return "claim"


def _judges(text: str) -> bool:
    return bool(_regex("truth_judgements").search(text) or _NOTHING_TRUE.search(text))


def is_act(cue: str | None) -> bool:
    """Whether a cue is itself a denial act ("denied", "dismissed", "ruled out")."""
    return bool(cue) and bool(_regex("denial_verbs").search(_blanked(cue or "")))


def is_denial(content: str, cue: str | None = None) -> bool:
    """Whether the statement denies a claim (a denial act or a truth judgement)."""
    return stance(content, cue) == "denial"


def evidence(content: str, cue: str | None = None) -> str | None:
    """The words that make a statement deny or negate (lower-cased), or None for a claim.

    A denying cue wins ("denied"); otherwise the first denial, judgement or negation in the
    content, extended to a few words of its clause so that a reader sees what is denied.

    >>> evidence("He didn't ask Putin to take back the missiles")
    'did not ask putin to take'
    >>> evidence("It did not deny the report") is None
    True
    """
    cue_text = _blanked(cue or "")
    for name in ("denial_verbs", "truth_judgements"):
        found = _regex(name).search(cue_text)
        if found:
            return found.group()
    text = _blanked(content)
    found = (
        _regex("denial_verbs").search(text)
        or _regex("truth_judgements").search(text)
        or _NOTHING_TRUE.search(text)
        or _regex("negated_events", _NEVER_PAST).search(text)
    )
    if found is None:
        return None
    clause = re.split(r"[,.;:!?\"“”()]", text[found.start() :], maxsplit=1)[0]
    words: list[str] = []
    for word in clause.split()[:_EVIDENCE_WORDS]:
        if len(words) >= 2 and word in _EVIDENCE_STOP:
            break
        words.append(word)
    return " ".join(words) or found.group()


# "no such issue was raised", "nothing of the sort": a denial pointing back at what was said.
_POINTS_BACK = re.compile(r"\bno such\b|\bnothing of the (?:sort|kind)\b")


def names_a_report(text: str) -> bool:
    """Whether `text` refers to a report, claim or story ("the report", "such claims"), or
    points back at what was said ("no such issue was raised")."""
    text = normalise(text)
    return bool(_regex("report_nouns").search(text) or _POINTS_BACK.search(text))


def judgement_words() -> frozenset[str]:
    """The single words of the stance lexicons: they say how a thing is judged, not what it is."""
    names = ("denial_verbs", "truth_judgements", "reaffirmations", "report_nouns")
    return frozenset(w for name in names for entry in lexicons.words(name) for w in entry.split())
