"""What editors decide: speakers merged or renamed, aliases, verdicts on contradictions.

Every decision is stored in its own table (`editor_aliases`, `contradiction_reviews`, migration
m005), apart from what the pipeline computes, so that later ingests and any recomputation of
contradictions keep it: `apply_aliases` runs after every ingest, and a verdict is keyed by the
two quote ids, which are stable hashes of an article and its spans.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import sqlite_utils
from sqlite_utils.db import Table

from . import store
from .errors import InputError, NotFound, QuotesError

VERDICTS = ("confirmed", "dismissed")
ALIAS_FIELDS = ("alias", "speaker")


class EditError(QuotesError):
    """An editor's change that cannot be made as asked."""


def merge_speaker(db: sqlite_utils.Database, name: str, into: str) -> int:
    """Merge the speaker `name` into `into` (created if missing); return the quotes moved.

    `name` becomes an alias of `into`, now and in every later ingest. Raises `NotFound` when no
    speaker is called `name`.
    """
    name, into = name.strip(), into.strip()
    if not name or not into:
        raise EditError("Both speaker names must be given")
    if name == into:
        raise EditError(f"Cannot merge {name!r} into itself")
    old = _speaker(db, name)
    moved = _quote_count(db, old["id"])
    with db.atomic():
        _remember(db, name, into)
        store.merge_speakers(db, {name: into})
    return moved


def rename_speaker(db: sqlite_utils.Database, name: str, new_name: str) -> None:
    """Rename the speaker `name`; the old name stays an alias, now and in later ingests.

    Raises `NotFound` for an unknown speaker and `EditError` when `new_name` is taken (merge
    the two instead).
    """
    name, new_name = name.strip(), new_name.strip()
    if not new_name:
        raise EditError("The new name must not be empty")
    row = _speaker(db, name)
    if name == new_name:
        return
    if _speaker_or_none(db, new_name) is not None:
        raise EditError(
            f"A speaker called {new_name!r} exists: `quotes speakers merge` joins the two"
        )
    with db.atomic():
        _remember(db, name, new_name)
        _table(db, "speakers").update(row["id"], {"name": new_name})
        _table(db, "speaker_aliases").insert({"alias": name, "speaker_id": row["id"]}, ignore=True)


def import_aliases(db: sqlite_utils.Database, path: str | Path) -> int:
    """Read a CSV of `alias,speaker` rows into the alias list and apply it; return the rows.

    Raises `InputError` for a file that cannot be read or lacks the two columns.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"Cannot read {path}: {e}") from e
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not set(ALIAS_FIELDS) <= set(reader.fieldnames):
        raise InputError(f"{path}: needs a header row with the columns alias,speaker")
    rows = []
    for line, row in enumerate(reader, 2):
        alias, speaker = ((row.get(key) or "").strip() for key in ALIAS_FIELDS)
        if not alias or not speaker:
            raise InputError(f"{path}, line {line}: both alias and speaker are needed")
        rows.append((alias, speaker))
    with db.atomic():
        for alias, speaker in rows:
            _remember(db, alias, speaker)
    apply_aliases(db)
    return len(rows)


def export_aliases(db: sqlite_utils.Database) -> str:
    """The alias list as CSV (`alias,speaker`), as `import_aliases` reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ALIAS_FIELDS)
    for row in aliases(db):
        writer.writerow([row["alias"], row["speaker"]])
    return out.getvalue()


def aliases(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The editors' alias list, by alias."""
    return list(_table(db, "editor_aliases").rows_where(order_by="alias"))


def apply_aliases(db: sqlite_utils.Database) -> int:
    """Make the stored speakers follow the alias list; return how many speakers were merged.

    A speaker stored under an alias is merged into the speaker the alias names, and each alias
    becomes a searchable name of that speaker. `pipeline.ingest` calls this after each run.
    """
    rules = {row["alias"]: row["speaker"] for row in aliases(db)}
    merged = 0
    with db.atomic():
        mapping = {
            alias: _final(rules, speaker)
            for alias, speaker in rules.items()
            if _speaker_or_none(db, alias) is not None and alias != _final(rules, speaker)
        }
        if mapping:
            merged = store.merge_speakers(db, mapping)
        for alias, speaker in rules.items():
            target = _speaker_or_none(db, _final(rules, speaker))
            if target is not None:
                _table(db, "speaker_aliases").insert(
                    {"alias": alias, "speaker_id": target["id"]}, ignore=True
                )
    return merged


def review_contradiction(
    db: sqlite_utils.Database, contradiction_id: str, verdict: str, *, note: str | None = None
) -> dict[str, Any]:
    """Record an editor's verdict (`confirmed` or `dismissed`) on a stored pair.

    `contradiction_id` is a pair's id or a unique prefix of it (reports show the first eight
    characters). The verdict is keyed by the pair's two quote ids, so it stays when detection
    runs again. Returns the review as stored.
    """
    if verdict not in VERDICTS:
        raise EditError(f"A verdict is one of: {', '.join(VERDICTS)}; got {verdict!r}")
    pair = _contradiction(db, contradiction_id)
    review = {
        "claim_quote_id": pair["claim_quote_id"],
        "denial_quote_id": pair["denial_quote_id"],
        "verdict": verdict,
        "note": note,
        "reviewed_at": _now(),
    }
    with db.atomic():
        _table(db, "contradiction_reviews").upsert(review, pk=("claim_quote_id", "denial_quote_id"))
    return {"id": pair["id"], **review}


# --- helpers -------------------------------------------------------------------------------------


def _table(db: sqlite_utils.Database, name: str) -> Table:
    return cast(Table, db[name])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _remember(db: sqlite_utils.Database, alias: str, speaker: str) -> None:
    """Store `alias -> speaker`; names that pointed at `alias` now point at `speaker`."""
    table = _table(db, "editor_aliases")
    table.upsert({"alias": alias, "speaker": speaker, "added_at": _now()}, pk="alias")
    db.execute("update editor_aliases set speaker = ? where speaker = ?", [speaker, alias])
    # A name is never its own alias: renaming back drops the rule.
    table.delete_where("alias = speaker")


def _final(rules: Mapping[str, str], name: str) -> str:
    """Where `name` ends after following the rules (a chain a -> b -> c ends at c)."""
    seen = {name}
    while name in rules and rules[name] not in seen:
        name = rules[name]
        seen.add(name)
    return name


def _speaker_or_none(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    return next(iter(_table(db, "speakers").rows_where("name = ?", [name])), None)


def _speaker(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    row = _speaker_or_none(db, name)
    if row is None:
        raise NotFound(f"No speaker called {name!r} (see `quotes speakers`)")
    return row


def _quote_count(db: sqlite_utils.Database, speaker_id: int) -> int:
    return _table(db, "quotes").count_where("speaker_id = ?", [speaker_id])


def _contradiction(db: sqlite_utils.Database, contradiction_id: str) -> dict[str, Any]:
    prefix = contradiction_id.strip().lower()
    if not prefix:
        raise NotFound("No contradiction id given")
    rows = list(
        db.query(
            "select id, claim_quote_id, denial_quote_id from contradictions"
            " where id >= :p and id < :p || char(1114111) order by id limit 2",
            {"p": prefix},
        )
    )
    if not rows:
        raise NotFound(f"No contradiction with id {contradiction_id!r}")
    if len(rows) > 1:
        raise NotFound(f"Contradiction id {contradiction_id!r} is ambiguous: give more of it")
    return rows[0]
