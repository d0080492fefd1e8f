"""Datasette metadata for a quotes database, and starting Datasette on it.

Datasette 0.65 takes everything, canned queries included, from one metadata dict. It reads a
database file through `mode=ro` connections and has no write API without plugins, so serving
a quotes database never changes it. The same metadata, written to a file, publishes the database
read-only with `datasette publish` (see `publish_instructions`).
"""

from __future__ import annotations

import html
import json
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

import uvicorn
from datasette.app import Datasette

from .store import open_existing

# Our `table.html` extends Datasette's own; `report.html` beside it is not a Datasette template.
TEMPLATES = Path(__file__).parent / "templates"

OFFSET_NOTE = "character offset into articles.text (end-exclusive)"

# Long-running full-text searches and facets over a big corpus need more than the defaults.
# Facet suggestions (offsets, ids) are noise on these pages, and each costs a query.
SETTINGS = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "default_page_size": 50,
    "suggest_facets": False,
}

TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "description": "One row per article read; the id derives from the normalised text.",
        "label_column": "title",
        "sort_desc": "published",
        "facets": ["publisher_id", {"date": "published"}],
        "columns": {
            "id": "Hash of the normalised article text: the same article read twice has one id",
            "url": "Where the article was published, when known",
            "title": "Headline",
            "published": "Publication date or date-time, ISO 8601",
            "publisher_id": "The outlet that published the article",
            "source": "The input file (or stream) the article was read from",
            "text": "The article text exactly as read; every offset points into it",
            "ingested_at": "When the article was stored (UTC, ISO 8601)",
        },
    },
    "outlets": {
        "description": "News outlets: publishers of articles and outlets cited as sources.",
        "label_column": "name",
        "sort": "name",
        "facets": ["kind"],
        "columns": {
            "id": "Outlet id",
            "name": "Canonical outlet name (from the outlet registry when known there)",
            "kind": "agency, newspaper, broadcaster, online, ... or unknown",
            "domain": "Web domain of the outlet, when the registry knows it",
        },
    },
    "outlet_aliases": {
        "description": "Other names an outlet goes by, as written in articles or the registry.",
        "columns": {
            "alias": "A name of the outlet",
            "outlet_id": "The outlet it names",
        },
    },
    "speakers": {
        "description": "One row per speaker: a person or organisation across every article.",
        "label_column": "name",
        "sort": "name",
        "facets": ["kind"],
        "columns": {
            "id": "Speaker id",
            "name": "Canonical name, without titles",
            "kind": "person, organization, anonymous, outlet or unknown",
            "title": "Title or role found with the name, e.g. Kremlin spokesman",
            "affiliation": "Organisation the speaker belongs to, when known",
        },
    },
    "speaker_aliases": {
        "description": "Every form of a speaker's name seen in articles (pronouns left out).",
        "columns": {
            "alias": "The name as written, e.g. Peskov or the Kremlin spokesman",
            "speaker_id": "The speaker it refers to",
        },
    },
    "quotes": {
        "description": "Attributed statements: who said what, where in which article. "
        "For reading, start with Statements (quote_triples): the same rows with names and dates.",
        # Foreign keys to a quote (from contradictions) then show what was said.
        "label_column": "content",
        "facets": ["speaker_id", "cited_outlet_id", "kind", "polarity"],
        "columns": {
            "id": "Hash of the article id and the spans: stable across re-ingests",
            "article_id": "The article the statement is in",
            "speaker_id": "The canonical speaker",
            "speaker_mention": "How this attribution names the speaker (name, title, pronoun)",
            "speaker_start": "Start of the speaker mention: " + OFFSET_NOTE,
            "speaker_end": "End of the speaker mention: " + OFFSET_NOTE,
            "cue": "The reporting cue, e.g. said, told, according to",
            "cue_start": "Start of the cue: " + OFFSET_NOTE,
            "cue_end": "End of the cue: " + OFFSET_NOTE,
            "kind": "direct (in quotation marks), indirect (reported speech) or mixed",
            "content": "What was said; fragments of a split quote joined with ' … '",
            "start": "Start of the first fragment: " + OFFSET_NOTE,
            "end": "End of the last fragment: " + OFFSET_NOTE,
            "spans": "JSON list of [start, end] per fragment: " + OFFSET_NOTE,
            "cited_outlet_id": "The outlet the statement is attributed through, if any",
            "cited_chain": "JSON list of the outlets cited, outermost first",
            "polarity": "asserts, or denies (a denial or rebuttal)",
            "confidence": "How sure the extractor is of the attribution, 0 to 1",
            "stance": "claim, denial (an act or a truth judgement), reaffirmation, or negation "
            "(a plain negated assertion)",
        },
    },
    "contradictions": {
        "description": "Pairs of statements where a denial answers a claim.",
        "sort_desc": "score",
        "columns": {
            "id": "Hash of the two quote ids",
            "claim_quote_id": "The statement that asserts",
            "denial_quote_id": "The statement that denies it",
            "score": "How strongly the two contradict, 0 to 1",
            "reason": "Why they were paired: shared entities, terms, denial cue",
            "group_id": "The denial event: the pairs of one denier's denial share it",
        },
    },
    "paired_articles": {
        "description": "Articles whose statements contradiction detection has paired "
        "(an ingest pairs only the others).",
        "columns": {"article_id": "The article"},
    },
    "pairing_terms": {
        "description": "Full-text index of the claims' key terms, through which a new denial "
        "finds the stored claims it shares terms with.",
        "columns": {"quote_id": "The claim", "terms": "Its key terms (crude stems)"},
    },
    "quote_triples": {
        "title": "Statements",
        "description": "One row per attributed statement, newest first: date, speaker, quote, "
        "cited outlet, publisher and the article it is in.",
        "facets": ["speaker", "cited_outlet", "publisher", "kind", {"date": "published"}],
        "sort_desc": "published",
        # A view has no rowid: searches go through the quote's rowid, which the index is keyed on.
        # Words, speakers (name, mention, aliases) and outlets: `Peskov` finds his statements.
        "fts_table": "statements_fts",
        "fts_pk": "quote_rowid",
        "columns": {
            "published": "Publication date of the article",
            "speaker": "Canonical speaker name (blank when the article does not name them)",
            "speaker_mention": "How the article names the speaker, e.g. a Commission spokesperson",
            "speaker_title": "The speaker's title or role",
            "content": "What was said",
            "kind": "direct, indirect or mixed",
            "cue": "The reporting cue",
            "cited_outlet": "The outlet the statement is attributed through",
            "publisher": "The outlet that published the article",
            "title": "Article headline",
            "url": "Link to the article, when known",
            "quote_id": "The quote's id in the quotes table",
            "article_id": "The article's id in the articles table",
            "start": "Start of the statement: " + OFFSET_NOTE,
            "end": "End of the statement: " + OFFSET_NOTE,
            "quote_rowid": "The quote's rowid, which the full-text index is keyed on",
        },
    },
    "contradiction_pairs": {
        "title": "Contradictions",
        "description": "One row per contradiction: the claim and the denial that answers it "
        "side by side, strongest first.",
        "facets": ["claim_speaker", "denial_speaker"],
        # The strongest pairs first: what an editor should look at before the rest.
        "sort_desc": "score",
        "columns": {
            "score": "How strongly the two contradict, 0 to 1",
            "claim_speaker": "Who made the claim",
            "claim": "What was claimed",
            "denial_speaker": "Who denied it",
            "denial": "What the denial says",
            "claim_published": "Publication date of the claim's article",
            "denial_published": "Publication date of the denial's article",
            "claim_cited_outlet": "The outlet the claim is attributed through",
            "claim_publisher": "The outlet that published the claim",
            "denial_cited_outlet": "The outlet the denial is attributed through",
            "denial_publisher": "The outlet that published the denial",
            "claim_title": "Headline of the claim's article",
            "denial_title": "Headline of the denial's article",
            "claim_url": "Link to the claim's article, when known",
            "denial_url": "Link to the denial's article, when known",
            "reason": "Why they were paired: shared entities, terms, denial cue",
            "contradiction_id": "The pair's id in the contradictions table",
            "claim_quote_id": "The claim's id in the quotes table",
            "denial_quote_id": "The denial's id in the quotes table",
        },
    },
    "quote_outlets": {
        "description": (
            "Every outlet of every quote's cited chain, outermost first: who had the statement "
            "from whom."
        ),
        "columns": {
            "quote_id": "The quote",
            "outlet_id": "An outlet the quote was cited from",
            "position": "Place in the chain: 0 is the outermost outlet",
        },
    },
    "contradiction_reviews": {
        "description": "Editors' verdicts on claim/denial pairs (quotes contradictions "
        "confirm|dismiss), keyed by the two quote ids so that they survive re-detection.",
        "columns": {
            "claim_quote_id": "The claim's id in the quotes table",
            "denial_quote_id": "The denial's id in the quotes table",
            "verdict": "confirmed or dismissed",
            "note": "The editor's note, if any",
            "reviewed_at": "When the verdict was given (UTC, ISO 8601)",
        },
    },
    "editor_aliases": {
        "description": "Names editors assigned to a speaker (quotes speakers merge|rename, "
        "quotes aliases import); every ingest applies them.",
        "columns": {
            "alias": "A name as it may appear in articles or as a stored speaker",
            "speaker": "The canonical name of the speaker it belongs to",
            "added_at": "When the editor added it (UTC, ISO 8601)",
        },
    },
    "statements_fts": {
        "description": "Full-text index (FTS5, Porter stemming) behind the Statements search "
        "box: each quote's words, speaker names and outlets, keyed by the quote's rowid.",
        "columns": {
            "content": "The quote content",
            "speaker": "Canonical speaker name, the mention in the article, the speaker's aliases",
            "outlets": "The cited outlet and the publisher",
        },
    },
    "quotes_fts": {
        "description": "Full-text index (FTS5, Porter stemming) over quotes.content.",
        "columns": {"content": "The quote content, indexed"},
    },
    "_sqlite_migrations": {
        "description": "Schema steps applied to this database.",
        "hidden": True,
        "columns": {
            "id": "Row id",
            "migration_set": "Always quotes",
            "name": "The migration step",
            "applied_at": "When it was applied (UTC)",
        },
    },
}

