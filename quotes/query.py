"""The read side: find quotes, look one up, list speakers, outlets and contradictions.

Every value reaches SQL as a bound parameter. Each quote comes back as a dict with the fields of
`Quote.to_dict()` (the output contract of `quotes extract`) plus the article's `title`, `url`
and `published`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlite_utils

from .errors import NotFound

# The joins every quote row needs; `_quote_dict` turns one row into the output shape.
QUOTE_COLUMNS = """
  quotes.id, quotes.article_id, articles.source, quotes.content, quotes.spans, quotes.kind,
  quotes.cue, quotes.cue_start, quotes.cue_end,
  quotes.speaker_mention, quotes.speaker_start, quotes.speaker_end,
  speakers.name as speaker, speakers.kind as speaker_kind, speakers.title as speaker_title,
  cited.name as cited_outlet, quotes.cited_chain, publisher.name as publisher,
  quotes.polarity, quotes.confidence,
  articles.title, articles.url, articles.published"""
QUOTE_FROM = """
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
"""
QUOTE_SELECT = "select" + QUOTE_COLUMNS + QUOTE_FROM

# Newest first; undated articles last; then reading order within an article.
QUOTE_ORDER = (
    "order by articles.published is null, articles.published desc, quotes.article_id, quotes.start"
)

# Speakers (or outlets) whose name or any alias contains :param, case-insensitively.
SPEAKER_IDS = """(
  select id from speakers where quotes_icontains(name, :{param})
  union select speaker_id from speaker_aliases where quotes_icontains(alias, :{param})
)"""
OUTLET_IDS = """(
  select id from outlets where quotes_icontains(name, :{param})
  union select outlet_id from outlet_aliases where quotes_icontains(alias, :{param})
)"""

# How many matches an ambiguous id prefix lists.
AMBIGUOUS_SHOWN = 5


def find(
    db: sqlite_utils.Database,
    *,
    speaker: str | None = None,
    outlet: str | None = None,
    cited: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Quotes matching every filter given, newest first.

    `speaker`, `outlet` (publisher) and `cited` match a name or alias by case-insensitive
    substring; `kind` is exact; `text` is a full-text search where every word must appear (any
    string is safe); `since` and `until` are inclusive ISO dates on the publication date.
    """
    where: list[str] = []
    params: dict[str, Any] = {"limit": -1 if limit is None else limit, "offset": offset}
    if speaker:
        where.append("quotes.speaker_id in " + SPEAKER_IDS.format(param="speaker"))
        params["speaker"] = speaker
    if outlet:
        where.append("articles.publisher_id in " + OUTLET_IDS.format(param="outlet"))
        params["outlet"] = outlet
    if cited:
        # Anywhere in the chain: `--cited TASS` finds what TASS had from Interfax.
        where.append(
            "quotes.id in (select quote_id from quote_outlets where outlet_id in "
            + OUTLET_IDS.format(param="cited")
            + ")"
        )
        params["cited"] = cited
    if kind:
        where.append("quotes.kind = :kind")
        params["kind"] = kind
    match = fts_query(text or "")
    if match:
        where.append("quotes.rowid in (select rowid from quotes_fts where quotes_fts match :match)")
        params["match"] = match
    where.extend(_date_filters(since, until, params))
    sql = QUOTE_SELECT + _where(where) + QUOTE_ORDER + " limit :limit offset :offset"
    return _quotes(db, sql, params)


def fts_query(text: str) -> str:
    """An FTS5 query matching rows holding every word of `text`, with no operators.

    Each word becomes a quoted string, so `AND`, `*`, `"` or `)` are searched for, not obeyed.

    >>> fts_query("no such issue")
    '"no" "such" "issue"'
    """
    return " ".join('"' + term.replace('"', '""') + '"' for term in text.split())


def get_quote(db: sqlite_utils.Database, quote_id: str) -> dict[str, Any]:
    """One quote by id or unique id prefix, with `text`, the full article text.

    Raises `NotFound` when nothing matches or the prefix matches several quotes.
    """
    # Ids are lower-case hex; a range on the primary key finds a prefix without a scan.
    prefix = quote_id.strip().lower()
    if not prefix:
        raise NotFound("No quote id given")
    sql = (
        f"select {QUOTE_COLUMNS}, articles.text {QUOTE_FROM}"
        + "where quotes.id >= :prefix and quotes.id < :prefix || char(1114111)"
        + " order by quotes.id limit :shown"
    )
    rows = _quotes(db, sql, {"prefix": prefix, "shown": AMBIGUOUS_SHOWN + 1})
    if not rows:
        raise NotFound(f"No quote with id {quote_id!r}")
    if len(rows) > 1:
        shown = ", ".join(row["id"][: len(prefix) + 4] for row in rows[:AMBIGUOUS_SHOWN])
        more = " and more" if len(rows) > AMBIGUOUS_SHOWN else ""
        raise NotFound(f"Quote id {quote_id!r} is ambiguous: it starts {shown}{more}")
    return rows[0]


