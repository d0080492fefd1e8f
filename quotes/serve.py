"""Datasette metadata for a quotes database, and starting Datasette on it.

Datasette 0.65 takes everything, canned queries included, from one metadata dict. It reads a
database file through `mode=ro` connections and has no write API without plugins, so serving
a quotes database never changes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import uvicorn
from datasette.app import Datasette

from .store import open_db

OFFSET_NOTE = "character offset into articles.text (end-exclusive)"

# Long-running full-text searches and facets over a big corpus need more than the defaults.
SETTINGS = {"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "default_page_size": 50}

TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "description": "One row per article read; the id derives from the normalised text.",
        "label_column": "title",
        "sort_desc": "published",
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
        "description": "Attributed statements: who said what, where in which article.",
        "facets": ["speaker_id", "kind", "cited_outlet_id"],
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
        },
    },
    "quote_triples": {
        "description": "One row per statement, names joined in: date, speaker, quote, sources.",
        "facets": ["speaker", "cited_outlet", "publisher", "kind"],
        "sort_desc": "published",
        "columns": {
            "quote_id": "The quote's id in the quotes table",
            "published": "Publication date of the article",
            "speaker": "Canonical speaker name",
            "speaker_title": "The speaker's title or role",
            "content": "What was said",
            "kind": "direct, indirect or mixed",
            "cue": "The reporting cue",
            "cited_outlet": "The outlet the statement is attributed through",
            "publisher": "The outlet that published the article",
            "title": "Article headline",
            "url": "Article URL",
            "article_id": "The article's id",
            "start": "Start of the statement: " + OFFSET_NOTE,
            "end": "End of the statement: " + OFFSET_NOTE,
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

# Who matches :speaker — canonical name or any alias, as `quotes find --speaker` does.
QUOTES_BY_SPEAKER = """
select quote_triples.*
from quote_triples join quotes on quotes.id = quote_triples.quote_id
where quotes.speaker_id in (
  select id from speakers where name like '%' || :speaker || '%'
  union select speaker_id from speaker_aliases where alias like '%' || :speaker || '%'
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

CLAIMS_AND_DENIALS = """
select
  contradictions.score, contradictions.reason,
  claim.published as claim_published, claim.speaker as claim_speaker,
  claim.content as claim, claim.publisher as claim_publisher,
  denial.published as denial_published, denial.speaker as denial_speaker,
  denial.content as denial, denial.publisher as denial_publisher,
  contradictions.claim_quote_id, contradictions.denial_quote_id
from contradictions
  join quote_triples as claim on claim.quote_id = contradictions.claim_quote_id
  join quote_triples as denial on denial.quote_id = contradictions.denial_quote_id
order by contradictions.score desc
""".strip()

QUERIES = {
    "quotes_by_speaker": {
        "title": "Quotes by speaker",
        "description": "Every statement of a speaker, matched by name or alias (substring).",
        "sql": QUOTES_BY_SPEAKER,
    },
    "outlet_attributions": {
        "title": "Outlet attributions",
        "description": "Statements an outlet published or was cited for (name substring).",
        "sql": OUTLET_ATTRIBUTIONS,
    },
    "claims_and_denials": {
        "title": "Claims and denials",
        "description": "Each claim next to the denial that answers it, best match first.",
        "sql": CLAIMS_AND_DENIALS,
    },
}


def metadata(db_path: str | Path) -> dict[str, Any]:
    """Datasette 0.65 metadata for the quotes database at `db_path`.

    Datasette names a database after its file's stem, so the per-table settings are keyed by it.
    """
    return {
        "title": "quotes",
        "description": "Who said what, according to whom: attributed statements extracted "
        "from news articles, with their speakers, cited outlets and publishers.",
        "source": "Extracted by the quotes tool from the ingested articles",
        "license": "Article texts belong to their publishers; quotes tool: Apache-2.0",
        "databases": {
            Path(db_path).stem: {
                "description": "Articles, the statements quoted in them and who made them.",
                "tables": TABLES,
                "queries": QUERIES,
            }
        },
    }


def make_datasette(db_path: str | Path) -> Datasette:
    """A Datasette serving the quotes database at `db_path` with its metadata.

    Raises `DatabaseError` when the file is missing or is not a quotes database.
    """
    path = Path(db_path)
    # Migrating first makes sure the tables and the view the metadata describes exist.
    open_db(path, create=False).close()
    _plain_error_pages()
    return Datasette(files=[str(path)], metadata=metadata(path), settings=SETTINGS)


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


def serve(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the database with Datasette until interrupted."""
    datasette = make_datasette(db_path)
    uvicorn.run(datasette.app(), host=host, port=port)
