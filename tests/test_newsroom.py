"""What a newsroom relies on: nothing lost silently, databases left alone, editors in control.

Real SQLite files under tmp_path, the real CLI; articles and quotes built by hand (own
sentences) and written through `store.save`, as the pipeline writes them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from quotes.cli import app
from quotes.models import Article, Mention, Quote
from quotes.store import open_db, save

pytestmark = pytest.mark.usefixtures("testwire_registry")


def run(*args: object, input: str | None = None) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], input=input, prog_name="quotes")


def make_quote(article_id: str, start: int, content: str, **kwargs: Any) -> Quote:
    values: dict[str, Any] = {
        "source": f"{article_id}.txt",
        "content": content,
        "spans": ((start, start + len(content)),),
        "kind": "direct",
        "cue": Mention("said", 0, 4),
        "speaker": "Ada Quill",
        "speaker_kind": "person",
        "speaker_title": "harbour master",
        "speaker_mention": Mention("Ada Quill", 5, 14),
        "publisher": "Testwire",
    } | kwargs
    return Quote(article_id=article_id, **values)


def make_article(article_id: str, published: str | None = "2025-05-01", **kwargs: Any) -> Article:
    values: dict[str, Any] = {
        "text": f"The full text of article {article_id}.",
        "source": f"{article_id}.txt",
        "title": f"Title {article_id}",
        "url": f"https://example.org/{article_id}",
        "outlet": "Testwire",
        "published": published,
    } | kwargs
    return Article(id=article_id, **values)


def many_quotes_db(path: Path, n: int) -> Path:
    """A database of `n` quotes, five per article."""
    db = open_db(path)
    batch = []
    for a in range(0, n, 5):
        article = make_article(f"art{a:03d}", f"2025-01-{1 + a // 5 % 28:02d}")
        found = [
            make_quote(article.id, 10 * i, f"The tide tables number {a + i} are right")
            for i in range(min(5, n - a))
        ]
        batch.append((article, found))
    save(db, batch)
    db.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean_error(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("Error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output


# --- exports hold every row ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def db62(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return many_quotes_db(tmp_path_factory.mktemp("many") / "many.db", 62)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_find_exports_every_row(db62: Path, fmt: str) -> None:
    result = run("find", "--db", db62, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.stdout)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 62
    assert len({row["id"] for row in rows}) == 62
    assert "not shown" not in result.stderr


@pytest.mark.parametrize("option", ["--limit", "-n"])
def test_find_export_limit(db62: Path, option: str) -> None:
    result = run("find", "--db", db62, "--format", "json", option, "7")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 7


def test_find_table_pages_and_says_how_many_it_left_out(db62: Path) -> None:
    result = run("find", "--db", db62)
    assert result.exit_code == 0, result.output
    assert "12 more quotes not shown" in result.stderr
    assert result.stdout.count("The tide tables number") == 50
    everything = run("find", "--db", db62, "-n", "0")
    assert everything.stdout.count("The tide tables number") == 62
    assert "not shown" not in everything.stderr
    paged = run("find", "--db", db62, "--offset", "40", "-n", "10")
    assert "12 more quotes not shown" in paged.stderr


# --- read commands leave other files alone -------------------------------------------------------

READ_COMMANDS = [
    ["find"],
    ["find", "--format", "json"],
    ["speakers"],
    ["outlets"],
    ["show", "abc"],
    ["contradictions"],
    ["serve", "--port", "0"],
]


@pytest.mark.parametrize("args", READ_COMMANDS)
def test_read_commands_refuse_a_foreign_database(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
        conn.execute("insert into invoices (total) values (12.5)")
    conn.close()
    before = digest(db)
    result = run(*args, "--db", db)
    assert_clean_error(result)
    assert "not a quotes database" in result.stderr
    assert digest(db) == before
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
    conn.close()
    assert tables == {"invoices"}


@pytest.mark.parametrize("args", READ_COMMANDS)
def test_read_commands_refuse_an_empty_file(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    result = run(*args, "--db", db)
    assert_clean_error(result)
    assert db.read_bytes() == b""


@pytest.mark.parametrize("args", READ_COMMANDS[:-1])  # serve would serve: see test_serve
def test_read_commands_leave_a_quotes_database_byte_identical(db62: Path, args: list[str]) -> None:
    before = digest(db62)
    run(*args, "--db", db62)
    assert digest(db62) == before


def test_read_commands_refuse_an_outdated_database(tmp_path: Path) -> None:
    db = many_quotes_db(tmp_path / "old.db", 5)
    with sqlite3.connect(db) as conn:
        last = conn.execute("select max(rowid) from _sqlite_migrations").fetchone()[0]
        conn.execute("delete from _sqlite_migrations where rowid = ?", [last])
    conn.close()
    before = digest(db)
    result = run("find", "--db", db)
    assert_clean_error(result)
    assert "quotes ingest" in result.stderr
    assert digest(db) == before


def test_ingest_refuses_a_foreign_database(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table invoices (id integer primary key)")
    conn.close()
    before = digest(db)
    story = tmp_path / "story.txt"
    story.write_text('"The pier stays open," the harbour master said on Monday.\n')
    result = run("ingest", story, "--db", db)
    assert_clean_error(result)
    assert digest(db) == before


# --- find's filters ------------------------------------------------------------------------------


@pytest.fixture
def mixed_db(tmp_path: Path) -> Path:
    db = open_db(tmp_path / "mixed.db")
    save(
        db,
        [
            (
                make_article("m1"),
                [
                    make_quote("m1", 0, "The ferry will run all winter"),
                    make_quote(
                        "m1",
                        40,
                        "No ferry was ever cancelled",
                        polarity="denies",
                        confidence=0.4,
                        speaker="Bram Holt",
                        speaker_mention=Mention("Bram Holt", 30, 39),
                    ),
                    make_quote(
                        "m1",
                        90,
                        "The timetable is under review",
                        speaker=None,
                        speaker_kind=None,
                        speaker_title=None,
                        speaker_mention=Mention("a Port Authority spokesperson", 60, 89),
                    ),
                ],
            )
        ],
    )
    db.close()
    return tmp_path / "mixed.db"


def find_json(db: Path, *args: object) -> list[dict[str, Any]]:
    result = run("find", "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


def test_find_polarity_and_min_confidence(mixed_db: Path) -> None:
    assert [r["content"] for r in find_json(mixed_db, "--polarity", "denies")] == [
        "No ferry was ever cancelled"
    ]
    assert len(find_json(mixed_db, "--polarity", "asserts")) == 2
    assert {r["content"] for r in find_json(mixed_db, "--min-confidence", "0.5")} == {
        "The ferry will run all winter",
        "The timetable is under review",
    }
    assert run("find", "--db", mixed_db, "--polarity", "maybe").exit_code == 2
    assert run("find", "--db", mixed_db, "--min-confidence", "2").exit_code == 2


def test_find_speaker_matches_unresolved_mentions(mixed_db: Path) -> None:
    rows = find_json(mixed_db, "--speaker", "port authority")
    assert [r["content"] for r in rows] == ["The timetable is under review"]
    assert rows[0]["speaker"] is None
    # A named speaker's mention does not make an unrelated quote match.
    assert [r["content"] for r in find_json(mixed_db, "--speaker", "holt")] == [
        "No ferry was ever cancelled"
    ]


@pytest.mark.parametrize("command", [["speakers"], ["outlets"]])
def test_jsonl_wherever_json(mixed_db: Path, command: list[str]) -> None:
    as_json = run(*command, "--db", mixed_db, "--format", "json")
    as_jsonl = run(*command, "--db", mixed_db, "--format", "jsonl")
    assert as_jsonl.exit_code == 0, as_jsonl.output
    assert [json.loads(line) for line in as_jsonl.stdout.splitlines()] == json.loads(as_json.stdout)


# --- a story updated in place --------------------------------------------------------------------

STORY = (
    '"The bridge will reopen in {month}," Ada Quill, the harbour master, said on Monday. '
    '"Nobody has asked us to close the pier," Bram Holt told reporters.'
)


def story_jsonl(path: Path, month: str, url: str = "https://example.org/bridge") -> Path:
    row = {"url": url, "title": "Bridge", "outlet": "Testwire", "text": STORY.format(month=month)}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


def test_store_same_url_replaces_the_stored_article(tmp_path: Path) -> None:
    db = open_db(tmp_path / "q.db")
    first = make_article("v1", url="https://example.org/same")
    second = make_article("v2", url="https://example.org/same")
    other = make_article("v3", url="https://example.org/other")
    save(db, [(first, [make_quote("v1", 0, "The quay is safe today")])])
    save(db, [(other, [make_quote("v3", 0, "The quay is closed")])])
    stats = save(db, [(second, [make_quote("v2", 0, "The quay is unsafe today")])])
    assert (stats.articles_new, stats.articles_updated, stats.quotes) == (0, 1, 1)
    assert sorted(r["id"] for r in db["articles"].rows) == ["v2", "v3"]
    assert sorted(r["content"] for r in db["quotes"].rows) == [
        "The quay is closed",
        "The quay is unsafe today",
    ]
    fts = "select rowid from quotes_fts where quotes_fts match ?"
    assert db.execute(fts, ['"safe"']).fetchall() == []
    assert len(db.execute(fts, ['"unsafe"']).fetchall()) == 1
    db.close()


def test_ingest_updated_story_replaces_it(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    first = run("ingest", story_jsonl(tmp_path / "a.jsonl", "May"), "--db", db)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("This run: 1 article read, 1 new, 0 updated, 0 already stored;")
    before = find_json(db)
    assert before and all("May" in r["content"] for r in before if "bridge" in r["content"])
    again = run("ingest", story_jsonl(tmp_path / "b.jsonl", "June"), "--db", db)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("This run: 1 article read, 0 new, 1 updated, 0 already stored;")
    assert f"Database: 1 article, {len(before)} quote" in again.stdout
    after = find_json(db)
    assert len(after) == len(before)
    contents = " ".join(r["content"] for r in after)
    assert "June" in contents and "May" not in contents
    assert find_json(db, "--text", "May") == []


def test_ingest_summary_separates_this_run_from_totals(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    run("ingest", story_jsonl(tmp_path / "a.jsonl", "May"), "--db", db)
    n = len(find_json(db))
    other = story_jsonl(tmp_path / "c.jsonl", "July", url="https://example.org/ferry")
    result = run("ingest", tmp_path / "a.jsonl", other, "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"This run: 2 articles read, 1 new, 0 updated, 1 already stored; {n} quote"
    )
    assert f"Database: 2 articles, {2 * n} quotes," in result.stdout


# --- editors in control --------------------------------------------------------------------------


def speakers_json(db: Path) -> dict[str, dict[str, Any]]:
    result = run("speakers", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


@pytest.fixture
def ingested(tmp_path: Path) -> Path:
    db = tmp_path / "q.db"
    result = run("ingest", story_jsonl(tmp_path / "a.jsonl", "May"), "--db", db)
    assert result.exit_code == 0, result.output
    return db


def test_speakers_merge_moves_quotes_and_survives_reingest(ingested: Path, tmp_path: Path) -> None:
    before = speakers_json(ingested)
    assert {"Ada Quill", "Bram Holt"} <= set(before)
    result = run("speakers", "merge", "Bram Holt", "Ada Quill", "--db", ingested)
    assert result.exit_code == 0, result.output
    after = speakers_json(ingested)
    assert "Bram Holt" not in after
    assert (
        after["Ada Quill"]["quotes"]
        == before["Ada Quill"]["quotes"] + before["Bram Holt"]["quotes"]
    )
    assert "Bram Holt" in after["Ada Quill"]["aliases"]
    assert {r["speaker"] for r in find_json(ingested, "--speaker", "Holt")} == {"Ada Quill"}
    # A later story quoting Bram Holt again: the editor's merge holds.
    other = story_jsonl(tmp_path / "c.jsonl", "July", url="https://example.org/ferry")
    assert run("ingest", other, "--db", ingested).exit_code == 0
    assert "Bram Holt" not in speakers_json(ingested)


def test_speakers_rename_and_errors(ingested: Path, tmp_path: Path) -> None:
    result = run("speakers", "rename", "Ada Quill", "Ada M. Quill", "--db", ingested)
    assert result.exit_code == 0, result.output
    names = speakers_json(ingested)
    assert "Ada M. Quill" in names and "Ada Quill" not in names
    assert "Ada Quill" in names["Ada M. Quill"]["aliases"]
    other = story_jsonl(tmp_path / "c.jsonl", "July", url="https://example.org/ferry")
    assert run("ingest", other, "--db", ingested).exit_code == 0
    assert "Ada Quill" not in speakers_json(ingested)
    assert_clean_error(run("speakers", "rename", "Nobody Here", "X", "--db", ingested))
    taken = run("speakers", "rename", "Ada M. Quill", "Bram Holt", "--db", ingested)
    assert_clean_error(taken)
    assert "merge" in taken.stderr


def test_aliases_import_export_round_trip(ingested: Path, tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,speaker\nBram Holt,Ada Quill\nthe harbour chief,Ada Quill\n")
    result = run("aliases", "import", aliases, "--db", ingested)
    assert result.exit_code == 0, result.output
    assert "imported 2 aliases" in result.stderr
    assert "Bram Holt" not in speakers_json(ingested)
    assert {r["speaker"] for r in find_json(ingested, "--speaker", "harbour chief")} == {
        "Ada Quill"
    }
    exported = run("aliases", "export", "--db", ingested)
    assert exported.exit_code == 0
    assert list(csv.reader(io.StringIO(exported.stdout))) == [
        ["alias", "speaker"],
        ["Bram Holt", "Ada Quill"],
        ["the harbour chief", "Ada Quill"],
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,who\nx,y\n")
    assert_clean_error(run("aliases", "import", bad, "--db", ingested))


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    result = run("ingest", *sorted(seeds_dir.glob("*.txt")), "--db", db)
    assert result.exit_code == 0, result.output
    return db


def contradictions_json(db: Path, *args: object) -> list[dict[str, Any]]:
    result = run("contradictions", "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_contradiction_verdicts_survive_redetection(seeds_db: Path) -> None:
    db = seeds_db
    pairs = contradictions_json(db)
    assert pairs and all(set(p) >= {"claim", "denial", "score", "reason"} for p in pairs)
    first = pairs[0]
    result = run("contradictions", "dismiss", first["id"][:8], "--note", "other talks", "--db", db)
    assert result.exit_code == 0, result.output
    # Detection runs again and rewrites the table; the verdict is keyed by the quotes.
    refreshed = run("contradictions", "--refresh", "--db", db, "--format", "json")
    assert refreshed.exit_code == 0, refreshed.output
    by_quotes = {(p["claim"]["id"], p["denial"]["id"]): p for p in json.loads(refreshed.stdout)}
    again = by_quotes[(first["claim"]["id"], first["denial"]["id"])]
    assert again["review"]["verdict"] == "dismissed"
    assert again["review"]["note"] == "other talks"
    dismissed = contradictions_json(db, "--verdict", "dismissed")
    assert [p["id"] for p in dismissed] == [first["id"]]
    assert first["id"] not in {p["id"] for p in contradictions_json(db, "--verdict", "unreviewed")}
    markdown = run("contradictions", "--db", db).stdout
    assert "dismissed (other talks)" in markdown and first["id"][:8] in markdown
    assert_clean_error(run("contradictions", "confirm", "zzzz", "--db", db))


# --- ClaimReview drafts --------------------------------------------------------------------------


def test_claimreview_file_says_what_was_written(seeds_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "claims.json"
    result = run("contradictions", "--db", seeds_db, "-f", "claimreview", "-o", out)
    assert result.exit_code == 0, result.output
    drafts = json.loads(out.read_text(encoding="utf-8"))
    pairs = len(contradictions_json(seeds_db))
    assert f"wrote {len(drafts)} ClaimReview draft" in result.stderr
    assert f"from {pairs} pair" in result.stderr
    for draft in drafts:
        assert draft["creativeWorkStatus"] == "Draft"
        assert draft["url"] and set(draft["reviewRating"]) >= {
            "ratingValue",
            "bestRating",
            "worstRating",
            "alternateName",
        }
        assert draft["claimReviewed"] == draft["claimReviewed"].strip(' ,;:"“”')


def test_claimreview_claim_loses_the_quotes_punctuation() -> None:
    from quotes import report

    claim = {
        "id": "c1",
        "content": "\u201cThe pier stays open all winter,\u201d",
        "speaker": "Ada Quill",
        "url": "https://example.org/pier",
    }
    denial = {"id": "d1", "content": "The pier is closed", "speaker": "Bram Holt"}
    item = {"claim": claim, "denial": denial, "score": 0.5, "reason": "r"}
    review = json.loads(report.to_claimreview([item]))[0]
    assert review["claimReviewed"] == "The pier stays open all winter"


# --- progress ------------------------------------------------------------------------------------


def test_expected_articles_counts_what_the_inputs_hold(tmp_path: Path) -> None:
    from quotes.progress import expected_articles

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("One story.")
    (folder / "sub" / "b.html").write_text("<p>Another.</p>")
    (folder / ".hidden.txt").write_text("not read")
    (folder / "notes.md").write_text("not an input")
    lines = tmp_path / "many.jsonl"
    lines.write_text('{"text": "x"}\n\n{"text": "y"}\n{"text": "z"}\n')
    assert expected_articles([str(folder)]) == 2
    assert expected_articles([str(folder), str(lines)]) == 5
    assert expected_articles([str(lines), "-"]) is None
    (tmp_path / "list.json").write_text("[]")
    assert expected_articles([str(tmp_path / "list.json")]) is None


def test_meter_moves_per_article_with_rate_and_time_left() -> None:
    from quotes.progress import Meter

    meter = Meter(total=4, started=0.0)
    assert meter.seconds_left() is None
    meter.add("one two three")
    meter.add(None)
    assert (meter.articles, meter.words) == (2, 3)
    left = meter.seconds_left()
    assert left is not None and left > 0
    line = meter.line()
    assert line.startswith("2/4 articles, ") and "words/s" in line and line.endswith(" left")
    assert Meter().line().startswith("0 articles, ")


def test_ingest_reports_skipped_articles_to_the_progress(tmp_path: Path) -> None:
    from quotes import pipeline

    db = open_db(tmp_path / "q.db")
    story = story_jsonl(tmp_path / "a.jsonl", "May")
    done: list[str] = []
    skipped: list[str] = []
    pipeline.ingest([str(story)], db, on_article=lambda a: done.append(a.id))
    pipeline.ingest(
        [str(story)],
        db,
        on_article=lambda a: done.append(a.id),
        on_skipped=lambda a: skipped.append(a.id),
    )
    assert len(done) == 1 and skipped == done
    db.close()
