"""The write side: open a database, save articles with their quotes, merge speakers.

Writes go through sqlite-utils' verbs (`insert`, `upsert_all`, `lookup`); each batch of articles
is one transaction, so an interrupted ingest leaves whole articles or none.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote as quote_path

import sqlite_utils
from sqlite_utils.db import Table
from sqlite_utils.utils import hash_record

from . import lexicons
from .errors import DatabaseError
from .migrations import migrations
from .models import Article, Mention, Quote

# The columns hashed into a quote's id: the same article and spans always give the same id.
QUOTE_ID_COLUMNS = ("article_id", "spans")
CONTRADICTION_ID_COLUMNS = ("claim_quote_id", "denial_quote_id")

# A pronoun names nobody on its own: it is a speaker mention, not an alias worth keeping.
# fmt: off
PRONOUNS = frozenset({
    "i", "me", "my", "we", "us", "our", "you", "he", "him", "his", "she", "her", "hers",
    "it", "its", "they", "them", "their", "this", "that",
})
# fmt: on


# How long one statement waits for another process's write lock before SQLite gives up (the
# busy timeout), and how many times a write transaction that could not start is tried again,
# with backoff, after that: concurrent ingests into one database queue rather than fail.
BUSY_TIMEOUT = 30.0
WRITE_RETRIES = 5


@dataclass(slots=True)
class SaveStats:
    """What `save` did: articles written, articles already stored, quotes written.

    `articles_updated` counts the articles written in place of a stored version with the same
    URL; `articles_new` the others written.
    """

    articles_new: int = 0
    articles_skipped: int = 0
    quotes: int = 0
    articles_updated: int = 0


def open_db(path: str | Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (or create) a quotes database: WAL mode, foreign keys on, migrations applied.

    Raises `DatabaseError` when the file is missing (with `create=False`), is not SQLite, or
    holds tables that clash with the quotes schema.
    """
    path = Path(path)
    if not path.exists() and not create:
        raise DatabaseError(f"No database at {path}; run `quotes ingest` first")
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    try:
        db = sqlite_utils.Database(sqlite3.connect(path, timeout=BUSY_TIMEOUT))
    except sqlite3.Error as e:
        raise DatabaseError(f"Cannot open database {path}: {e}") from e
    try:
        _check_quotes_db(db, path)
        _retrying(db.enable_wal)
        db.execute("PRAGMA foreign_keys = ON")
        if migrations.pending(db):
            # One process migrates at a time; the others wait, then find nothing pending.
            with write(db):
                migrations.apply(db)
    except sqlite3.Error as e:
        db.close()
        if _busy(e):
            raise DatabaseError(f"{path} is busy: another process kept it locked ({e})") from e
        raise DatabaseError(f"{path} is not a quotes database: {e}") from e
    except DatabaseError:
        db.close()
        raise
    return db


