"""The `quotes` command line, end to end: the real pipeline and a real SQLite file, no mocks."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from quotes.cli import app
from quotes.models import FRAGMENT_JOINER

COMMANDS = [
    "ingest",
    "extract",
    "find",
    "speakers",
    "outlets",
    "show",
    "contradictions",
    "serve",
    "evaluate",
]
CONTRACT_KEYS = {
    "source",
    "content",
    "spans",
    "speaker",
    "speaker_mention",
    "cue",
    "kind",
    "cited_outlet",
    "publisher",
}
SUMMARY = re.compile(
    r"^This run: (\d+) articles? read, (\d+) new, (\d+) updated, (\d+) already stored; "
    r"(\d+) quotes? added\. Database: (\d+) articles?, (\d+) quotes?, (\d+) contradictions? "
    r"-> (.+)$"
)


def run(*args: object, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        app, [str(arg) for arg in args], input=input, env=env, prog_name="quotes"
    )


def assert_clean_error(result: Result) -> None:
    """Exit code 1 with a one-line `Error: ...` on stderr and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.output


def summary(result: Result) -> tuple[int, int, int, int, int]:
    match = SUMMARY.match(result.stdout.strip())
    assert match, result.stdout
    read, new, _updated, stored, quotes, _articles, _quotes, contradictions = (
        int(n) for n in match.groups()[:8]
    )
    return read, new, stored, quotes, contradictions


def db_count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"select count(*) from [{table}]").fetchone()[0])


@dataclass(frozen=True)
class Ingested:
    db: Path
    inputs: list[Path]
    result: Result


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Ingested:
    """The seed articles ingested once, through the CLI, into a database under tmp."""
    folder = tmp_path_factory.mktemp("seeds")
    inputs = [Path(shutil.copy(path, folder)) for path in sorted(seeds_dir.glob("*.txt"))]
    db = folder / "quotes.db"
    return Ingested(db, inputs, run("ingest", *inputs, "--db", db))


