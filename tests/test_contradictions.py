"""Tests for claim/denial pairing: stance, denial events, pairing and selection (hand-written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from quotes import pairing, pipeline, query
from quotes.contradictions import denial_phrase, find_contradictions, key_terms, polarity, stance
from quotes.models import Article
from quotes.process import quotes_in
from quotes.store import open_db


def make_quote(
    quote_id: str,
    content: str,
    *,
    speaker: str | None = "Someone",
    speaker_kind: str = "person",
    article_id: str = "art-1",
    published: str | None = "2024-03-01",
    cue: str | None = "said",
    cited: str | None = None,
    publisher: str | None = "Daily Planet",
    title: str | None = None,
    start: int = 0,
    stored_polarity: str | None = None,
) -> dict[str, Any]:
    """A quote dict shaped like `query.find` returns, built by hand."""
    quote: dict[str, Any] = {
        "id": quote_id,
        "article_id": article_id,
        "source": f"{article_id}.txt",
        "content": content,
        "spans": [[start, start + len(content)]],
        "kind": "indirect",
        "cue": {"text": cue, "start": 0, "end": len(cue)} if cue else None,
        "speaker_mention": {"text": speaker, "start": 0, "end": 1} if speaker else None,
        "speaker": speaker,
        "speaker_kind": speaker_kind,
        "speaker_title": None,
        "cited_outlet": cited,
        "cited_chain": [cited] if cited else [],
        "publisher": publisher,
        "confidence": 1.0,
        "title": title,
        "url": f"https://example.org/{article_id}",
        "published": published,
    }
    if stored_polarity is not None:
        quote["polarity"] = stored_polarity
    return quote


def pair_ids(pairs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((p["claim_quote_id"], p["denial_quote_id"]) for p in pairs)


# --- stance --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "cue"),
    [
        ("the ministry sold the land", "denied"),
        ("the plan to merge the two banks", "dismissed"),
        ("the report", "categorically rejected"),
        ("This is completely false", "said"),
        ("A fabrication from start to finish", "said"),
        ("We deny the article. Nothing more to say", "said"),
        ("the story is wrong", "said"),
        ("the whole thing is codswallop", "said"),
        ("the allegations are baseless and we will sue", "said"),
        ("the claims do not reflect the truth", "said"),
        ("Nothing in the newspaper's article is correct", "told reporters"),
        ("the club played no part in it", "said"),
        ("it as fake news", "described"),
        ("a report that the mayor will resign", "denying"),
    ],
)
def test_stance_denials(content: str, cue: str) -> None:
    assert stance(content, cue) == "denial"
    assert polarity(content, cue) == "denies"


@pytest.mark.parametrize(
    "content",
    [
        "the company has not changed its plans",
        "the union did not object to the new shifts",
        "the minister never asked for a bodyguard",
        "there were no talks with the rival bidder",
        "no one in the cabinet has ever discussed a base",
    ],
)
def test_stance_negated_assertions_are_not_denials(content: str) -> None:
    assert stance(content, "said") == "negation"
    assert polarity(content, "said") == "asserts"


@pytest.mark.parametrize(
    ("content", "cue"),
    [
        ("the company did not respond to a request for comment", "said"),
        ("the envoy did not say when the talks would resume", "said"),
        ("the ministry did not deny the report", "said"),
        ("the police refused to rule out an arrest", "said"),
        ("the source asked not to be named", "said"),
        ("the minister will resign after the vote", "said"),
    ],
)
def test_stance_claims(content: str, cue: str) -> None:
    assert stance(content, cue) == "claim"


def test_stance_reaffirmation_is_never_a_denial() -> None:
    assert stance("it stands by its reporting, which is accurate", "said") == "reaffirmation"
    assert stance("the story", "stood by") == "reaffirmation"


def test_denial_phrase_shows_what_is_denied() -> None:
    assert denial_phrase("no such proposal was made at the summit") == "no such proposal was made"
    assert denial_phrase("she did not sign the deal", "denied") == "denied"
    assert denial_phrase("the economy will grow", "said") is None


def test_key_terms_keep_codes_and_drop_stop_words() -> None:
    terms = key_terms("The army said it bought the S-400 systems and two F-35s for $2,500 million")
    assert {"s-400", "f-35", "2500"} <= set(terms)
    assert not {"the", "said", "it", "and", "for"} & set(terms)


def test_same_speaker_names() -> None:
    assert pairing.same_speaker("geng shuang", "geng")
    assert pairing.same_speaker("the saudi embassy", "the embassy")
    assert not pairing.same_speaker("the ministry", "the company")
    assert not pairing.same_speaker("jane okafor", "tom okoro")


# --- denial events -------------------------------------------------------------------------------


def _events(quotes: list[dict[str, Any]]) -> list[pairing.Event]:
    return pairing.denial_events(pairing.prepare(quotes))


def test_bare_quote_denials_join_the_act_of_their_speaker() -> None:
    """`Acme denied the report` and, later, `"This is completely false," an Acme spokesman
    said` and a speakerless `"A fabrication."` beside it are one denial event."""
    act = make_quote("act", "the Courier report", speaker="Acme", cue="denied", start=100)
    judged = make_quote("judged", "This is completely false", speaker="Acme spokesman", start=400)
    bare = make_quote("bare", "A fabrication from start to finish", speaker=None, start=480)
    other = make_quote("other", "the plant will stay open", speaker="Mayor Ruiz", start=2000)
    events = _events([act, judged, bare, other])
    assert len(events) == 1
    assert [m.id for m in events[0].members] == ["act", "judged", "bare"]
    assert events[0].refers and not events[0].plain


def test_negation_beside_a_denial_joins_it_and_alone_is_plain() -> None:
    act = make_quote("act", "the report", speaker="Acme", cue="dismissed", start=100)
    negation = make_quote("neg", "we have not held any talks with Brix", speaker="Acme", start=300)
    alone = make_quote("alone", "the mayor did not sign the lease", speaker="Ruiz", start=900)
    events = _events([act, negation, alone])
    by_speaker = {e.speaker: e for e in events}
    assert [m.id for m in by_speaker["acme"].members] == ["act", "neg"]
    assert by_speaker["ruiz"].plain


def test_denial_event_targets_the_outlet_it_names() -> None:
    act = make_quote(
        "act", "a Reuters report that the mine will close", speaker="Acme", cue="denied"
    )
    claim = make_quote("c", "the mine will close", speaker="Reuters", cited="Reuters", start=900)
    (event,) = _events([act, claim])
    assert event.targets == {"reuters"}


# --- pairing -------------------------------------------------------------------------------------


def _report_and_denial(*, denial_first: bool) -> list[dict[str, Any]]:
    claim_start, denial_start = (700, 100) if denial_first else (100, 700)
    return [
        make_quote(
            "claim",
            "the Norvik shipyard will build four frigates for the navy",
            speaker="people familiar with the matter",
            speaker_kind="anonymous",
            cited="Reuters",
            cue="reported",
            start=claim_start,
        ),
        make_quote(
            "denial",
            "the Reuters report about the frigates",
            speaker="Norvik",
            speaker_kind="organization",
            cue="denied",
            start=denial_start,
        ),
        make_quote(
            "aside",
            "the weather at the launch was cold",
            speaker="Ann Lee",
            start=1500,
        ),
    ]


@pytest.mark.parametrize("denial_first", [False, True])
def test_denial_pairs_with_the_report_it_names_in_either_order(denial_first: bool) -> None:
    pairs = find_contradictions(_report_and_denial(denial_first=denial_first))
    assert pair_ids(pairs) == [("claim", "denial")]
    assert "explicitly targets the Reuters report" in pairs[0]["reason"]
    assert 0.0 < pairs[0]["score"] <= 1.0
    assert set(pairs[0]) == {"claim_quote_id", "denial_quote_id", "score", "reason", "group"}


def test_every_statement_of_the_denial_pairs_with_the_claim_in_one_group() -> None:
    quotes = _report_and_denial(denial_first=False)
    quotes.append(make_quote("quote", "This is completely false", speaker="Norvik", start=900))
    pairs = find_contradictions(quotes)
    assert pair_ids(pairs) == [("claim", "denial"), ("claim", "quote")]
    assert len({p["group"] for p in pairs}) == 1


def test_a_statement_is_never_paired_with_one_that_contains_it() -> None:
    """`Acme denied a Reuters report that the mine will close`: the outlet's claim lies inside
    the act; it pairs with the act's other statements, never with the act itself."""
    act_text = "a Reuters report that the Kell mine will close in May"
    act = make_quote("act", act_text, speaker="Acme", cue="denied", start=100)
    inner = make_quote(
        "inner",
        "the Kell mine will close in May",
        speaker="Reuters",
        speaker_kind="outlet",
        cited="Reuters",
        cue="report",
        start=100 + act_text.index("the Kell"),
    )
    quote = make_quote(
        "quote", "The Kell mine stays open. This is false", speaker="Acme", start=400
    )
    assert pair_ids(find_contradictions([act, inner, quote])) == [("inner", "quote")]


