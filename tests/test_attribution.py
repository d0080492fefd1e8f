"""attribution, canonical and provenance through `process.quotes_in` on hand-written articles."""

from __future__ import annotations

from spacy.language import Language

from quotes import canonical
from quotes.ingest import make_article
from quotes.models import Quote
from quotes.nlp import parse_text
from quotes.process import canonicalize, quotes_in


def run(nlp: Language, text: str, *, outlet: str | None = None) -> list[Quote]:
    article = make_article(text, source="test.txt", outlet=outlet)
    return quotes_in(article, nlp(parse_text(article.text)))


def speaker_of(found: list[Quote], fragment: str) -> str | None:
    (quote,) = [q for q in found if fragment in q.content]
    return quote.speaker


def test_attribution_pronoun_takes_nearest_person(nlp: Language) -> None:
    found = run(
        nlp,
        "Mayor Anna Kowalski opened the bridge on Monday.\n\n"
        'She said the city would "never again wait ten years" for repairs.\n',
    )
    assert speaker_of(found, "never again wait") == "Anna Kowalski"


def test_attribution_pronoun_skips_page_furniture(nlp: Language) -> None:
    found = run(
        nlp,
        "Senator Paul Ortega said that the budget was balanced.\n\n"
        "More news: Actor John Smith wins award\n\n"
        "He added that taxes would not rise.\n",
    )
    assert speaker_of(found, "taxes would not rise") == "Paul Ortega"


def test_attribution_nominal_by_title(nlp: Language) -> None:
    found = run(
        nlp,
        "French Ambassador to Canada Marie Dubois met the minister on Friday.\n\n"
        "According to the ambassador, the talks were productive.\n",
    )
    assert speaker_of(found, "the talks were productive") == "Marie Dubois"


def test_attribution_statement_resolves_to_its_author(nlp: Language) -> None:
    found = run(
        nlp,
        'The health ministry said in a statement that "all clinics remain open."\n\n'
        '"Patients should keep their appointments," the statement said.\n',
    )
    assert speaker_of(found, "keep their appointments") == "health ministry"


def test_attribution_possessor_of_speech_noun(nlp: Language) -> None:
    found = run(
        nlp,
        "Brazilian President Luiz Silva visited Lisbon on Monday.\n\n"
        "Trade rose sharply, according to the Brazilian president's announcement.\n",
    )
    assert speaker_of(found, "Trade rose sharply") == "Luiz Silva"


def test_attribution_anonymous_sources(nlp: Language) -> None:
    found = run(
        nlp,
        "According to Reuters, citing two people familiar with the matter, the merger is off.\n",
    )
    (quote,) = [q for q in found if "the merger is off" in q.content]
    assert quote.speaker_kind == "anonymous"
    assert quote.speaker == "two people familiar with the matter"
    assert quote.cited_outlet == "Reuters"


def test_attribution_title_kept_apart_from_name(nlp: Language) -> None:
    (quote,) = run(
        nlp, "White House spokesman Josh Earnest said that the president would veto the bill.\n"
    )
    assert quote.speaker == "Josh Earnest"
    assert quote.speaker_title == "White House spokesman"
    assert quote.speaker_kind == "person"
    assert quote.speaker_mention is not None
    assert quote.speaker_mention.text == "White House spokesman Josh Earnest"


def test_attribution_organisation_speaker(nlp: Language) -> None:
    (quote,) = run(nlp, "The Pentagon said that the exercise would go ahead.\n")
    assert quote.speaker == "Pentagon" and quote.speaker_kind == "organization"


def test_attribution_surname_takes_full_name_in_article(nlp: Language) -> None:
    found = run(
        nlp,
        "Prime Minister Helena Virtanen arrived in Oslo.\n\n"
        "Virtanen said that the summit would focus on energy.\n",
    )
    assert speaker_of(found, "focus on energy") == "Helena Virtanen"


def test_provenance_cited_outlet_and_chain(nlp: Language) -> None:
    found = run(
        nlp,
        '"The talks are over," the minister said, Reuters reported.\n\n'
        'The spokesman told CNN that "nothing was agreed."\n',
    )
    assert {q.cited_outlet for q in found if "talks are over" in q.content} == {"Reuters"}
    assert {q.cited_outlet for q in found if "nothing was agreed" in q.content} == {"CNN"}


def test_provenance_outlet_framing_a_statement(nlp: Language) -> None:
    found = run(nlp, "Interfax adds: the ministry stated that the plant had been closed.\n")
    (quote,) = [q for q in found if "plant had been closed" in q.content]
    assert quote.speaker == "ministry" and quote.cited_chain == ("Interfax",)


def test_provenance_publisher_from_metadata_and_self_reference(nlp: Language) -> None:
    text = "The mayor said that the road would reopen.\n\nSupport The Guardian today.\n"
    assert {q.publisher for q in run(nlp, text)} == {"The Guardian"}
    assert {q.publisher for q in run(nlp, text, outlet="BBC")} == {"BBC"}


