"""Tests for `quotes.contradictions`: polarity, key terms, and claim/denial pairing."""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from quotes import pipeline, query
from quotes.contradictions import denial_phrase, find_contradictions, key_terms, polarity
from quotes.store import open_db


def make_quote(
    quote_id: str,
    content: str,
    *,
    speaker: str | None = "Someone",
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
        "speaker_kind": "person",
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
    return [(p["claim_quote_id"], p["denial_quote_id"]) for p in pairs]


# --- polarity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "cue"),
    [
        ("the ministry played no part in the sale", "denied"),
        ("the company had paid the fine", "categorically denied"),
        ("the plan to merge the two banks", "dismissed"),
        ("no such proposal was made at the summit", "stated"),
        ("the governor did not ask the bank for a loan", "said"),
        ("she didn't sign the contract", "said"),
        ("she didn\u2019t sign the contract", "said"),
        ("the mayor never asked for a bodyguard", "said"),
        ("the reports of a merger are not true", "said"),
        ("the story about the bribe is pure fiction", "said"),
        ("that is fake news spread by rivals", "told reporters"),
        ("the accusations are baseless", "said"),
        ("the meeting never happened", "insisted"),
        ("the coach has no plans to leave the club", "said"),
        ("the subject was not raised at the talks", "said"),
    ],
)
def test_polarity_denies(content: str, cue: str) -> None:
    assert polarity(content, cue) == "denies"


@pytest.mark.parametrize(
    ("content", "cue"),
    [
        ("the minister will resign next week", "said"),
        ("the plant will reopen in May", "announced"),
        ("the spokesman did not deny the report", "said"),
        ("she refused to rule out a run for office", None),
        ("the firm did not immediately respond to a request for comment", None),
        ("it was a false-flag operation", "claimed"),
        ("the trade dispute will be settled by June", "said"),
        ("Denise Denier will chair the board", "said"),
    ],
)
def test_polarity_asserts(content: str, cue: str | None) -> None:
    assert polarity(content, cue) == "asserts"


def test_polarity_denial_phrase_shows_what_is_denied() -> None:
    assert denial_phrase("no such proposal was made at the summit") == "no such proposal was made"
    assert denial_phrase("she did not sign the deal", "denied") == "denied"
    assert denial_phrase("the economy will grow", "said") is None


# --- key terms -----------------------------------------------------------------------------------


def test_key_terms_keep_codes_and_drop_stop_words() -> None:
    terms = key_terms("The army said it bought the S-400 systems and two F-35s for $2,500 million")
    assert "s-400" in terms
    assert "f-35" in terms
    assert "2500" in terms
    assert not {"the", "said", "it", "and", "for"} & set(terms)


def test_key_terms_merge_word_forms() -> None:
    assert key_terms("resigned")[0] == key_terms("resignation")[0] == key_terms("resigns")[0]
    assert key_terms("meetings") == key_terms("meeting")


# --- pairing -------------------------------------------------------------------------------------


def test_contradictions_minister_resignation_denied_by_his_office() -> None:
    claim = make_quote(
        "c1",
        "Finance Minister Carl Brandt will resign after the budget vote",
        speaker="sources close to the government",
        cited="Reuters",
        article_id="a1",
        published="2024-05-02",
    )
    denial = make_quote(
        "d1",
        "Brandt has no plans to resign and will present the budget himself",
        speaker="Finance Ministry",
        article_id="a2",
        published="2024-05-03",
    )
    unrelated = make_quote("u1", "the harvest was the best in a decade", article_id="a3")
    pairs = find_contradictions([claim, denial, unrelated])
    assert pair_ids(pairs) == [("c1", "d1")]
    assert set(pairs[0]) == {"claim_quote_id", "denial_quote_id", "score", "reason"}
    assert 0.3 <= pairs[0]["score"] <= 1.0
    reason = pairs[0]["reason"]
    assert reason.startswith('Denial ("no plans to resign", Finance Ministry)')
    assert "reported by Reuters" in reason
    assert "shared terms:" in reason and "resign" in reason
    assert "1 days apart" in reason or "1 day" in reason


