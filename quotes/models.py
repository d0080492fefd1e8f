"""Plain records passed between the stages.

Every offset is a Python string offset into `Article.text`, end-exclusive. `Article.text` is the
text exactly as read (decoded, nothing else changed), so an offset can always be checked with
`article.text[start:end]`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

QuoteKind = Literal["direct", "indirect", "mixed"]
SpeakerKind = Literal["person", "organization", "anonymous", "outlet", "unknown"]
Polarity = Literal["asserts", "denies"]
# What a statement does to a claim (see `stance.py`).
Stance = Literal["claim", "denial", "reaffirmation", "negation"]

# Joins the fragments of a split quote in `Quote.content`.
FRAGMENT_JOINER = " … "


@dataclass(frozen=True, slots=True)
class Article:
    """One article as read from an input.

    `id` derives from the normalised text (see `ingest.article_id`), so the same article read
    twice, from any file, gets the same id.
    """

    id: str
    text: str
    source: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of article text: a speaker mention, a cue, an outlet name."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Quote:
    """One attributed statement: who said what, according to whom.

    `spans` are the content fragments (several for a split quote); `content` is their text
    joined with `FRAGMENT_JOINER`. `speaker` is the canonical name; `speaker_mention` is the
    text that names the speaker in this attribution (a pronoun, a nominal, a name).
    """

    article_id: str
    source: str
    content: str
    spans: tuple[tuple[int, int], ...]
    kind: QuoteKind
    cue: Mention | None = None
    speaker_mention: Mention | None = None
    speaker: str | None = None
    speaker_kind: SpeakerKind | None = None
    speaker_title: str | None = None
    cited_outlet: str | None = None
    cited_chain: tuple[str, ...] = field(default=())
    publisher: str | None = None
    polarity: Polarity = "asserts"
    confidence: float = 1.0
    stance: Stance = "claim"

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]

    def to_dict(self) -> dict[str, Any]:
        """The output contract of `quotes extract --format jsonl`."""
        d = asdict(self)
        d["spans"] = [list(s) for s in self.spans]
        d["cited_chain"] = list(self.cited_chain)
        return d
