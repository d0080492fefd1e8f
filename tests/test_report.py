"""Tests for `quotes.report`: each renderer, highlighting, escaping and the JSON shapes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from quotes import report

GENERATED = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"

# --- a minimal JSON Schema validator (jsonschema is not installed) -------------------------------

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "number": (int, float),
    "integer": int,
    "boolean": bool,
    "null": type(None),
}


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Errors of `value` against the subset of JSON Schema these tests use."""
    errors: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        ok = any(
            isinstance(value, _TYPES[name]) and not (name != "boolean" and isinstance(value, bool))
            for name in names
        )
        if not ok:
            return [f"{path}: expected {types}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minItems" in schema and isinstance(value, list) and len(value) < schema["minItems"]:
        errors.append(f"{path}: fewer than {schema['minItems']} items")
    if isinstance(value, dict):
        errors += [
            f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in value
        ]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
    return errors


def test_schema_errors_catches_mistakes() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    assert schema_errors({"a": 1}, schema) == []
    assert schema_errors({}, schema) == ["$: missing 'a'"]
    assert schema_errors({"a": "1"}, schema) == ["$.a: expected integer, got str"]
    assert schema_errors({"a": True}, schema) == ["$.a: expected integer, got bool"]


NULLABLE_STRING = {"type": ["string", "null"]}
SIDE_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "source",
        "content",
        "speaker",
        "cited_outlet",
        "publisher",
        "published",
        "title",
        "url",
    ],
    "properties": {
        "id": {"type": "string"},
        "source": {"type": "string"},
        "content": {"type": "string"},
        "speaker": NULLABLE_STRING,
        "cited_outlet": NULLABLE_STRING,
        "cited_chain": {"type": "array", "items": {"type": "string"}},
        "publisher": NULLABLE_STRING,
        "published": NULLABLE_STRING,
        "title": NULLABLE_STRING,
        "url": NULLABLE_STRING,
        "cue": NULLABLE_STRING,
        "speaker_mention": NULLABLE_STRING,
        "spans": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "context": {"type": "string"},
        "context_start": {"type": ["integer", "null"]},
    },
}
JSON_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["claim", "denial", "score", "reason"],
        "properties": {
            "claim": SIDE_SCHEMA,
            "denial": SIDE_SCHEMA,
            "score": {"type": "number"},
            "reason": {"type": "string"},
        },
    },
}
ORGANIZATION = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"const": "Organization"}, "name": {"type": "string"}},
}
CREATIVE_WORK = {
    "type": "object",
    "required": ["@type"],
    "properties": {
        "@type": {"const": "CreativeWork"},
        "url": {"type": "string", "pattern": "^https?://"},
        "headline": {"type": "string"},
        "publisher": ORGANIZATION,
        "datePublished": {"type": "string"},
    },
}
AUTHOR = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"enum": ["Person", "Organization"]}, "name": {"type": "string"}},
}
CLAIMREVIEW_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "@context",
            "@type",
            "claimReviewed",
            "itemReviewed",
            "author",
            "reviewRating",
            "datePublished",
            "description",
        ],
        "properties": {
            "@context": {"const": "https://schema.org"},
            "@type": {"const": "ClaimReview"},
            "claimReviewed": {"type": "string"},
            "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "author": ORGANIZATION,
            "reviewRating": {
                "type": "object",
                "required": ["@type", "alternateName"],
                "properties": {"@type": {"const": "Rating"}, "alternateName": {"type": "string"}},
            },
            "itemReviewed": {
                "type": "object",
                "required": ["@type", "author", "appearance", "firstAppearance"],
                "properties": {
                    "@type": {"const": "Claim"},
                    "author": AUTHOR,
                    "datePublished": {"type": "string"},
                    "appearance": {"type": "array", "minItems": 1, "items": CREATIVE_WORK},
                    "firstAppearance": CREATIVE_WORK,
                },
            },
            "description": {"type": "string"},
            "citation": {"type": "array", "items": CREATIVE_WORK},
        },
    },
}

