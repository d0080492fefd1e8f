"""Tests for `quotes.report`: each renderer, highlighting, escaping and the JSON shapes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from quotes import report

GENERATED = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"

# --- JSON Schema validation --------------------------------------------------------------------


def schema_errors(value: Any, schema: dict[str, Any]) -> list[str]:
    """Every error of `value` against `schema` (JSON Schema 2020-12), as `path: message`."""
    Draft202012Validator.check_schema(schema)
    return [
        f"{error.json_path}: {error.message}"
        for error in Draft202012Validator(schema).iter_errors(value)
    ]


def test_schema_errors_catches_mistakes() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    assert schema_errors({"a": 1}, schema) == []
    assert schema_errors({}, schema) == ["$: 'a' is a required property"]
    assert schema_errors({"a": "1"}, schema) == ["$.a: '1' is not of type 'integer'"]
    assert schema_errors({"a": True}, schema) == ["$.a: True is not of type 'integer'"]


NULLABLE_STRING = {"type": ["string", "null"]}
ISO_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}"}
SIDE_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "article_id",
        "source",
        "content",
        "kind",
        "speaker",
        "speaker_kind",
        "cited_outlet",
        "cited_chain",
        "publisher",
        "published",
        "title",
        "url",
        "polarity",
        "spans",
    ],
    # Nothing else: above all not the full article `text`.
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "article_id": {"type": "string"},
        "source": {"type": "string"},
        "content": {"type": "string"},
        "kind": {"enum": ["direct", "indirect", "mixed"]},
        "cue": NULLABLE_STRING,
        "speaker": NULLABLE_STRING,
        "speaker_mention": NULLABLE_STRING,
        "speaker_kind": {
            "enum": ["person", "organization", "anonymous", "outlet", "unknown", None]
        },
        "speaker_title": NULLABLE_STRING,
        "cited_outlet": NULLABLE_STRING,
        # Outermost first; the last one is the cited outlet.
        "cited_chain": {"type": "array", "items": {"type": "string"}},
        "publisher": NULLABLE_STRING,
        "published": {"anyOf": [ISO_DATE, {"type": "null"}]},
        "title": NULLABLE_STRING,
        "url": NULLABLE_STRING,
        "polarity": {"enum": ["asserts", "denies"]},
        "spans": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "context": {"type": "string"},
        "context_start": {"type": ["integer", "null"]},
    },
}
JSON_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["claim", "denial", "score", "reason"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "claim": SIDE_SCHEMA,
            "denial": SIDE_SCHEMA,
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "reason": {"type": "string"},
        },
    },
}
ORGANIZATION = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"const": "Organization"}, "name": {"type": "string", "minLength": 1}},
}
CREATIVE_WORK = {
    "type": "object",
    "required": ["@type"],
    "properties": {
        "@type": {"const": "CreativeWork"},
        "url": {"type": "string", "pattern": "^https?://"},
        "headline": {"type": "string"},
        "publisher": ORGANIZATION,
        "datePublished": ISO_DATE,
        "text": {"type": "string"},
    },
}
AUTHOR = {
    "type": "object",
    "required": ["@type", "name"],
    "additionalProperties": False,
    "properties": {
        "@type": {"enum": ["Person", "Organization"]},
        "name": {"type": "string", "minLength": 1},
        "jobTitle": {"type": "string"},
        "description": {"type": "string"},
    },
}
CLAIMREVIEW_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        # schema.org ClaimReview, and what Google's Fact Check markup requires of one: url,
        # claimReviewed, author (an organisation's name), reviewRating with alternateName and
        # the rating scale; itemReviewed, a Claim with its author and appearances.
        "required": [
            "@context",
            "@type",
            "url",
            "creativeWorkStatus",
            "claimReviewed",
            "itemReviewed",
            "author",
            "reviewRating",
            "datePublished",
            "description",
            "citation",
        ],
        "properties": {
            "@context": {"const": "https://schema.org"},
            "@type": {"const": "ClaimReview"},
            "url": {"type": "string", "minLength": 1},
            "creativeWorkStatus": {"const": "Draft"},
            # The claim's words, without the quotation's marks or its trailing comma.
            "claimReviewed": {
                "type": "string",
                "minLength": 1,
                "pattern": '^[^"“”‘’«»,;: ].*[^"“”‘’«»,;: ]$',
            },
            "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "author": ORGANIZATION,
            # The verdict is a human's: every rating field there, left empty for the editor.
            "reviewRating": {
                "type": "object",
                "required": [
                    "@type",
                    "alternateName",
                    "ratingValue",
                    "bestRating",
                    "worstRating",
                ],
                "properties": {
                    "@type": {"const": "Rating"},
                    "alternateName": {"const": ""},
                    "ratingValue": {"type": "null"},
                    "bestRating": {"type": "null"},
                    "worstRating": {"type": "null"},
                },
            },
            "itemReviewed": {
                "type": "object",
                "required": ["@type", "author", "appearance", "firstAppearance"],
                "properties": {
                    "@type": {"const": "Claim"},
                    "author": AUTHOR,
                    "datePublished": ISO_DATE,
                    "appearance": {"type": "array", "minItems": 1, "items": CREATIVE_WORK},
                    "firstAppearance": CREATIVE_WORK,
                },
            },
            "description": {"type": "string"},
            "citation": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "allOf": [CREATIVE_WORK, {"required": ["text", "author"]}],
                    "properties": {"author": AUTHOR},
                },
            },
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
        cited_chain=["<i>Wire</i>", 'Evil" onmouseover="alert(1)'],
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
    assert "- **Source chain:** Daily Planet ← Reuters ← sources close to the government" in md
    assert "- **Speaker:** sources close to the government (anonymous source)" in md
    assert "- **Cited outlet:** none (the publisher's own reporting)" in md
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
    # The source chain is data too.
    assert "&lt;i&gt;Wire&lt;/i&gt;" in page and "<i>" not in page
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
    # Anonymous sources make no claimant: the outlet that reported them does.
    assert claim["author"] == {
        "@type": "Organization",
        "name": "Reuters",
        "description": "citing sources close to the government (anonymous)",
    }
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


# --- the source chain ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"publisher": "EADaily", "cited_chain": ["Reuters", "Interfax"], "speaker": "Peskov"},
            "EADaily ← Reuters ← Interfax ← Peskov",
        ),
        # The publisher citing itself (`EADaily adds:`) is one link.
        (
            {"publisher": "EADaily", "cited_chain": ["EADaily"], "speaker": "Kremlin"},
            "EADaily ← Kremlin",
        ),
        # Rows stored before chains were kept have the cited outlet only.
        ({"publisher": None, "cited_chain": [], "cited_outlet": "TASS"}, "TASS ← Someone"),
        ({"publisher": None, "cited_chain": [], "speaker": None}, "he"),
    ],
)
def test_report_chain_text(fields: dict[str, Any], expected: str) -> None:
    assert report.chain_text(quote(**fields)) == expected


def test_report_every_format_carries_the_chain() -> None:
    side = quote(cited_chain=["Reuters", "Interfax"], cited_outlet="Interfax")
    items = [{"claim": side, "denial": quote(id="q2"), "score": 0.5, "reason": "r"}]
    chain = "Daily Planet ← Reuters ← Interfax ← Someone"
    assert chain in report.to_markdown(items)
    assert chain in report.to_html(items)
    assert json.loads(report.to_json(items))[0]["claim"]["cited_chain"] == ["Reuters", "Interfax"]
    review = json.loads(report.to_claimreview(items))[0]
    # The innermost outlet is where the claim first appeared.
    assert review["itemReviewed"]["firstAppearance"]["publisher"]["name"] == "Interfax"


# --- schemas -------------------------------------------------------------------------------------


def test_report_schemas_reject_what_a_report_must_not_hold(items: list[dict[str, Any]]) -> None:
    data = json.loads(report.to_json(items))
    data[0]["claim"]["text"] = "the whole article"
    assert schema_errors(data, JSON_SCHEMA)
    reviews = json.loads(report.to_claimreview(items, generated=GENERATED))
    reviews[0]["reviewRating"]["ratingValue"] = 1
    assert schema_errors(reviews, CLAIMREVIEW_SCHEMA)


def test_report_claimreview_one_review_per_claim() -> None:
    """The same claim read in two articles is one review with two appearances; each denial is
    cited once, and the outlet the claim was cited from is its first appearance."""
    content = "the dam will be sold to Vortex Capital"
    early = quote(
        id="c-early",
        article_id="a1",
        content=content,
        cited_outlet="Reuters",
        cited_chain=["Reuters"],
        publisher="Daily Planet",
        url="https://planet.example/dam",
        published="2024-05-01",
    )
    late = quote(
        id="c-late",
        article_id="a2",
        content=content,
        publisher="Morning Star",
        url="https://star.example/dam",
        published="2024-05-03",
    )
    denial = quote(id="d1", article_id="a3", content="no such sale is planned", polarity="denies")
    other = quote(
        id="c-other", article_id="a4", content="the dam leaks", speaker="Engineer", url=None
    )
    items = [
        {"claim": late, "denial": denial, "score": 0.6, "reason": "r1"},
        {"claim": early, "denial": denial, "score": 0.7, "reason": "r2"},
        {"claim": other, "denial": denial, "score": 0.4, "reason": "r3"},
    ]
    reviews = json.loads(report.to_claimreview(items, generated=GENERATED))
    assert schema_errors(reviews, CLAIMREVIEW_SCHEMA) == []
    assert len(reviews) == 2
    review = reviews[0]
    claim = review["itemReviewed"]
    assert [a["url"] for a in claim["appearance"]] == [
        "https://planet.example/dam",
        "https://star.example/dam",
    ]
    assert claim["datePublished"] == "2024-05-01"
    assert claim["firstAppearance"]["publisher"]["name"] == "Reuters"
    assert len(review["citation"]) == 1
    assert review["description"].count("denied it") == 1
    assert "score 0.70" in review["description"]
