"""The database schema, as named `sqlite_utils.Migrations` steps.

`store.open_db` applies every pending step on each open. Never edit a step that has shipped:
add the next one (`m002_...`), so that existing databases are brought up to date.
"""

from __future__ import annotations

from typing import cast

import sqlite_utils
from sqlite_utils.db import Table

migrations = sqlite_utils.Migrations("quotes")

# One row per statement, with the names joined in, for reading in Datasette.
QUOTE_TRIPLES_SQL = """
select
  quotes.id as quote_id,
  articles.published as published,
  speakers.name as speaker,
  speakers.title as speaker_title,
  quotes.content as content,
  quotes.kind as kind,
  quotes.cue as cue,
  cited.name as cited_outlet,
  publisher.name as publisher,
  articles.title as title,
  articles.url as url,
  quotes.article_id as article_id,
  quotes.start as start,
  quotes."end" as "end"
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
""".strip()


# m002: the same rows and names, the columns a reader wants first, and `quote_rowid`: the full-text
# index is keyed on the rowid of `quotes`, and a view has no rowid of its own, so Datasette's
# search box on the view needs this column (its `fts_pk`).
QUOTE_TRIPLES_V2_SQL = """
select
  articles.published as published,
  speakers.name as speaker,
  speakers.title as speaker_title,
  quotes.content as content,
  quotes.kind as kind,
  quotes.cue as cue,
  cited.name as cited_outlet,
  publisher.name as publisher,
  articles.title as title,
  articles.url as url,
  quotes.id as quote_id,
  quotes.article_id as article_id,
  quotes.start as start,
  quotes."end" as "end",
  quotes.rowid as quote_rowid
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
""".strip()

# One row per contradiction, for reading in Datasette: who claimed what and who denied it come
# first, so that both sides fit on a screen; dates, outlets and links follow.
CONTRADICTION_PAIRS_SQL = """
select
  contradictions.score as score,
  claim.speaker as claim_speaker,
  claim.content as claim,
  denial.speaker as denial_speaker,
  denial.content as denial,
  claim.published as claim_published,
  denial.published as denial_published,
  claim.cited_outlet as claim_cited_outlet,
  claim.publisher as claim_publisher,
  denial.cited_outlet as denial_cited_outlet,
  denial.publisher as denial_publisher,
  claim.title as claim_title,
  denial.title as denial_title,
  claim.url as claim_url,
  denial.url as denial_url,
  contradictions.reason as reason,
  contradictions.id as contradiction_id,
  contradictions.claim_quote_id as claim_quote_id,
  contradictions.denial_quote_id as denial_quote_id
from contradictions
  join quote_triples as claim on claim.quote_id = contradictions.claim_quote_id
  join quote_triples as denial on denial.quote_id = contradictions.denial_quote_id
""".strip()

FTS_TRIGGERS = ("quotes_ai", "quotes_ad", "quotes_au")


