"""Properties over generated input (hypothesis): extraction never raises and its offsets index
the text; `find` answers the same whichever way it reads the database."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from quotes import nlp as quotes_nlp
from quotes import query
from quotes.ingest import make_article
from quotes.models import FRAGMENT_JOINER, Article, Mention, Quote
from quotes.process import process
from quotes.store import open_db, save

# --- extraction -------------------------------------------------------------------------------

QUOTE_MARKS = "\"'“”‘’«»„‚‹›「」"
ODD_SPACE = "\x0b\x0c\x1c\x1f\x85\u00a0\u2028\u2029\u3000"
FRAGMENTS = [
    "Peskov said ",
    ' said. "',
    '," he said.',
    "According to Reuters, ",
    "Dmitry Peskov told reporters that ",
    "the Kremlin denied that ",
    ", citing sources.",
    "Mr. Putin",
    " (TASS) ",
    "\n",
    "\n\n",
    " — ",
    "«",
    "»",
    "“",
    "”",
]
# Pieces an adversarial article is made of: phrasing the rules react to, quotation marks and
# white space in any order, arbitrary unicode, and long runs of one character.
PIECES = st.one_of(
    st.sampled_from(FRAGMENTS),
    # With the white space the parser sees as a plain space (`nlp.parse_text`): offsets and
    # texts must still be the article's own.
    st.text(alphabet=QUOTE_MARKS + ODD_SPACE + " \n\t\r\u200babcXYZ.,;:!?-", max_size=30),
    st.text(max_size=40),
    st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(['"', "“", "\n", " ", "a", ".", "é", "\u00a0"]),
        st.integers(min_value=50, max_value=400),
    ),
)
TEXTS = st.lists(PIECES, max_size=25).map("".join)


def mention_ok(text: str, mention: Mention | None) -> bool:
    return mention is None or (
        0 <= mention.start <= mention.end <= len(text)
        and text[mention.start : mention.end] == mention.text
    )


def check(article: Article, quotes: list[Quote]) -> None:
    text = article.text
    for quote in quotes:
        assert quote.spans, quote
        assert all(0 <= s <= e <= len(text) for s, e in quote.spans), quote.spans
        assert quote.content == FRAGMENT_JOINER.join(text[s:e] for s, e in quote.spans)
        assert mention_ok(text, quote.speaker_mention), quote.speaker_mention
        assert mention_ok(text, quote.cue), quote.cue


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=TEXTS)
def test_property_extraction_never_raises_and_offsets_index_the_text(
    nlp: Language, text: str
) -> None:
    article = make_article(text, source="generated")
    ((processed, quotes),) = process([article], nlp_=nlp)
    assert processed is article
    check(article, quotes)


@pytest.mark.parametrize("space", ["\x1f", "\u00a0", "\u2028", "\u3000"])
def test_property_mention_over_odd_white_space_is_its_slice(nlp: Language, space: str) -> None:
    article = make_article(f"{space}Peskov said Peskov said ", source="generated")
    ((_, quotes),) = process([article], nlp_=nlp)
    assert quotes
    check(article, quotes)


def joined(pieces: list[str], *, max_size: int) -> st.SearchStrategy[str]:
    """Texts made of 1 to `max_size` of `pieces`, in any order, with repeats."""
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=max_size).map("".join)


@settings(max_examples=15, deadline=None, database=None)
@given(
    text=joined(
        [
            'Peskov said "we will not comment." ',
            "“No,” Lavrov said, “never.”\n",
            "According to TASS, the talks failed.\n\n",
            '"Unbalanced, said Erdogan.\n',
            "",
        ],
        max_size=40,
    ),
    limit=st.integers(min_value=20, max_value=400),
)
def test_property_pieces_keep_offsets(nlp: Language, text: str, limit: int) -> None:
    """Over `max_length`, an article is parsed in pieces and its offsets still index it."""
    article = make_article(text, source="generated")
    with mock.patch.object(nlp, "max_length", limit):
        ((_, quotes),) = process([article], nlp_=nlp, use_tagger=False)
    check(article, quotes)


# --- entities of a span --------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, database=None)
@given(
    text=joined(
        [
            "Dmitry Peskov told RIA Novosti ",
            "in Moscow on Friday ",
            "that the New York Times ",
            "and Reuters said. ",
            "Recep Tayyip Erdogan ",
            "met Vladimir Putin in Sochi. ",
            "\n",
        ],
        max_size=12,
    ),
)
def test_property_entities_of_a_span_are_its_ents(nlp: Language, text: str) -> None:
    """`nlp.entities`, read from the span's tokens, gives what spaCy's `Span.ents` gives, for
    every span of the text (entities cut by the span's edges left out)."""
    doc = nlp(text)

    def described(ents: Iterable[Any]) -> list[tuple[int, int, str, str, str]]:
        return [(e.start, e.end, e.label_, e.ent_id_, e.kb_id_) for e in ents]

    assert described(quotes_nlp.entities(doc)) == described(doc.ents)
    for start, end in itertools.combinations(range(len(doc) + 1), 2):
        span = doc[start:end]
        assert described(quotes_nlp.entities(span)) == described(span.ents), (start, end)


# --- find: gathering and sorting vs walking newest first ---------------------------------------

SPEAKERS = [
    "Dmitry Peskov",
    "Дмитрий Песков",
    "Recep Tayyip Erdoğan",
    "İlham Aliyev",
    "Jürgen Straße",
    "Maria Zakharova",
    "Anonymous officials",
]
OUTLETS = ["TASS", "Interfax", "RIA Novosti", "Reuters", "Österreich Presse"]
# fmt: off
WORDS = [
    "talks", "sanctions", "missiles", "gas", "pipeline", "ceasefire", "grain", "deal", "border",
    "summit", "visit",
]
# fmt: on
NEEDLES = [
    "peskov",
    "ПЕСКОВ",
    "песков",
    "erdoğan",
    "ERDOĞAN",
    "i̇lham",
    "ilham",
    "strasse",
    "STRASSE",
    "straße",
    "a",
    "%",
    "_",
    "zz",
    "Tass",
    "ria",
    "ÖSTERREICH",
    "österreich",
]


@pytest.fixture(scope="module")
def find_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    """About 400 quotes over 80 articles (some undated), written through `store.save`."""
    db = open_db(tmp_path_factory.mktemp("find") / "quotes.db")
    counter = itertools.count()
    results: list[tuple[Article, list[Quote]]] = []
    for a in range(80):
        published = None if a % 9 == 0 else f"2024-{1 + a % 12:02d}-{1 + a % 27:02d}"
        if a % 5 == 0 and published:
            published += "T10:00:00"
        article = Article(
            id=f"a{a:03d}",
            text="x" * 2000,
            source="generated",
            published=published,
            outlet=OUTLETS[a % len(OUTLETS)],
        )
        quotes = []
        for q in range(1 + a % 9):
            n = next(counter)
            content = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7, 11)[: 1 + n % 4])
            chain = tuple(OUTLETS[(n + k) % len(OUTLETS)] for k in range(n % 3))
            speaker = SPEAKERS[n % len(SPEAKERS)]
            quotes.append(
                Quote(
                    article_id=article.id,
                    source="generated",
                    content=content,
                    spans=((q * 100, q * 100 + 50),),
                    kind=("direct", "indirect", "mixed")[n % 3],
                    speaker=speaker,
                    speaker_kind="person",
                    speaker_mention=Mention(speaker.split()[-1], q * 100 + 60, q * 100 + 70),
                    cited_outlet=chain[-1] if chain else None,
                    cited_chain=chain,
                )
            )
        results.append((article, quotes))
    save(db, results)
    yield db
    db.close()


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "speaker": st.sampled_from(NEEDLES),
        "outlet": st.sampled_from(NEEDLES),
        "cited": st.sampled_from(NEEDLES),
        "kind": st.sampled_from(["direct", "indirect", "mixed"]),
        "text": st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
        "since": st.sampled_from(["2024-03-01", "2024-06-15", "2024-12-31"]),
        "until": st.sampled_from(["2024-03-01", "2024-06-30", "2024-10-05"]),
    },
)


