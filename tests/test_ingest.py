"""Reading articles from real files under `tmp_path`: every format, every kind of bad input."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from quotes.errors import InputError
from quotes.ingest import article_id, iso_date, read_articles
from quotes.models import Article, Failure

BODY = (
    'Kremlin spokesman Dmitry Peskov said on Friday that "no such talks took place," '
    "according to the RBC news agency. The Kremlin has repeatedly denied reports of secret "
    'negotiations, and Peskov told reporters the story was "pure fiction" invented abroad.'
)

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Peskov denies talks | The Moscow Times</title>
<meta property="og:site_name" content="The Moscow Times">
<meta property="og:title" content="Peskov denies talks">
<meta property="og:url" content="https://www.themoscowtimes.com/2024/03/01/peskov-denies-talks">
<meta property="article:published_time" content="2024-03-01T10:15:00+03:00">
</head><body>
<nav><a href="/">Home</a> <a href="/news">Navigation link</a></nav>
<article>
<h1>Peskov denies talks</h1>
<p>{BODY}</p>
<p>Officials in Ankara declined to comment on the report when asked on Friday evening.</p>
</article>
<footer>Copyright 2021 Footer text</footer>
</body></html>
"""


def read(paths: list[str] | list[Path], **kwargs: str) -> tuple[list[Article], list[Failure]]:
    """Every article and failure of `paths`."""
    failures: list[Failure] = []
    articles = list(read_articles([str(p) for p in paths], on_error=failures.append, **kwargs))
    return articles, failures


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# --- plain text ------------------------------------------------------------------------------


def test_ingest_txt_title_text_and_id(tmp_path: Path) -> None:
    text = f"Peskov denies talks\n\n{BODY}\n"
    path = write(tmp_path / "a.txt", text)
    (article,), failures = read([path])
    assert failures == []
    assert article.text == text
    assert article.title == "Peskov denies talks"
    assert article.source == str(path)
    assert article.id == article_id(text)
    assert article.outlet is None and article.url is None and article.published is None


@pytest.mark.parametrize(
    "first_line",
    ["Peskov said the talks went well.", "A" * 200],
    ids=["final period", "too long"],
)
def test_ingest_txt_first_line_not_a_title(tmp_path: Path, first_line: str) -> None:
    (article,), _ = read([write(tmp_path / "a.txt", f"\n  \n{first_line}\nMore text.\n")])
    assert article.title is None


def test_ingest_crlf_and_cr_become_lf(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"Title\r\n\r\nOne line.\rTwo  lines.\r\n")
    (article,), _ = read([path])
    assert article.text == "Title\n\nOne line.\nTwo  lines.\n"


def test_ingest_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "\ufeffCaf\u00e9 talks\n\nBody text.".encode())
    (article,), _ = read([path])
    assert article.text == "Caf\u00e9 talks\n\nBody text."


def test_ingest_cp1252_is_detected(tmp_path: Path) -> None:
    text = "The caf\u00e9 owner said \u201cwe are open\u201d and na\u00efve visitors came."
    path = write(tmp_path / "a.txt", text.encode("cp1252"))
    (article,), failures = read([path])
    assert failures == []
    assert article.text == text


def test_ingest_utf16_with_bom(tmp_path: Path) -> None:
    text = "Peskov said \u201cno\u201d.\n"
    (article,), _ = read([write(tmp_path / "a.txt", text.encode("utf-16"))])
    assert article.text == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n", "empty"),
        (b"Some text\x00\x01\x02 with NUL bytes", "binary file"),
        (bytes(range(1, 256)) * 8, "binary file"),
    ],
    ids=["zero bytes", "white space", "NUL bytes", "binary without NUL"],
)
def test_ingest_bad_file_is_a_failure(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path / "a.txt", data)
    assert read([path]) == ([], [Failure(str(path), reason)])


def test_ingest_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert read([path]) == ([], [Failure(str(path), "no such file or directory")])


def test_ingest_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Some text.")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read a chmod 000 file (root)")
        assert read([path]) == ([], [Failure(str(path), "permission denied")])
    finally:
        path.chmod(0o644)


def test_ingest_without_on_error_raises(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError, match=re.escape(f"{path}: no such file or directory")):
        list(read_articles([str(path)]))


def test_ingest_good_inputs_before_a_bad_one_are_read(tmp_path: Path) -> None:
    good = write(tmp_path / "a.txt", "Some text.")
    articles = read_articles([str(good), str(tmp_path / "nope.txt")])
    assert next(articles).source == str(good)
    with pytest.raises(InputError):
        next(articles)


