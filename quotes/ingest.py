"""Readers per input format, each turning an input into `Article`s.

Inputs are `.txt`, `.html`/`.htm`, `.jsonl`, `.json` and `.warc`/`.warc.gz` files, folders of
them (except `.json`), and `-` for stdin. Bad inputs become `Failure`s: handed to `on_error`, or
raised as `InputError` when there is no `on_error`. `Article.text` is the text exactly as
decoded, with only `\\r\\n` and `\\r` made `\\n`, because every offset downstream indexes it.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import charset_normalizer
import trafilatura
from dateutil import parser as date_parser
from trafilatura.settings import Document, set_date_params
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from . import lexicons
from .errors import InputError
from .models import Article, Failure

HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
# What a folder is searched for. `.json` is left out because folders of articles also hold
# JSON that is not articles (`seeds/expected.json`); a file named explicitly is read whatever
# its suffix, a `.json` one as an article object or a list of them, any other one as text.
SUFFIXES = (".txt", *HTML_SUFFIXES, ".jsonl", *WARC_SUFFIXES)

# A first line longer than this is a paragraph, not a title.
MAX_TITLE_LENGTH = 200

# Curly quotes, primes and accents as ASCII quotes: textacy's `normalize.quotation_marks` table
# (the first seven), then the marks it leaves alone (low-9, reversed-9, guillemets). Done here,
# not by importing textacy, which takes a second to import (scikit-learn, scipy) for three
# one-line functions; tests/test_startup.py checks both give the same ids.
_QUOTES = str.maketrans("ʼ‘’´`“”„‟«»‚‛‹›", "'''''\"\"\"\"\"\"''''")
# What textacy's `normalize.whitespace` drops (`str.split` does not count them as white space).
_ZERO_WIDTH = re.compile(r"[\u200B\u2060\uFEFF]+")

# Byte-order marks other than UTF-8's; UTF-32 first, since its LE mark starts with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# `<meta charset=...>`, `http-equiv` content and `Content-Type` headers all spell it this way.
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# The legacy encodings of the WHATWG Encoding Standard (what browsers decode, so what crawled
# pages are in), as Python codec names; guessing among every codec Python has picks rarities
# such as hp_roman8 for a short cp1252 text ("Köln" read as "K—ln").
# fmt: off
WEB_ENCODINGS = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
    "cp866", "cp874", "mac_roman", "mac_cyrillic", "gbk", "gb18030", "big5", "euc_jp",
    "iso2022_jp", "shift_jis", "euc_kr",
)
# fmt: on

# Two defaults that differ in every field: a field parsed the same under both was in the string.
_DATE_DEFAULTS = (datetime(2000, 1, 1, 0, 0), datetime(2001, 2, 2, 1, 1))


@dataclass(frozen=True, slots=True)
class _Warning:
    """Said about an input that was still read (see `read_articles`' `on_warning`)."""

    failure: Failure


_Item = Article | Failure | _Warning


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    outlet: str | None = None,
    on_error: Callable[[Failure], None] | None = None,
    on_warning: Callable[[Failure], None] | None = None,
) -> Iterator[Article]:
    """Read every article of `paths` (files, folders, or `-` for stdin), in order.

    Args:
        paths: the inputs; a folder is searched recursively, sorted, for `SUFFIXES`.
        outlet: the publisher of every article read, overriding anything the inputs say.
        on_error: called with a `Failure` for each bad input; without it the first bad input
            raises `InputError`.
        on_warning: called with a `Failure` for an input that was read, but not as it stands:
            a file name that is not valid UTF-8 (stored as `safe_name` gives it), a text whose
            lines mix encodings (each line decoded on its own). Without it, warnings are
            dropped; the articles are read either way.

    Raises:
        InputError: for the first bad input, when `on_error` is None.
    """
    if isinstance(paths, str | os.PathLike):
        # A lone path would otherwise be read one character at a time.
        paths = [paths]
    for path in paths:
        for item in _read_path(os.fspath(path), outlet):
            if isinstance(item, Article):
                yield item
            elif isinstance(item, _Warning):
                if on_warning is not None:
                    on_warning(item.failure)
            elif on_error is None:
                raise InputError(f"{item.source}: {item.reason}")
            else:
                on_error(item)


