"""Renderers for contradiction reports: Markdown, HTML, JSON and schema.org ClaimReview drafts.

An item is `{"claim": QUOTE, "denial": QUOTE, "score", "reason"}` where each QUOTE is a dict as
`query.find` or `query.get_quote` returns it. A side may carry `context` (the text around the
quote) and `context_start` (where that context starts in the article text), so its `spans` can be
highlighted; a side carrying the full article `text` gets its paragraph as context.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jinja2

from .models import FRAGMENT_JOINER

Item = Mapping[str, Any]
Segment = tuple[str, bool]  # a stretch of text and whether it is the quote

FORMATS = ("md", "html", "json", "claimreview")
# The fields of a quote every JSON side carries, in this order.
SIDE_FIELDS = (
    "id",
    "article_id",
    "source",
    "content",
    "kind",
    "cue",
    "speaker",
    "speaker_mention",
    "speaker_kind",
    "speaker_title",
    "cited_outlet",
    "cited_chain",
    "publisher",
    "published",
    "title",
    "url",
    "polarity",
    "spans",
)
# A paragraph longer than this is cut around the quote, this many characters each side.
MAX_CONTEXT = 1200
CONTEXT_MARGIN = 300
REVIEW_AUTHOR_PLACEHOLDER = "[fact-checking organisation]"
# Where the finished fact-check will be published: the editor's to give.
REVIEW_URL_PLACEHOLDER = "[URL of the published fact-check]"
# The rating scale Google's Fact Check markup reads (`ratingValue` within `worstRating` ..
# `bestRating`, `alternateName` the verdict in words): left empty for the editor.
DRAFT_RATING = {"ratingValue": None, "bestRating": None, "worstRating": None, "alternateName": ""}
# Marks and separators a quote's content keeps at its ends, which a claim's wording does not.
CLAIM_STRIP = " \t\n\"'“”‘’«»„‚,;:.–—-…"
_SAFE_SCHEMES = ("http", "https")


# --- public renderers ----------------------------------------------------------------------------


def render(items: Sequence[Item], fmt: str, *, title: str = "Contradictions") -> str:
    """The report in format `fmt`: one of `md`, `html`, `json`, `claimreview`."""
    renderers: dict[str, Callable[[], str]] = {
        "md": lambda: to_markdown(items, title=title),
        "html": lambda: to_html(items, title=title),
        "json": lambda: to_json(items),
        "claimreview": lambda: to_claimreview(items),
    }
    if fmt not in renderers:
        raise ValueError(f"Unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return renderers[fmt]()


def to_markdown(
    items: Sequence[Item], *, title: str = "Contradictions", generated: datetime | None = None
) -> str:
    """A Markdown report: a header, then per pair its score, reason, and both quotes in context.

    Text from the data is escaped, so a `*` or `<script>` in a quote stays literal text.
    """
    lines = [f"# {_md(title)}", "", _summary(len(items), generated), ""]
    if not items:
        lines += ["No contradictions found.", ""]
    for n, item in enumerate(items, 1):
        lines += _md_item(n, item)
    return "\n".join(lines).rstrip() + "\n"


def to_html(
    items: Sequence[Item], *, title: str = "Contradictions", generated: datetime | None = None
) -> str:
    """A standalone HTML page (inline CSS, nothing external) with each quote in `<mark>`.

    Every value from the data is escaped by the template; links are kept only for http(s) URLs.
    """
    views = [_html_item(item) for item in items]
    return _template().render(
        title=title, items=views, count=len(items), generated=_when(generated)
    )


def to_json(items: Sequence[Item]) -> str:
    """A JSON array of `{"claim": SIDE, "denial": SIDE, "score", "reason"}`."""
    out = []
    for item in items:
        entry: dict[str, Any] = {}
        if item.get("id") is not None:
            entry["id"] = item["id"]
        entry |= {
            "claim": _json_side(item["claim"]),
            "denial": _json_side(item["denial"]),
            "score": item.get("score"),
            "reason": item.get("reason"),
        }
        if item.get("review"):
            entry["review"] = item["review"]
        out.append(entry)
    return json.dumps(out, ensure_ascii=False, indent=2)


def to_claimreview(items: Sequence[Item], *, generated: datetime | None = None) -> str:
    """A JSON array of schema.org `ClaimReview` drafts, one per claim, for a human to finish.

    Each draft has every field schema.org's ClaimReview and Google's Fact Check markup require
    (`url`, `claimReviewed`, `author`, `reviewRating` with `ratingValue`, `bestRating`,
    `worstRating` and `alternateName`), those only a fact-checker can give left as placeholders
    (null, empty, or in brackets), and `creativeWorkStatus` "Draft".

    Pairs whose claims say the same thing (same speaker, same words) make one review: every
    article the claim was read in is an `appearance`, the earliest (or the outlet the claim was
    cited from) its `firstAppearance`, and every denial a `citation`. An anonymous claim's
    claimant is the outlet that reported it. The rating and the review's author are left as
    placeholders. `<`, `>` and `&` are written as `\\u003c`-style escapes so that the JSON can
    sit inside an HTML script tag.
    """
    day = (generated or datetime.now(UTC)).date().isoformat()
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault(_claim_key(item["claim"]), []).append(item)
    reviews = [_claimreview(group, day) for group in groups.values()]
    text = json.dumps(reviews, ensure_ascii=False, indent=2)
    # JSON-LD is pasted into <script type="application/ld+json">: a "</script>" in a quote must
    # not close it. Outside strings JSON has none of these characters, so this changes no value.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def attach_quotes(
    pairs: Iterable[Mapping[str, Any]], lookup: Callable[[str], Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Report items from `find_contradictions` pairs, each quote id resolved with `lookup`.

    `lookup` is typically `lambda quote_id: query.get_quote(db, quote_id)`, which also gives the
    article text, from which each side gets its paragraph as context.
    """
    return [
        {
            "claim": dict(lookup(pair["claim_quote_id"])),
            "denial": dict(lookup(pair["denial_quote_id"])),
            "score": pair["score"],
            "reason": pair["reason"],
        }
        for pair in pairs
    ]