def open_existing(path: str | Path, *, write: bool = False) -> sqlite_utils.Database:
    """Open a quotes database that exists and is up to date, never creating or migrating it.

    What every command but `ingest` uses. With `write` off the file is opened read-only
    (`mode=ro`), so reading it leaves it byte-identical. Raises `DatabaseError` when the file is
    missing, is not SQLite, is not a quotes database, or needs migrating (which `quotes ingest`
    does).
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"No database at {path}; run `quotes ingest` first")
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    try:
        mode = "rw" if write else "ro"
        conn = sqlite3.connect(f"file:{quote_path(str(path.resolve()))}?mode={mode}", uri=True)
        db = sqlite_utils.Database(conn)
    except sqlite3.Error as e:
        raise DatabaseError(f"Cannot open database {path}: {e}") from e
    try:
        if not _check_quotes_db(db, path):
            raise DatabaseError(f"{path} is an empty SQLite file, not a quotes database")
        pending = migrations.pending(db)
        if pending:
            raise DatabaseError(
                f"{path} was made by an older quotes and needs upgrading"
                f" ({', '.join(m.name for m in pending)}): run `quotes ingest` on it"
            )
        if write:
            db.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as e:
        db.close()
        raise DatabaseError(f"{path} is not a quotes database: {e}") from e
    except DatabaseError:
        db.close()
        raise
    return db


def _check_quotes_db(db: sqlite_utils.Database, path: Path) -> bool:
    """True for a quotes database, False for an empty one; raises for any other SQLite file.

    Reads only: a file that is not ours is never changed.
    """
    tables = db.table_names()
    if not tables:
        return False
    if migrations.applied(db):
        return True
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    raise DatabaseError(f"{path} is not a quotes database (it holds other tables: {shown})")


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that holds the write lock from its start (`BEGIN IMMEDIATE`).

    A deferred transaction that reads and then writes fails at once, whatever the busy
    timeout, when another process wrote in between; taking the lock first makes it wait
    instead. Starting is retried with backoff (`WRITE_RETRIES`) while the database is busy.
    Inside a transaction already open, this is a savepoint of it (`db.atomic`).
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    _retrying(lambda: db.execute("BEGIN IMMEDIATE"))
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _busy(error: sqlite3.Error) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _retrying(call: Any) -> Any:
    """`call()`, tried again with growing random waits while the database is busy."""
    for attempt in range(WRITE_RETRIES + 1):
        try:
            return call()
        except sqlite3.OperationalError as e:
            if not _busy(e) or attempt == WRITE_RETRIES:
                raise
            time.sleep(random.uniform(0.5, 1.0) * 2**attempt)


def quote_id(article_id: str, spans: Iterable[Iterable[int]]) -> str:
    """The stored id of the quote with these spans in this article (what `save` computes)."""
    record = {"article_id": article_id, "spans": _spans_json(spans)}
    return hash_record(record, QUOTE_ID_COLUMNS)


def save(
    db: sqlite_utils.Database,
    results: Iterable[tuple[Article, list[Quote]]],
    *,
    batch_size: int = 50,
) -> SaveStats:
    """Store articles and their quotes, one transaction per `batch_size` articles.

    An article whose id is already stored is skipped with its quotes, so re-ingesting the same
    input adds nothing. An article with the URL of a stored one (a story updated in place)
    replaces it: the old version's quotes, their contradictions, chains and full-text rows go
    in the same transaction.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    stats = SaveStats()
    # A batch is read in full before its transaction opens, so the slow stages upstream
    # (parsing, extraction) never run while the write lock is held.
    for batch in _batches(results, batch_size):
        with write(db):
            # Ids looked up in this transaction, which no other writer can change under it.
            known = _Known()
            for article, found in batch:
                if _table(db, "articles").count_where("id = ?", [article.id]):
                    stats.articles_skipped += 1
                    continue
                if article.url and _replace_by_url(db, article.url):
                    stats.articles_updated += 1
                else:
                    stats.articles_new += 1
                stats.quotes += _save_article(db, article, found, known)
    return stats


def _replace_by_url(db: sqlite_utils.Database, url: str) -> bool:
    """Delete the stored articles at `url` with everything of theirs; True if there were any.

    Inside the caller's transaction. The full-text rows go with the quotes (the triggers);
    editors' verdicts (`contradiction_reviews`) stay, keyed by quote ids.
    """
    old = [row["id"] for row in _table(db, "articles").rows_where("url = ?", [url], select="id")]
    if not old:
        return False
    ids = json.dumps(old)
    in_old = "(select id from quotes where article_id in (select value from json_each(?)))"
    # No sqlite-utils verb deletes by a subquery.
    db.execute(
        f"delete from contradictions where claim_quote_id in {in_old}"
        f" or denial_quote_id in {in_old}",
        [ids, ids],
    )
    db.execute(f"delete from quote_outlets where quote_id in {in_old}", [ids])
    db.execute("delete from quotes where article_id in (select value from json_each(?))", [ids])
    db.execute("delete from articles where id in (select value from json_each(?))", [ids])
    return True


def speaker_names(db: sqlite_utils.Database) -> list[tuple[str, str | None]]:
    """Every stored speaker as (name, kind), by name."""
    rows = _table(db, "speakers").rows_where(select="name, kind", order_by="name")
    return [(row["name"], row["kind"]) for row in rows]


def merge_speakers(db: sqlite_utils.Database, mapping: dict[str, str]) -> int:
    """Merge each speaker `old_name` into `new_name`, in one transaction; return how many.

    The quotes and aliases of the old row move to the new one (created if missing, taking the
    old kind and title), the old name becomes an alias, and the old row is deleted. Names with
    no stored speaker are ignored.
    """
    merged = 0
    with write(db):
        for old_name, new_name in mapping.items():
            if old_name != new_name and _merge_speaker(db, old_name, new_name):
                merged += 1
    return merged