# Who matches :speaker: canonical name or any alias, as `quotes find --speaker` does.
SPEAKER_IDS = """
  select id from speakers where name like '%' || :speaker || '%'
  union select speaker_id from speaker_aliases where alias like '%' || :speaker || '%'
""".strip("\n")

QUOTES_BY_SPEAKER = f"""
select quote_triples.*
from quote_triples join quotes on quotes.id = quote_triples.quote_id
where quotes.speaker_id in (
{SPEAKER_IDS}
)
order by published desc
""".strip()

OUTLET_ATTRIBUTIONS = """
select
  case when cited_outlet like '%' || :outlet || '%' then 'cited' else 'published' end as role,
  quote_triples.*
from quote_triples
where cited_outlet like '%' || :outlet || '%' or publisher like '%' || :outlet || '%'
order by published desc
""".strip()

# An empty :speaker (the form as first shown) lists every pair; a name or alias on either side
# selects the pairs it is in, as `quotes contradictions --speaker` does.
CLAIMS_AND_DENIALS = f"""
select *
from contradiction_pairs
where :speaker = ''
  or claim_quote_id in (select id from quotes where speaker_id in (
{SPEAKER_IDS}
  ))
  or denial_quote_id in (select id from quotes where speaker_id in (
{SPEAKER_IDS}
  ))
order by score desc
""".strip()

