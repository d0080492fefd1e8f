"""Claim vs denial pairs: one statement says something happened, another says it did not.

The work is split by concept:

- `stance`: what each statement does (claim, denial, reaffirmation, negated assertion);
- `similarity`: key terms, names and outlet names, how alike two statements are;
- `pairing`: denial events, the claims each answers, the score, and which pairs are kept.

This module is the entry point the rest of the package uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import sqlite_utils

from . import pairing
from .models import Polarity
from .pairing import DEFAULT_MIN_SCORE, DEFAULT_WINDOW_DAYS, find_contradictions
from .similarity import key_terms
from .stance import Stance, stance
from .stance import evidence as denial_phrase

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_WINDOW_DAYS",
    "Stance",
    "denial_phrase",
    "detect",
    "find_contradictions",
    "key_terms",
    "polarity",
    "stance",
]


def polarity(content: str, cue: str | None = None) -> Polarity:
    """`denies` for a denial (an act or a truth judgement), else `asserts`.

    >>> polarity("no such issue was raised during the meeting", "stated")
    'denies'
    >>> polarity("the minister will resign", "said")
    'asserts'
    >>> polarity("the plant has not changed its plans", "said")
    'asserts'
    """
    return "denies" if stance(content, cue) == "denial" else "asserts"


# --- over a database, incrementally -------------------------------------------------------------


def detect(
    db: sqlite_utils.Database,
    *,
    full: bool = False,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_score: float = DEFAULT_MIN_SCORE,
    stats: dict[str, int] | None = None,
) -> int:
    """Pair the statements of the articles not paired yet; returns how many pairs it stored.

    Only the new articles' statements are read in full. Their denial events are scored against
    the claims they could answer (their own articles', and stored claims that an outlet they
    name carried or that share terms with them, found through the `pairing_terms` index); and
    the stored denial events within the window that one of the new claims could answer are
    scored again. Each event's pairs replace the ones stored for it, so the database holds
    what `find_contradictions` finds over all its statements at once. `full` forgets what
    was paired and starts over. Safe to interrupt: articles are marked paired at the end, in
    the transaction that writes their pairs, and whatever is left is done by the next run.
    """
    from . import query, store

    if full:
        with store.write(db):
            db.execute("delete from paired_articles")
            db.execute("delete from pairing_terms")
            db.execute("delete from contradictions")
    new_ids = [
        row[0]
        for row in db.execute(
            "select id from articles where id not in (select article_id from paired_articles)"
        )
    ]
    if not new_ids:
        return 0
    new: list[pairing.Statement] = []
    for ids in _chunked(new_ids):
        marks = ",".join("?" * len(ids))
        new += pairing.prepare(
            query.pairing_quotes(db, where=f"quotes.article_id in ({marks})", params=ids)
        )
    new_claims = [s for s in new if s.stance == "claim"]
    events = pairing.denial_events(new)
    affected = [
        e
        for e in _stored_events(db, new, new_ids, window_days)
        if any(pairing.is_candidate(c, e, window_days) for c in new_claims)
    ]
    pairs: list[dict[str, Any]] = []
    groups = [e.id for e in events + affected]
    # Holding the write lock from the start: another ingest's write in between makes it wait.
    with store.write(db):
        db.conn.executemany(
            "insert into pairing_terms (quote_id, terms) values (?, ?)",
            [(c.id, " ".join(sorted(c.terms))) for c in new_claims],
        )
        for event in events + affected:
            candidates = _candidates(db, event, window_days)
            names = pairing.Names(
                _article_statements(db, {c.article_id for c in candidates} | {event.article_id})
            )
            pairs += pairing.event_pairs(
                event, candidates, names, window_days=window_days, min_score=min_score
            )
        for ids in _chunked(groups):
            marks = ",".join("?" * len(ids))
            db.execute(f"delete from contradictions where group_id in ({marks})", ids)
        written = store.save_contradictions(db, pairs)
        db.conn.executemany(
            "insert or replace into paired_articles (article_id) values (?)",
            [(i,) for i in new_ids],
        )
    if stats is not None:
        stats.update(
            articles=len(new_ids), events=len(events), affected=len(affected), pairs=written
        )
    return written


def _chunked(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _window(statements: list[pairing.Statement], window_days: int) -> tuple[str, str] | None:
    dates = [s.published for s in statements if s.published is not None]
    if not dates:
        return None
    span = timedelta(days=window_days)
    return (min(dates) - span).isoformat(), (max(dates) + span).isoformat() + "\uffff"


def _stored_events(
    db: sqlite_utils.Database,
    new: list[pairing.Statement],
    new_ids: list[str],
    window_days: int,
) -> list[pairing.Event]:
    """The denial events of stored articles that new claims could answer: within the window
    of the new articles' dates (or undated, where only a named outlet pairs)."""
    window = _window(new, window_days)
    dated = "articles.published between ? and ?" if window else "0"
    rows = db.execute(
        f"""
        select distinct quotes.article_id
        from quotes join articles on articles.id = quotes.article_id
        where quotes.stance in ('denial', 'negation')
          and ({dated} or articles.published is null or articles.published = '')
          and quotes.article_id not in (select value from json_each(?))
        """,
        [*(window or ()), json.dumps(new_ids)],
    )
    articles = [row[0] for row in rows]
    return pairing.denial_events(_article_statements(db, set(articles)))


def _article_statements(
    db: sqlite_utils.Database, articles: set[str | None]
) -> list[pairing.Statement]:
    from . import query

    ids = sorted(a for a in articles if a)
    out: list[pairing.Statement] = []
    for chunk in _chunked(ids):
        marks = ",".join("?" * len(chunk))
        out += pairing.prepare(
            query.pairing_quotes(db, where=f"quotes.article_id in ({marks})", params=chunk)
        )
    return out


def _candidates(
    db: sqlite_utils.Database, event: pairing.Event, window_days: int
) -> list[pairing.Statement]:
    """Every stored claim `pairing.is_candidate` accepts for `event`: its article's, those an
    outlet it names carried, and those sharing terms with it (`pairing_terms`)."""
    from . import query

    ids: set[str] = set()
    ids.update(
        row[0]
        for row in db.execute("select id from quotes where article_id = ?", [event.article_id])
    )
    if event.targets:
        targets = json.dumps(sorted(event.targets))
        ids.update(
            row[0]
            for row in db.execute(
                f"""
                select quotes.id {query.QUOTE_FROM}
                where lower(cited.name) in (select value from json_each(:t))
                   or lower(publisher.name) in (select value from json_each(:t))
                   or (speakers.kind = 'outlet'
                       and lower(speakers.name) in (select value from json_each(:t)))
                   or quotes.id in (
                     select quote_id from quote_outlets
                       join outlets on outlets.id = quote_outlets.outlet_id
                     where lower(outlets.name) in (select value from json_each(:t)))
                """,
                {"t": targets},
            )
        )
    if event.search_terms:
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in sorted(event.search_terms))
        for quote_id, terms in db.execute(
            "select quote_id, terms from pairing_terms where pairing_terms match ?", [match]
        ):
            if len(set(terms.split()) & event.search_terms) >= 2:
                ids.add(quote_id)
    found: list[pairing.Statement] = []
    ordered = sorted(ids)
    for chunk in _chunked(ordered):
        marks = ",".join("?" * len(chunk))
        found += pairing.prepare(
            query.pairing_quotes(db, where=f"quotes.id in ({marks})", params=chunk)
        )
    return [c for c in found if pairing.is_candidate(c, event, window_days)]