def find_json(db: Path, *args: object) -> list[dict[str, Any]]:
    result = run("find", "--db", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


# --- help and version ----------------------------------------------------------------------------


def _callbacks() -> dict[str, Any]:
    """Every top-level command and group with the function that answers it."""
    found = {
        info.name or info.callback.__name__: info.callback
        for info in app.registered_commands
        if info.callback
    }
    for group in app.registered_groups:
        found[group.name or ""] = group.typer_instance.registered_callback.callback  # type: ignore[union-attr]
    return found


def test_cli_commands_are_all_tested() -> None:
    # The editors' subcommands (speakers merge|rename, aliases, contradictions confirm|dismiss)
    # are tested in tests/test_newsroom.py.
    assert set(_callbacks()) == {*COMMANDS, "aliases"}


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    callback = _callbacks()[command]
    assert callback is not None and callback.__doc__
    # Compare with white space folded: help text is wrapped to the terminal width.
    assert callback.__doc__.splitlines()[0] in " ".join(result.output.split())
    assert "Example:" in result.output
    assert f"Usage: quotes {command}" in result.output


def test_cli_no_arguments_shows_help() -> None:
    result = run()
    assert "Usage: quotes" in result.output
    assert "contradictions" in result.output


def test_cli_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert re.match(r"quotes \S+", result.stdout)


def test_cli_python_dash_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "quotes", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("quotes ")


# --- ingest --------------------------------------------------------------------------------------


def test_cli_ingest_seeds(seeded: Ingested) -> None:
    assert seeded.result.exit_code == 0, seeded.result.output
    read, new, stored, quotes, contradictions = summary(seeded.result)
    assert (read, new, stored) == (3, 3, 0)
    assert quotes > 0 and quotes == db_count(seeded.db, "quotes")
    assert contradictions >= 1 and contradictions == db_count(seeded.db, "contradictions")
    assert seeded.result.stdout.strip().endswith(f"-> {seeded.db}")
    assert db_count(seeded.db, "articles") == 3


def test_cli_ingest_again_adds_nothing(seeded: Ingested) -> None:
    before = db_count(seeded.db, "quotes")
    result = run("ingest", *seeded.inputs, "--db", seeded.db)
    assert result.exit_code == 0, result.output
    read, new, stored, quotes, _ = summary(result)
    assert (read, new, stored, quotes) == (3, 0, 3, 0)
    assert db_count(seeded.db, "quotes") == before
    assert db_count(seeded.db, "articles") == 3


def test_cli_ingest_reports_bad_inputs(tmp_path: Path, seeds_dir: Path) -> None:
    missing = tmp_path / "missing.txt"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    good = seeds_dir / "001_c68cd8b08327a166.txt"
    db = tmp_path / "q.db"
    result = run("ingest", missing, empty, good, "--db", db)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert any(
        line.startswith(f"skipped {missing}: ") and len(line) > len(str(missing)) + 10
        for line in lines
    ), lines
    assert any(line.startswith(f"skipped {empty}: ") for line in lines), lines
    assert summary(result)[:3] == (1, 1, 0)
    with sqlite3.connect(db) as conn:
        assert [row[0] for row in conn.execute("select source from articles")] == [str(good)]


def test_cli_ingest_stdin(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "stdin.db"
    text = (seeds_dir / "000_f5de96e3ef7a015c.txt").read_text(encoding="utf-8")
    result = run("ingest", "-", "--db", db, input=text)
    assert result.exit_code == 0, result.output
    assert summary(result)[:3] == (1, 1, 0)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select source from articles").fetchall() == [("-",)]
    assert db_count(db, "quotes") > 0


def test_cli_ingest_db_from_environment(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "env.db"
    result = run("ingest", seeds_dir / "001_c68cd8b08327a166.txt", env={"QUOTES_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert db.exists()


@pytest.mark.parametrize("command", ["ingest", "extract"])
def test_cli_unknown_model(tmp_path: Path, seeds_dir: Path, command: str) -> None:
    db = tmp_path / "never.db"
    args = ["--db", db] if command == "ingest" else []
    result = run(
        command, seeds_dir / "000_f5de96e3ef7a015c.txt", "--model", "does-not-exist", *args
    )
    assert_clean_error(result)
    assert "does-not-exist" in result.stderr
    assert not db.exists()


# --- extract -------------------------------------------------------------------------------------


def test_cli_extract_jsonl(seeds_dir: Path) -> None:
    path = seeds_dir / "000_f5de96e3ef7a015c.txt"
    text = path.read_text(encoding="utf-8")
    result = run("extract", path, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        quote = json.loads(line)
        assert quote.keys() >= CONTRACT_KEYS
        fragments = [text[start:end] for start, end in quote["spans"]]
        assert FRAGMENT_JOINER.join(fragments) == quote["content"]
        for key in ("speaker_mention", "cue"):
            mention = quote[key]
            if mention is not None:
                assert text[mention["start"] : mention["end"]] == mention["text"]
    assert any("Peskov" in (json.loads(line)["speaker"] or "") for line in lines)


def test_cli_extract_json_and_table(seeds_dir: Path) -> None:
    path = seeds_dir / "000_f5de96e3ef7a015c.txt"
    as_json = run("extract", path, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    quotes = json.loads(as_json.stdout)
    assert quotes and all(q.keys() >= CONTRACT_KEYS for q in quotes)
    table = run("extract", path, "--format", "table")
    assert table.exit_code == 0, table.output
    assert "Peskov" in table.stdout


def test_cli_extract_failure_exit_code(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = run("extract", missing)
    assert result.exit_code == 1
    assert f"skipped {missing}: " in result.stderr
    assert result.stdout == ""


# --- find, speakers, outlets ---------------------------------------------------------------------


def test_cli_find_speaker_json(seeded: Ingested) -> None:
    rows = find_json(seeded.db, "--speaker", "Peskov")
    assert rows
    assert {row["speaker"] for row in rows} == {"Dmitry Peskov"}
    assert all(CONTRACT_KEYS | {"id", "title", "url", "published"} <= row.keys() for row in rows)


def test_cli_find_csv(seeded: Ingested) -> None:
    result = run("find", "--db", seeded.db, "--speaker", "Peskov", "--format", "csv")
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    assert reader.fieldnames is not None
    assert {"id", "speaker", "content", "spans", "cue", "speaker_mention"} <= set(reader.fieldnames)
    assert rows and {row["speaker"] for row in rows} == {"Dmitry Peskov"}
    for row in rows:
        assert all(len(span) == 2 for span in json.loads(row["spans"]))
        assert not row["cue"].startswith("{")


def test_cli_find_table(seeded: Ingested) -> None:
    result = run("find", "--db", seeded.db, "--speaker", "Peskov")
    assert result.exit_code == 0, result.output
    assert "Peskov" in result.stdout
    assert "speaker" in result.stdout and "quote" in result.stdout
    ids = {row["id"][:8] for row in find_json(seeded.db, "--speaker", "Peskov")}
    assert any(short in result.stdout for short in ids)


def test_cli_find_text(seeded: Ingested) -> None:
    rows = find_json(seeded.db, "--text", "S-400")
    assert rows and all("S-400" in row["content"] for row in rows)


def test_cli_find_cited(seeded: Ingested) -> None:
    rows = find_json(seeded.db, "--cited", "Bloomberg")
    assert rows and {row["cited_outlet"] for row in rows} == {"Bloomberg"}


def test_cli_find_kind(seeded: Ingested) -> None:
    rows = find_json(seeded.db, "--kind", "direct")
    assert rows and {row["kind"] for row in rows} == {"direct"}
    assert run("find", "--db", seeded.db, "--kind", "rumour").exit_code == 2


def test_cli_find_since_future_is_empty(seeded: Ingested) -> None:
    assert find_json(seeded.db, "--since", "2099-01-01") == []


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_cli_find_bad_date_is_usage_error(seeded: Ingested, option: str) -> None:
    result = run("find", "--db", seeded.db, option, "last tuesday")
    assert result.exit_code == 2
    assert "last tuesday" in result.stderr
    assert "Traceback" not in result.output


def test_cli_speakers_and_outlets(seeded: Ingested) -> None:
    env = {"QUOTES_DB": str(seeded.db)}
    speakers = run("speakers", "--format", "json", env=env)
    assert speakers.exit_code == 0, speakers.output
    assert "Dmitry Peskov" in {row["name"] for row in json.loads(speakers.stdout)}
    assert len(json.loads(run("speakers", "--limit", "2", "-f", "json", env=env).stdout)) == 2
    outlets = run("outlets", "--format", "csv", env=env)
    assert outlets.exit_code == 0, outlets.output
    names = {row["name"] for row in csv.DictReader(io.StringIO(outlets.stdout))}
    assert "Bloomberg" in names
    assert "Peskov" in run("speakers", env=env).stdout


# --- show ----------------------------------------------------------------------------------------


def test_cli_show_prefix(seeded: Ingested) -> None:
    quote = find_json(seeded.db, "--speaker", "Peskov", "--kind", "direct")[0]
    result = run("show", quote["id"][:8], "--db", seeded.db)
    assert result.exit_code == 0, result.output
    first_fragment = quote["content"].split(FRAGMENT_JOINER)[0]
    assert f">>>{first_fragment}" in result.stdout
    assert "Dmitry Peskov" in result.stdout
    assert quote["id"] in result.stdout


def test_cli_show_json(seeded: Ingested) -> None:
    quote = find_json(seeded.db, "--speaker", "Peskov")[0]
    result = run("show", quote["id"][:10], "--db", seeded.db, "--format", "json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["id"] == quote["id"]
    assert "text" not in shown
    assert quote["content"].split(FRAGMENT_JOINER)[0] in shown["context"]


def test_cli_show_unknown_id(seeded: Ingested) -> None:
    result = run("show", "ffffffffzz", "--db", seeded.db)
    assert_clean_error(result)
    assert "ffffffffzz" in result.stderr


# --- contradictions ------------------------------------------------------------------------------


def test_cli_contradictions_json(seeded: Ingested) -> None:
    result = run("contradictions", "--db", seeded.db, "--format", "json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert isinstance(items, list) and items
    for item in items:
        for side in ("claim", "denial"):
            assert {"source", "content", "speaker", "cited_outlet"} <= item[side].keys()
            assert item[side]["content"] in item[side]["context"]
    assert any(
        (
            "take back the S-400" in item["claim"]["content"]
            or "raised this issue" in item["claim"]["content"]
        )
        and "no such issue" in item["denial"]["content"]
        for item in items
    )


def test_cli_contradictions_markdown_by_default(seeded: Ingested) -> None:
    result = run("contradictions", "--db", seeded.db)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Contradictions")
    assert "no such issue" in result.stdout


def test_cli_contradictions_html_file(seeded: Ingested, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    result = run("contradictions", "--db", seeded.db, "--format", "html", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").lower().startswith("<!doctype html>")
    count = db_count(seeded.db, "contradictions")
    noun = "contradiction" if count == 1 else "contradictions"
    assert result.stderr.strip() == f"wrote {count} {noun} to {out}"
    assert result.stdout == ""


def test_cli_contradictions_claimreview(seeded: Ingested) -> None:
    result = run("contradictions", "--db", seeded.db, "--format", "claimreview")
    assert result.exit_code == 0, result.output
    reviews = json.loads(result.stdout)
    assert reviews and all(review["@type"] == "ClaimReview" for review in reviews)


def test_cli_contradictions_filters(seeded: Ingested) -> None:
    def count(*args: object) -> int:
        result = run("contradictions", "--db", seeded.db, "-f", "json", *args)
        assert result.exit_code == 0, result.output
        return len(json.loads(result.stdout))

    total = count()
    assert count("--refresh") == total
    assert count("--min-score", "2") == 0
    assert count("--speaker", "nobody at all") == 0
    assert run("contradictions", "--db", seeded.db, "--since", "soon").exit_code == 2


# --- evaluate ------------------------------------------------------------------------------------


def test_cli_evaluate_writes_system_records(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    text = 'Kremlin spokesman Dmitry Peskov said: "These issues will be addressed tomorrow."'
    gold.write_text(json.dumps({"doc_id": "d1", "text": text, "quotes": []}) + "\n")
    out = tmp_path / "system.jsonl"
    result = run("evaluate", gold, "--output", out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [record["doc_id"] for record in records] == ["d1"]
    assert records[0]["quotes"] and "speaker_name" in records[0]["quotes"][0]
    assert_clean_error(run("evaluate", tmp_path / "no-gold.jsonl"))


# --- bad databases -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["find"], ["speakers"], ["outlets"], ["show", "abc"], ["contradictions"], ["serve"]],
)
def test_cli_missing_database(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "absent.db"
    result = run(*args, "--db", db)
    assert_clean_error(result)
    assert "No database" in result.stderr
    assert not db.exists()


def test_cli_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not SQLite\n" * 50)
    result = run("find", "--db", db)
    assert_clean_error(result)
    assert str(db) in result.stderr


def test_cli_find_limit(seeded: Ingested) -> None:
    assert len(find_json(seeded.db, "--limit", "2")) == 2
    assert len(find_json(seeded.db, "--limit", "0")) == db_count(seeded.db, "quotes")