# Oldest first, to read how a position moved; undated articles last.
SPEAKER_TIMELINE = f"""
select
  quote_triples.published, quote_triples.content, quote_triples.kind, quote_triples.cue,
  quote_triples.cited_outlet, quote_triples.publisher, quote_triples.title, quote_triples.url,
  quote_triples.speaker, quotes.polarity, quote_triples.quote_id
from quote_triples join quotes on quotes.id = quote_triples.quote_id
where quotes.speaker_id in (
{SPEAKER_IDS}
)
order by quote_triples.published is null, quote_triples.published,
  quote_triples.article_id, quote_triples.start
""".strip()

# The `atom_*` columns are what datasette-atom turns into a feed (`.atom` after the query name).
# Atom wants a date-time with a time zone: an undated article falls back to its ingest time. An
# entry's link is the article's URL when it is plain http(s) (printable ASCII, no spaces: never
# `javascript:`), else the quote's row, relative to the feed's address.
# datasette-atom 0.9 fails (HTTP 500) on a query without rows, so a speaker not quoted yet gets
# one placeholder entry instead: the feed stays valid for a reader subscribed in advance.
FEED_LIMIT = 50
NEW_QUOTES_BY_SPEAKER = f"""
with found as (
  select
    quote_triples.quote_id as atom_id,
    coalesce(quote_triples.speaker, 'Unnamed speaker') || ': ' ||
      case when length(quote_triples.content) > 120
        then substr(quote_triples.content, 1, 119) || '…' else quote_triples.content end
      as atom_title,
    coalesce(
      strftime('%Y-%m-%dT%H:%M:%SZ', articles.published),
      strftime('%Y-%m-%dT%H:%M:%SZ', articles.ingested_at),
      '1970-01-01T00:00:00Z'
    ) as atom_updated,
    quote_triples.content as atom_content,
    case
      when (quote_triples.url like 'http://_%' or quote_triples.url like 'https://_%')
        and quote_triples.url not glob '*[^!-~]*'
      then quote_triples.url else 'quotes/' || quote_triples.quote_id
    end as atom_link,
    quote_triples.speaker as atom_author_name,
    quote_triples.published, quote_triples.speaker, quote_triples.content,
    quote_triples.cited_outlet, quote_triples.publisher, quote_triples.title, quote_triples.url
  from quote_triples
    join quotes on quotes.id = quote_triples.quote_id
    join articles on articles.id = quote_triples.article_id
  where quotes.speaker_id in (
{SPEAKER_IDS}
  )
)
select * from found
union all
select
  'no-statements-yet', 'No statements yet by a speaker matching "' || :speaker || '"',
  '1970-01-01T00:00:00Z', 'Nothing stored matches this speaker yet.', 'quotes', null,
  null, null, null, null, null, null, null
where not exists (select 1 from found)
order by atom_updated desc, atom_id
limit {FEED_LIMIT}
""".strip()

