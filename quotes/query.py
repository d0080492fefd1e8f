"""The read side: find quotes, look one up, list speakers, outlets and contradictions.

Every value reaches SQL as a bound parameter. Each quote comes back as a dict with the fields of
`Quote.to_dict()` (the output contract of `quotes extract`) plus the article's `title`, `url`
and `published`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
  quotes.polarity, quotes.stance, quotes.confidence,
  articles.title, articles.url, articles.published"""
QUOTE_FROM = """
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
"""
QUOTE_SELECT = "select" + QUOTE_COLUMNS + QUOTE_FROM
# The same rows, walked article by article, newest first (see `find`): `cross join` keeps
# `articles` the outer loop, read through its `articles_newest` index in the order below.
QUOTE_WALK = (
    "select"
    + QUOTE_COLUMNS
    + QUOTE_FROM.replace("from quotes\n  join articles", "from articles\n  cross join quotes")
)

# Newest first; undated articles last; then reading order within an article. Both query shapes
# sort alike; the `articles_newest` and `quotes_article_start` indexes (m004) hold this order.
QUOTE_ORDER = (
    "order by articles.published is null, articles.published desc, articles.id, quotes.start,"
    " quotes.id"
)


def name_contains(column: str, param: str) -> str:
    """SQL true when `column` contains `:param`, case-insensitively (`str.casefold`).

    An ASCII name (as long in bytes as in characters) is matched in SQL, where `lower` folds
    ASCII as `casefold` does, against `:param_folded`; only other names go through the Python
    function `quotes_icontains`, which is what makes a search over 10,000 speakers slow.
    """
    return (
        f"(case when length({column}) = length(cast({column} as blob))"
        f" then instr(lower({column}), :{param}_folded) > 0"
        f" else quotes_icontains({column}, :{param}) end)"
    )


# Speakers (or outlets) whose name or any alias contains :param, case-insensitively.
SPEAKER_IDS = f"""(
  select id from speakers where {name_contains("name", "{param}")}
  union select speaker_id from speaker_aliases where {name_contains("alias", "{param}")}
)"""
OUTLET_IDS = f"""(
  select id from outlets where {name_contains("name", "{param}")}
  union select outlet_id from outlet_aliases where {name_contains("alias", "{param}")}
)"""

# How many matches an ambiguous id prefix lists.
AMBIGUOUS_SHOWN = 5