# --- context and highlighting --------------------------------------------------------------------


def context_of(quote: Mapping[str, Any]) -> tuple[str, int | None] | None:
    """The text around a quote and its offset in the article, if the quote dict allows.

    An explicit `context` wins (its offset is `context_start`, if given); otherwise the paragraph
    of `text` (the full article) that holds the quote's spans.
    """
    context = quote.get("context")
    if isinstance(context, str) and context:
        start = quote.get("context_start")
        return context, start if isinstance(start, int) else None
    text, spans = quote.get("text"), _spans(quote)
    if not isinstance(text, str) or not spans:
        return None
    first, last = spans[0][0], spans[-1][1]
    if not 0 <= first <= last <= len(text):
        return None
    start = text.rfind("\n", 0, first) + 1
    end = text.find("\n", last)
    end = len(text) if end < 0 else end
    if end - start > MAX_CONTEXT:
        start, end = max(start, first - CONTEXT_MARGIN), min(end, last + CONTEXT_MARGIN)
    return text[start:end], start


def segments(quote: Mapping[str, Any]) -> list[Segment]:
    """The quote in its context as (text, is_quote) stretches; the bare content without context.

    Spans are placed with `context_start`; without it, each fragment of the content is looked for
    in the context. When neither places the quote, the content alone is returned, highlighted.
    """
    content = str(quote.get("content") or "")
    found = context_of(quote)
    if found is None:
        return [(content, True)]
    context, offset = found
    ranges = _ranges_by_offset(quote, context, offset) or _ranges_by_search(content, context)
    if not ranges:
        return [(content, True)]
    out: list[Segment] = []
    cursor = 0
    for start, end in ranges:
        if start > cursor:
            out.append((context[cursor:start], False))
        out.append((context[start:end], True))
        cursor = end
    if cursor < len(context):
        out.append((context[cursor:], False))
    return out


def _spans(quote: Mapping[str, Any]) -> list[tuple[int, int]]:
    spans = []
    for span in quote.get("spans") or []:
        if isinstance(span, Sequence) and len(span) == 2 and all(isinstance(v, int) for v in span):
            spans.append((span[0], span[1]))
    return spans