def speakers(db: sqlite_utils.Database, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Speakers with their kind, title, number of quotes and aliases, most quoted first."""
    sql = """
    select
      speakers.name, speakers.kind, speakers.title,
      (select count(*) from quotes where quotes.speaker_id = speakers.id) as quotes,
      (select json_group_array(alias) from speaker_aliases
        where speaker_id = speakers.id and alias != speakers.name) as aliases
    from speakers
    order by quotes desc, speakers.name
    limit :limit
    """
    rows = db.query(sql, {"limit": -1 if limit is None else limit})
    return [{**row, "aliases": sorted(json.loads(row["aliases"]))} for row in rows]


def outlets(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Outlets with kind, domain, aliases, articles published and quotes citing them."""
    sql = """
    select
      outlets.name, outlets.kind, outlets.domain,
      (select count(*) from articles where articles.publisher_id = outlets.id) as articles,
      (select count(distinct quote_id) from quote_outlets
        where quote_outlets.outlet_id = outlets.id) as cited,
      (select json_group_array(alias) from outlet_aliases
        where outlet_id = outlets.id) as aliases
    from outlets
    order by articles + cited desc, outlets.name
    """
    return [{**row, "aliases": sorted(json.loads(row["aliases"]))} for row in db.query(sql)]


def contradictions(
    db: sqlite_utils.Database,
    *,
    speaker: str | None = None,
    since: str | None = None,
    min_score: float = 0.0,
    with_text: bool = False,
) -> list[dict[str, Any]]:
    """Stored claim/denial pairs, best score first, each with both quotes in full.

    `speaker` keeps pairs where either side's speaker matches (name or alias, substring);
    `since` keeps pairs where either article was published on or after that ISO date.
    `with_text` adds each quote's article `text`, from which a report takes its context.
    """
    where = ["contradictions.score >= :min_score"]
    params: dict[str, Any] = {"min_score": min_score}
    if speaker:
        ids = SPEAKER_IDS.format(param="speaker")
        where.append(f"(claim.speaker_id in {ids} or denial.speaker_id in {ids})")
        params["speaker"] = speaker
    if since:
        params["since"] = _iso_date(since, "since")
        where.append("(claim_article.published >= :since or denial_article.published >= :since)")
    sql = (
        """
    select contradictions.id, claim_quote_id, denial_quote_id, score, reason
    from contradictions
      join quotes as claim on claim.id = contradictions.claim_quote_id
      join quotes as denial on denial.id = contradictions.denial_quote_id
      join articles as claim_article on claim_article.id = claim.article_id
      join articles as denial_article on denial_article.id = denial.article_id
    """
        + _where(where)
        + "order by score desc, contradictions.id"
    )
    _register_functions(db)
    pairs = list(db.query(sql, params))
    quotes = _quotes_by_id(
        db,
        {p["claim_quote_id"] for p in pairs} | {p["denial_quote_id"] for p in pairs},
        with_text=with_text,
    )
    return [
        {
            "id": pair["id"],
            "claim": quotes[pair["claim_quote_id"]],
            "denial": quotes[pair["denial_quote_id"]],
            "score": pair["score"],
            "reason": pair["reason"],
        }
        for pair in pairs
    ]


def stats(db: sqlite_utils.Database) -> dict[str, int]:
    """How many articles, quotes, speakers, outlets and contradictions are stored."""
    names = ("articles", "quotes", "speakers", "outlets", "contradictions")
    return {name: db.execute(f"select count(*) from [{name}]").fetchone()[0] for name in names}


def _where(clauses: list[str]) -> str:
    return ("where " + "\n  and ".join(clauses) + "\n") if clauses else ""


def _date_filters(since: str | None, until: str | None, params: dict[str, Any]) -> list[str]:
    clauses = []
    if since:
        params["since"] = _iso_date(since, "since")
        clauses.append("articles.published >= :since")
    if until:
        params["until"] = _iso_date(until, "until")
        # Compare only as much of `published` as `until` gives, so that `until=2024-03-01`
        # keeps an article published at 2024-03-01T18:00.
        clauses.append("substr(articles.published, 1, length(:until)) <= :until")
    return clauses


def _iso_date(value: str, name: str) -> str:
    value = value.strip()
    try:
        datetime.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"{name} must be an ISO date such as 2024-03-01, got {value!r}") from e
    return value


def _icontains(haystack: str | None, needle: str | None) -> bool:
    # SQLite's LIKE folds ASCII only; casefold also matches `ПЕСКОВ` to `Песков`.
    if not haystack or not needle:
        return False
    return needle.casefold() in haystack.casefold()


def _register_functions(db: sqlite_utils.Database) -> None:
    # Registers once per connection; later calls are no-ops.
    db.register_function(_icontains, deterministic=True, name="quotes_icontains")


def _quotes(db: sqlite_utils.Database, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    _register_functions(db)
    return [_quote_dict(row) for row in db.query(sql, params)]


def _quotes_by_id(
    db: sqlite_utils.Database, ids: Iterable[str], *, with_text: bool = False
) -> dict[str, dict[str, Any]]:
    # json_each binds a whole list as one parameter.
    columns = QUOTE_COLUMNS + (", articles.text" if with_text else "")
    sql = f"select {columns} {QUOTE_FROM} where quotes.id in (select value from json_each(:ids))"
    return {row["id"]: row for row in _quotes(db, sql, {"ids": json.dumps(sorted(ids))})}


def _quote_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A joined quote row in the output shape: JSON decoded, mentions as nested dicts."""
    quote = dict(row)
    quote["spans"] = [list(span) for span in json.loads(row["spans"])]
    quote["cited_chain"] = json.loads(row["cited_chain"]) if row["cited_chain"] else []
    quote["cue"] = _mention(quote.pop("cue"), quote.pop("cue_start"), quote.pop("cue_end"))
    quote["speaker_mention"] = _mention(
        quote.pop("speaker_mention"), quote.pop("speaker_start"), quote.pop("speaker_end")
    )
    return quote


def _mention(text: str | None, start: int | None, end: int | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {"text": text, "start": start, "end": end}