def save_contradictions(db: sqlite_utils.Database, pairs: Iterable[dict[str, Any]]) -> int:
    """Store claim/denial pairs; the id hashes the two quote ids, so re-running replaces."""
    rows = [
        {
            "claim_quote_id": pair["claim_quote_id"],
            "denial_quote_id": pair["denial_quote_id"],
            "score": float(pair["score"]),
            "reason": pair.get("reason"),
            "group_id": pair.get("group"),
        }
        for pair in pairs
    ]
    with db.atomic():
        if rows:
            _table(db, "contradictions").upsert_all(rows, hash_id_columns=CONTRADICTION_ID_COLUMNS)
    return len(rows)


@dataclass(slots=True)
class _Known:
    """What one transaction has looked up or written: speaker rows as stored (id, kind,
    title), speaker aliases, outlet ids. Saves a query, and sqlite-utils' checks of the table,
    for every quote of a speaker or outlet already seen."""

    speakers: dict[str, tuple[int, str | None, str | None]] = field(default_factory=dict)
    aliases: set[tuple[str, int]] = field(default_factory=set)
    outlets: dict[str, int | None] = field(default_factory=dict)
    # Aliases seen but not yet written: `_save_article` writes them in one statement.
    new_aliases: list[tuple[str, int]] = field(default_factory=list)


def _table(db: sqlite_utils.Database, name: str) -> Table:
    # `db[name]` is typed as Table | View; every name used here is a table.
    return cast(Table, db[name])


def _batches(
    results: Iterable[tuple[Article, list[Quote]]], size: int
) -> Iterator[list[tuple[Article, list[Quote]]]]:
    iterator = iter(results)
    while batch := list(islice(iterator, size)):
        yield batch


