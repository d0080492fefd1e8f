"""Acceptance: the seed articles against `seeds/expected.json`, what a careful reader extracts.

Each test collects every per-item failure and reports them all, so a regression says exactly
which attribution broke and how.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import quotes
from quotes import pipeline, query

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXPECTED = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))


def fold(text: str | None) -> str:
    """White space folded to one space, as `expected.json` writes its snippets."""
    return re.sub(r"\s+", " ", text or "").strip()


def alternatives(item: dict[str, Any]) -> set[str]:
    """The speaker names an expected item accepts: its speaker, and any the note allows."""
    names = {item["speaker"].lower()}
    names.update(
        m.lower() for m in re.findall(r"may also be given as '([^']+)'", item.get("note", ""))
    )
    return names


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    db = quotes.open_db(tmp_path_factory.mktemp("seeds") / "seeds.db")
    report = pipeline.ingest(sorted(str(p) for p in SEEDS.glob("*.txt")), db)
    assert report.failures == []
    rows = query.find(db, limit=None)
    for row in rows:
        row["file"] = Path(row["source"]).name
    return rows


def snippet_range(item: dict[str, Any]) -> tuple[int, int] | None:
    """Where the item's snippet stands in its article text (any white space between words)."""
    text = (SEEDS / item["file"]).read_text(encoding="utf-8")
    pattern = r"\s+".join(re.escape(word) for word in item["content_snippet"].split())
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def matches(rows: list[dict[str, Any]], item: dict[str, Any]) -> list[dict[str, Any]]:
    """Stored quotes of the item's file whose content contains or overlaps the snippet."""
    where = snippet_range(item)
    assert where is not None, f"snippet not in its seed file: {describe(item)}"
    start, end = where
    return [
        row
        for row in rows
        if row["file"] == item["file"] and any(s < end and start < e for s, e in row["spans"])
    ]


def best(rows: list[dict[str, Any]], item: dict[str, Any]) -> dict[str, Any] | None:
    """The matching quote whose speaker agrees, else the first match."""
    found = matches(rows, item)
    ok = [r for r in found if (r["speaker"] or "").lower() in alternatives(item)]
    return (ok or found or [None])[0]


def describe(item: dict[str, Any]) -> str:
    return f"{item['file']}: {item['content_snippet']!r}"


def test_seeds_every_attribution_found(stored: list[dict[str, Any]]) -> None:
    missing = [describe(item) for item in EXPECTED["attributions"] if not matches(stored, item)]
    assert missing == [], "quotes not extracted:\n" + "\n".join(missing)


def test_seeds_speakers(stored: list[dict[str, Any]]) -> None:
    wrong = []
    for item in EXPECTED["attributions"]:
        row = best(stored, item)
        got = row["speaker"] if row else "(quote not found)"
        if (got or "").lower() not in alternatives(item):
            wrong.append(f"{describe(item)}: speaker {got!r}, expected {item['speaker']!r}")
    assert wrong == [], (
        f"{len(wrong)} of {len(EXPECTED['attributions'])} speakers wrong:\n" + "\n".join(wrong)
    )


def test_seeds_cited_outlets(stored: list[dict[str, Any]]) -> None:
    wrong = []
    for item in EXPECTED["attributions"]:
        row = best(stored, item)
        if row is not None and row["cited_outlet"] != item["cited_outlet"]:
            got, want = row["cited_outlet"], item["cited_outlet"]
            wrong.append(f"{describe(item)}: cited {got!r}, expected {want!r}")
    assert wrong == [], "\n".join(wrong)


def test_seeds_no_false_quotes(stored: list[dict[str, Any]]) -> None:
    extracted = [
        f"{item['file']}: {item['text']!r} ({item['why']})"
        for item in EXPECTED["not_quotes"]
        for row in stored
        if row["file"] == item["file"] and fold(item["text"]) in fold(row["content"])
    ]
    assert extracted == [], "\n".join(extracted)


def test_seeds_publishers(stored: list[dict[str, Any]]) -> None:
    wrong = []
    for file, publisher in EXPECTED["publishers"].items():
        got = {row["publisher"] for row in stored if row["file"] == file}
        if got and got != {publisher}:
            wrong.append(f"{file}: publisher {sorted(map(str, got))}, expected {publisher!r}")
    assert wrong == [], "\n".join(wrong)


def test_seeds_canonical_speakers(stored: list[dict[str, Any]]) -> None:
    """No stored speaker is a variant of a canonical name (`Vladmir Putin`, `Peskov`)."""
    names = {row["speaker"] for row in stored if row["speaker"]}
    stray = []
    for canonical, variants in EXPECTED["canonical_speakers"].items():
        stray.extend(
            f"{v!r} not merged into {canonical!r}"
            for v in variants
            if v in names and v != canonical
        )
    assert stray == [], "\n".join(stray)


def test_seeds_contradiction(stored: list[dict[str, Any]], tmp_path: Path) -> None:
    db = quotes.open_db(next(Path(p) for p in [tmp_path]) / "c.db")
    pipeline.ingest(sorted(str(p) for p in SEEDS.glob("*.txt")), db)
    pairs = query.contradictions(db)
    missing = []
    for expected in EXPECTED["contradictions"]:
        claim, denial = (
            fold(expected["claim"]["content_snippet"]),
            fold(expected["denial"]["content_snippet"]),
        )
        if not any(
            claim in fold(p["claim"]["content"]) and denial in fold(p["denial"]["content"])
            for p in pairs
        ):
            missing.append(f"claim {claim!r} vs denial {denial!r}")
    assert missing == [], "contradictions not found:\n" + "\n".join(missing)