def _ranges_by_offset(
    quote: Mapping[str, Any], context: str, offset: int | None
) -> list[tuple[int, int]]:
    if offset is None:
        return []
    ranges = []
    for start, end in _spans(quote):
        start, end = max(0, start - offset), min(len(context), end - offset)
        if start < end:
            ranges.append((start, end))
    return _merge(ranges)


def _ranges_by_search(content: str, context: str) -> list[tuple[int, int]]:
    ranges = []
    cursor = 0
    for fragment in content.split(FRAGMENT_JOINER):
        fragment = fragment.strip()
        at = context.find(fragment, cursor) if fragment else -1
        if at >= 0:
            ranges.append((at, at + len(fragment)))
            cursor = at + len(fragment)
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- shared pieces -------------------------------------------------------------------------------


def safe_url(url: Any) -> str | None:
    """`url` if it is an absolute http(s) URL without white space, else None.

    >>> safe_url("javascript:alert(1)") is None
    True
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in _SAFE_SCHEMES and parts.netloc else None


def _when(generated: datetime | None) -> str:
    return (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")


def _summary(count: int, generated: datetime | None) -> str:
    noun = "pair" if count == 1 else "pairs"
    return f"{count} {noun} of a claim and its denial · generated {_when(generated)}"


def _speaker(quote: Mapping[str, Any]) -> str:
    mention = quote.get("speaker_mention")
    if isinstance(mention, Mapping):
        mention = mention.get("text")
    return str(quote.get("speaker") or mention or "unnamed speaker")


def _cue(quote: Mapping[str, Any]) -> str | None:
    cue = quote.get("cue")
    if isinstance(cue, Mapping):
        cue = cue.get("text")
    return cue if isinstance(cue, str) and cue else None


def _headline(item: Item) -> str:
    claim = item["claim"]
    claimant = _speaker(claim)
    via = claim.get("cited_outlet")
    if via and via != claimant:
        claimant += f" (via {via})"
    return f"{_speaker(item['denial'])} denies a claim by {claimant}"


def review_text(item: Item) -> str:
    """An editor's verdict on the pair, with the note: `confirmed (checked with the port)`."""
    review = item.get("review")
    if not review:
        return "not reviewed"
    note = f" ({review['note']})" if review.get("note") else ""
    return f"{review['verdict']}{note}"


def _score(item: Item) -> str:
    score = item.get("score")
    return f"{score:.2f}" if isinstance(score, int | float) else "n/a"


def chain_text(quote: Mapping[str, Any]) -> str:
    """Who had the statement from whom: the publisher, the cited outlets, then the speaker.

    >>> chain_text({"publisher": "EADaily", "cited_chain": ["Reuters", "Interfax"],
    ...             "speaker": "Dmitry Peskov"})
    'EADaily ← Reuters ← Interfax ← Dmitry Peskov'
    """
    links = [quote.get("publisher"), *(quote.get("cited_chain") or []), _speaker(quote)]
    if not quote.get("cited_chain") and quote.get("cited_outlet"):
        links.insert(1, quote["cited_outlet"])
    return " ← ".join(dict.fromkeys(str(link) for link in links if link))


def _speaker_facts(quote: Mapping[str, Any]) -> str:
    speaker = _speaker(quote)
    kind = quote.get("speaker_kind")
    details = [str(quote["speaker_title"])] if quote.get("speaker_title") else []
    if kind == "anonymous":
        details.append("anonymous source")
    elif kind:
        details.append(str(kind))
    return speaker + (f" ({', '.join(details)})" if details else "")