def test_contradictions_shared_name_alone_does_not_pair() -> None:
    claim = make_quote(
        "c1", "Putin will visit India in March to sign an energy deal", article_id="a1"
    )
    denial = make_quote("d1", "Putin has not been ill this winter", article_id="a2")
    same_article_denial = make_quote(
        "d2", "Putin did not catch the flu", article_id="a1", start=500
    )
    assert find_contradictions([claim, denial, same_article_denial], min_score=0.0) == []


def test_contradictions_several_shared_names_alone_do_not_pair() -> None:
    claim = make_quote("c1", "Macron will host Scholz and Meloni in Paris", article_id="a1")
    denial = make_quote("d1", "Macron, Scholz and Meloni did not quarrel", article_id="a2")
    assert find_contradictions([claim, denial], min_score=0.0) == []


def test_contradictions_respect_time_window() -> None:
    claim = make_quote(
        "c1", "the airline will cut 4,000 jobs in Lyon", article_id="a1", published="2024-01-05"
    )
    denial = make_quote(
        "d1",
        "the airline will not cut jobs in Lyon; the figure of 4,000 is false",
        article_id="a2",
        published="2024-06-20",
    )
    assert find_contradictions([claim, denial]) == []
    assert pair_ids(find_contradictions([claim, denial], window_days=200)) == [("c1", "d1")]


def test_contradictions_undated_quotes_skip_the_window() -> None:
    claim = make_quote("c1", "the airline will cut 4,000 jobs in Lyon", published=None)
    denial = make_quote(
        "d1",
        "the airline will not cut jobs in Lyon; the figure of 4,000 is false",
        article_id="a2",
        published="2031-01-01",
    )
    assert pair_ids(find_contradictions([claim, denial])) == [("c1", "d1")]


def test_contradictions_explicit_target_picks_the_named_outlet() -> None:
    reuters = make_quote(
        "c-reuters",
        "Acme plans to close its Leeds factory and cut 900 jobs",
        speaker="people familiar with the matter",
        cited="Reuters",
        article_id="a1",
    )
    other = make_quote(
        "c-other",
        "Acme plans to close its Leeds factory and cut 900 jobs",
        speaker="union officials",
        publisher="Leeds Gazette",
        article_id="a2",
    )
    denial = make_quote(
        "d1",
        "Acme denied the Reuters report about the Leeds factory",
        speaker="Acme",
        cue="said",
        article_id="a3",
        published="2024-03-04",
    )
    pairs = find_contradictions([reuters, other, denial])
    assert pairs[0]["claim_quote_id"] == "c-reuters"
    assert "explicitly targets the Reuters report" in pairs[0]["reason"]
    scores = {p["claim_quote_id"]: p["score"] for p in pairs}
    assert scores["c-reuters"] - scores.get("c-other", 0.0) >= 0.3


def test_contradictions_anaphoric_denial_pairs_with_the_lead_claim_of_its_article() -> None:
    lead = make_quote(
        "lead",
        "the two presidents agreed to swap prisoners before the holidays",
        speaker="officials briefed on the talks",
        cited="AP",
        start=100,
    )
    later_cited = make_quote(
        "later", "the envoy wants a seat on the council", cited="AP", start=300
    )
    uncited = make_quote("uncited", "the weather in Vienna was cold", speaker="Ann", start=400)
    denial = make_quote(
        "denial",
        "no such deal was discussed at the talks",
        speaker="Kremlin",
        cue="stated",
        start=600,
    )
    after = make_quote("after", "the envoy flies home on Friday", cited="AP", start=900)
    pairs = find_contradictions([lead, later_cited, uncited, denial, after])
    assert pair_ids(pairs) == [("lead", "denial")]
    reason = pairs[0]["reason"]
    assert 'Denial ("no such deal was discussed", Kremlin)' in reason
    assert "reported by AP" in reason
    assert "lead claim" in reason and "same article" in reason
    # The other cited claim before the denial is a candidate too, but ranks lower.
    low = find_contradictions([lead, later_cited, uncited, denial, after], min_score=0.0)
    assert pair_ids(low)[0] == ("lead", "denial")
    assert ("uncited", "denial") not in pair_ids(low)
    assert ("after", "denial") not in pair_ids(low)


