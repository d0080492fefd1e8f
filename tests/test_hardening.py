"""Hardening (issue 20): every bad input reported, writers never lost, output inert.

Real files under tmp_path, the real pipeline, real SQLite, a real Datasette; each test below
failed before the fix it checks (see docs/reliability.md for the promises they stand for).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from quotes.cli import app
from quotes.ingest import read_articles
from quotes.models import Failure

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

# Our own example articles, short enough that the pipeline is quick on them.
STORY = (
    "Port strike ends\n\n"
    'Harbour union leader Mara Quell said on Monday that "the strike is over." '
    "Shipping firms welcomed the news.\n"
)
OTHER = (
    "Bridge reopens\n\n"
    'City engineer Tomas Vell said the bridge "is safe again" after repairs. '
    "Traffic resumed at noon.\n"
)


def run(*args: object, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], input=input, prog_name="quotes")


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def lines(result: Result, prefix: str) -> dict[str, str]:
    """`{input: reason}` of every `<prefix> <input>: <reason>` line on stderr."""
    found = {}
    for line in result.stderr.splitlines():
        if line.startswith(prefix + " "):
            source, _, reason = line.removeprefix(prefix + " ").partition(": ")
            found[source] = reason
    return found


# --- 1. file names that are not UTF-8 -----------------------------------------------------------

BAD_NAME = os.fsdecode(b"x\xff.txt")  # how Python hands such a name over: a lone surrogate


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_hardening_a_name_not_utf8_is_stored_safely_and_the_good_files_too(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "good.txt").write_text(STORY, encoding="utf-8")
    (folder / BAD_NAME).write_text(OTHER, encoding="utf-8")
    named = tmp_path / os.fsdecode(b"named-\xe9.txt")
    named.write_text(OTHER + "More.\n", encoding="utf-8")
    db = tmp_path / "t.db"

    result = run("ingest", folder, named, "--db", db)

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    safe = str(folder) + "/x\\xff.txt"
    safe_named = str(tmp_path) + "/named-\\xe9.txt"
    assert sorted(source for (source,) in rows(db, "select source from articles")) == sorted(
        [str(folder / "good.txt"), safe, safe_named]
    )
    warnings = lines(result, "warning")
    assert warnings == {
        safe: f"file name is not valid UTF-8; stored as {safe}",
        safe_named: f"file name is not valid UTF-8; stored as {safe_named}",
    }
    assert "2 warnings" in result.stdout


# --- 2. FIFOs and other files that are not regular ----------------------------------------------


@pytest.fixture
def unblock() -> Iterator[list[Path]]:
    """FIFOs to open for writing after a while, so that a reader stuck on one fails, not hangs."""
    fifos: list[Path] = []
    done = threading.Event()

    def release() -> None:
        if done.wait(20):
            return
        while not done.wait(0.2):
            for fifo in fifos:
                # Fails (ENXIO) while no reader has it open.
                with contextlib.suppress(OSError):
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    yield fifos
    done.set()
    thread.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_hardening_fifos_are_skipped_with_a_reason(tmp_path: Path, unblock: list[Path]) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "good.txt").write_text(STORY, encoding="utf-8")
    inner = folder / "pipe.txt"
    named = tmp_path / "named.jsonl"
    for fifo in (inner, named):
        os.mkfifo(fifo)
        unblock.append(fifo)
    failures: list[Failure] = []

    articles = list(read_articles([folder, named], on_error=failures.append))

    assert [a.source for a in articles] == [str(folder / "good.txt")]
    assert failures == [
        Failure(str(inner), "not a regular file (a named pipe)"),
        Failure(str(named), "not a regular file (a named pipe)"),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_hardening_ingest_of_a_fifo_ends_and_stores_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "good.txt").write_text(STORY, encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    db = tmp_path / "q.db"
    proc = subprocess.run(
        [sys.executable, "-m", "quotes", "ingest", str(folder), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [
        f"skipped {folder / 'pipe.txt'}: not a regular file (a named pipe)"
    ]
    assert rows(db, "select source from articles") == [(str(folder / "good.txt"),)]


def test_hardening_dev_null_is_refused_not_read(tmp_path: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    failures: list[Failure] = []
    assert list(read_articles(["/dev/null"], on_error=failures.append)) == []
    assert failures == [Failure("/dev/null", "not a regular file (a character device)")]


# --- 5. concurrent writers ----------------------------------------------------------------------

PEOPLE = ("Mara Quell", "Tomas Vell", "Ines Garrow", "Olek Brandt")


def small_articles(n: int, *, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "text": f'{PEOPLE[i % len(PEOPLE)]} said on day {i} that "the port plan {i} is '
            f'working." Dock workers in Rotterdam agreed with plan {i}.',
            "url": f"https://harbour.example/{i}",
        }
        for i in range(offset, offset + n)
    ]


def write_jsonl(path: Path, articles: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def test_hardening_four_concurrent_ingests_all_land(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"  # fresh: the four also race to create the schema
    per = 12
    sources = [
        write_jsonl(tmp_path / f"part{k}.jsonl", small_articles(per, offset=k * per))
        for k in range(4)
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "quotes", "ingest", str(source), "--db", str(db)]
            + ["--batch-size", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for source in sources
    ]
    outcomes = [proc.communicate(timeout=600) for proc in procs]
    for proc, (out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "not a quotes database" not in err
        assert out.startswith(f"This run: {per} articles read, {per} new, 0 updated, 0 already"), (
            out
        )
    assert rows(db, "select count(*) from articles") == [(4 * per,)]
    urls = {url for (url,) in rows(db, "select url from articles")}
    assert urls == {f"https://harbour.example/{i}" for i in range(4 * per)}
    assert rows(db, "pragma integrity_check") == [("ok",)]
    # Every article with its quotes: no batch was half written.
    orphans = "select count(*) from articles where id not in (select article_id from quotes)"
    assert rows(db, orphans) == [(0,)]


# --- 7. output injection ------------------------------------------------------------------------

CLEAR = "\x1b[2J"
LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
CSI = "\x9b31m"  # a C1 control: the one-character CSI
RAW_CONTROLS = ("\x1b", "\x9b", "\x07")


@pytest.fixture(scope="module")
def escapes_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An article with terminal escape sequences in its quote, title and outlet, a speaker
    whose stored name carries one, and a `javascript:` URL."""
    folder = tmp_path_factory.mktemp("escapes")
    row = {
        "text": f'Harbour union leader Mara Quell said on Monday that "the strike {CLEAR} is '
        f'over {LINK} for good {CSI}." Shipping firms welcomed the news.\n',
        "title": f"Strike {CLEAR}ends",
        "outlet": f"Harbour {LINK} Post",
        "url": "javascript:alert(document.cookie)",
    }
    source = folder / "escapes.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    db = folder / "quotes.db"
    result = run("ingest", source, "--db", db)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        conn.execute("update speakers set name = name || ?", [CLEAR])
    return db