QUERIES: dict[str, dict[str, Any]] = {
    "quotes_by_speaker": {
        "title": "Quotes by a speaker",
        "description": "Every statement of a speaker, newest first, matched by any part of the "
        "name or of a name the speaker goes by (e.g. Peskov, Kremlin spokesman).",
        "sql": QUOTES_BY_SPEAKER,
        "params": ["speaker"],
    },
    "outlet_attributions": {
        "title": "What an outlet attributed to whom",
        "description": "Statements an outlet was cited for (role: cited) or published "
        "(role: published), newest first; any part of the outlet's name.",
        "sql": OUTLET_ATTRIBUTIONS,
        "params": ["outlet"],
    },
    "claims_and_denials": {
        "title": "Claims and their denials",
        "description": "Each claim next to the denial that answers it, best match first. "
        "Leave the speaker empty for every pair, or name someone on either side.",
        "sql": CLAIMS_AND_DENIALS,
        "params": ["speaker"],
    },
    "speaker_timeline": {
        "title": "A speaker's statements over time",
        "description": "Every statement of a speaker, oldest first, to follow how a position "
        "developed; undated articles last.",
        "sql": SPEAKER_TIMELINE,
        "params": ["speaker"],
    },
    "new_quotes_by_speaker": {
        "title": "New quotes by a speaker",
        "description": f"The {FEED_LIMIT} newest statements of a speaker. Add .atom to the "
        "address (before the ?) for an Atom feed to follow in a feed reader.",
        "sql": NEW_QUOTES_BY_SPEAKER,
        "params": ["speaker"],
    },
}


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette 0.65 metadata for the quotes database at `db_path`.

    Datasette names a database after its file's stem, so the per-table settings are keyed by it.
    """
    name = Path(db_path).stem
    return {
        "title": "quotes",
        "description": DESCRIPTION,
        "description_html": _start_here(name),
        "source": "Extracted by the quotes tool from the ingested articles",
        "license": "Article texts belong to their publishers; quotes tool: Apache-2.0",
        "databases": {
            name: {
                "description": "Articles, the statements quoted in them and who made them.",
                # The database page leads with the two views a reader starts from.
                "description_html": _start_here(name),
                "tables": TABLES,
                "queries": QUERIES,
            }
        },
    }


DESCRIPTION = (
    "Who said what, according to whom: attributed statements extracted from news articles, "
    "with their speakers, cited outlets and publishers."
)


def _start_here(database: str) -> str:
    """The home page's description: where a reader starts, as links into the database."""

    def link(path: str, text: str) -> str:
        href = html.escape(f"/{url_quote(database)}/{path}")
        return f'<a href="{href}">{html.escape(text)}</a>'

    queries = ", ".join(link(key, query["title"]) for key, query in QUERIES.items())
    return (
        f"<p>{html.escape(DESCRIPTION)}</p>\n<ul>\n"
        f"<li>{link('quote_triples', 'Statements')}: one row per attributed statement, newest "
        "first, with full-text search and facets by speaker, cited outlet, publisher, kind and "
        "date.</li>\n"
        f"<li>{link('contradiction_pairs', 'Contradictions')}: claims and the denials that "
        "answer them, side by side.</li>\n"
        f"<li>Ready-made queries: {queries}.</li>\n</ul>"
    )