def test_contradictions_anaphoric_denial_uses_its_headline_across_articles() -> None:
    claim = make_quote(
        "c1",
        "Governor Lucia Vance will veto the water tax bill",
        speaker="aides",
        cited="Reuters",
        article_id="a1",
        published="2024-07-01",
    )
    denial = make_quote(
        "d1",
        "these reports are groundless",
        speaker="Vance's office",
        article_id="a2",
        published="2024-07-02",
        title="Vance's office denies she will veto water tax bill",
    )
    pairs = find_contradictions([claim, denial])
    assert pair_ids(pairs) == [("c1", "d1")]
    assert "veto" in pairs[0]["reason"]


def test_contradictions_a_claims_headline_does_not_stand_for_the_claim() -> None:
    headline = "Governor Vance will veto the water tax bill, aides say"
    side_remark = make_quote(
        "c1", "the governor enjoys fishing on weekends", article_id="a1", title=headline
    )
    denial = make_quote(
        "d1",
        "Vance did not decide to veto the water tax bill",
        article_id="a2",
        published="2024-03-02",
    )
    assert find_contradictions([side_remark, denial], min_score=0.0) == []


def test_contradictions_self_contradiction_is_reported() -> None:
    claim = make_quote(
        "c1",
        "we will close the Harwich ferry terminal in June",
        speaker="Jane Okafor",
        article_id="a1",
        published="2024-02-01",
    )
    denial = make_quote(
        "d1",
        "the Harwich ferry terminal will stay open; closing it was never planned",
        speaker="Jane Okafor",
        article_id="a2",
        published="2024-02-20",
    )
    pairs = find_contradictions([claim, denial])
    assert pair_ids(pairs) == [("c1", "d1")]
    assert "same speaker (self-contradiction)" in pairs[0]["reason"]


def test_contradictions_trust_the_stored_polarity() -> None:
    claim = make_quote(
        "c1", "the club did not sell the stadium to Vortex Capital", stored_polarity="asserts"
    )
    denial = make_quote(
        "d1",
        "the club sold the stadium to Vortex Capital",
        cue="said",
        article_id="a2",
        stored_polarity="denies",
    )
    assert pair_ids(find_contradictions([claim, denial])) == [("c1", "d1")]


def test_contradictions_sorted_by_score_and_filtered_by_min_score() -> None:
    quotes = [
        make_quote("c1", "the mayor will sell the Riverside stadium to Vortex Capital"),
        make_quote("c2", "the mayor may sell a stadium", article_id="a5"),
        make_quote(
            "d1",
            "the mayor denied he will sell the Riverside stadium to Vortex Capital",
            article_id="a2",
        ),
    ]
    pairs = find_contradictions(quotes, min_score=0.0)
    scores = [p["score"] for p in pairs]
    assert scores == sorted(scores, reverse=True)
    assert pairs[0]["claim_quote_id"] == "c1"
    assert all(p["score"] >= 0.6 for p in find_contradictions(quotes, min_score=0.6))


# --- blocking ------------------------------------------------------------------------------------


def _random_word(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 9)))


