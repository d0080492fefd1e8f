"""Lines and paragraphs of an article text: the one place that decides where a paragraph ends.

News text on the web has one paragraph a line. Wire copy is often hard-wrapped instead: a line
break every 60-80 characters, inside sentences, with paragraphs ending on a short line. Every
stage that needs paragraphs (the layout of `extract`, the sentence splitter of `nlp`, the tagger's
decoder) takes them from here, so that all agree:

- `soft_breaks(text)`: the offsets of line breaks that only wrap a paragraph;
- `unwrap(text)`: `text` with those breaks made spaces, the same length, so every offset into it
  is an offset into `text` (`nlp.parse_text` parses this copy);
- `paragraphs(text)`: the character ranges of the paragraphs, lines joined at soft breaks.

A line break is soft when the next line starts in lower case after a line that does not end a
sentence (`... saying` / `the report ...`), or, in a text detected as hard-wrapped, when the line
does not end a sentence (and is not a short heading), or ends one but the next line's first word
would not have fitted on it. A blank line always ends a paragraph.
"""

from __future__ import annotations

import re

# A hard-wrapped text's lines are at most this wide (wider lines are paragraphs of their own).
WRAP_MAX = 100
# Lines of at least this length count when deciding whether a text is hard-wrapped.
WRAP_MIN_LINE = 30
# A text is hard-wrapped when at least this many of its line breaks fall inside a sentence...
WRAPPED_MIN_BREAKS = 4
# ...and they are at least this share of its lines, half of which are at most WRAP_MAX wide.
WRAPPED_SHARE = 0.3
# In wrapped text, a line shorter than this share of the width that does not end a sentence is
# a heading (or a dateline, a byline) when the next line starts with a capital.
HEADING_SHARE = 0.6

_SENTENCE_END = re.compile(r"[.!?:;\"\u201d\u2019')\]]\s*$")
_LINE = re.compile(r"[^\n]+")


def lines(text: str) -> list[tuple[int, int]]:
    """Character ranges of the non-empty lines of `text` (white space only is empty)."""
    return [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]


def _single_break(text: str, end: int, start: int) -> bool:
    """Whether only one line break (and spaces) lies between a line's end and the next start."""
    return text.count("\n", end, start) == 1


def _first_word(line: str) -> str:
    words = line.split()
    return words[0] if words else ""


def _starts_lower(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and stripped[0].islower()


def is_wrapped(text: str) -> bool:
    """Whether `text` is hard-wrapped: many line breaks inside sentences, all lines narrow."""
    found = lines(text)
    breaks = 0
    for (s, e), (ns, ne) in zip(found, found[1:], strict=False):
        line = text[s:e].strip()
        if len(line) < WRAP_MIN_LINE or len(line) > WRAP_MAX:
            continue
        if (
            _single_break(text, e, ns)
            and not _SENTENCE_END.search(line)
            and _starts_lower(text[ns:ne])
        ):
            breaks += 1
    widths = sorted(len(text[s:e].strip()) for s, e in found)
    narrow = bool(widths) and widths[len(widths) // 2] <= WRAP_MAX
    return narrow and breaks >= WRAPPED_MIN_BREAKS and breaks >= WRAPPED_SHARE * len(found)


def soft_breaks(text: str) -> list[int]:
    """Offsets of the line breaks of `text` that wrap a paragraph rather than end one."""
    found = lines(text)
    wrapped = is_wrapped(text)
    width = max(
        (len(text[s:e].strip()) for s, e in found if len(text[s:e].strip()) <= WRAP_MAX),
        default=0,
    )
    out = []
    for (s, e), (ns, ne) in zip(found, found[1:], strict=False):
        if not _single_break(text, e, ns):
            continue
        line, nxt = text[s:e].strip(), text[ns:ne]
        ends_sentence = bool(_SENTENCE_END.search(line))
        soft = not ends_sentence and _starts_lower(nxt)
        if wrapped and not soft and len(line) <= WRAP_MAX:
            if not ends_sentence:
                soft = len(line) >= HEADING_SHARE * width or _starts_lower(nxt)
            else:
                soft = len(line) + 1 + len(_first_word(nxt)) > width
        if soft:
            out.append(text.index("\n", e, ns))
    return out


def unwrap(text: str) -> str:
    """`text` with its soft line breaks made spaces: the same length, offsets unchanged."""
    breaks = soft_breaks(text)
    if not breaks:
        return text
    chars = list(text)
    for i in breaks:
        chars[i] = " "
    return "".join(chars)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Character ranges of the paragraphs of `text`: its lines, joined at soft breaks.

    >>> paragraphs("One line.\\nTwo lines that\\ngo on.\\n\\nThree.")
    [(0, 9), (10, 31), (33, 39)]
    """
    return lines(unwrap(text))


def paragraph_starts(text: str) -> list[int]:
    """The start offset of every paragraph of `text` (0 first, whatever the text opens with)."""
    return [0, *(s for s, _ in paragraphs(text) if s > 0)]


# --- datelines -----------------------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_PLACE = r"[A-Z][A-Z'.\-]+(?:[ /][A-Z][A-Z'.\-]+){0,2}"
_DATE = rf"{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
_WIRE = r"\([A-Z][\w .&'-]*\)"
_DASH = r"\s*[-\u2013\u2014]+\s*"
# `SYDNEY (Reuters) -`, `ROSTOV, March 5 (Reuters) -`, `JEDDAH -`, `(Reuters) -`; without a dash
# only with a date and before a capital: `KUALA LUMPUR Aug 20 The bank ...`, `Dec 3 Acme said`.
_DATELINE = re.compile(
    rf"(?:{_PLACE}\s*,?\s*(?:{_DATE}\s*,?\s*)?(?:{_WIRE})?{_DASH}"
    rf"|{_WIRE}{_DASH}"
    rf"|(?:{_PLACE}\s*,?\s*)?{_DATE}\s+(?:\({_PLACE}\)\s+)?(?=[A-Z]))"
)


def datelines(text: str) -> list[tuple[int, int, str | None]]:
    """The datelines opening paragraphs of `text`: `(start, end, wire)`, `wire` the agency in
    parentheses if any (`SYDNEY (Reuters) - ...` -> the range of `SYDNEY (Reuters) - `, `Reuters`).

    A dateline gives the place, the date and the wire of a story, never a speaker: the parse
    reads it as white space (`nlp.parse_text`).
    """
    out = []
    for start, end in paragraphs(text):
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        m = _DATELINE.match(text, start + lead, end)
        if m and m.end() < end:
            wire = re.search(r"\(([^)]+)\)", m.group())
            out.append((m.start(), m.end(), wire.group(1).strip() if wire else None))
    return out


def blank_datelines(text: str) -> str:
    """`text` with its datelines made spaces (the same length)."""
    found = datelines(text)
    if not found:
        return text
    chars = list(text)
    for start, end, _ in found:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