def _facts(quote: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The labelled facts of one side in reading order; the ones a fact-checker must see are
    shown even when unknown, the others only when known."""
    cited = quote.get("cited_outlet")
    facts = [
        ("Speaker", _speaker_facts(quote)),
        ("Cue", _cue(quote)),
        ("Cited outlet", cited or "none (the publisher's own reporting)"),
        ("Source chain", chain_text(quote)),
        ("Publisher", quote.get("publisher") or "unknown"),
        ("Published", quote.get("published") or "unknown"),
        ("Article", quote.get("title")),
        ("Input", None if safe_url(quote.get("url")) else quote.get("source")),
        ("Quote id", quote.get("id")),
    ]
    return [(name, str(value)) for name, value in facts if value]


# --- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def _md(text: Any) -> str:
    """Markdown-escaped single-line text: no markup, no raw HTML, no line breaks."""
    return _md_escape(" ".join(str(text).split()))


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_url(url: str) -> str:
    # Parentheses and angle brackets would end or break the link target.
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _md_quote(parts: list[Segment]) -> str:
    """A blockquote with the quote in bold; white space kept outside the `**` markers."""
    out = []
    for text, highlighted in parts:
        flat = re.sub(r"\s+", " ", text)
        if not highlighted or not flat.strip():
            out.append(_md_escape(flat))
            continue
        lead = " " if flat[0] == " " else ""
        trail = " " if flat[-1] == " " else ""
        out.append(f"{lead}**{_md_escape(flat.strip())}**{trail}")
    return "> " + "".join(out).strip()


def _md_side(role: str, quote: Mapping[str, Any]) -> list[str]:
    lines = [f"### {role}", "", _md_quote(segments(quote)), ""]
    lines += [f"- **{name}:** {_md(value)}" for name, value in _facts(quote)]
    url = safe_url(quote.get("url"))
    if url:
        lines.append(f"- **Link:** [{_md(quote.get('title') or url)}]({_md_url(url)})")
    return lines + [""]


def _md_item(n: int, item: Item) -> list[str]:
    lines = [f"## {n}. {_md(_headline(item))}", ""]
    lines += [f"**Score:** {_score(item)}", "", f"**Why:** {_md(item.get('reason') or '')}", ""]
    if item.get("id"):
        lines += [f"**Id:** `{str(item['id'])[:8]}` · **Editor:** {_md(review_text(item))}", ""]
    lines += _md_side("Claim", item["claim"])
    lines += _md_side("Denial", item["denial"])
    return lines + ["---", ""]


# --- HTML ----------------------------------------------------------------------------------------


@cache
def _template() -> jinja2.Template:
    source = resources.files("quotes").joinpath("templates", "report.html").read_text("utf-8")
    env = jinja2.Environment(
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    return env.from_string(source)


def _html_side(role: str, quote: Mapping[str, Any]) -> dict[str, Any]:
    url = safe_url(quote.get("url"))
    return {
        "role": role.lower(),
        "label": f"{role}: {_speaker(quote)}",
        "segments": segments(quote),
        "facts": _facts(quote),
        "url": url,
        "article": quote.get("title"),
    }


def _html_item(item: Item) -> dict[str, Any]:
    return {
        "headline": _headline(item),
        "score": _score(item),
        "reason": item.get("reason") or "",
        "id": str(item.get("id") or "")[:8],
        "review": review_text(item),
        "sides": [_html_side("Claim", item["claim"]), _html_side("Denial", item["denial"])],
    }


# --- JSON and ClaimReview ------------------------------------------------------------------------


def _json_side(quote: Mapping[str, Any]) -> dict[str, Any]:
    side = {name: quote.get(name) for name in SIDE_FIELDS}
    side["cue"] = _cue(quote)
    mention = quote.get("speaker_mention")
    side["speaker_mention"] = mention.get("text") if isinstance(mention, Mapping) else mention
    side["cited_chain"] = list(quote.get("cited_chain") or [])
    found = context_of(quote)
    if found is not None:
        side["context"], side["context_start"] = found
    return side


def _creative_work(
    quote: Mapping[str, Any], publisher: str | None, *, text: bool = False
) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    url = safe_url(quote.get("url"))
    if url:
        work["url"] = url
    if quote.get("title"):
        work["headline"] = quote["title"]
    if publisher:
        work["publisher"] = {"@type": "Organization", "name": publisher}
    if quote.get("published"):
        work["datePublished"] = quote["published"]
    if text:
        work["text"] = quote.get("content") or ""
    return work


def _claim_author(quote: Mapping[str, Any]) -> dict[str, Any]:
    """The claimant: the speaker, or for anonymous sources the outlet that reported them."""
    kind = quote.get("speaker_kind")
    reporter = quote.get("cited_outlet") or quote.get("publisher")
    if kind == "anonymous" and reporter:
        return {
            "@type": "Organization",
            "name": str(reporter),
            "description": f"citing {_speaker(quote)} (anonymous)",
        }
    schema_type = "Organization" if kind in ("organization", "outlet") else "Person"
    author: dict[str, Any] = {"@type": schema_type, "name": _speaker(quote)}
    if schema_type == "Person" and quote.get("speaker_title"):
        author["jobTitle"] = quote["speaker_title"]
    return author


def _first_appearance(quote: Mapping[str, Any], appearance: dict[str, Any]) -> dict[str, Any]:
    """Where the claim first appeared: the cited outlet's report, else the article itself."""
    chain = [c for c in quote.get("cited_chain") or [] if c]
    # The chain runs outermost first, so its last outlet is the original reporter.
    origin = chain[-1] if chain else quote.get("cited_outlet")
    if not origin or origin == quote.get("publisher"):
        return appearance
    return {"@type": "CreativeWork", "publisher": {"@type": "Organization", "name": origin}}


def _claim_key(quote: Mapping[str, Any]) -> tuple[str, str]:
    """What makes two claim quotes one claim: the same words from the same speaker."""
    content = " ".join(str(quote.get("content") or "").lower().split())
    return _speaker(quote).lower(), content


def _by_date(quotes: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    unique = {str(q.get("id")): q for q in quotes}
    return sorted(
        unique.values(),
        key=lambda q: (q.get("published") is None, q.get("published") or "", str(q.get("id"))),
    )


def _claimreview(group: Sequence[Item], day: str) -> dict[str, Any]:
    claims = _by_date(item["claim"] for item in group)
    denials = _by_date(item["denial"] for item in group)
    first = claims[0]
    appearances = [_creative_work(claim, claim.get("publisher")) for claim in claims]
    reviewed: dict[str, Any] = {"@type": "Claim", "author": _claim_author(first)}
    if first.get("published"):
        reviewed["datePublished"] = first["published"]
    reviewed["appearance"] = appearances
    reviewed["firstAppearance"] = _first_appearance(first, appearances[0])
    citations = []
    for denial in denials:
        counter = _creative_work(
            denial, denial.get("publisher") or denial.get("cited_outlet"), text=True
        )
        counter["author"] = _claim_author(denial)
        citations.append(counter)
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "datePublished": day,
        "creativeWorkStatus": "Draft",
        "url": REVIEW_URL_PLACEHOLDER,
        "claimReviewed": claim_wording(first.get("content") or ""),
        "itemReviewed": reviewed,
        "author": {"@type": "Organization", "name": REVIEW_AUTHOR_PLACEHOLDER},
        "reviewRating": {
            "@type": "Rating",
            **DRAFT_RATING,
            "ratingExplanation": "To be written by a fact-checker: this is an automatic draft.",
        },
        "description": " ".join(_review_description(item) for item in _best_per_denial(group)),
        "citation": citations,
    }


def claim_wording(content: str) -> str:
    """A quote's content as the claim it makes: without quotation marks or a trailing comma.

    >>> claim_wording('“The pier stays open,”')
    'The pier stays open'
    >>> claim_wording("Is the pier open?")
    'Is the pier open?'
    """
    return " ".join(content.strip(CLAIM_STRIP).split())


def _best_per_denial(group: Sequence[Item]) -> list[Item]:
    """One pair per denial (the best scored), so the description names each denial once."""
    best: dict[str, Item] = {}
    for item in group:
        key = str(item["denial"].get("id"))
        if key not in best or (item.get("score") or 0) > (best[key].get("score") or 0):
            best[key] = item
    return sorted(best.values(), key=lambda item: -(item.get("score") or 0))


def _review_description(item: Item) -> str:
    denial = item["denial"]
    where = ", ".join(str(v) for v in (denial.get("publisher"), denial.get("published")) if v)
    said = f'{_speaker(denial)} denied it: "{denial.get("content") or ""}"'
    return (
        f"Draft. {said}"
        + (f" ({where})." if where else ".")
        + f" Paired automatically (score {_score(item)}): {item.get('reason') or ''}"
    )