# --- fixtures ------------------------------------------------------------------------------------

ARTICLE = (
    "Minister to resign, sources say\n"
    "According to Reuters, Finance Minister Carl Brandt will resign after the vote, "
    "sources close to the government said.\n"
    "The vote is on Friday."
)
CLAIM_CONTENT = "Finance Minister Carl Brandt will resign after the vote"


def quote(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "q1",
        "article_id": "a1",
        "source": "a1.txt",
        "content": "the content",
        "spans": [[0, 11]],
        "kind": "indirect",
        "cue": {"text": "said", "start": 0, "end": 4},
        "speaker_mention": {"text": "he", "start": 0, "end": 2},
        "speaker": "Someone",
        "speaker_kind": "person",
        "speaker_title": None,
        "cited_outlet": None,
        "cited_chain": [],
        "publisher": "Daily Planet",
        "polarity": "asserts",
        "confidence": 1.0,
        "title": "A title",
        "url": "https://example.org/a1",
        "published": "2024-05-02",
    }
    return base | fields


@pytest.fixture
def items() -> list[dict[str, Any]]:
    start = ARTICLE.index(CLAIM_CONTENT)
    claim = quote(
        id="claim1",
        content=CLAIM_CONTENT,
        spans=[[start, start + len(CLAIM_CONTENT)]],
        speaker="sources close to the government",
        speaker_kind="anonymous",
        cited_outlet="Reuters",
        cited_chain=["Reuters"],
        title="Minister to resign, sources say",
        url="https://planet.example/minister",
        text=ARTICLE,
    )
    denial_context = "Brandt's office said he has no plans to resign and called it fake news."
    denial = quote(
        id="denial1",
        article_id="a2",
        content="he has no plans to resign",
        spans=[[1021, 1046]],
        context=denial_context,
        context_start=1000,
        speaker="Finance Ministry",
        speaker_kind="organization",
        publisher="Morning Star",
        title="Ministry denies resignation",
        url="https://star.example/denial",
        published="2024-05-03",
        polarity="denies",
    )
    reason = 'Denial ("no plans to resign", Finance Ministry) of a claim reported by Reuters'
    return [{"claim": claim, "denial": denial, "score": 0.8123, "reason": reason}]


@pytest.fixture
def hostile() -> list[dict[str, Any]]:
    claim = quote(
        id="h1",
        content=f"{HOSTILE} the dam will burst",
        speaker=HOSTILE,
        title=f"Title {HOSTILE}",
        publisher=f"<b>{HOSTILE}</b>",
        url="javascript:alert(1)",
        cited_outlet='Evil" onmouseover="alert(1)',
        context=f"Before. {HOSTILE} the dam will burst. After.",
    )
    denial = quote(
        id="h2",
        content="the dam is <img src=x onerror=alert(1)> safe",
        speaker="<img src=x onerror=alert(1)>",
        url="  JaVaScRiPt:alert(1)",
        title="</title><script>alert(2)</script>",
        polarity="denies",
    )
    return [{"claim": claim, "denial": denial, "score": 0.5, "reason": f"because {HOSTILE}"}]


# --- highlighting --------------------------------------------------------------------------------


def test_report_segments_place_spans_with_the_context_offset(items: list[dict[str, Any]]) -> None:
    parts = report.segments(items[0]["denial"])
    assert [text for text, hl in parts if hl] == ["he has no plans to resign"]
    assert "".join(text for text, _ in parts) == items[0]["denial"]["context"]


def test_report_segments_use_the_paragraph_of_the_article_text(
    items: list[dict[str, Any]],
) -> None:
    parts = report.segments(items[0]["claim"])
    assert parts[0] == ("According to Reuters, ", False)
    assert parts[1] == (CLAIM_CONTENT, True)
    assert parts[2] == (", sources close to the government said.", False)


def test_report_segments_find_fragments_without_an_offset() -> None:
    side = quote(content="we will win … and soon", context='"We will win," he said, "and soon."')
    side["context"] = '"we will win," he said, "and soon."'
    parts = report.segments(side)
    assert [text for text, hl in parts if hl] == ["we will win", "and soon"]