def _save_article(
    db: sqlite_utils.Database, article: Article, found: list[Quote], known: _Known
) -> int:
    """Write one article and its quotes (inside the caller's transaction); return the quotes."""
    publisher = article.outlet or next((q.publisher for q in found if q.publisher), None)
    _table(db, "articles").insert(
        {
            "id": article.id,
            "url": article.url,
            "title": article.title,
            "published": article.published,
            "publisher_id": _outlet_id(db, publisher, known),
            "source": article.source,
            "text": article.text,
            "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    rows = [_quote_row(db, article.id, quote, known) for quote in found]
    if known.new_aliases:
        _table(db, "speaker_aliases").insert_all(
            ({"alias": alias, "speaker_id": sid} for alias, sid in known.new_aliases), ignore=True
        )
        known.new_aliases.clear()
    if rows:
        _table(db, "quotes").upsert_all(rows, hash_id_columns=QUOTE_ID_COLUMNS)
        _save_chains(db, article.id, found, known)
    # Two quotes with the same spans share an id: the upsert keeps one row.
    return len({row["spans"] for row in rows})


def _save_chains(
    db: sqlite_utils.Database, article_id: str, found: list[Quote], known: _Known
) -> None:
    """Every outlet of every quote's cited chain, outermost first, into `quote_outlets`."""
    links = [
        {"quote_id": quote_id(article_id, quote.spans), "outlet_id": outlet_id, "position": i}
        for quote in found
        for i, name in enumerate(quote.cited_chain)
        if (outlet_id := _outlet_id(db, name, known)) is not None
    ]
    if links:
        _table(db, "quote_outlets").upsert_all(links, pk=("quote_id", "position"))


def _quote_row(
    db: sqlite_utils.Database, article_id: str, quote: Quote, known: _Known
) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "speaker_id": _speaker_id(db, quote, known),
        **_mention_columns("speaker", quote.speaker_mention, text_column="speaker_mention"),
        **_mention_columns("cue", quote.cue, text_column="cue"),
        "kind": quote.kind,
        "content": quote.content,
        "start": quote.start,
        "end": quote.end,
        "spans": _spans_json(quote.spans),
        "cited_outlet_id": _outlet_id(db, quote.cited_outlet, known),
        "cited_chain": json.dumps(list(quote.cited_chain), ensure_ascii=False),
        "polarity": quote.polarity,
        "confidence": quote.confidence,
        "stance": quote.stance,
    }


def _mention_columns(prefix: str, mention: Mention | None, *, text_column: str) -> dict[str, Any]:
    return {
        text_column: mention.text if mention else None,
        f"{prefix}_start": mention.start if mention else None,
        f"{prefix}_end": mention.end if mention else None,
    }


def _spans_json(spans: Iterable[Iterable[int]]) -> str:
    return json.dumps([list(span) for span in spans])


def _outlet_id(db: sqlite_utils.Database, name: str | None, known: _Known) -> int | None:
    """The id of the outlet called `name`, created on first sight; registry names win."""
    if not name or not name.strip():
        return None
    if name not in known.outlets:
        known.outlets[name] = _lookup_outlet(db, name.strip())
    return known.outlets[name]


def _lookup_outlet(db: sqlite_utils.Database, name: str) -> int:
    entry = lexicons.outlet_index().get(name.lower())
    canonical = entry.name if entry else name
    outlet_id = cast(
        int,
        _table(db, "outlets").lookup(
            {"name": canonical},
            {"kind": entry.kind if entry else "unknown", "domain": entry.domain if entry else None},
        ),
    )
    aliases = {name, *(entry.aliases if entry else ())} - {canonical}
    if aliases:
        # An alias names one outlet: the first outlet to claim it keeps it.
        _table(db, "outlet_aliases").insert_all(
            ({"alias": alias, "outlet_id": outlet_id} for alias in sorted(aliases)), ignore=True
        )
    return outlet_id


def _speaker_id(db: sqlite_utils.Database, quote: Quote, known: _Known) -> int | None:
    """The id of the quote's canonical speaker, created on first sight, with the mention kept."""
    if not quote.speaker:
        return None
    stored = known.speakers.get(quote.speaker)
    if stored is None:
        speaker_id = cast(
            int,
            _table(db, "speakers").lookup(
                {"name": quote.speaker},
                {"kind": quote.speaker_kind or "unknown", "title": quote.speaker_title},
            ),
        )
        row = _table(db, "speakers").get(speaker_id)
        stored = (speaker_id, row["kind"], row["title"])
    known.speakers[quote.speaker] = stored = _filled(
        db, stored, kind=quote.speaker_kind, title=quote.speaker_title
    )
    speaker_id = stored[0]
    mention = quote.speaker_mention
    alias = mention.text.strip() if mention else ""
    if alias and alias.lower() not in PRONOUNS and (alias, speaker_id) not in known.aliases:
        known.aliases.add((alias, speaker_id))
        known.new_aliases.append((alias, speaker_id))
    return speaker_id


def _filled(
    db: sqlite_utils.Database,
    stored: tuple[int, str | None, str | None],
    *,
    kind: str | None,
    title: str | None,
) -> tuple[int, str | None, str | None]:
    """A speaker's row after filling its title and kind where still unknown; never overwrites."""
    speaker_id, stored_kind, stored_title = stored
    updates: dict[str, Any] = {}
    if title and not stored_title:
        updates["title"] = stored_title = title
    if kind and kind != "unknown" and stored_kind in (None, "unknown"):
        updates["kind"] = stored_kind = kind
    if updates:
        _table(db, "speakers").update(speaker_id, updates)
    return speaker_id, stored_kind, stored_title


def _fill_speaker(
    db: sqlite_utils.Database, speaker_id: int, *, kind: str | None, title: str | None
) -> None:
    """Fill a speaker's title and kind when they are still unknown; never overwrite."""
    row = _table(db, "speakers").get(speaker_id)
    _filled(db, (speaker_id, row["kind"], row["title"]), kind=kind, title=title)


def _add_speaker_aliases(
    db: sqlite_utils.Database, speaker_id: int, aliases: Iterable[str]
) -> None:
    _table(db, "speaker_aliases").insert_all(
        ({"alias": alias, "speaker_id": speaker_id} for alias in aliases), ignore=True
    )


def _speaker_row(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    return next(iter(_table(db, "speakers").rows_where("name = ?", [name])), None)


def _merge_speaker(db: sqlite_utils.Database, old_name: str, new_name: str) -> bool:
    """Move everything of speaker `old_name` to `new_name`; False when `old_name` is unknown."""
    old = _speaker_row(db, old_name)
    if old is None:
        return False
    speakers = _table(db, "speakers")
    new_id = cast(
        int,
        speakers.lookup(
            {"name": new_name},
            {"kind": old["kind"], "title": old["title"], "affiliation": old["affiliation"]},
        ),
    )
    _fill_speaker(db, new_id, kind=old["kind"], title=old["title"])
    # No sqlite-utils verb updates many rows by a condition.
    db.execute("update quotes set speaker_id = ? where speaker_id = ?", [new_id, old["id"]])
    aliases = _table(db, "speaker_aliases")
    moved = [row["alias"] for row in aliases.rows_where("speaker_id = ?", [old["id"]])]
    _add_speaker_aliases(db, new_id, sorted({*moved, old_name} - {new_name}))
    aliases.delete_where("speaker_id = ?", [old["id"]])
    speakers.delete(old["id"])
    return True