def safe_name(path: str) -> str:
    """`path` as text that can be stored and printed: bytes that are not UTF-8 as `\\xNN`.

    On POSIX a file name is bytes, and Python gives the ones that are not UTF-8 as lone
    surrogates, which SQLite (and a UTF-8 terminal) refuse. A valid name is returned as is.

    >>> safe_name(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


def article_id(text: str) -> str:
    """The id of an article: a hash of its text normalised for identity.

    Unicode is NFKC-normalised, curly quotes and apostrophes made straight and every run of
    white space folded to one space, so the same article with other spacing or quote styles
    gets the same id.

    >>> article_id("He said “no”.") == article_id('He  said\\n"no".')
    True
    """
    return hashlib.sha1(_identity_text(text).encode("utf-8")).hexdigest()[:16]


def make_article(
    text: str,
    *,
    source: str,
    title: str | None = None,
    url: str | None = None,
    outlet: str | None = None,
    published: str | None = None,
) -> Article:
    """An `Article` of `text` as given, with its id computed."""
    return Article(
        id=article_id(text),
        text=text,
        source=source,
        title=title,
        url=url,
        outlet=outlet,
        published=published,
    )


def decode(data: bytes, *, declared: str | None = None) -> str:
    """The text of `data`, with newlines made `\\n`; `declared` is a charset to try after UTF-8.

    Raises:
        InputError: the bytes are binary, empty, or in an encoding that cannot be detected.
    """
    wide = next((encoding for bom, encoding in _WIDE_BOMS if data.startswith(bom)), None)
    # NUL bytes are text only in UTF-16 and UTF-32, which announce themselves with a mark.
    if wide is None and b"\x00" in data:
        raise InputError("binary file")
    text = _decode_as(data, wide or "utf-8-sig")
    if text is None and declared:
        text = _decode_as(data, declared)
    if text is None:
        text = _detect(data)
    return _checked(text)


def iso_date(value: object) -> str | None:
    """`value` as an ISO date (`2024-03-01`), or datetime when it has a time; else None.

    A string without a full date (year, month and day) gives None rather than a guess.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        first, second = (date_parser.parse(value, default=d) for d in _DATE_DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if first.date() != second.date():
        return None
    if (first.hour, first.minute) != (second.hour, second.minute):
        return first.date().isoformat()
    return first.isoformat()


# --- dispatch -------------------------------------------------------------------------------


def _read_path(path: str, outlet: str | None) -> Iterator[_Item]:
    if path == "-":
        yield from _guarded("-", partial(_read_stdin, outlet))
    elif Path(path).is_dir():
        yield from _read_folder(Path(path), path, outlet)
    else:
        yield from _read_one(Path(path), outlet)


def _read_one(path: Path, outlet: str | None) -> Iterator[_Item]:
    """The items of one file, named by its safe name; anything not a regular file refused."""
    source = safe_name(str(path))
    if source != str(path):
        reason = f"file name is not valid UTF-8; stored as {source}"
        yield _Warning(Failure(source, reason))
    try:
        # Following links, as `open` would; a FIFO or a device would block or never end.
        mode = path.stat().st_mode
    except OSError as e:
        yield Failure(source, _os_reason(e))
        return
    if not stat.S_ISREG(mode):
        yield Failure(source, f"not a regular file ({_file_kind(mode)})")
        return
    yield from _guarded(source, partial(_read_file, path, source, outlet))


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def _guarded(source: str, read: Callable[[], Iterator[_Item]]) -> Iterator[_Item]:
    """The items of `read()`, its failure to read turned into a last `Failure`."""
    try:
        yield from read()
    except OSError as e:
        yield Failure(source, _os_reason(e))
    except InputError as e:
        yield Failure(source, str(e))


def _os_reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def _read_file(path: Path, source: str, outlet: str | None) -> Iterator[_Item]:
    name = path.name.lower()
    if name.endswith(".jsonl"):
        yield from _read_jsonl(path, source, outlet)
    elif name.endswith(".json"):
        yield from _read_json(path, source, outlet)
    elif name.endswith(HTML_SUFFIXES):
        yield _html_article(path.read_bytes(), source, outlet)
    elif name.endswith(WARC_SUFFIXES):
        yield from _read_warc(path, source, outlet)
    else:
        yield _text_article(decode(path.read_bytes()), source, outlet)


def _read_folder(folder: Path, source: str, outlet: str | None) -> Iterator[_Item]:
    files, errors = _folder_files(folder)
    for error in errors:
        yield Failure(safe_name(str(error.filename or source)), _os_reason(error))
    if not files and not errors:
        yield Failure(safe_name(source), "no .txt, .html or .jsonl files")
    for path in files:
        yield from _read_one(path, outlet)


def _folder_files(folder: Path) -> tuple[list[Path], list[OSError]]:
    """The files under `folder` with a known suffix, sorted, and the errors of listing it."""
    found: list[Path] = []
    errors: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=errors.append):
        # Hidden folders (.git, .cache) hold no articles; pruning here stops the walk descending.
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            Path(root, f) for f in files if not f.startswith(".") and f.lower().endswith(SUFFIXES)
        ]
    return sorted(found, key=lambda p: p.relative_to(folder).parts), errors