def test_report_segments_without_context_give_the_content() -> None:
    assert report.segments(quote(content="just this")) == [("just this", True)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", None),
        (" JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//example.org/x", None),
        ("https://exa mple.org", None),
        (None, None),
    ],
)
def test_report_safe_url(url: str | None, expected: str | None) -> None:
    assert report.safe_url(url) == expected


# --- Markdown ------------------------------------------------------------------------------------


def test_report_markdown_has_header_both_sides_and_highlight(items: list[dict[str, Any]]) -> None:
    md = report.to_markdown(items, title="Fact check", generated=GENERATED)
    assert md.startswith("# Fact check\n")
    assert "1 pair of a claim and its denial · generated 2024-06-01 12:30 UTC" in md
    assert "## 1. Finance Ministry denies a claim by sources close to the government" in md
    assert "**Score:** 0.81" in md
    assert "no plans to resign" in md and "**Why:**" in md
    assert f"> According to Reuters, **{CLAIM_CONTENT}**, sources close" in md
    assert "> Brandt's office said **he has no plans to resign** and called it fake news." in md
    assert "- **Cited outlet:** Reuters" in md
    assert "- **Publisher:** Morning Star" in md
    assert "- **Published:** 2024-05-03" in md
    assert "- **Link:** [Minister to resign, sources say](https://planet.example/minister)" in md
    assert md.index("### Claim") < md.index("### Denial")


def test_report_markdown_escapes_markup(hostile: list[dict[str, Any]]) -> None:
    md = report.to_markdown(hostile, generated=GENERATED)
    # Every "<" from the data is backslash-escaped, so no renderer sees an HTML tag.
    assert re.findall(r"(?<!\\)<", md) == []
    assert r"\<script\>alert(1)\</script\>" in md
    assert "javascript" not in md.lower()


def test_report_markdown_empty() -> None:
    md = report.to_markdown([], generated=GENERATED)
    assert "0 pairs" in md and "No contradictions found." in md


# --- HTML ----------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_report_html_is_standalone_and_highlights(items: list[dict[str, Any]]) -> None:
    page = report.to_html(items, title="Fact check", generated=GENERATED)
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "<style>" in page
    assert f"<mark>{CLAIM_CONTENT}</mark>" in page
    assert "<mark>he has no plans to resign</mark>" in page
    parsed = parse(page)
    tags = [tag for tag, _ in parsed.tags]
    # Nothing fetched from elsewhere: no scripts, external stylesheets, images or frames.
    assert not {"script", "link", "img", "iframe"} & set(tags)
    assert not any("src" in attrs for _, attrs in parsed.tags)
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert hrefs == ["https://planet.example/minister", "https://star.example/denial"]
    text = "".join(parsed.text)
    for expected in ("Fact check", "Reuters", "Morning Star", "2024-05-03", "0.81"):
        assert expected in text
    assert "Ministry denies resignation" in text
    assert items[0]["reason"] in text