def test_ingest_accepts_a_lone_path(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Some text.")
    assert [a.source for a in read_articles(path)] == [str(path)]  # type: ignore[arg-type]


def test_ingest_named_file_with_other_suffix_is_text(tmp_path: Path) -> None:
    (article,), _ = read([write(tmp_path / "notes.md", "Peskov said so.")])
    assert article.text == "Peskov said so."


# --- folders ---------------------------------------------------------------------------------


def test_ingest_folder_recurses_sorted_and_skips_others(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "b.txt", "Text b.")
    write(root / "a" / "z.jsonl", json.dumps({"text": "Text a/z."}) + "\n")
    write(root / "a" / "y.htm", PAGE)
    write(root / "c.HTML", PAGE)
    write(root / "expected.json", json.dumps({"about": "not an article"}))
    write(root / "notes.md", "Not an article.")
    write(root / ".hidden.txt", "Hidden.")
    write(root / ".git" / "x.txt", "Hidden folder.")
    articles, failures = read([root])
    assert failures == []
    assert [a.source for a in articles] == [
        str(root / "a" / "y.htm"),
        str(root / "a" / "z.jsonl"),
        str(root / "b.txt"),
        str(root / "c.HTML"),
    ]


def test_ingest_folder_one_bad_file_does_not_stop_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"\x00\x01")
    write(tmp_path / "b.txt", "Text b.")
    articles, failures = read([tmp_path])
    assert [a.text for a in articles] == ["Text b."]
    assert failures == [Failure(str(tmp_path / "a.txt"), "binary file")]


def test_ingest_folder_with_nothing_readable(tmp_path: Path) -> None:
    write(tmp_path / "notes.md", "Not an article.")
    write(tmp_path / ".hidden.txt", "Hidden.")
    assert read([tmp_path]) == ([], [Failure(str(tmp_path), "no .txt, .html or .jsonl files")])


# --- stdin -----------------------------------------------------------------------------------


def test_ingest_stdin_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Headline\n\nPeskov said so.\n"))
    (article,), failures = read(["-"])
    assert failures == []
    assert (article.source, article.title, article.text) == (
        "-",
        "Headline",
        "Headline\n\nPeskov said so.\n",
    )


def test_ingest_stdin_jsonl(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [{"text": "First."}, {"text": "Second.", "outlet": "tass"}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(map(json.dumps, lines)) + "\n\n"))
    articles, failures = read(["-"])
    assert failures == []
    assert [(a.source, a.text, a.outlet) for a in articles] == [
        ("-", "First.", None),
        ("-", "Second.", "TASS"),
    ]


def test_ingest_stdin_json_lines_without_text_are_plain_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = '{"text": "First."}\n{"title": "no text"}\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    (article,), _ = read(["-"])
    assert article.text == text


def test_ingest_stdin_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    assert read(["-"]) == ([], [Failure("-", "empty")])


# --- JSONL and JSON --------------------------------------------------------------------------


def test_ingest_jsonl_bad_lines_are_failures_and_the_rest_is_read(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First.", "title": "One", "url": "https://example.org/1"}),
        "{not json",
        json.dumps({"title": "no text"}),
        "",
        json.dumps(
            {
                "text": "Fourth.\r\nLine two.",
                "outlet": "bloomberg",
                "published": "March 1, 2024",
                "url": "https://www.nytimes.com/x",
            }
        ),
        json.dumps(["a list"]),
        json.dumps({"text": "   "}),
    ]
    path = write(tmp_path / "a.jsonl", "\n".join(lines) + "\n")
    articles, failures = read([path])
    assert [(a.text, a.title, a.url, a.outlet, a.published) for a in articles] == [
        ("First.", "One", "https://example.org/1", None, None),
        ("Fourth.\nLine two.", None, "https://www.nytimes.com/x", "Bloomberg", "2024-03-01"),
    ]
    assert all(a.source == str(path) for a in articles)
    assert [f.source for f in failures] == [f"{path}:2", f"{path}:3", f"{path}:6", f"{path}:7"]
    assert failures[0].reason.startswith("invalid JSON")
    assert failures[1].reason == 'no "text" string'
    assert failures[2].reason == "not a JSON object"
    assert failures[3].reason == "empty"