def write_metadata(db_path: str | Path, path: str | Path) -> None:
    """Write the metadata for `db_path` as JSON to `path`, for `datasette publish` or `serve`."""
    text = json.dumps(metadata(db_path), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")


def publish_instructions(db_path: str | Path, metadata_path: str | Path) -> str:
    """How to serve or publish the database read-only with the metadata written to a file.

    `--immutable` (what `datasette publish` uses) opens the file without locks and never for
    writing. The database's file name must stay the same: the metadata is keyed by its stem.
    """
    db, meta = shlex.quote(str(db_path)), shlex.quote(str(metadata_path))
    templates = shlex.quote(str(TEMPLATES))
    settings = " ".join(f"--setting {key} {_setting(value)}" for key, value in SETTINGS.items())
    # `publish` writes --install values unquoted into a Dockerfile's `RUN pip install`: a `<` or
    # `>` there would be a shell redirection, so the pin is spelt with `~=`.
    return (
        "Serve it read-only wherever Datasette 0.65 runs:\n"
        f"  datasette serve --immutable {db} --metadata {meta} --template-dir {templates} "
        f"{settings}\n"
        "Publish it read-only (datasette publish serves with --immutable):\n"
        f"  datasette publish cloudrun {db} --metadata {meta} --template-dir {templates} "
        f"--install datasette~=0.65.0 --install datasette-atom --extra-options '{settings}'\n"
        "Neither has a write endpoint: Datasette 0.65 has no write API, and its SQL page runs "
        "read-only SELECTs."
    )


def _setting(value: object) -> str:
    """A setting's value as `datasette serve --setting` reads it (booleans are on or off)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def make_datasette(db_path: str | Path) -> Datasette:
    """A Datasette serving the quotes database at `db_path` with its metadata.

    Raises `DatabaseError` when the file is missing or is not a quotes database.
    """
    path = Path(db_path)
    # Only an up-to-date quotes database has the tables and views the metadata describes;
    # serving never creates or migrates one (`quotes ingest` does).
    open_existing(path).close()
    _plain_error_pages()
    return Datasette(
        files=[str(path)],
        metadata=metadata(path),
        settings=SETTINGS,
        template_dir=str(TEMPLATES),
    )


def _plain_error_pages() -> None:
    """Stop Datasette 0.65 from printing errors with rich, which breaks its 404 pages.

    With rich installed (we depend on it), the default error handler calls
    `rich.get_console().print_exception()` outside an `except` block for an unknown URL, where
    rich raises ValueError, so a 404 becomes a crash. Without rich the handler renders the
    normal error page (and no longer prints a traceback for every 4xx).
    """
    # Imported here, after `datasette.app`: imported first, it would import `datasette.plugins`,
    # which registers the default plugins and with them this module half-initialised, without
    # its error handler (every error page then fails).
    import datasette.handle_exception

    datasette.handle_exception.rich = None


def make_server(
    db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001
) -> uvicorn.Server:
    """The web server `serve` runs: Datasette on the database, on this machine only by default.

    Port 0 picks a free port; once `server.started`, `server.servers[0].sockets` tell which.
    """
    config = uvicorn.Config(make_datasette(db_path).app(), host=host, port=port)
    return uvicorn.Server(config)


def serve(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the database with Datasette until interrupted."""
    make_server(db_path, host=host, port=port).run()