def _table(db: sqlite_utils.Database, name: str) -> Table:
    # `db[name]` is typed as Table | View; every name used here is a table.
    return cast(Table, db[name])


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Outlets, speakers, articles, quotes, contradictions, full-text search and `quote_triples`."""
    _create_outlets(db)
    _create_speakers(db)
    _create_articles(db)
    _create_quotes(db)
    _create_contradictions(db)
    db.create_view("quote_triples", QUOTE_TRIPLES_SQL)


def _create_outlets(db: sqlite_utils.Database) -> None:
    outlets = _table(db, "outlets")
    outlets.create({"id": int, "name": str, "kind": str, "domain": str}, pk="id", not_null={"name"})
    # Unique, so `Table.lookup({"name": ...})` finds it and does not add its own index.
    outlets.create_index(["name"], unique=True)
    aliases = _table(db, "outlet_aliases")
    aliases.create(
        {"alias": str, "outlet_id": int},
        pk="alias",
        foreign_keys=[("outlet_id", "outlets", "id")],
        not_null={"outlet_id"},
    )
    aliases.create_index(["outlet_id"])


def _create_speakers(db: sqlite_utils.Database) -> None:
    speakers = _table(db, "speakers")
    speakers.create(
        {"id": int, "name": str, "kind": str, "title": str, "affiliation": str},
        pk="id",
        not_null={"name"},
    )
    speakers.create_index(["name"], unique=True)
    aliases = _table(db, "speaker_aliases")
    aliases.create(
        {"alias": str, "speaker_id": int},
        pk=("alias", "speaker_id"),
        foreign_keys=[("speaker_id", "speakers", "id")],
    )
    aliases.create_index(["speaker_id"])


def _create_articles(db: sqlite_utils.Database) -> None:
    articles = _table(db, "articles")
    articles.create(
        {
            "id": str,
            "url": str,
            "title": str,
            "published": str,
            "publisher_id": int,
            "source": str,
            "text": str,
            "ingested_at": str,
        },
        pk="id",
        foreign_keys=[("publisher_id", "outlets", "id")],
        not_null={"text"},
    )
    articles.create_index(["published"])
    articles.create_index(["publisher_id"])


def _create_quotes(db: sqlite_utils.Database) -> None:
    quotes = _table(db, "quotes")
    quotes.create(
        {
            "id": str,
            "article_id": str,
            "speaker_id": int,
            "speaker_mention": str,
            "speaker_start": int,
            "speaker_end": int,
            "cue": str,
            "cue_start": int,
            "cue_end": int,
            "kind": str,
            "content": str,
            "start": int,
            "end": int,
            "spans": str,
            "cited_outlet_id": int,
            "cited_chain": str,
            "polarity": str,
            "confidence": float,
        },
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("speaker_id", "speakers", "id"),
            ("cited_outlet_id", "outlets", "id"),
        ],
        not_null={"article_id", "kind", "content", "start", "end", "spans"},
    )
    for column in ("speaker_id", "article_id", "cited_outlet_id"):
        quotes.create_index([column])
    quotes.enable_fts(["content"], create_triggers=True, tokenize="porter")


def _create_contradictions(db: sqlite_utils.Database) -> None:
    contradictions = _table(db, "contradictions")
    contradictions.create(
        {
            "id": str,
            "claim_quote_id": str,
            "denial_quote_id": str,
            "score": float,
            "reason": str,
        },
        pk="id",
        foreign_keys=[
            ("claim_quote_id", "quotes", "id"),
            ("denial_quote_id", "quotes", "id"),
        ],
        not_null={"claim_quote_id", "denial_quote_id"},
    )
    contradictions.create_index(["claim_quote_id"])
    contradictions.create_index(["denial_quote_id"])


@migrations()
def m002_browsing(db: sqlite_utils.Database) -> None:
    """`quote_triples` searchable and reader-first, `contradiction_pairs`, FTS triggers checked."""
    # `contradiction_pairs` reads `quote_triples`: drop it first, so the view is rebuilt cleanly.
    db.execute("drop view if exists contradiction_pairs")
    db.create_view("quote_triples", QUOTE_TRIPLES_V2_SQL, replace=True)
    db.create_view("contradiction_pairs", CONTRADICTION_PAIRS_SQL)
    # A database whose triggers or index were dropped (by hand, or by a tool that rebuilt
    # `quotes`) has no index that follows the table: make the index and its triggers anew.
    triggers = {trigger.name for trigger in db.triggers}
    if "quotes_fts" not in db.table_names() or not triggers.issuperset(FTS_TRIGGERS):
        for name in FTS_TRIGGERS:
            db.execute(f"drop trigger if exists {name}")
        _table(db, "quotes").enable_fts(
            ["content"], create_triggers=True, tokenize="porter", replace=True
        )


@migrations()
def m003_quote_outlets(db: sqlite_utils.Database) -> None:
    """`quote_outlets`: every outlet of every quote's cited chain, indexed for `--cited`.

    `quotes.cited_outlet_id` holds only the innermost outlet; a chain `[TASS, Interfax]` needs
    both to be found by either name without scanning JSON in every row.
    """
    db.table("quote_outlets").create(
        {"quote_id": str, "outlet_id": int, "position": int},
        pk=("quote_id", "position"),
        foreign_keys=[("quote_id", "quotes", "id"), ("outlet_id", "outlets", "id")],
        if_not_exists=True,
    )
    db.table("quote_outlets").create_index(["outlet_id"], if_not_exists=True)
    # Existing databases: the chains stored so far, by name.
    db.execute(
        """
        insert or ignore into quote_outlets (quote_id, outlet_id, position)
        select quotes.id, outlets.id, chain.key
        from quotes, json_each(coalesce(quotes.cited_chain, '[]')) as chain
        join outlets on outlets.name = chain.value
        """
    )


@migrations()
def m004_newest_first_indexes(db: sqlite_utils.Database) -> None:
    """Indexes in the order `query.find` reads: articles newest first, quotes by position.

    `articles_newest` holds `find`'s sort order (undated last, then newest, then id), and
    `quotes_article_start` each article's quotes in reading order, so that a filter matching
    many quotes walks articles newest first and stops at the limit instead of sorting every
    match. `quote_outlets_outlet_quote` answers `--cited` from the index alone.
    """
    db.execute(
        "create index if not exists articles_newest"
        " on articles((published is null), published desc, id)"
    )
    db.execute("create index if not exists quotes_article_start on quotes(article_id, start, id)")
    db.execute(
        "create index if not exists quote_outlets_outlet_quote"
        " on quote_outlets(outlet_id, quote_id)"
    )


@migrations()
def m005_issue19_editors(db: sqlite_utils.Database) -> None:
    """What editors decide, kept apart from what detection computes; articles found by URL.

    `contradiction_reviews` holds an editor's verdict on a claim/denial pair, keyed by the two
    quote ids (stable hashes of article id and spans), so a verdict survives any recomputation
    of `contradictions`. `editor_aliases` maps a name to the speaker it belongs to, from
    `quotes speakers merge|rename` and `quotes aliases import`; every later ingest applies it.
    `articles_url` finds the stored version of an article updated in place.
    """
    db.table("contradiction_reviews").create(
        {
            "claim_quote_id": str,
            "denial_quote_id": str,
            "verdict": str,
            "note": str,
            "reviewed_at": str,
        },
        pk=("claim_quote_id", "denial_quote_id"),
        not_null={"verdict"},
        if_not_exists=True,
    )
    db.table("editor_aliases").create(
        {"alias": str, "speaker": str, "added_at": str},
        pk="alias",
        not_null={"speaker"},
        if_not_exists=True,
    )
    db.execute("create index if not exists articles_url on articles(url)")


# m006: `quote_triples` with `speaker_mention`, how the article names the speaker, next to the
# canonical name: a speaker the extractor could not name ("a Commission spokesperson") is no
# longer a blank cell.
QUOTE_TRIPLES_V3_SQL = QUOTE_TRIPLES_V2_SQL.replace(
    "  speakers.name as speaker,\n",
    "  speakers.name as speaker,\n  quotes.speaker_mention as speaker_mention,\n",
)


@migrations()
def m006_issue19_statements(db: sqlite_utils.Database) -> None:
    """`quote_triples` shows each statement's speaker mention beside the canonical speaker.

    Only `quote_triples` is replaced: the views reading it (`contradiction_pairs`) name their
    columns, and SQLite resolves a view's names when it is read.
    """
    db.create_view("quote_triples", QUOTE_TRIPLES_V3_SQL, replace=True)


# m007: what the search box on Statements searches: each quote's words, who said it (canonical
# name, the mention, the speaker's aliases at the time) and the outlets (cited, publisher).
STATEMENT_SEARCH_ROWS = """
select
  quotes.rowid,
  quotes.content,
  trim(
    coalesce(speakers.name, '') || ' ' || coalesce(quotes.speaker_mention, '') || ' ' ||
    coalesce((select group_concat(alias, ' ') from speaker_aliases
      where speaker_aliases.speaker_id = quotes.speaker_id), '')
  ),
  trim(coalesce(cited.name, '') || ' ' || coalesce(publisher.name, ''))
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
  left join outlets as cited on cited.id = quotes.cited_outlet_id
  left join outlets as publisher on publisher.id = articles.publisher_id
