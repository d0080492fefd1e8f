"""Bad input, crashes and hostile text: real files, the real pipeline, real SQLite, no mocks.

What a crawl throws at `quotes ingest` (empty, binary, mis-encoded, junk HTML, unbalanced quotes,
endless lines, over-long articles, missing files, unreadable folders) is named on stderr and
never stops the good inputs; a `kill -9` mid-ingest leaves a valid database that a re-run
completes; readers work while an ingest writes; hostile text stays text in every output.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language
from typer.testing import CliRunner, Result
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import quotes.process
from quotes import nlp as quotes_nlp
from quotes import pipeline, tagger
from quotes.cli import app
from quotes.ingest import make_article
from quotes.models import FRAGMENT_JOINER, Article, Quote
from quotes.process import process
from quotes.serve import make_datasette

ROOT = Path(__file__).resolve().parent.parent

GOOD = (
    "Talks in Ankara\n\n"
    'Kremlin spokesman Dmitry Peskov said on Friday that "no such talks took place." '
    "Turkish officials declined to comment.\n\n"
    'Erdogan told reporters the two sides would "deepen coordination" on Syria.\n'
)
# Many small articles for the ingests that are killed or read during: a few words each, so the
# pipeline gets through them quickly, but enough of them that the ingest runs for seconds.
NAMES = ("Dmitry Peskov", "Maria Zakharova", "Sergei Lavrov", "Recep Erdogan", "Hakan Fidan")


def run(*args: object, input: str | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], input=input, prog_name="quotes")


def skipped(result: Result) -> dict[str, str]:
    """`{input: reason}` of every `skipped <input>: <reason>` line on stderr."""
    found = {}
    for line in result.stderr.splitlines():
        assert line.startswith("skipped "), line
        source, _, reason = line.removeprefix("skipped ").partition(": ")
        found[source] = reason
    return found


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def count(db: Path, table: str) -> int:
    return int(rows(db, f"select count(*) from [{table}]")[0][0])


def small_articles(n: int, *, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "text": f'{NAMES[i % len(NAMES)]} said on day {i} that "the talks on topic {i} '
            f'went well." Officials in Ankara confirmed plan {i}.',
            "url": f"https://news.example/{i}",
            "published": "2024-03-01",
        }
        for i in range(offset, offset + n)
    ]


def write_jsonl(path: Path, articles: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def start_ingest(*args: object) -> subprocess.Popen[bytes]:
    """`quotes ingest ...` in a process of its own, as a user would run it."""
    return subprocess.Popen(
        [sys.executable, "-m", "quotes", "ingest", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )


def wait_for_articles(db: Path, proc: subprocess.Popen[bytes], at_least: int) -> int:
    """Poll `db` (read-only) until it holds `at_least` articles; fail if the ingest ends first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest finished before it could be interrupted"
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                stored = int(conn.execute("select count(*) from articles").fetchone()[0])
        except sqlite3.OperationalError:
            stored = 0  # not created yet, or its tables not yet migrated
        if stored >= at_least:
            return stored
        time.sleep(0.02)
    raise AssertionError("the ingest stored nothing in time")


def check_offsets(text: str, quote: Quote | dict[str, Any]) -> None:
    """Every offset of `quote` indexes `text`: content, speaker mention and cue."""
    item = quote.to_dict() if isinstance(quote, Quote) else quote
    spans = item["spans"]
    assert all(0 <= s <= e <= len(text) for s, e in spans), spans
    assert item["content"] == FRAGMENT_JOINER.join(text[s:e] for s, e in spans)
    for key in ("speaker_mention", "cue"):
        mention = item[key]
        if mention is not None:
            assert text[mention["start"] : mention["end"]] == mention["text"], (key, mention)


# --- bad input -------------------------------------------------------------------------------