def test_contradictions_blocking_scores_few_candidates() -> None:
    rng = random.Random(1234)
    vocabulary = [_random_word(rng) for _ in range(3000)]
    # Words in a large share of quotes, as "government" is in news: blocking must skip them.
    common = ["government", "country", "minister", "president"]
    quotes = []
    for i in range(3000):
        words = rng.sample(vocabulary, 8) + rng.sample(common, 2)
        rng.shuffle(words)
        denies = i % 10 == 0
        quotes.append(
            make_quote(
                f"q{i}",
                " ".join(words),
                cue="denied" if denies else "said",
                speaker=f"Speaker {i % 50}",
                article_id=f"art{i // 5}",
                start=(i % 5) * 200,
                published=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            )
        )
    claim = make_quote(
        "real-claim",
        "the Zentara shipyard will build four frigates for the Norvik navy",
        cited="Reuters",
        article_id="real-1",
        published="2024-04-01",
    )
    denial = make_quote(
        "real-denial",
        "Zentara denied it will build frigates for the Norvik navy",
        article_id="real-2",
        published="2024-04-03",
    )
    quotes[1500:1500] = [claim]
    quotes.append(denial)
    stats: dict[str, int] = {}
    pairs = find_contradictions(quotes, stats=stats)
    assert ("real-claim", "real-denial") in pair_ids(pairs)
    assert pairs[0]["claim_quote_id"] == "real-claim"
    n = stats["quotes"]
    assert n == 3002
    assert stats["denials"] == 301
    # All claim x denial pairs would be about 812,000; blocking keeps a sliver of them.
    assert stats["candidates_scored"] < stats["claims"] * stats["denials"] / 100
    assert stats["candidates_scored"] < n * 5


# --- same event or not --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "denial"),
    [
        # A shared name and a shared verb, but each side names a place the other does not.
        ("Putin will visit India in March to sign an energy deal", "Putin did not visit China"),
        # ... or a person.
        ("Erdogan asked Biden to sell F-35 jets to Turkey", "Erdogan never asked Putin for a loan"),
        # A denial aimed at a report about something else than the claim.
        (
            "Acme chief executive Jo Lane will step down",
            "Acme denied the Reuters report about the Leeds factory",
        ),
    ],
)
def test_contradictions_different_events_do_not_pair(claim: str, denial: str) -> None:
    quotes = [
        make_quote("c1", claim, cited="Reuters", article_id="a1"),
        make_quote("d1", denial, speaker="Press office", article_id="a2"),
    ]
    assert find_contradictions(quotes, min_score=0.0) == []


def test_contradictions_denial_naming_its_speaker_still_pairs() -> None:
    """Names a denial adds about who speaks (`Peskov said`) are no specifics of the event."""
    claim = make_quote(
        "c1",
        "Erdogan asked Putin to take back the S-400 missiles",
        speaker="people familiar with the talks",
        cited="Reuters",
        article_id="a1",
    )
    denial = make_quote(
        "d1",
        "Peskov said that Erdogan never asked Putin to take back the missiles",
        speaker="Kremlin",
        article_id="a2",
    )
    assert pair_ids(find_contradictions([claim, denial])) == [("c1", "d1")]


def test_contradictions_denial_of_a_named_report_with_its_headline() -> None:
    claim = make_quote(
        "c1",
        "the governor asked the senate to delay the pension vote",
        speaker="two aides",
        cited="Bloomberg",
        article_id="a1",
        published="2024-03-01",
    )
    other = make_quote(
        "c2",
        "the senate will delay the pension vote",
        speaker="two aides",
        cited="Reuters",
        article_id="a3",
        published="2024-03-01",
    )
    denial = make_quote(
        "d1",
        "the Bloomberg report is pure fiction",
        speaker="Governor's office",
        article_id="a2",
        published="2024-03-02",
        title="Governor's office denies Bloomberg report on pension vote delay",
    )
    pairs = find_contradictions([claim, other, denial])
    assert pairs[0]["claim_quote_id"] == "c1"
    assert "explicitly targets the Bloomberg report" in pairs[0]["reason"]