""".strip()
STATEMENT_SEARCH_COLUMNS = "statements_fts (rowid, content, speaker, outlets)"


@migrations()
def m007_issue19_statement_search(db: sqlite_utils.Database) -> None:
    """`statements_fts`: Statements' search box finds speakers and outlets, not only words.

    Kept by triggers: a quote written, changed (a speaker merged into another) or deleted, and
    a speaker renamed, rewrite its rows. `quotes_fts` stays the index of the quotes' words.
    """
    db.execute(
        "create virtual table if not exists statements_fts"
        " using fts5(content, speaker, outlets, tokenize='porter')"
    )
    insert = f"insert into {STATEMENT_SEARCH_COLUMNS} {STATEMENT_SEARCH_ROWS}"
    db.executescript(
        f"""
        create trigger if not exists statements_ai after insert on quotes begin
          {insert} where quotes.rowid = new.rowid;
        end;
        create trigger if not exists statements_ad after delete on quotes begin
          delete from statements_fts where rowid = old.rowid;
        end;
        create trigger if not exists statements_au after update on quotes begin
          delete from statements_fts where rowid = old.rowid;
          {insert} where quotes.rowid = new.rowid;
        end;
        create trigger if not exists statements_speaker_au after update of name on speakers begin
          delete from statements_fts
            where rowid in (select rowid from quotes where speaker_id = new.id);
          {insert} where quotes.speaker_id = new.id;
        end;
        """
    )
    db.execute("delete from statements_fts")
    db.execute(insert)


@migrations()
def m008_issue17_stance_and_groups(db: sqlite_utils.Database) -> None:
    """Each quote's stance (claim, denial, reaffirmation, negation), and each pair's group.

    The stance of quotes stored before is read again from their content and cue; `group_id`
    names the denial event a pair belongs to (its statements against the claims it answers).
    """
    from . import stance  # the lexicons, read once; no spaCy

    quotes = _table(db, "quotes")
    if "stance" not in quotes.columns_dict:
        quotes.add_column("stance", str)
    rows = db.execute("select id, content, cue from quotes where stance is null").fetchall()
    db.conn.executemany(
        "update quotes set stance = ? where id = ?",
        [(stance.stance(content or "", cue), qid) for qid, content, cue in rows],
    )
    pairs = _table(db, "contradictions")
    if "group_id" not in pairs.columns_dict:
        pairs.add_column("group_id", str)
    db.execute("create index if not exists contradictions_group on contradictions(group_id)")


@migrations()
def m009_issue17_pairing_index(db: sqlite_utils.Database) -> None:
    """What incremental contradiction detection keeps: the articles whose statements have been
    paired (`paired_articles`), and the claims' key terms in a full-text index
    (`pairing_terms`), so that a new denial finds the stored claims it shares terms with."""
    # No timestamp: the same inputs give the same database, however they were ingested.
    db.table("paired_articles").create({"article_id": str}, pk="article_id", if_not_exists=True)
    # Terms are `similarity` stems ("s-400", "1.5"), so hyphens and dots are part of a token.
    db.execute(
        "create virtual table if not exists pairing_terms using fts5("
        "quote_id unindexed, terms, tokenize = \"unicode61 tokenchars '-.'\")"
    )