# --- plain text and stdin -------------------------------------------------------------------


def _text_article(text: str, source: str, outlet: str | None) -> Article:
    return make_article(text, source=source, title=_first_line_title(text), outlet=outlet)


def _first_line_title(text: str) -> str | None:
    """The first non-empty line, when it reads as a headline: short and without a final period."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) < MAX_TITLE_LENGTH and not line.endswith(".") else None
    return None


def _read_stdin(outlet: str | None) -> Iterator[_Item]:
    # The byte stream when there is one, so that a non-UTF-8 pipe is decoded like a file.
    raw = getattr(sys.stdin, "buffer", None)
    text = decode(raw.read()) if raw is not None else _checked(sys.stdin.read())
    rows = _jsonl_rows(text)
    if rows is None:
        yield _text_article(text, "-", outlet)
        return
    for number, row in enumerate(rows, 1):
        yield _row_item(row, "-", f"-:{number}", outlet)


def _jsonl_rows(text: str) -> list[dict[str, Any]] | None:
    """The rows of `text` when every non-empty line is a JSON object with `text`; else None."""
    rows = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            return None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            return None
        rows.append(row)
    return rows


# --- JSON and JSONL -------------------------------------------------------------------------


def _read_jsonl(path: Path, source: str, outlet: str | None) -> Iterator[_Item]:
    with path.open("rb") as f:
        if b"\x00" in f.read(8192):
            raise InputError("binary file")
        f.seek(0)
        seen = False
        # Line by line: a JSONL file can be larger than memory.
        for number, line in enumerate(f, 1):
            if number == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if line.strip():
                seen = True
                yield _jsonl_item(line, number, source, outlet)
    if not seen:
        raise InputError("empty")


def _jsonl_item(line: bytes, number: int, source: str, outlet: str | None) -> Article | Failure:
    try:
        row = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return Failure(f"{source}:{number}", "not UTF-8")
    except ValueError as e:
        return Failure(f"{source}:{number}", f"invalid JSON: {e}")
    return _row_item(row, source, f"{source}:{number}", outlet)


def _read_json(path: Path, source: str, outlet: str | None) -> Iterator[_Item]:
    try:
        data = json.loads(decode(path.read_bytes()))
    except ValueError as e:
        raise InputError(f"invalid JSON: {e}") from e
    if isinstance(data, dict):
        yield _row_article(data, source, outlet)
    elif isinstance(data, list):
        for index, row in enumerate(data):
            yield _row_item(row, source, f"{source}[{index}]", outlet)
    else:
        raise InputError("not a JSON object or list")


def _row_item(row: object, source: str, where: str, outlet: str | None) -> Article | Failure:
    """The article of one JSON object, or a `Failure` naming `where` it is."""
    try:
        return _row_article(row, source, outlet)
    except InputError as e:
        return Failure(where, str(e))


def _row_article(row: object, source: str, outlet: str | None) -> Article:
    """The article of one JSON object: `text` required; `url`, `title`, `outlet`, `published`."""
    if not isinstance(row, dict):
        raise InputError("not a JSON object")
    text = row.get("text")
    if not isinstance(text, str):
        raise InputError('no "text" string')
    text = _checked(text)
    url, title, named = (_string(row.get(key)) for key in ("url", "title", "outlet"))
    # An outlet the input names is kept even when unknown: the input is explicit about it.
    publisher = outlet or _registry_name(named) or named or _domain_outlet(url)
    return make_article(
        text,
        source=source,
        title=title,
        url=url,
        outlet=publisher,
        published=iso_date(row.get("published")),
    )


def _string(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


# --- HTML and WARC --------------------------------------------------------------------------


def _html_article(
    data: bytes,
    source: str,
    outlet: str | None,
    *,
    url: str | None = None,
    charset: str | None = None,
) -> Article:
    """The article of an HTML page: trafilatura's main text, title, date, site name and URL."""
    html = decode(data, declared=charset or _declared_charset(data[:4096]))
    # Whatever lxml or trafilatura raise on a malformed page fails that page, not the whole run.
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            # Without the extensive search a page with no date gives None, not its copyright year.
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as e:
        raise InputError(f"HTML could not be parsed: {e}") from e
    text = _newlines(doc.text or "") if isinstance(doc, Document) else ""
    if not isinstance(doc, Document) or not text.strip():
        raise InputError("no article text found in the HTML")
    page_url = doc.url or url
    sitename = _string(doc.sitename)
    # trafilatura falls back to the host name for the site name: the registry domain beats it.
    publisher = outlet or _registry_name(sitename) or _domain_outlet(page_url) or sitename
    return make_article(
        text,
        source=source,
        title=_string(doc.title),
        url=page_url,
        outlet=publisher,
        published=iso_date(doc.date),
    )