def test_plain_negation_contradicts_only_a_claim_of_the_same_predicate() -> None:
    claim = make_quote(
        "claim",
        "the governor met the oil lobbyists at a private dinner",
        speaker="aides",
        speaker_kind="anonymous",
        cited="Reuters",
        start=100,
    )
    same = make_quote(
        "same", "the governor never met the oil lobbyists", speaker="Governor's office", start=600
    )
    other = make_quote(
        "other", "the governor has not decided on the budget", speaker="Treasurer", start=900
    )
    pairs = find_contradictions([claim, same, other])
    assert pair_ids(pairs) == [("claim", "same")]
    assert pairs[0]["reason"].startswith("Negated assertion")


def test_reaffirmation_is_never_the_denial_side() -> None:
    quotes = _report_and_denial(denial_first=False)
    quotes.append(
        make_quote(
            "stands",
            "it stands by its reporting on the frigates",
            speaker="Reuters",
            speaker_kind="outlet",
            start=1200,
        )
    )
    pairs = find_contradictions(quotes)
    assert all(p["denial_quote_id"] != "stands" for p in pairs)
    assert all(p["claim_quote_id"] != "stands" for p in pairs)


def _cross(published: str | None, denial_published: str | None) -> list[dict[str, Any]]:
    return [
        make_quote(
            "claim",
            "Governor Lucia Vance will veto the water tax bill next week",
            speaker="aides",
            speaker_kind="anonymous",
            cited="Bloomberg",
            article_id="a1",
            published=published,
            publisher="Bloomberg",
        ),
        make_quote(
            "denial",
            "the Bloomberg report that Vance will veto the water tax bill",
            speaker="Vance's office",
            speaker_kind="organization",
            cue="dismissed",
            article_id="a2",
            published=denial_published,
            title="Vance's office dismisses report she will veto water tax bill",
        ),
    ]