def test_report_html_escapes_everything(hostile: list[dict[str, Any]]) -> None:
    page = report.to_html(hostile, title=f"T {HOSTILE}", generated=GENERATED)
    parsed = parse(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(tag == "a" for tag in tags), "javascript: URLs must not become links"
    assert "javascript:" not in page.lower()
    assert all("onmouseover" not in attrs for _, attrs in parsed.tags)
    # The hostile text is shown as text, in full.
    assert HOSTILE in "".join(parsed.text)
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt; the dam will burst</mark>" in page


def test_report_html_empty() -> None:
    assert "No contradictions found." in report.to_html([], generated=GENERATED)


# --- JSON ----------------------------------------------------------------------------------------


def test_report_json_validates(items: list[dict[str, Any]], hostile: list[dict[str, Any]]) -> None:
    data = json.loads(report.to_json(items + hostile))
    assert schema_errors(data, JSON_SCHEMA) == []
    first = data[0]
    assert first["score"] == 0.8123
    assert first["claim"]["cue"] == "said"
    assert first["claim"]["cited_outlet"] == "Reuters"
    assert first["claim"]["context"].startswith("According to Reuters")
    assert "text" not in first["claim"], "the full article text stays out of the report"
    assert first["denial"]["context_start"] == 1000
    # JSON keeps the data as it is; escaping is the consumer's job.
    assert data[1]["claim"]["speaker"] == HOSTILE


# --- ClaimReview ---------------------------------------------------------------------------------


def test_report_claimreview_validates(items: list[dict[str, Any]]) -> None:
    data = json.loads(report.to_claimreview(items, generated=GENERATED))
    assert schema_errors(data, CLAIMREVIEW_SCHEMA) == []
    review = data[0]
    assert review["claimReviewed"] == CLAIM_CONTENT
    assert review["datePublished"] == "2024-06-01"
    assert review["reviewRating"]["alternateName"] == ""
    assert review["author"]["name"] == report.REVIEW_AUTHOR_PLACEHOLDER
    claim = review["itemReviewed"]
    assert claim["author"] == {"@type": "Person", "name": "sources close to the government"}
    assert claim["datePublished"] == "2024-05-02"
    assert claim["appearance"][0]["url"] == "https://planet.example/minister"
    assert claim["appearance"][0]["publisher"]["name"] == "Daily Planet"
    assert claim["firstAppearance"]["publisher"]["name"] == "Reuters"
    assert "Finance Ministry denied it" in review["description"]
    assert "he has no plans to resign" in review["description"]
    citation = review["citation"][0]
    assert citation["author"] == {"@type": "Organization", "name": "Finance Ministry"}
    assert citation["url"] == "https://star.example/denial"


def test_report_claimreview_is_safe_inside_a_script_tag(hostile: list[dict[str, Any]]) -> None:
    text = report.to_claimreview(hostile, generated=GENERATED)
    assert "<" not in text and ">" not in text
    data = json.loads(text)
    assert schema_errors(data, CLAIMREVIEW_SCHEMA) == []
    assert data[0]["claimReviewed"] == f"{HOSTILE} the dam will burst"
    appearance = data[0]["itemReviewed"]["appearance"][0]
    assert "url" not in appearance, "a javascript: URL is left out"
    first = data[0]["itemReviewed"]["firstAppearance"]
    assert first["publisher"]["name"] == 'Evil" onmouseover="alert(1)'


def test_report_claimreview_first_appearance_defaults_to_the_article() -> None:
    item = {"claim": quote(), "denial": quote(id="q2"), "score": 0.4, "reason": "r"}
    data = json.loads(report.to_claimreview([item], generated=GENERATED))
    claim = data[0]["itemReviewed"]
    assert claim["firstAppearance"] == claim["appearance"][0]
    assert claim["firstAppearance"]["url"] == "https://example.org/a1"


# --- dispatch ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("md", "# Contradictions"),
        ("html", "<!DOCTYPE html>"),
        ("json", '"claim"'),
        ("claimreview", '"ClaimReview"'),
    ],
)
def test_report_render_dispatches(items: list[dict[str, Any]], fmt: str, marker: str) -> None:
    assert marker in report.render(items, fmt)


def test_report_render_rejects_unknown_formats(items: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="md, html, json, claimreview"):
        report.render(items, "pdf")


def test_report_attach_quotes_resolves_ids(items: list[dict[str, Any]]) -> None:
    by_id = {q["id"]: q for q in (items[0]["claim"], items[0]["denial"])}
    pairs = [
        {"claim_quote_id": "claim1", "denial_quote_id": "denial1", "score": 0.5, "reason": "r"}
    ]
    attached = report.attach_quotes(pairs, by_id.__getitem__)
    assert attached[0]["claim"]["id"] == "claim1"
    assert attached[0]["denial"]["id"] == "denial1"
    assert attached[0]["score"] == 0.5