def test_process_offsets_index_the_text(nlp: Language) -> None:
    text = 'Odd\u00a0spacing:\u00a0"We\u00a0will\u00a0win,"\u00a0said\u00a0Jane\u00a0Doe.\n'
    (quote,) = run(nlp, text)
    assert all(text[s:e] for s, e in quote.spans)
    assert quote.content == text[quote.spans[0][0] : quote.spans[0][1]]
    assert quote.cue is not None and text[quote.cue.start : quote.cue.end] == quote.cue.text


def test_process_polarity_marks_denials(nlp: Language) -> None:
    found = run(nlp, "The ministry denied that the minister had resigned.\n")
    assert [q.polarity for q in found] == ["denies"]


# --------------------------------------------------------------------------------------------
# canonical names across articles


def test_canonical_merge_map_variants_and_surnames() -> None:
    names = [
        ("Vladimir Putin", "person"),
        ("Vladmir Putin", "person"),
        ("Putin", "person"),
        ("Dmitry Peskov", "person"),
        ("Peskov", "person"),
    ]
    counts = {"Vladimir Putin": 9, "Vladmir Putin": 1}
    mapping = canonical.merge_map(names, frequency=lambda n: counts.get(n, 0))
    assert mapping == {
        "Vladmir Putin": "Vladimir Putin",
        "Putin": "Vladimir Putin",
        "Peskov": "Dmitry Peskov",
    }


def test_canonical_never_merges_people_sharing_a_surname() -> None:
    mapping = canonical.merge_map(
        [("Hillary Clinton", "person"), ("Bill Clinton", "person"), ("Clinton", "person")]
    )
    assert mapping == {}


def test_canonical_organisations_are_not_merged_by_surname() -> None:
    assert (
        canonical.merge_map([("Bank of England", "organization"), ("England", "organization")])
        == {}
    )


def test_canonical_clean_and_surname() -> None:
    assert canonical.clean("the Kremlin's") == "Kremlin"
    assert canonical.surname("Martin Luther King Jr.") == "king"


def test_process_canonicalize_across_articles(nlp: Language) -> None:
    one = run(nlp, "Foreign Minister Sergei Lavrov said that talks would resume.\n")
    two = run(nlp, "Lavrov said that the embassy would stay open.\n")
    merged = canonicalize(one + two, texts=["Sergei Lavrov"])
    assert {q.speaker for q in merged} == {"Sergei Lavrov"}


def test_provenance_chain_of_outlets_keeps_the_innermost_statement(nlp: Language) -> None:
    found = run(
        nlp,
        "EADaily adds: Reuters reported, citing the Zorbex news agency, "
        "that Ankara would buy the jets.\n",
    )
    (quote,) = [q for q in found if "Ankara would buy the jets" in q.content]
    assert quote.cited_chain[0] == "EADaily" and "Reuters" in quote.cited_chain


def test_attribution_unknown_outlet_names_itself(nlp: Language) -> None:
    (quote,) = run(nlp, "The Zorbex news agency reported that the border had been closed.\n")
    assert quote.speaker == "Zorbex" and quote.speaker_kind == "outlet"


def test_extract_statement_inside_an_outlet_frame(nlp: Language) -> None:
    found = run(nlp, "The army will withdraw, the minister said, the Zorbex TV channel reported.\n")
    (quote,) = found
    assert quote.content == "The army will withdraw" and quote.cited_outlet == "Zorbex"
    # A bare title with no earlier bearer stays unresolved rather than becoming "minister".
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "the minister"
    assert quote.speaker is None


def test_attribution_relative_pronoun_resolves_to_the_noun_described(nlp: Language) -> None:
    found = run(nlp, "Senator Ruth Alvarez, who said that the budget was balanced, left early.\n")
    (quote,) = [q for q in found if "budget was balanced" in q.content]
    assert quote.speaker_mention is not None and quote.speaker_mention.text == "who"
    assert quote.speaker == "Ruth Alvarez"


def test_attribution_company_nominal_takes_the_organisation_that_spoke(nlp: Language) -> None:
    found = run(
        nlp,
        "Shipping group Nordlast said on Monday it had held early talks with a rival.\n\n"
        "The company said the talks had ended without an agreement.\n",
    )
    first = speaker_of(found, "had held early talks")
    assert first is not None and "Nordlast" in first
    assert speaker_of(found, "talks had ended") == first


def test_attribution_unnamed_spokesman_is_the_organisation(nlp: Language) -> None:
    found = run(
        nlp,
        "A Kestrel Bank spokeswoman said the branch would stay open.\n\n"
        "The spokeswoman said staff would not lose their jobs.\n",
    )
    assert speaker_of(found, "branch would stay open") == "Kestrel Bank"
    assert speaker_of(found, "staff would not lose") == "Kestrel Bank"