def test_contradictions_specified_report_is_not_anaphoric() -> None:
    """`the reports of a storm` says what it denies: it is not a pointer to the lead claim."""
    lead = make_quote(
        "lead", "the mayor will resign next month", cited="Reuters", speaker="aides", start=10
    )
    denial = make_quote(
        "d1",
        "the reports of a storm on the coast were not true",
        speaker="Weather bureau",
        start=500,
    )
    assert find_contradictions([lead, denial], min_score=0.0) == []
    pointer = make_quote("d2", "these reports are not true", speaker="Mayor's office", start=500)
    assert pair_ids(find_contradictions([lead, pointer])) == [("lead", "d2")]


def test_contradictions_every_claim_the_anaphoric_denial_answers() -> None:
    """Decision: an article that reports a claim and, citing the same outlet, restates it more
    literally ("raised this issue ... at their meeting") and then quotes a denial ("no such
    issue was raised during the meeting") holds two real conflicts, not one. The restatement is
    the claim the denial words answer most directly, so it ranks first; the lead claim (what the
    issue was) pairs too. Other statements of the article before the denial do not.

    This is the shape of the seed article 002 (Bloomberg's S-400 report and the Kremlin's
    denial), written here with other words.
    """
    lead = make_quote(
        "lead",
        "the Lyon mayor asked his Italian counterpart to cancel the tram contract signed by "
        "Turin in 2019 and refund the deposit",
        speaker="people close to the talks",
        cited="Reuters",
        start=200,
    )
    restated = make_quote(
        "restated",
        "the French mayor raised this issue in a conversation with the Turin mayor at their "
        "meeting in Geneva",
        speaker="Reuters",
        cited="Reuters",
        start=500,
    )
    aside = make_quote(
        "aside",
        "he wants to win the regional election",
        speaker="Lyon mayor",
        cited="Reuters",
        start=650,
    )
    denial = make_quote(
        "denial",
        "no such issue was raised during the mayors' meeting",
        speaker="Turin city hall",
        cue="stated",
        start=800,
    )
    after = make_quote(
        "after", "the meeting lasted about two hours", speaker="Paolo Neri", start=900
    )
    pairs = find_contradictions([lead, restated, aside, denial, after])
    assert pair_ids(pairs) == [("restated", "denial"), ("lead", "denial")]
    assert "the denial refers back" in pairs[1]["reason"]
    assert "lead claim" in pairs[1]["reason"]


def test_contradictions_on_the_seeds_only_real_conflicts(
    nlp: Language, seeds_dir: Path, tmp_path: Path
) -> None:
    """The seeds hold one claim/denial conflict, answered as the decision above says: Bloomberg's
    report (Erdogan asked Putin to take back the S-400s) and its restatement ("raised this issue
    ... at their meeting") against the Kremlin's "no such issue was raised"; nothing else."""
    db = open_db(tmp_path / "seeds.db")
    pipeline.ingest(sorted(str(p) for p in seeds_dir.glob("*.txt")), db)
    pairs = query.contradictions(db)
    claims = {"take back the S-400", "raised this issue"}
    found = set()
    for pair in pairs:
        found |= {snippet for snippet in claims if snippet in pair["claim"]["content"]}
        assert any(snippet in pair["claim"]["content"] for snippet in claims), pair["claim"]
        assert pair["claim"]["cited_outlet"] == "Bloomberg"
        assert "no such issue was raised" in pair["denial"]["content"]
        assert pair["denial"]["speaker"] == "Kremlin"
    assert found == claims


def test_contradictions_a_speaker_phrase_is_no_claim() -> None:
    """`According to Reuters, citing officials close to the mayor, ...`: were `officials close to
    the mayor` read as something Reuters said, it would be no claim for a denial to answer."""
    phrase = make_quote("phrase", "officials close to the mayor", cited="Reuters", start=30)
    claim = make_quote(
        "claim", "the mayor will sell the stadium", speaker="officials", cited="Reuters", start=62
    )
    claim["speaker_mention"] = {"text": "officials close to the mayor", "start": 30, "end": 58}
    denial = make_quote(
        "denial", "no such sale was discussed", speaker="City hall", cue="stated", start=400
    )
    assert pair_ids(find_contradictions([phrase, claim, denial])) == [("claim", "denial")]