def assert_inert(text: str) -> None:
    assert not any(c in text for c in RAW_CONTROLS), repr(text[:300])


@pytest.mark.parametrize(
    "args",
    [
        ["find"],
        ["find", "--format", "json"],
        ["speakers"],
        ["speakers", "--format", "json"],
        ["outlets"],
        ["contradictions"],
        ["contradictions", "--format", "json"],
    ],
)
def test_hardening_escape_sequences_never_reach_the_terminal(
    escapes_db: Path, args: list[str]
) -> None:
    result = run(*args, "--db", escapes_db)
    assert result.exit_code == 0, result.output
    assert_inert(result.output)


def test_hardening_show_prints_escapes_as_text_and_json_keeps_the_values(escapes_db: Path) -> None:
    found = run("find", "--db", escapes_db, "--format", "json")
    (quote,) = json.loads(found.stdout)
    assert CLEAR in quote["content"]  # JSON escapes it, and the value read back is exact
    shown = run("show", quote["id"], "--db", escapes_db)
    assert shown.exit_code == 0, shown.output
    assert_inert(shown.output)
    assert "\\x1b[2J" in shown.output and "\\x9b31m" in shown.output  # shown, not sent
    as_json = run("show", quote["id"], "--db", escapes_db, "--format", "json")
    assert_inert(as_json.stdout)
    assert json.loads(as_json.stdout)["content"] == quote["content"]


async def test_hardening_atom_feed_never_links_to_javascript(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from quotes.serve import make_datasette

    row = {"text": STORY, "url": "javascript:alert(document.cookie)"}
    source = write_jsonl(tmp_path / "js.jsonl", [row, {"text": OTHER, "url": "JavaScript:x()"}])
    db = tmp_path / "quotes.db"
    assert run("ingest", source, "--db", db).exit_code == 0
    ds = make_datasette(db)
    await ds.invoke_startup()
    response = await ds.client.get("/quotes/new_quotes_by_speaker.atom?speaker=e")
    assert response.status_code == 200, response.text[:500]
    feed = ET.fromstring(response.text)
    atom = "{http://www.w3.org/2005/Atom}"
    links = [link.get("href") or "" for link in feed.iter(f"{atom}link")]
    entries = feed.findall(f"{atom}entry")
    assert entries and links
    assert not any("javascript" in href.lower() for href in links), links
