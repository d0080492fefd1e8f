"""How alike two statements are: their key terms (crudely stemmed content words), which of them
are names, and outlet names found in a text.

Shared by `pairing` (claims against denials); no spaCy here, so it runs over stored quotes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import NamedTuple

from . import lexicons, stance

# Numbers with separators ("1.5", "5,000") first, then words that may hold inner hyphens or
# apostrophes, so "S-400", "F-35" and "anti-aircraft" stay one term.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['\u2019-][^\W_]+)*")
# After these a capital letter says nothing about a name: a sentence or a quotation starts.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“‘(\[]|\s-)\s*$")
_MIN_TERM = 3
# A term is a name when its capitals outvote its lower-case uses; a capital at a sentence start
# counts for less ("Putin said" vs "Officials said" vs "the officials").
CAPITAL_VOTE = {True: 2, None: 1, False: -2}


class Token(NamedTuple):
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


def tokens(text: str) -> Iterator[Token]:
    for start, surface, term in _words(text):
        capitalised: bool | None = surface[0].isupper()
        if capitalised and _SENTENCE_START.search(text[max(0, start - 3) : start]):
            capitalised = None
        yield Token(term, surface, capitalised)


def term_set(text: str) -> frozenset[str]:
    """The key terms of `text` as a set (what `_tokens` finds, without looking at capitals)."""
    return frozenset(term for _, _, term in _words(text))


@lru_cache(maxsize=4096)
def _titletokens(title: str) -> tuple[Token, ...]:
    """A headline's tokens, found once for the many quotes of its article."""
    return tuple(tokens(title))


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> frozenset[str]:
    """A headline's terms: one set shared by the quotes of its article."""
    return frozenset(t.term for t in _titletokens(title))


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
    # The words of denials and judgements say how something is said, not what it is about.
    return lexicons.words("stopwords_topic") | stance.judgement_words()


def has_digit(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


def outlet_matcher(names: Iterable[str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """A regex finding any of `names` (or their registered aliases) in a text, and alias -> name.

    Names are matched case-sensitively on their capitals ("the Times", never "times").
    """
    alias_to_name: dict[str, str] = {}
    index = lexicons.outlet_index()
    for name in names:
        entry = index.get(name.lower())
        aliases = {name, *(entry.aliases if entry else ()), *((entry.name,) if entry else ())}
        for alias in aliases:
            bare = alias[4:] if alias.lower().startswith("the ") else alias
            if len(bare) >= 2 and bare[0].isupper():
                alias_to_name.setdefault(bare, name)
    if not alias_to_name:
        return None
    alternatives = sorted(alias_to_name, key=len, reverse=True)
    pattern = r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w-])"
    return re.compile(pattern), alias_to_name