def by_every_plan(db: sqlite_utils.Database, **kwargs: Any) -> list[list[dict[str, Any]]]:
    """`find`'s answer gathering and sorting, walking with listed text matches, and walking
    with the text checked quote by quote."""
    answers = []
    for dense, listed in ((10**9, 10**9), (0, 10**9), (0, 0)):
        with (
            mock.patch.object(query, "DENSE", dense),
            mock.patch.object(query, "LISTED_TEXT_MAX", listed),
        ):
            answers.append(query.find(db, **kwargs))
    return answers


@settings(max_examples=80, deadline=None, database=None)
@given(
    filters=FILTERS,
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
    offset=st.integers(min_value=0, max_value=5),
)
def test_property_find_same_answer_whichever_plan(
    find_db: sqlite_utils.Database, filters: dict[str, Any], limit: int | None, offset: int
) -> None:
    gathered, walked, checked = by_every_plan(find_db, **filters, limit=limit, offset=offset)
    assert walked == gathered
    assert checked == gathered


@pytest.mark.parametrize("needle", NEEDLES)
def test_property_find_speaker_matches_as_casefold(
    find_db: sqlite_utils.Database, needle: str
) -> None:
    """Name matching is `needle.casefold() in name.casefold()`, also for non-ASCII names."""
    found = {q["speaker"] for q in query.find(find_db, speaker=needle, limit=None)}
    aliases = {s: {s, s.split()[-1]} for s in SPEAKERS}
    expected = {
        s for s, names in aliases.items() if any(needle.casefold() in n.casefold() for n in names)
    }
    assert found == expected


def test_property_find_db_is_on_disk(find_db: sqlite_utils.Database) -> None:
    # The plans differ only on a real file with the m004 indexes.
    assert Path(str(find_db.execute("pragma database_list").fetchone()[2])).exists()
    assert "articles_newest" in {i.name for i in find_db.table("articles").indexes}