def _declared_charset(head: bytes) -> str | None:
    match = _CHARSET.search(head)
    return match[1].decode("ascii") if match else None


def _read_warc(path: Path, source: str, outlet: str | None) -> Iterator[_Item]:
    """The articles of the HTML responses of a WARC archive, streamed record by record."""
    seen = False
    with path.open("rb") as f:
        try:
            for record in ArchiveIterator(f):
                content_type = _html_content_type(record)
                if content_type is None:
                    continue
                seen = True
                yield _warc_item(record, content_type, source, outlet)
        except ArchiveLoadFailed as e:
            raise InputError("not a valid WARC file") from e
    if not seen:
        raise InputError("no HTML responses in the WARC file")


def _html_content_type(record: Any) -> str | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    return content_type if "html" in content_type.lower() else None


def _warc_item(
    record: Any, content_type: str, source: str, outlet: str | None
) -> Article | Failure:
    url = record.rec_headers.get_header("WARC-Target-URI")
    try:
        return _html_article(
            record.content_stream().read(),
            source,
            outlet,
            url=url,
            charset=_declared_charset(content_type.encode("latin-1", "replace")),
        )
    except InputError as e:
        return Failure(f"{source}#{url}", str(e))


# --- text helpers ---------------------------------------------------------------------------


def _decode_as(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> str:
    if charset_normalizer.is_binary(data):
        raise InputError("binary file")
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(WEB_ENCODINGS))
    best = matches.best()
    if best is None:
        raise InputError("not UTF-8 and not in any encoding web pages use")
    # Equally good guesses come in alphabetical order, so cp1250 beats cp1252 on Western text
    # ("naïve" read as "naďve"); cp1252, the web's legacy default, is the likelier of a tie.
    tied = (m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence))
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return _decode_as(data, "cp1252") or str(best)
    return str(best)


def _checked(text: str) -> str:
    """`text` without a byte-order mark, newlines made `\\n`; `InputError` if it is blank."""
    text = _newlines(text.removeprefix("\ufeff"))
    if not text.strip():
        raise InputError("empty")
    return text


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _identity_text(text: str) -> str:
    # Quotes first: NFKC would turn the acute accent textacy maps to `'` into a combining mark.
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES))
    return " ".join(_ZERO_WIDTH.sub("", text).split())


# --- publishers -----------------------------------------------------------------------------


def _registry_name(name: str | None) -> str | None:
    """The registry's canonical name for the outlet called `name`, if it is known."""
    entry = lexicons.outlet_index().get(name.lower()) if name else None
    return entry.name if entry else None


def _domain_outlet(url: str | None) -> str | None:
    """The registry's canonical name for the outlet whose domain serves `url`, if known."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    entry = lexicons.outlet_by_domain(host) if host else None
    return entry.name if entry else None