def test_across_articles_within_the_window() -> None:
    pairs = find_contradictions(_cross("2024-07-01", "2024-07-03"))
    assert pair_ids(pairs) == [("claim", "denial")]
    assert "2 days apart" in pairs[0]["reason"]


def test_across_articles_outside_the_window_do_not_pair() -> None:
    assert find_contradictions(_cross("2021-07-01", "2024-07-03")) == []
    assert pair_ids(find_contradictions(_cross("2024-05-01", "2024-07-03"), window_days=90)) == [
        ("claim", "denial")
    ]


def test_undated_articles_pair_only_through_a_named_outlet() -> None:
    assert pair_ids(find_contradictions(_cross(None, "2024-07-03"))) == [("claim", "denial")]
    quotes = _cross(None, "2024-07-03")
    quotes[1]["content"] = "the report that Vance will veto the water tax bill"
    quotes[1]["title"] = None
    assert find_contradictions(quotes) == []


def test_a_shared_name_alone_does_not_pair() -> None:
    claim = make_quote("c1", "Putin will visit India in March", article_id="a1")
    denial = make_quote("d1", "Putin has not been ill this winter", article_id="a2", speaker="K")
    assert find_contradictions([claim, denial]) == []


def test_a_speakers_own_claims_beside_its_denial_are_not_its_target() -> None:
    claim = make_quote("own", "we are in talks with several buyers", speaker="Acme", start=100)
    denial = make_quote("d", "the rumours are false", speaker="Acme", start=400)
    assert find_contradictions([claim, denial]) == []


