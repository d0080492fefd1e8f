"""Contradiction detection over a database, a few articles at a time: the pairs of a full run.

`contradictions.detect` reads only the articles not paired yet, and the stored claims and
denials they could concern; these tests check on a generated corpus (names, numbers, titles,
cited outlets, denials of named reports, same-article pairs, duplicates, speaker phrases, missing
stances) that what it stores equals `find_contradictions` over every statement at once, however
the articles arrive.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

from quotes import contradictions, pipeline, query
from quotes.contradictions import find_contradictions, polarity, stance
from quotes.models import Article, Mention, Quote
from quotes.store import open_db, save

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
            stance=_stance(q),
        )
        found[q["article_id"]][1].append(quote)
    return list(found.values())


def _stance(q: dict[str, Any]) -> Any:
    found = stance(q["content"], q["cue"]["text"])
    if q.get("polarity") == "denies" and found != "denial":
        return "denial"
    if q.get("polarity") == "asserts" and found == "denial":
        return "claim"
    return found


KEYS = ("claim_quote_id", "denial_quote_id", "score", "reason", "group")


def _stored(db: Any) -> list[tuple[Any, ...]]:
    rows = db.execute(
        "select claim_quote_id, denial_quote_id, score, reason, group_id from contradictions"
    ).fetchall()
    return sorted(rows)


def test_database_pairs_equal_the_pairs_of_all_quotes_at_once(tmp_path: Path) -> None:
    db = open_db(tmp_path / "all.db")
    save(db, _as_articles(corpus(900, seed=3)))
    expected = find_contradictions(query.find(db, limit=None))
    assert len(expected) > 10
    assert find_contradictions(query.pairing_quotes(db)) == expected
    assert pipeline.detect_contradictions(db) == len(expected)
    assert not db.conn.in_transaction
    assert _stored(db) == sorted(tuple(p[k] for k in KEYS) for p in expected)


def test_incremental_detection_equals_a_full_run(tmp_path: Path) -> None:
    """Articles stored in batches, pairs found after each: the same pairs as one run (a low
    threshold and a wide window, so that many pairs cross articles and batches)."""
    options = {"min_score": 0.01, "window_days": 400}
    articles = _as_articles(corpus(900, seed=5))
    random.Random(1).shuffle(articles)
    once = open_db(tmp_path / "once.db")
    save(once, articles)
    contradictions.detect(once, **options)
    batches = open_db(tmp_path / "batches.db")
    for i in range(0, len(articles), 40):
        save(batches, articles[i : i + 40])
        contradictions.detect(batches, **options)
    stored = _stored(once)
    across = [row for row in stored if "same article" not in row[3]]
    assert len(stored) > 10 and len(across) >= 3  # pairs across articles, which batches split
    assert _stored(batches) == stored


def test_detection_reads_only_what_is_new(tmp_path: Path) -> None:
    articles = _as_articles(corpus(600, seed=8))
    db = open_db(tmp_path / "new.db")
    save(db, articles[:-5])
    pipeline.detect_contradictions(db)
    stats: dict[str, int] = {}
    assert contradictions.detect(db, stats=stats) == 0
    assert stats == {}  # nothing new: nothing read
    save(db, articles[-5:])
    contradictions.detect(db, stats=stats)
    assert stats["articles"] == 5
    before = _stored(db)
    # A full run forgets what was paired and finds the same pairs again.
    contradictions.detect(db, full=True)
    assert _stored(db) == before
