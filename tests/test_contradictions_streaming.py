"""Contradiction detection reading its quotes as a stream: same pairs as from a list, little memory.

`find_contradictions` reads its input a few times over and keeps only the denials. These tests
check that this changes nothing: on a generated corpus with every case the pairing knows (names,
numbers, titles, cited outlets, anaphoric and targeted denials, same-article pairs, duplicates,
speaker phrases, missing polarity), a list, a re-iterable, a one-shot iterator and the database
all give exactly the pairs the list-based matcher gave before streaming (its fingerprint below).
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quotes import pipeline, query
from quotes.contradictions import find_contradictions, polarity
from quotes.models import Article, Mention, Quote
from quotes.store import open_db, save

# The output of `find_contradictions(corpus())` before it streamed (quotes/contradictions.py as
# of issue 6, list-based): its stats and the SHA-256 of its pairs as `_fingerprint` writes them.
# Changing how pairs are scored or explained changes it: print `_fingerprint(...)` to renew it.
EXPECTED_STATS = {
    "quotes": 2949,
    "claims": 2517,
    "denials": 432,
    "candidates_scored": 3414,
    "pairs": 291,
}
EXPECTED_SHA256 = "8aae395dcf54dc223159e613cdbc95bc594274a00d5b667c047cd0d8852bd39e"

_OUTLETS = ["Reuters", "Bloomberg", "Tass", "AFP", "Daily Planet", "The Courier", "Kyiv Post"]
_LINKS = ["the", "will", "to", "of", "a", "in", "for", "and", "with", "on"]
_DENIAL_CUES = ["denied", "rejected claims", "dismissed", "said"]


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(n)]


def corpus(n: int = 3000, seed: int = 6) -> list[dict[str, Any]]:
    """`n` quote dicts shaped as `query.find` returns them, six to an article."""
    rng = random.Random(seed)
    names = [w.capitalize() for w in _words(rng, 120)]
    topic = _words(rng, 500)
    speakers = [f"{rng.choice(names)} {rng.choice(names)}" for _ in range(80)]
    # Zipf-like: the first topic words are in many quotes, so blocking leaves them out.
    weights = [1 / (rank + 1) for rank in range(len(topic))]
    quotes: list[dict[str, Any]] = []
    for i in range(n):
        article = i // 6
        if i % 6 == 0:
            title = " ".join(rng.choices(topic, weights, k=4) + rng.sample(names, 1)).title()
            if rng.random() < 0.2:
                title = f"{rng.choice(names)} denies {rng.choice(_OUTLETS)} report"
            published = f"2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
            publisher = rng.choice(_OUTLETS)
        if quotes and rng.random() < 0.01:
            quotes.append(dict(rng.choice(quotes)))  # the same quote twice
            continue
        words = rng.sample(names, 2) + rng.choices(topic, weights, k=5)
        if rng.random() < 0.2:
            words.append(str(rng.randrange(2, 900)))
        words += rng.sample(_LINKS, 3)
        rng.shuffle(words)
        content, cue = " ".join(words), "said"
        denies = rng.random() < 0.15
        if denies:
            content, cue = _denial(content, rng)
        start = (i % 6) * 400
        speaker = rng.choice(speakers)
        cited = rng.choice(_OUTLETS) if rng.random() < 0.3 else None
        quote: dict[str, Any] = {
            "id": f"q{i:05d}",
            "article_id": f"a{article:04d}",
            "content": content,
            "spans": [[start, start + len(content)]],
            "cue": {
                "text": cue,
                "start": start + len(content) + 1,
                "end": start + len(content) + 9,
            },
            "speaker": speaker,
            "speaker_mention": {
                "text": speaker,
                "start": start + len(content) + 10,
                "end": start + 390,
            },
            "cited_outlet": cited,
            "cited_chain": [cited] if cited else [],
            "publisher": publisher,
            "title": title,
            "published": None if rng.random() < 0.03 else published,
        }
        if rng.random() < 0.9:
            quote["polarity"] = "denies" if denies else "asserts"
        if rng.random() < 0.02:
            # A phrase that only names the next quote's speaker ("officials close to ...").
            quote["spans"] = [[start + 400 + len(content) + 12, start + 400 + len(content) + 20]]
        quotes.append(quote)
    return quotes


def _denial(content: str, rng: random.Random) -> tuple[str, str]:
    """A denying statement about `content`, and its cue."""
    roll = rng.random()
    if roll < 0.35:
        return content, rng.choice(_DENIAL_CUES[:3])
    if roll < 0.6:
        return "it is not true that " + content, "said"
    if roll < 0.75:
        return f"no such {content.split()[-1]} was raised", "stated"
    if roll < 0.9:
        return f"the {rng.choice(_OUTLETS)} report about {content} is false", "said"
    return "these reports are false", "told reporters"


def _fingerprint(pairs: list[dict[str, Any]]) -> str:
    text = json.dumps(pairs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Again:
    """A re-iterable over the quotes that hands out fresh dicts on each pass, as a database does."""

    def __init__(self, quotes: list[dict[str, Any]]) -> None:
        self.quotes = quotes

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (dict(quote) for quote in self.quotes)


def test_streamed_pairs_equal_the_list_based_matcher() -> None:
    quotes = corpus()
    stats: dict[str, int] = {}
    pairs = find_contradictions(quotes, stats=stats)
    assert stats == EXPECTED_STATS
    assert _fingerprint(pairs) == EXPECTED_SHA256
    for stream in (_Again(quotes), iter(quotes), (dict(q) for q in quotes)):
        assert find_contradictions(stream) == pairs


def test_stream_window_and_min_score_as_for_a_list() -> None:
    quotes = corpus(1200, seed=11)
    for options in ({"window_days": 0}, {"window_days": 400, "min_score": 0.0}):
        expected = find_contradictions(quotes, **options)
        assert find_contradictions(_Again(quotes), **options) == expected


def _as_articles(quotes: list[dict[str, Any]]) -> list[tuple[Article, list[Quote]]]:
    """The quote dicts as `store.save` takes them, grouped by article."""
    found: dict[str, tuple[Article, list[Quote]]] = {}
    for q in quotes:
        if q["article_id"] not in found:
            article = Article(
                id=q["article_id"],
                text=f"The text of {q['article_id']}.",
                source=f"{q['article_id']}.txt",
                title=q["title"],
                outlet=q["publisher"],
                published=q["published"],
            )
            found[q["article_id"]] = (article, [])
        spans = tuple((start, end) for start, end in q["spans"])
        if any(spans == quote.spans for quote in found[q["article_id"]][1]):
            continue  # the same quote twice
        cue, mention = q["cue"], q["speaker_mention"]
        quote = Quote(
            article_id=q["article_id"],
            source=f"{q['article_id']}.txt",
            content=q["content"],
            spans=spans,
            kind="indirect",
            cue=Mention(cue["text"], cue["start"], cue["end"]),
            speaker_mention=Mention(mention["text"], mention["start"], mention["end"]),
            speaker=q["speaker"],
            speaker_kind="person",
            cited_outlet=q["cited_outlet"],
            cited_chain=tuple(q["cited_chain"]),
            publisher=q["publisher"],
            polarity=q.get("polarity") or polarity(q["content"], cue["text"]),
        )
        found[q["article_id"]][1].append(quote)
    return list(found.values())


def test_database_quotes_stream_to_the_pairs_of_a_list(tmp_path: Path) -> None:
    """`query.pairing_quotes` reads the database on each pass; the pairs are those of the rows
    `find` returns as a list, and `detect_contradictions` stores them."""
    db = open_db(tmp_path / "stream.db")
    save(db, _as_articles(corpus(1500, seed=3)))
    expected = find_contradictions(query.find(db, limit=None))
    assert len(expected) > 50
    stream = query.pairing_quotes(db)
    assert find_contradictions(stream) == expected
    assert find_contradictions(list(stream)) == expected
    assert pipeline.detect_contradictions(db) == len(expected)
    assert not db.conn.in_transaction
    stored = db.execute(
        "select claim_quote_id, denial_quote_id, score, reason from contradictions"
    ).fetchall()
    keys = ("claim_quote_id", "denial_quote_id", "score", "reason")
    assert sorted(stored) == sorted(tuple(pair[k] for k in keys) for pair in expected)