def test_the_stored_polarity_is_the_verdict_without_a_stance() -> None:
    claim = make_quote("c", "the club sold the stadium", cited="Reuters", stored_polarity="asserts")
    denial = make_quote(
        "d",
        "that report about the stadium",
        speaker="Club",
        cue="said",
        stored_polarity="denies",
        start=500,
    )
    assert ("c", "d") in pair_ids(find_contradictions([claim, denial]))


def test_a_speaker_phrase_is_no_claim() -> None:
    """`According to Reuters, citing officials close to the mayor, ...`: the phrase naming the
    sources is not something Reuters said."""
    phrase = make_quote("phrase", "officials close to the mayor", cited="Reuters", start=30)
    claim = make_quote(
        "claim", "the mayor will sell the stadium", speaker="officials", cited="Reuters", start=62
    )
    claim["speaker_mention"] = {"text": "officials close to the mayor", "start": 30, "end": 58}
    denial = make_quote(
        "denial", "these reports are false", speaker="City hall", cue="stated", start=400
    )
    pairs = find_contradictions([phrase, claim, denial])
    assert pair_ids(pairs) == [("claim", "denial")]


def test_min_score_filters_and_pairs_come_best_first() -> None:
    quotes = _report_and_denial(denial_first=False)
    pairs = find_contradictions(quotes, min_score=0.0)
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    assert find_contradictions(quotes, min_score=1.01) == []


# --- with the pipeline ---------------------------------------------------------------------------


def test_a_named_report_inside_a_denial_becomes_the_outlets_claim(nlp: Language) -> None:
    text = (
        "Zentara Mining on Tuesday denied a Reuters report that its Kell mine would close "
        "in May.\n\nThe company said the mine had a future."
    )
    article = Article(id="a1", text=text, source="a1.txt", outlet="Daily Planet")
    found = quotes_in(article, nlp(text))
    nested = [q for q in found if q.speaker == "Reuters" and q.cited_outlet == "Reuters"]
    assert len(nested) == 1
    assert nested[0].content == "its Kell mine would close in May"
    assert text[nested[0].start : nested[0].end] == nested[0].content
    assert nested[0].stance == "claim"


def test_contradictions_on_the_seeds_only_real_conflicts(
    nlp: Language, seeds_dir: Path, tmp_path: Path
) -> None:
    """The seeds hold one claim/denial conflict: Bloomberg's report (Erdogan asked Putin to take
    back the S-400s) against the Kremlin's "no such issue was raised"; nothing else."""
    db = open_db(tmp_path / "seeds.db")
    pipeline.ingest(sorted(str(p) for p in seeds_dir.glob("*.txt")), db)
    pairs = query.contradictions(db)
    assert pairs
    for pair in pairs:
        assert pair["claim"]["cited_outlet"] == "Bloomberg"
        assert pair["denial"]["speaker"] == "Kremlin"
    assert any("take back the S-400" in p["claim"]["content"] for p in pairs)
    assert any("no such issue was raised" in p["denial"]["content"] for p in pairs)