# `find` answers in one of two ways. When a filter matches few quotes, it gathers them and
# sorts them. When every filter matches many, it walks the articles newest first and stops at
# `limit`: sorting 100,000 matches to show 50 would take far longer (docs/benchmarks.md).
# A filter matching fewer quotes than this is selective enough to gather.
DENSE = 2_000
# In the walk, a text matching more quotes than this is checked quote by quote in the full-text
# index, rather than by listing every match first (listing costs per match, checking per quote
# visited: past this many matches, few quotes are visited).
LISTED_TEXT_MAX = 300_000


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
    polarity: str | None = None,
    min_confidence: float | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Quotes matching every filter given, newest first.

    `speaker`, `outlet` (publisher) and `cited` match a name or alias by case-insensitive
    substring (`speaker` also matches how an unresolved speaker is mentioned, such as "a
    Commission spokesperson"); `kind` and `polarity` are exact; `min_confidence` keeps quotes
    attributed at least that surely; `text` is a full-text search where every word must appear
    (any string is safe); `since` and `until` are inclusive ISO dates on the publication date.
    `count` with the same filters says how many there are in all.
    """
    _register_functions(db)
    params: dict[str, Any] = {"limit": -1 if limit is None else limit, "offset": offset}
    clauses, match = _find_clauses(
        db,
        params,
        speaker=speaker,
        outlet=outlet,
        cited=cited,
        kind=kind,
        text=text,
        since=since,
        until=until,
        polarity=polarity,
        min_confidence=min_confidence,
    )
    text_probe = "select 1 from quotes_fts where quotes_fts match :match"
    order = QUOTE_ORDER + " limit :limit offset :offset"
    probes = [c.probe for c in clauses if c.probe]
    if limit is None or any(_count_upto(db, sql, params, DENSE) < DENSE for sql in probes):
        return _quotes(db, QUOTE_SELECT + _where([c.sql for c in clauses]) + order, params)
    # Every filter matches many quotes: walk newest first, checking each quote.
    walk = [c.walk or c.sql for c in clauses]
    if match and _count_upto(db, text_probe, params, LISTED_TEXT_MAX) >= LISTED_TEXT_MAX:
        walk = [
            "exists (select 1 from quotes_fts"
            " where quotes_fts match :match and quotes_fts.rowid = quotes.rowid)"
            if "quotes_fts match" in sql
            else sql
            for sql in walk
        ]
    return _quotes(db, QUOTE_WALK + _where(walk) + order, params)


def count(db: sqlite_utils.Database, **filters: Any) -> int:
    """How many quotes `find` gives with these filters (its keyword arguments) and no limit."""
    _register_functions(db)
    params: dict[str, Any] = {}
    clauses, _ = _find_clauses(db, params, **filters)
    sql = "select count(*)" + QUOTE_FROM + _where([c.sql for c in clauses])
    return int(db.execute(sql, params).fetchone()[0])


def _find_clauses(
    db: sqlite_utils.Database,
    params: dict[str, Any],
    *,
    speaker: str | None = None,
    outlet: str | None = None,
    cited: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    since: str | None = None,
    until: str | None = None,
    polarity: str | None = None,
    min_confidence: float | None = None,
) -> tuple[list[_Clause], str]:
    """`find`'s filters as clauses, their values added to `params`; and the full-text query."""
    clauses: list[_Clause] = []
    if speaker:
        params["speakers"] = _ids(db, SPEAKER_IDS, "speaker", speaker)
        params.update(_name_params("mention", speaker))
        # A speaker the extractor could not name is matched by how the article mentions them.
        clause = (
            "(quotes.speaker_id in (select value from json_each(:speakers))"
            " or (quotes.speaker_id is null and quotes.speaker_mention is not null and "
            + name_contains("quotes.speaker_mention", "mention")
            + "))"
        )
        clauses.append(_Clause(clause, probe=f"select 1 from quotes where {clause}"))
    if outlet:
        params["publishers"] = _ids(db, OUTLET_IDS, "outlet", outlet)
        clause = "articles.publisher_id in (select value from json_each(:publishers))"
        clauses.append(_Clause(clause, probe=f"select 1 {_ARTICLE_QUOTES} where {clause}"))
    if cited:
        # Anywhere in the chain: `--cited TASS` finds what TASS had from Interfax.
        params["cited"] = _ids(db, OUTLET_IDS, "outlet", cited)
        chain = "outlet_id in (select value from json_each(:cited))"
        clauses.append(
            _Clause(
                f"quotes.id in (select quote_id from quote_outlets where {chain})",
                walk="exists (select 1 from quote_outlets"
                f" where quote_outlets.quote_id = quotes.id and {chain})",
                probe=f"select 1 from quote_outlets where {chain}",
            )
        )
    if kind:
        params["kind"] = kind
        clauses.append(_Clause("quotes.kind = :kind"))
    if polarity:
        params["polarity"] = polarity
        clauses.append(_Clause("quotes.polarity = :polarity"))
    if min_confidence is not None:
        params["min_confidence"] = min_confidence
        clauses.append(_Clause("quotes.confidence >= :min_confidence"))
    match = fts_query(text or "")
    if match:
        params["match"] = match
        clauses.append(
            _Clause(
                "quotes.rowid in (select rowid from quotes_fts where quotes_fts match :match)",
                probe="select 1 from quotes_fts where quotes_fts match :match",
            )
        )
    dates = _date_filters(since, until, params)
    if dates:
        clause = " and ".join(dates)
        clauses.append(_Clause(clause, probe=f"select 1 {_ARTICLE_QUOTES} where {clause}"))
    return clauses, match


_ARTICLE_QUOTES = "from articles join quotes on quotes.article_id = articles.id"


@dataclass(frozen=True, slots=True)
class _Clause:
    """A filter of `find`: its SQL; its SQL in the newest-first walk when that differs; and
    a query listing what it matches on its own, when it may be selective."""

    sql: str
    walk: str | None = None
    probe: str | None = None


def _count_upto(db: sqlite_utils.Database, probe: str, params: dict[str, Any], cap: int) -> int:
    """How many rows `probe` gives, counting no further than `cap`."""
    sql = f"select count(*) from ({probe} limit {int(cap)})"
    return int(db.execute(sql, params).fetchone()[0])


def _ids(db: sqlite_utils.Database, ids_sql: str, param: str, value: str) -> str:
    """The ids `ids_sql` selects for a name containing `value`, as a JSON list."""
    sql = "select * from " + ids_sql.format(param=param)
    found = db.execute(sql, _name_params(param, value)).fetchall()
    return json.dumps(sorted(row[0] for row in found))


def _name_params(param: str, value: str) -> dict[str, str]:
    return {param: value, f"{param}_folded": value.casefold()}


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
    verdict: str | None = None,
    with_text: bool = False,
) -> list[dict[str, Any]]:
    """Stored claim/denial pairs, best score first, each with both quotes in full.

    `speaker` keeps pairs where either side's speaker matches (name or alias, substring);
    `since` keeps pairs where either article was published on or after that ISO date.
    `with_text` adds each quote's article `text`, from which a report takes its context.
    `verdict` keeps pairs an editor `confirmed` or `dismissed`, or (`unreviewed`) neither; each
    pair's `review` is the editor's verdict, note and time, or None.
    """
    where = ["contradictions.score >= :min_score"]
    params: dict[str, Any] = {"min_score": min_score}
    if speaker:
        ids = SPEAKER_IDS.format(param="speaker")
        where.append(f"(claim.speaker_id in {ids} or denial.speaker_id in {ids})")
        params.update(_name_params("speaker", speaker))
    if since:
        params["since"] = _iso_date(since, "since")
        where.append("(claim_article.published >= :since or denial_article.published >= :since)")
    if verdict == "unreviewed":
        where.append("review.verdict is null")
    elif verdict:
        params["verdict"] = verdict
        where.append("review.verdict = :verdict")
    sql = (
        """
    select contradictions.id, contradictions.claim_quote_id, contradictions.denial_quote_id,
      score, reason, review.verdict, review.note, review.reviewed_at
    from contradictions
      join quotes as claim on claim.id = contradictions.claim_quote_id
      join quotes as denial on denial.id = contradictions.denial_quote_id
      left join contradiction_reviews as review
        on review.claim_quote_id = contradictions.claim_quote_id
        and review.denial_quote_id = contradictions.denial_quote_id
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
            # An editor's verdict (`quotes contradictions confirm|dismiss`), else None.
            "review": (
                {key: pair[key] for key in ("verdict", "note", "reviewed_at")}
                if pair["verdict"]
                else None
            ),
        }
        for pair in pairs
    ]


class Record(Mapping[str, Any]):
    """A read-only mapping of fixed keys, for many rows at once: one slot, a tuple of values.

    About a tenth of the memory of a dict with the same keys; `pairing_quotes` yields
    hundreds of thousands of them.
    """

    __slots__ = ("_values",)
    KEYS: tuple[str, ...] = ()
    _INDEX: dict[str, int] = {}

    def __init__(self, values: Sequence[Any]) -> None:
        self._values = tuple(values)

    def __init_subclass__(cls) -> None:
        cls._INDEX = {key: i for i, key in enumerate(cls.KEYS)}

    def __getitem__(self, key: str) -> Any:
        return self._values[self._INDEX[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.KEYS)

    def __len__(self) -> int:
        return len(self.KEYS)


class PairingQuote(Record):
    """A stored quote as `contradictions.find_contradictions` reads it."""

    __slots__ = ()
    KEYS = (
        "id",
        "article_id",
        "content",
        "spans",
        "cue",
        "speaker",
        "speaker_mention",
        "cited_outlet",
        "cited_chain",
        "publisher",
        "polarity",
        "published",
        "title",
        "speaker_kind",
        "stance",
    )


class MentionRecord(Record):
    """A speaker mention: `text`, `start`, `end`."""

    __slots__ = ()
    KEYS = ("text", "start", "end")


def pairing_quotes(
    db: sqlite_utils.Database, *, where: str | None = None, params: Sequence[Any] = ()
) -> PairingQuotes:
    """Every stored quote with what contradiction detection reads, compactly, in `find` order.

    `find(db, limit=None)` gives the same fields in dicts with many more; over hundreds of
    thousands of quotes those dicts take gigabytes. Nor are these records held: each iteration
    reads the quotes from the database again (see `PairingQuotes`). `where` (an SQL condition
    over `quotes`, `articles`, `speakers`, with `params`) keeps some of them.
    """
    return PairingQuotes(db, where=where, params=params)


class PairingQuotes(Iterable[PairingQuote]):
    """The stored quotes as `PairingQuote`s, read from the database anew on each iteration.

    Within one iteration the names, titles and dates repeated across quotes are stored once.
    """

    SELECT = f"""
    select quotes.id, quotes.article_id, quotes.content, quotes.spans, quotes.cue,
      speakers.name, quotes.speaker_mention, quotes.speaker_start, quotes.speaker_end,
      cited.name, quotes.cited_chain, publisher.name, quotes.polarity, articles.published,
      articles.title, speakers.kind, quotes.stance
    {QUOTE_FROM}
    """

    def __init__(
        self, db: sqlite_utils.Database, *, where: str | None = None, params: Sequence[Any] = ()
    ) -> None:
        self.db = db
        self.sql = self.SELECT + (f" where {where} " if where else "") + QUOTE_ORDER
        self.params = list(params)

    def __iter__(self) -> Iterator[PairingQuote]:
        shared: dict[Any, Any] = {}

        def once(value: Any) -> Any:
            return shared.setdefault(value, value)

        for row in self.db.execute(self.sql, self.params):
            (qid, article_id, content, spans, cue, speaker, mention, m_start, m_end) = row[:9]
            (cited, chain, publisher, polarity, published, title, kind, stance) = row[9:]
            yield PairingQuote(
                (
                    qid,
                    once(article_id),
                    content,
                    tuple(tuple(span) for span in json.loads(spans)),
                    once(cue),
                    once(speaker),
                    None if mention is None else MentionRecord((mention, m_start, m_end)),
                    once(cited),
                    once(tuple(json.loads(chain))) if chain else (),
                    once(publisher),
                    once(polarity),
                    once(published),
                    once(title),
                    once(kind),
                    once(stance),
                )
            )


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
        # keeps an article published at 2024-03-01T18:00: anything starting with `until` sorts
        # before `until` followed by the last code point. (A range, so the index serves it.)
        clauses.append("articles.published <= :until || char(1114111)")
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