def test_ingest_jsonl_is_read_lazily(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", json.dumps({"text": "First."}) + "\n{bad\n")
    articles = read_articles([str(path)])
    assert next(articles).text == "First."
    with pytest.raises(InputError, match=re.escape(f"{path}:2: invalid JSON")):
        next(articles)


def test_ingest_jsonl_unknown_outlet_kept_and_domain_used_without_one(tmp_path: Path) -> None:
    lines = [
        {"text": "One.", "outlet": "Foo Daily", "url": "https://www.bbc.co.uk/news/1"},
        {"text": "Two.", "url": "https://www.bbc.co.uk/news/2"},
        {"text": "Three.", "url": "https://unknown.example/3"},
    ]
    path = write(tmp_path / "a.jsonl", "\n".join(map(json.dumps, lines)))
    articles, _ = read([path])
    assert [a.outlet for a in articles] == ["Foo Daily", "BBC", None]


def test_ingest_json_object_and_list(tmp_path: Path) -> None:
    single = write(tmp_path / "one.json", json.dumps({"text": "Single.", "outlet": "RBC"}))
    many = write(tmp_path / "many.json", json.dumps([{"text": "First."}, 3, {"text": "Third."}]))
    articles, failures = read([single, many])
    assert [(a.text, a.outlet) for a in articles] == [
        ("Single.", "RBC"),
        ("First.", None),
        ("Third.", None),
    ]
    assert failures == [Failure(f"{many}[1]", "not a JSON object")]


# --- HTML and WARC ---------------------------------------------------------------------------


def test_ingest_html_body_title_date_outlet(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", PAGE)
    (article,), failures = read([path])
    assert failures == []
    assert BODY in article.text
    assert "Navigation link" not in article.text and "Footer text" not in article.text
    assert article.title == "Peskov denies talks"
    assert article.published == "2024-03-01"
    assert article.outlet == "The Moscow Times"
    assert article.url == "https://www.themoscowtimes.com/2024/03/01/peskov-denies-talks"
    assert article.id == article_id(article.text)


def test_ingest_html_outlet_from_domain(tmp_path: Path) -> None:
    page = PAGE.replace('<meta property="og:site_name" content="The Moscow Times">', "")
    page = page.replace("https://www.themoscowtimes.com/", "https://www.reuters.com/")
    (article,), _ = read([write(tmp_path / "page.html", page)])
    assert article.outlet == "Reuters"


def test_ingest_html_declared_charset(tmp_path: Path) -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1251"').replace(
        "Officials in Ankara", "Песков заявил, что officials in Ankara"
    )
    (article,), failures = read([write(tmp_path / "page.htm", page.encode("cp1251"))])
    assert failures == []
    assert "Песков заявил" in article.text


def test_ingest_html_without_text_is_a_failure(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html", "<html><body><nav></nav></body></html>")
    assert read([path]) == ([], [Failure(str(path), "no article text found in the HTML")])


def test_ingest_outlet_argument_wins(tmp_path: Path) -> None:
    paths = [
        write(tmp_path / "page.html", PAGE),
        write(tmp_path / "a.jsonl", json.dumps({"text": "x", "outlet": "TASS"})),
        write(tmp_path / "a.txt", "Text."),
    ]
    articles, _ = read(paths, outlet="Meduza")
    assert [a.outlet for a in articles] == ["Meduza"] * 3


def write_warc(path: Path, records: list[tuple[str, str, bytes]]) -> Path:
    """A gzipped WARC of HTTP responses `(url, content type, body)`."""
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, content_type, body in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)
    return path


def test_ingest_warc_html_responses(tmp_path: Path) -> None:
    page = PAGE.replace('<meta property="og:site_name" content="The Moscow Times">', "")
    page = page.replace('<meta property="og:url"', '<meta property="og:nothing"')
    path = write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://www.reuters.com/world/a", "text/html; charset=utf-8", page.encode()),
            ("https://www.reuters.com/style.css", "text/css", b"body {}"),
            ("https://www.reuters.com/empty", "text/html", b"<html></html>"),
        ],
    )
    articles, failures = read([path])
    assert [(a.url, a.outlet, a.source) for a in articles] == [
        ("https://www.reuters.com/world/a", "Reuters", str(path))
    ]
    assert BODY in articles[0].text
    assert failures == [
        Failure(f"{path}#https://www.reuters.com/empty", "no article text found in the HTML")
    ]


def test_ingest_invalid_warc(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.warc.gz", b"\x1f\x8b\x08\x00garbage" * 10)
    assert read([path]) == ([], [Failure(str(path), "not a valid WARC file")])


# --- ids and dates ---------------------------------------------------------------------------


def test_article_id_ignores_white_space_and_quote_styles() -> None:
    curly = "Peskov said \u201cit\u2019s fine\u201d.\r\n\r\n  Next\u00a0paragraph.\u200b "
    straight = 'Peskov said "it\'s fine". Next paragraph.'
    assert article_id(curly) == article_id(straight)
    assert article_id("\u00abnon\u00bb, he said") == article_id('"non", he said')
    assert re.fullmatch(r"[0-9a-f]{16}", article_id(straight))


def test_article_id_differs_for_different_texts() -> None:
    assert article_id("Peskov said yes.") != article_id("Peskov said no.")


def test_ingest_same_article_same_id_across_formats(tmp_path: Path) -> None:
    txt = write(tmp_path / "a.txt", "Peskov said \u201cno\u201d.\r\n\r\nThe end.")
    jsonl = write(tmp_path / "b.jsonl", json.dumps({"text": 'Peskov said "no". The end.'}))
    first, second = read([txt, jsonl])[0]
    assert first.text != second.text
    assert first.id == second.id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", "2024-03-01"),
        ("March 1, 2024", "2024-03-01"),
        ("2024-03-01T10:15:00+03:00", "2024-03-01T10:15:00+03:00"),
        ("2024-03-01 10:15", "2024-03-01T10:15:00"),
        ("March 2024", None),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1709280000, None),
    ],
)
def test_iso_date(value: object, expected: str | None) -> None:
    assert iso_date(value) == expected


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_ingest_unreadable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    write(folder / "a.txt", "Text.")
    folder.chmod(0)
    try:
        if os.access(folder, os.R_OK):
            pytest.skip("running as a user who can read a chmod 000 folder (root)")
        _, failures = read([folder])
        assert failures == [Failure(str(folder), "permission denied")]
    finally:
        folder.chmod(0o755)
