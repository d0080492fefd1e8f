"""`find` on a large database: 1,000,000 quotes, 10,000 speakers, 200 outlets.

    .venv/bin/python benchmarks/database.py [--db build/bench-1m.db] [--quotes 1000000] [--runs 21]

The database is generated straight into the quotes schema with sqlite-utils (no spaCy): 100,000
articles over five years, 10 quotes each; speakers, publishers and cited outlets drawn from
Zipf-like distributions, so that a few names carry much of the data as in real news (the top
speaker has about a tenth of all quotes); quote text drawn from a Zipf vocabulary, so that FTS
has common and rare words. A database already at `--db` with the asked size is reused.

Each query runs through `quotes.query.find` (what `quotes find` calls) once to warm up, then
`--runs` times; the median and the slowest are reported, with how many rows matched in all.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlite_utils

from quotes import lexicons, query
from quotes.store import open_db, quote_id

ROOT = Path(__file__).resolve().parent.parent
SEED = 6

# fmt: off
FIRST = [
    "Anna", "Boris", "Carlos", "Dmitry", "Elena", "Farid", "Grace", "Hassan", "Ines", "Jonas",
    "Keiko", "Lars", "Maria", "Nikolai", "Olga", "Pedro", "Qasim", "Rosa", "Sergei", "Tanya",
    "Umar", "Vera", "Wei", "Xenia", "Yusuf", "Zofia", "Ahmed", "Bianca", "Chen", "Dario",
]
SYLLABLES = [
    "ka", "ro", "mi", "sen", "dor", "vel", "tan", "li", "gor", "bas",
    "pe", "chi", "nov", "lin", "ra", "zu", "mar", "kev", "os", "tur",
]
# fmt: on
# Words a statement is made of; rank r is drawn with weight 1/r (a Zipf vocabulary).
VOCABULARY = 20_000
WORDS_PER_QUOTE = (8, 30)


def zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def speaker_names(n: int, rng: random.Random) -> list[str]:
    surnames = sorted(
        {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))).title() for _ in range(n)}
    )
    names: list[str] = []
    for surname, first in zip(surnames, itertools.cycle(FIRST), strict=False):
        names.append(f"{first} {surname}")
    while len(names) < n:
        names.append(f"{rng.choice(FIRST)} {rng.choice(surnames)}-{len(names)}")
    rng.shuffle(names)
    return names[:n]


def outlet_names(n: int) -> list[str]:
    known = [entry.name for entry in lexicons.outlets()][: n // 2]
    return known + [f"Gazette {i:03d}" for i in range(n - len(known))]


def words(n: int, rng: random.Random) -> list[str]:
    """`n` distinct pronounceable words; index 0 is the most common."""
    found: dict[str, None] = {}
    while len(found) < n:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(1, 4)))
        found.setdefault(word, None)
    return list(found)


def build(path: Path, *, quotes: int, speakers: int, outlets: int, per_article: int) -> None:
    rng = random.Random(SEED)
    path.unlink(missing_ok=True)
    db = open_db(path)
    outlet_list = outlet_names(outlets)
    db.table("outlets").insert_all(
        ({"id": i + 1, "name": name, "kind": "unknown"} for i, name in enumerate(outlet_list)),
    )
    names = speaker_names(speakers, rng)
    db.table("speakers").insert_all(
        {"id": i + 1, "name": name, "kind": "person"} for i, name in enumerate(names)
    )
    db.table("speaker_aliases").insert_all(
        {"alias": alias, "speaker_id": i + 1}
        for i, name in enumerate(names)
        for alias in (name, name.split()[-1])
    )
    vocabulary = words(VOCABULARY, rng)
    n_articles = quotes // per_article
    articles = _articles(n_articles, len(outlet_list), rng)
    db.table("articles").insert_all(articles, batch_size=2000)
    speaker_cum = list(itertools.accumulate(zipf_weights(speakers)))
    outlet_cum = list(itertools.accumulate(zipf_weights(outlets)))
    word_cum = list(itertools.accumulate(zipf_weights(VOCABULARY)))
    quote_rows, links = [], []
    start = time.perf_counter()
    for a in range(n_articles):
        article_id = f"a{a:07d}"
        for q in range(per_article):
            spans = [[q * 200, q * 200 + 150]]
            qid = quote_id(article_id, spans)
            cited = rng.random() < 0.3
            chain = (
                [outlet_list[i] for i in _draw(outlet_cum, rng, k=rng.choice((1, 1, 2)))]
                if cited
                else []
            )
            speaker = _draw(speaker_cum, rng)[0] + 1
            content = " ".join(
                vocabulary[i] for i in _draw(word_cum, rng, k=rng.randint(*WORDS_PER_QUOTE))
            )
            quote_rows.append(
                {
                    "id": qid,
                    "article_id": article_id,
                    "speaker_id": speaker,
                    "speaker_mention": names[speaker - 1].split()[-1],
                    "speaker_start": q * 200 + 160,
                    "speaker_end": q * 200 + 170,
                    "cue": "said",
                    "cue_start": q * 200 + 171,
                    "cue_end": q * 200 + 175,
                    "kind": rng.choice(("direct", "indirect", "indirect", "mixed")),
                    "content": content,
                    "start": spans[0][0],
                    "end": spans[0][1],
                    "spans": json.dumps(spans),
                    "cited_outlet_id": outlet_list.index(chain[-1]) + 1 if chain else None,
                    "cited_chain": json.dumps(chain),
                    "polarity": "denies" if rng.random() < 0.08 else "asserts",
                    "confidence": 0.8,
                }
            )
            links += [
                {"quote_id": qid, "outlet_id": outlet_list.index(name) + 1, "position": i}
                for i, name in enumerate(chain)
            ]
        if len(quote_rows) >= 20_000:
            _flush(db, quote_rows, links)
            done = (a + 1) * per_article
            print(f"  {done:,} quotes  {time.perf_counter() - start:5.0f} s", flush=True)
    _flush(db, quote_rows, links)
    db.close()


def _articles(n: int, n_outlets: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    first = date(2020, 1, 1)
    outlet_cum = list(itertools.accumulate(zipf_weights(n_outlets)))
    for a in range(n):
        published = first + timedelta(days=rng.randrange(5 * 365))
        yield {
            "id": f"a{a:07d}",
            "url": f"https://news.example/{a}",
            "title": f"Story {a}",
            "published": published.isoformat(),
            "publisher_id": _draw(outlet_cum, rng)[0] + 1,
            "source": "generated",
            "text": f"Generated article {a}.",
            "ingested_at": "2026-01-01T00:00:00+00:00",
        }


def _draw(cumulative: list[float], rng: random.Random, k: int = 1) -> list[int]:
    """`k` indices drawn with the weights whose running sums are `cumulative`."""
    return rng.choices(range(len(cumulative)), cum_weights=cumulative, k=k)


def _flush(
    db: sqlite_utils.Database, quote_rows: list[dict[str, Any]], links: list[dict[str, Any]]
) -> None:
    with db.atomic():
        db.table("quotes").insert_all(quote_rows, batch_size=2000)
        if links:
            db.table("quote_outlets").insert_all(links, batch_size=5000)
    quote_rows.clear()
    links.clear()


def size_of(path: Path) -> int:
    db = sqlite_utils.Database(path)
    try:
        return int(db.execute("select count(*) from quotes").fetchone()[0])
    finally:
        db.close()


def timed(run: Callable[[], list[dict[str, Any]]], runs: int) -> tuple[float, float, int]:
    """Median and slowest wall time (ms) of `runs` warm calls, and the rows of the last."""
    rows = run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), len(rows)


def queries(db: sqlite_utils.Database, speakers: int) -> list[tuple[str, dict[str, Any]]]:
    """The filters timed: the most quoted speaker, a middling and a rare one; a common, a
    middling and a rare word, two words; the most cited outlet and a rarely cited one."""
    by_quotes = db.execute(
        "select speakers.name, count(*) n from quotes join speakers on speakers.id = speaker_id "
        "group by speaker_id order by n desc"
    ).fetchall()
    cited = db.execute(
        "select outlets.name, count(*) n from quote_outlets join outlets on outlets.id = outlet_id "
        "group by outlet_id order by n desc"
    ).fetchall()
    # The generator drew the speaker names, then the vocabulary: draw them again alike.
    rng = random.Random(SEED)
    speaker_names(speakers, rng)
    vocabulary = words(VOCABULARY, rng)
    rare = min(len(by_quotes), speakers) // 2
    return [
        ("--speaker (top, full name)", {"speaker": by_quotes[0][0]}),
        ("--speaker (rank 100)", {"speaker": by_quotes[99][0]}),
        (f"--speaker (rank {rare + 1}, surname)", {"speaker": by_quotes[rare][0].split()[-1]}),
        ("--text (most common word)", {"text": vocabulary[0]}),
        ("--text (rank 1000 word)", {"text": vocabulary[999]}),
        ("--text (rare word)", {"text": vocabulary[15_000]}),
        ("--text (two words)", {"text": f"{vocabulary[10]} {vocabulary[200]}"}),
        ("--cited (most cited outlet)", {"cited": cited[0][0]}),
        (
            f"--cited (rank {len(cited) * 3 // 4} outlet)",
            {"cited": cited[len(cited) * 3 // 4 - 1][0]},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "build" / "bench-1m.db")
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--speakers", type=int, default=10_000)
    parser.add_argument("--outlets", type=int, default=200)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if not args.db.exists() or size_of(args.db) != args.quotes:
        print(f"building {args.db} ({args.quotes:,} quotes)")
        start = time.perf_counter()
        build(
            args.db,
            quotes=args.quotes,
            speakers=args.speakers,
            outlets=args.outlets,
            per_article=10,
        )
        print(f"built in {time.perf_counter() - start:.0f} s")
    # Opened as `quotes find` opens it: migrations (and their indexes) applied.
    db = open_db(args.db, create=False)
    results = []
    print(f"{'query':34} {'median ms':>10} {'max ms':>8} {'rows':>6}")
    for label, filters in queries(db, args.speakers):
        median, slowest, rows = timed(partial(query.find, db, **filters), args.runs)
        total = len(query.find(db, **filters, limit=None))
        results.append(
            {
                "query": label,
                "filters": filters,
                "median_ms": median,
                "max_ms": slowest,
                "matches": total,
            }
        )
        print(f"{label:34} {median:10.1f} {slowest:8.1f} {total:>6}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