def test_robustness_bad_inputs_named_and_good_ones_stored(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    russian = (
        "Пресс-секретарь президента России Дмитрий Песков заявил журналистам, что никаких "
        'переговоров не было. "Это чистый вымысел", - сказал он.\n'
    ) * 3
    files: dict[str, bytes] = {
        "good.txt": GOOD.encode(),
        "cp1251.txt": russian.encode("cp1251"),
        "cp1252.txt": GOOD.replace("Friday", "Friday in Köln, naïve").encode("cp1252"),
        "unbalanced.txt": (
            'Peskov said "this never ends. Lavrov said "nested "quotes" here\' and "more.\n'
            "«Guillemets without end, he said.\n“Curly” ” “ ‘ ’ quotes, said Erdogan.\n"
        ).encode(),
        # One line of 80 attributions, and one of 30,000 characters.
        "quotes_line.txt": (
            " ".join(f'Official {i} said "plan {i} works" in Ankara.' for i in range(80))
        ).encode(),
        "long_line.txt": ("Markets were calm in Ankara today, traders said. " * 600).encode(),
        "one_token.txt": ("Peskov said " + "x" * 60_000 + ".").encode(),
        "empty.txt": b"",
        "blank.txt": b" \n\t\n  \n",
        "binary.txt": bytes(range(256)) * 8,
        "image.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        "junk.html": b"<html><head><script>var x = 1;</script></head><body><div></div></body>",
        "bad.jsonl": b'{"text": "Peskov said \\"yes.\\""}\nnot json\n{"no": "text"}\n',
        "undetectable.txt": bytes([0x80 + (i * 37) % 120 for i in range(300)]),
    }
    for name, data in files.items():
        (inputs / name).write_bytes(data)
    missing = tmp_path / "missing.txt"
    db = tmp_path / "q.db"

    result = run("ingest", inputs, missing, "--db", db)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    reasons = skipped(result)
    assert reasons == {
        str(inputs / "blank.txt"): "empty",
        str(inputs / "binary.txt"): "binary file",
        str(inputs / "empty.txt"): "empty",
        str(inputs / "image.html"): "binary file",
        str(inputs / "junk.html"): "no article text found in the HTML",
        f"{inputs / 'bad.jsonl'}:2": reasons[f"{inputs / 'bad.jsonl'}:2"],
        f"{inputs / 'bad.jsonl'}:3": 'no "text" string',
        str(inputs / "undetectable.txt"): "binary file",
        str(missing): "no such file or directory",
    }
    assert reasons[f"{inputs / 'bad.jsonl'}:2"].startswith("invalid JSON")
    stored = dict(rows(db, "select source, text from articles"))
    good = ["bad.jsonl", "cp1251.txt", "cp1252.txt", "good.txt"]
    good += ["long_line.txt", "one_token.txt", "quotes_line.txt", "unbalanced.txt"]
    assert sorted(stored) == sorted(str(inputs / name) for name in good)
    # Detected encodings are decoded exactly, not guessed into mojibake.
    assert stored[str(inputs / "cp1251.txt")] == russian
    assert "Köln, naïve" in stored[str(inputs / "cp1252.txt")]
    # Whatever the text, every stored offset indexes the stored text.
    texts = dict(rows(db, "select id, text from articles"))
    quotes = run("find", "--db", db, "--format", "json", "--limit", "100000")
    assert quotes.exit_code == 0, quotes.output
    found = json.loads(quotes.stdout)
    assert len(found) > 80  # the long line's quotes are all there
    for quote in found:
        check_offsets(texts[quote["article_id"]], quote)


# Root reads a chmod 000 folder through CAP_DAC_OVERRIDE: as root, the ingest runs without it.
UNPRIVILEGED = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if hasattr(os, "getuid") and os.getuid() == 0
    else []
)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.skipif(
    bool(UNPRIVILEGED) and shutil.which("setpriv") is None, reason="root without setpriv"
)
def test_robustness_unreadable_folder_named_and_the_rest_stored(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "locked").mkdir(parents=True)
    (inputs / "good.txt").write_text(GOOD, encoding="utf-8")
    (inputs / "locked" / "hidden.txt").write_text(GOOD + "More.\n", encoding="utf-8")
    (inputs / "locked").chmod(0)
    db = tmp_path / "q.db"
    try:
        proc = subprocess.run(
            [*UNPRIVILEGED, sys.executable, "-m", "quotes", "ingest", str(inputs), "--db", str(db)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    finally:
        (inputs / "locked").chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines() == [f"skipped {inputs / 'locked'}: permission denied"]
    assert rows(db, "select source from articles") == [(str(inputs / "good.txt"),)]


def test_robustness_article_beyond_max_length_in_pieces(
    nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = [
        f'"We will not back down on point {i}," Dmitry Peskov told reporters in Moscow. '
        f"According to Interfax, Sergei Lavrov said talks on item {i} were over."
        for i in range(12)
    ]
    text = "Talks\n\n" + "\n\n".join(paragraphs) + "\n"
    article = make_article(text, source="long.txt")
    whole = next(process([article], nlp_=nlp))[1]
    # What `parse` and the tagger read, made small: the text is over four times the limit.
    monkeypatch.setattr(nlp, "max_length", len(text) // 4)
    if tagger.available():
        monkeypatch.setattr(tagger.load(), "max_length", len(text) // 5)
    assert len(quotes_nlp.pieces(text, nlp.max_length)) >= 4

    ((_, doc),) = quotes_nlp.parse([article], nlp=nlp)
    assert doc.text == text
    assert [t.idx for t in doc] == sorted(t.idx for t in doc)
    ((_, pieced),) = process([article], nlp_=nlp)

    assert len(pieced) >= 24
    for quote in pieced:
        check_offsets(text, quote)
    # Cut at line breaks, which end sentences anyway: the same statements as in one piece.
    assert [(q.spans, q.speaker) for q in pieced] == [(q.spans, q.speaker) for q in whole]


def test_robustness_pieces_cover_the_text_exactly() -> None:
    texts = [
        "a" * 50,
        "One. Two. " * 20,
        "line\n" * 30,
        "\n\n\nx" * 10,
        "word " * 40,
        "",
    ]
    for text in texts:
        for limit in (1, 3, 7, 16, 1000):
            bounds = quotes_nlp.pieces(text, limit)
            assert "".join(text[s:e] for s, e in bounds) == text
            assert all(0 < e - s <= limit for s, e in bounds) or text == ""
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))


# --- a failing article ------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_robustness_an_article_that_raises_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    real = quotes.process.quotes_in

    def exploding(article: Article, doc: Any, **kwargs: Any) -> list[Quote]:
        if "EXPLODE" in article.text:
            raise RuntimeError("boom")
        return real(article, doc, **kwargs)

    # Forked workers inherit the patched module.
    monkeypatch.setattr(quotes.process, "quotes_in", exploding)
    paths = []
    for i in range(40):
        text = GOOD.replace("Friday", f"day {i}") + ("EXPLODE\n" if i == 7 else "")
        paths.append(tmp_path / f"{i:02d}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    db = tmp_path / "q.db"

    result = run("ingest", *paths, "--db", db, "--workers", workers)

    assert result.exit_code == 1, result.output
    reasons = skipped(result)
    assert list(reasons) == [str(paths[7])]
    assert reasons[str(paths[7])].endswith("could not be processed: RuntimeError: boom")
    assert count(db, "articles") == 39
    assert str(paths[7]) not in {source for (source,) in rows(db, "select source from articles")}


# --- killed, repeated, read while written -----------------------------------------------------


def table_contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "articles": rows(db, "select id, source, text from articles order by id"),
        "quotes": rows(
            db,
            "select quotes.id, content, spans, speakers.name, cue, polarity from quotes "
            "left join speakers on speakers.id = speaker_id order by quotes.id",
        ),
        "speakers": rows(db, "select name, kind from speakers order by name"),
        "contradictions": rows(db, "select id, score from contradictions order by id"),
    }


N_KILLED = 200


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc; empty elsewhere)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    # A killed child of a killed parent is reaped by init; until then it is a zombie.
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("workers", [1, 2])
def test_robustness_killed_ingest_leaves_a_valid_database_and_rerun_completes(
    tmp_path: Path, workers: int
) -> None:
    source = write_jsonl(tmp_path / "many.jsonl", small_articles(N_KILLED))
    db = tmp_path / "killed.db"
    proc = start_ingest(source, "--db", db, "--batch-size", "5", "--workers", workers)
    try:
        stored = wait_for_articles(db, proc, at_least=20)
        pool = children(proc.pid) if Path("/proc").is_dir() else []
    finally:
        proc.kill()  # SIGKILL: no clean-up, no finally blocks, no atexit
        proc.wait()
    assert proc.returncode == -9
    # Its worker processes see it gone and end too, rather than wait for work forever.
    assert len(pool) == (workers if workers > 1 else 0)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pool)

    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert rows(db, "pragma foreign_key_check") == []
    # Whole batches only: every stored article has its quotes, no quote lacks its article.
    interrupted = count(db, "articles")
    assert stored <= interrupted < N_KILLED
    assert interrupted % 5 == 0
    without_quotes = "select count(*) from articles where id not in (select article_id from quotes)"
    assert rows(db, without_quotes) == [(0,)]

    rerun = run("ingest", source, "--db", db)
    assert rerun.exit_code == 0, rerun.output
    assert rerun.stdout.startswith(
        f"This run: {N_KILLED} articles read, {N_KILLED - interrupted} new, 0 updated,"
        f" {interrupted} already stored"
    )
    clean = tmp_path / "clean.db"
    assert run("ingest", source, "--db", clean).exit_code == 0
    completed = table_contents(db)
    assert len(completed["articles"]) == N_KILLED
    assert completed == table_contents(clean)

    again = run("ingest", source, "--db", db)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(
        f"This run: {N_KILLED} articles read, 0 new, 0 updated, {N_KILLED} already stored;"
    )
    assert table_contents(db) == completed


async def test_robustness_readers_work_while_an_ingest_writes(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "many.jsonl", small_articles(200))
    db = tmp_path / "quotes.db"  # Datasette serves it as /quotes
    proc = start_ingest(source, "--db", db, "--batch-size", "1")
    try:
        wait_for_articles(db, proc, at_least=5)
        ds = make_datasette(db)
        seen = []
        for _ in range(3):
            found = run("find", "--db", db, "--format", "json", "--speaker", "Peskov")
            assert found.exit_code == 0, found.output
            assert all(q["speaker"] == "Dmitry Peskov" for q in json.loads(found.stdout))
            page = await ds.client.get("/quotes/quote_triples.json?_shape=array&_size=max")
            assert page.status_code == 200, page.text
            seen.append(len(page.json()))
            html = await ds.client.get("/quotes/quotes")
            assert html.status_code == 200
        # The reads happened while the ingest was still writing, and saw it progress.
        assert proc.poll() is None
        assert seen[0] > 0
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert count(db, "articles") == 200
    assert rows(db, "pragma integrity_check") == [("ok",)]


# --- hostile text -----------------------------------------------------------------------------

HOSTILE_SOURCE = ROOT / "seeds" / "002_10760e5542fc5ea5.txt"
SCRIPT = "<script>alert(1)</script>"
ATOM = "{http://www.w3.org/2005/Atom}"
IMG = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seed article with markup inside the claim and the denial of a contradiction, a
    speaker and an outlet with absurdly long names, and SQL in a quote."""
    folder = tmp_path_factory.mktemp("hostile")
    text = HOSTILE_SOURCE.read_text(encoding="utf-8")
    text = text.replace("raised this issue", f"raised this {SCRIPT} issue {IMG}")
    text = text.replace("take back the S-400", f"take back {SCRIPT} the S-400")
    text = text.replace("no such issue was raised", "no such <b>issue</b> was raised")
    assert text.count(SCRIPT) == 2 and "<b>issue</b>" in text
    (folder / "hostile.txt").write_text(text, encoding="utf-8")
    long_name = "Wolfeschlegelsteinhausenbergerdorff" * 60
    rows_ = [
        {
            "text": f'"The talks failed," said {long_name}. '
            'Peskov said "\'; DROP TABLE quotes; --" was not a real threat.',
            "outlet": "Outlet " + "X" * 5000,
            "title": "T" * 10_000,
            "url": "javascript:alert(3)",
        }
    ]
    write_jsonl(folder / "long.jsonl", rows_)
    db = folder / "quotes.db"
    result = run("ingest", folder / "hostile.txt", folder / "long.jsonl", "--db", db)
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["--speaker", "'; DROP TABLE quotes; --"],
        ["--speaker", "%' OR '1'='1"],
        ["--text", '" OR 1=1 --'],
        ["--text", "DROP) OR (quotes* NEAR"],
        ["--cited", "x') or 1=1 or ('"],
        ["--outlet", '" union select * from articles --'],
        ["--since", "2024-01-01", "--text", "'; delete from articles; --"],
    ],
)
def test_robustness_sql_in_filters_is_just_text(hostile_db: Path, args: list[str]) -> None:
    before = {t: count(hostile_db, t) for t in ("quotes", "articles", "speakers")}
    result = run("find", "--db", hostile_db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert {t: count(hostile_db, t) for t in before} == before


def test_robustness_sql_in_a_choice_is_a_usage_error(hostile_db: Path) -> None:
    result = run("find", "--db", hostile_db, "--kind", "direct' or '1'='1")
    assert result.exit_code == 2
    assert "is not one of" in result.output


def test_robustness_sql_in_a_quote_is_stored_and_found_as_text(hostile_db: Path) -> None:
    result = run("find", "--db", hostile_db, "--format", "json", "--text", "DROP TABLE quotes")
    assert result.exit_code == 0, result.output
    assert any("DROP TABLE quotes" in q["content"] for q in json.loads(result.stdout))


def test_robustness_markup_escaped_in_the_html_report(hostile_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("contradictions", "--db", hostile_db, "--format", "html", "--output", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    # How much of the markup a claim's content takes in is the extractor's call; whatever it
    # took is shown as text (the report has no script of its own).
    assert "&lt;script" in page
    assert "&lt;b&gt;issue&lt;/b&gt;" in page
    assert "<script" not in page and "<img src=x" not in page and "<b>issue" not in page


def _escaped_everywhere(page: str) -> None:
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>issue</b>" not in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize(
    "url",
    [
        "/quotes/quotes",
        "/quotes/quote_triples",
        "/quotes/quote_triples?_search=alert",
        "/quotes/contradiction_pairs",
        "/quotes/articles",
        "/quotes/speakers",
        "/quotes/outlets",
        "/quotes/quotes?content__contains=script",
        "/quotes?sql=select+content+from+quotes+where+content+like+'%25<%25'",
    ],
)
async def test_robustness_markup_escaped_in_datasette(hostile_db: Path, url: str) -> None:
    ds = make_datasette(hostile_db)
    response = await ds.client.get(url)
    assert response.status_code == 200, response.text[:500]
    _escaped_everywhere(response.text)


async def test_robustness_markup_escaped_on_quote_pages(hostile_db: Path) -> None:
    ds = make_datasette(hostile_db)
    ids = [qid for (qid,) in rows(hostile_db, "select id from quotes where content like '%<%'")]
    assert len(ids) >= 2
    for qid in ids:
        response = await ds.client.get(f"/quotes/quotes/{qid}")
        assert response.status_code == 200
        _escaped_everywhere(response.text)
        assert "&lt;" in response.text


async def test_robustness_markup_is_text_in_the_atom_feed(hostile_db: Path) -> None:
    ds = make_datasette(hostile_db)
    await ds.invoke_startup()
    response = await ds.client.get("/quotes/new_quotes_by_speaker.atom?speaker=Bloomberg")
    assert response.status_code == 200, response.text[:500]
    feed = ET.fromstring(response.text)
    contents = feed.findall(f"{ATOM}entry/{ATOM}content")
    assert contents and all(c.get("type") == "text" for c in contents)
    # Plain text to a feed reader: the markup is shown, never run.
    assert any("<script" in (c.text or "") for c in contents)
    _escaped_everywhere(response.text)


def test_robustness_absurdly_long_names_are_stored_and_listed(hostile_db: Path) -> None:
    (longest,) = rows(hostile_db, "select max(length(name)) from outlets")[0]
    assert longest == len("Outlet ") + 5000
    for command in (["speakers"], ["outlets"], ["find"], ["find", "--outlet", "XXXX"]):
        result = run(*command, "--db", hostile_db)
        assert result.exit_code == 0, result.output
    listed = run("find", "--db", hostile_db, "--outlet", "XXXX", "--format", "json")
    assert json.loads(listed.stdout)


# --- WARC -------------------------------------------------------------------------------------


def write_warc(path: Path, pages: list[tuple[str, str, bytes]]) -> Path:
    """A real WARC (gzipped per record when the name ends .gz) of HTTP responses."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=path.name.endswith(".gz"))
        for url, content_type, body in pages:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
    return path


def page(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        "</article><footer>Footer</footer></body></html>"
    ).encode()


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_robustness_warc_ingested_end_to_end(tmp_path: Path, suffix: str) -> None:
    text = GOOD.split("\n\n", 1)[1]
    path = write_warc(
        tmp_path / f"crawl{suffix}",
        [
            (
                "https://www.reuters.com/world/talks",
                "text/html; charset=utf-8",
                page("Talks", text),
            ),
            ("https://www.reuters.com/app.js", "application/javascript", b"alert(1)"),
            ("https://www.reuters.com/empty", "text/html", b"<html><body></body></html>"),
            (
                "https://www.reuters.com/world/more",
                "text/html",
                page("More", text.replace("Friday", "Monday")),
            ),
        ],
    )
    db = tmp_path / "q.db"
    result = run("ingest", path, "--db", db)
    assert result.exit_code == 1, result.output  # the empty page is a failure
    assert skipped(result) == {
        f"{path}#https://www.reuters.com/empty": "no article text found in the HTML"
    }
    stored = rows(db, "select url, source, title from articles order by url")
    assert stored == [
        ("https://www.reuters.com/world/more", str(path), "More"),
        ("https://www.reuters.com/world/talks", str(path), "Talks"),
    ]
    found = json.loads(run("find", "--db", db, "--format", "json", "--speaker", "Peskov").stdout)
    assert found and {q["publisher"] for q in found} == {"Reuters"}
    assert all("no such talks took place" in q["content"] for q in found)


# --- workers ----------------------------------------------------------------------------------


def test_robustness_workers_store_the_same_as_one_process(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "some.jsonl", small_articles(60))
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    assert run("ingest", source, "--db", one).exit_code == 0
    result = run("ingest", source, "--db", two, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert table_contents(one) == table_contents(two)


def test_robustness_parallel_processing_streams(tmp_path: Path) -> None:
    """Workers take articles as they go: a never-ending input yields results before its end."""

    def endless() -> Iterator[Article]:
        i = 0
        while True:
            yield make_article(f'Peskov said "item {i} is fine." More {i}.', source=str(i))
            i += 1

    results = pipeline.process_parallel(endless(), workers=2)
    first = [next(results) for _ in range(40)]
    assert isinstance(results, Generator)
    results.close()
    assert [a.source for a, _ in first] == [str(i) for i in range(40)]
