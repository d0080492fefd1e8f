"""extract: quotation marks, layout, and each construction on hand-written sentences."""

from __future__ import annotations

import pytest
from spacy.language import Language

from quotes import extract
from quotes.nlp import parse_text


def found(nlp: Language, text: str) -> list[tuple[str, str, str | None, list[str]]]:
    """(construction, kind, subject, content fragments) of every candidate in `text`."""
    doc = nlp(parse_text(text))
    return [
        (
            c.construction,
            c.kind,
            c.subject.text if c.subject else None,
            [text[s:e] for s, e in c.spans],
        )
        for c in extract.extract(doc)
    ]


# --------------------------------------------------------------------------------------------
# quotation marks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('She said "yes" and left.', ['"yes"']),
        ("She said \u201cyes\u201d and left.", ["\u201cyes\u201d"]),
        ("He called it ``a farce'' twice.", ["``a farce''"]),
        ("NYT style: ''We won,'' he said.", ["''We won,''"]),
        ("\u00abNon\u00bb, dit-il.", ["\u00abNon\u00bb"]),
        ('A "one" and a "two".', ['"one"', '"two"']),
    ],
)
def test_extract_quoted_spans_marks(text: str, expected: list[str]) -> None:
    assert [text[q.start : q.end] for q in extract.quoted_spans(text)] == expected


def test_extract_quoted_spans_multi_paragraph() -> None:
    text = '"First part of it.\n\n"Second part," she said.\n'
    spans = extract.quoted_spans(text)
    assert len(spans) == 1
    assert text[spans[0].start : spans[0].end] == '"First part of it.\n\n"Second part,"'


@pytest.mark.parametrize(
    "text",
    ['He said "never closed.', '"', '""', 'x " y " z "', "\u201d backwards \u201c", "''''", "```"],
)
def test_extract_quoted_spans_unbalanced_never_raises(text: str) -> None:
    for q in extract.quoted_spans(text):
        assert 0 <= q.start < q.end <= len(text)


def test_extract_unclosed_quote_ends_with_paragraph() -> None:
    text = 'He said "this never closes\nNext line.'
    (q,) = extract.quoted_spans(text)
    assert not q.closed and text[q.start : q.end] == '"this never closes'


def test_extract_furniture_link_lists_and_prefixes() -> None:
    text = (
        "The minister said the plan would work.\n\n"
        "More news: Minister quits over plan\n"
        "Storm hits coast\nMarkets rally on rate hopes\nNew phone launched\n"
    )
    paras = extract.paragraphs(text)
    assert extract.furniture(text, paras) == {1, 2, 3, 4}


# --------------------------------------------------------------------------------------------
# constructions


def test_extract_direct_quote_after_frame(nlp: Language) -> None:
    assert found(nlp, '"We will win the vote," Alice Smith said.') == [
        ("direct", "direct", "Alice Smith", ['"We will win the vote,"'])
    ]


def test_extract_direct_quote_before_frame_with_colon(nlp: Language) -> None:
    (item,) = found(nlp, 'Asked about the vote, the senator replied: "We have the numbers."')
    assert (
        item[0] == "direct" and item[2] == "the senator" and item[3] == ['"We have the numbers."']
    )


def test_extract_split_quote_is_one_attribution(nlp: Language) -> None:
    (item,) = found(nlp, '"The plan is sound," the mayor said, "and we will fund it."')
    assert item[2] == "the mayor"
    assert item[3] == ['"The plan is sound,"', '"and we will fund it."']


def test_extract_indirect_said_that(nlp: Language) -> None:
    (item,) = found(nlp, "The governor said that the bridge would reopen in May.")
    assert item[:3] == ("indirect", "indirect", "The governor")
    assert item[3] == ["that the bridge would reopen in May"]


def test_extract_indirect_cue_after_content(nlp: Language) -> None:
    (item,) = found(nlp, "The bridge will reopen in May, the governor said.")
    assert item[2] == "the governor" and item[3] == ["The bridge will reopen in May"]


def test_extract_mixed_quote(nlp: Language) -> None:
    (item,) = found(nlp, 'The coach said the team was "ready for anything" this season.')
    assert item[1] == "mixed" and '"ready for anything"' in item[3][0]


def test_extract_according_to_front_and_back(nlp: Language) -> None:
    front = found(nlp, "According to the ministry, exports rose by ten percent last year.")
    back = found(nlp, "Exports rose by ten percent last year, according to the ministry.")
    for items in (front, back):
        (item,) = [i for i in items if i[0] == "according_to"]
        assert item[2] == "the ministry"
        assert item[3] == ["exports rose by ten percent last year"] or item[3] == [
            "Exports rose by ten percent last year"
        ]


def test_extract_according_to_citing_keeps_both(nlp: Language) -> None:
    doc = nlp(parse_text("According to Reuters, citing two officials, the talks have stalled."))
    (cand,) = [c for c in extract.extract(doc) if c.construction == "according_to"]
    assert cand.subject is not None and cand.subject.text == "Reuters"
    assert cand.citing is not None and cand.citing.text == "two officials"
    assert doc.text[cand.start : cand.end] == "the talks have stalled"


def test_extract_participle_cue_inherits_subject(nlp: Language) -> None:
    items = found(
        nlp,
        "The council voted on Monday, stressing the importance of cheaper housing for families.",
    )
    (item,) = [i for i in items if i[3] == ["the importance of cheaper housing for families"]]
    assert item[2] == "The council"


def test_extract_scare_quote_is_not_a_statement(nlp: Language) -> None:
    assert found(nlp, 'The so-called "reform" passed the house on Tuesday.') == []


def test_extract_quote_only_paragraph_continues(nlp: Language) -> None:
    items = found(
        nlp, '"We will rebuild," the mayor said.\n\n"Every house, every school, every road."\n'
    )
    assert [i[0] for i in items] == ["direct", "continuation"]


def test_extract_furniture_quotes_are_ignored(nlp: Language) -> None:
    text = (
        "The minister spoke on Monday.\n\n"
        'Why the "cheap" drones failed\nRead more: "Peace is near," says envoy\n'
    )
    assert found(nlp, text) == []


def test_extract_passive_report_has_no_speaker(nlp: Language) -> None:
    (item,) = found(nlp, "It was reported that the factory had closed.")
    assert item[2] is None and item[3] == ["that the factory had closed"]


def test_extract_question_after_when_asked_is_not_a_statement(nlp: Language) -> None:
    items = found(nlp, 'When asked if the deal was dead, he replied: "No."')
    assert [i[3] for i in items] == [['"No."']]


def test_extract_narrator_conjunct_is_its_own_frame(nlp: Language) -> None:
    items = found(
        nlp, 'Lee said that trade was strong, and he used the words "a golden age for exports".'
    )
    contents = [i[3] for i in items]
    assert ["that trade was strong"] in contents
    assert ['"a golden age for exports"'] in contents


def test_extract_quote_continues_after_its_frame(nlp: Language) -> None:
    (item,) = found(nlp, '"We lost the vote," the chairman said. "We will not lose the next one."')
    assert item[2] == "the chairman"
    assert item[3] == ['"We lost the vote,"', '"We will not lose the next one."']


def test_extract_quote_in_next_paragraph_is_not_a_continuation(nlp: Language) -> None:
    text = '"We lost the vote," the chairman said.\n\n"We will not lose the next one."\n'
    items = found(nlp, text)
    assert [i[0] for i in items] == ["direct", "continuation"]


def test_extract_conjoined_cues_are_two_attributions(nlp: Language) -> None:
    text = "The mayor said taxes would fall and said that the park would reopen in June."
    items = found(nlp, text)
    contents = sorted(i[3][0] for i in items)
    assert contents == ["taxes would fall", "that the park would reopen in June"]


def test_extract_label_verb_object_and_label(nlp: Language) -> None:
    items = found(nlp, 'The governor called the protesters "a disgrace to the state" on Monday.')
    (item,) = [i for i in items if i[2] == "The governor"]
    assert item[3] == ['the protesters "a disgrace to the state"']


def test_extract_prepositional_cue(nlp: Language) -> None:
    (item,) = found(nlp, "The union called for a national strike over pensions.")
    assert item[2] == "The union" and item[3] == ["a national strike over pensions"]


def test_extract_plain_call_is_not_a_cue(nlp: Language) -> None:
    assert found(nlp, "The chairman called the meeting at noon.") == []


# --------------------------------------------------------------------------------------------
# the tagger's statements


class _Tagged:
    """A tagger statement as `extract.Tagging` describes it, written by hand."""

    def __init__(self, text: str, content: str, cue: str | None = None) -> None:
        start = text.index(content)
        self.content = ((start, start + len(content)),)
        self.cue = (text.index(cue), text.index(cue) + len(cue)) if cue else None
        self.source = None


def tagged_found(nlp: Language, text: str, *tags: _Tagged) -> list[tuple[str | None, str | None]]:
    """(cue, subject) of every statement `extract` keeps from `tags` on a text without rule cues."""
    doc = nlp(parse_text(text))
    cands = extract.extract(doc, tagged=tags)
    return [
        (c.cue.text if c.cue else None, c.subject.text if c.subject else None)
        for c in cands
        if c.construction == "tagger"
    ]


def test_extract_uncued_tagger_content_takes_the_governing_verb(nlp: Language) -> None:
    text = "The senator privately backed the new pipeline project last week."
    tag = _Tagged(text, "the new pipeline project")
    assert tagged_found(nlp, text, tag) == [("backed", "The senator")]


def test_extract_uncued_tagger_content_under_a_preposition(nlp: Language) -> None:
    text = "The governor came out against the tax in September."
    tag = _Tagged(text, "the tax")
    (found_,) = tagged_found(nlp, text, tag)
    assert found_[1] == "The governor"
    assert found_[0] is not None and found_[0].startswith("came")


def test_extract_uncued_tagger_content_without_a_governing_verb_is_dropped(
    nlp: Language,
) -> None:
    text = "The new pipeline project, a plan of many years, is over budget."
    assert tagged_found(nlp, text, _Tagged(text, "a plan of many years")) == []


def test_extract_tagger_cue_is_kept_when_given(nlp: Language) -> None:
    text = "The senator privately backed the new pipeline project last week."
    tag = _Tagged(text, "the new pipeline project", cue="privately backed")
    assert tagged_found(nlp, text, tag) == [("privately backed", "The senator")]


def test_extract_tagger_passive_cue_without_agent_has_no_speaker(nlp: Language) -> None:
    text = "The new pipeline project was announced on Monday."
    tag = _Tagged(text, "The new pipeline project", cue="was announced")
    tag.source = tag.content[0]  # the tagger took the passive subject for the source
    assert tagged_found(nlp, text, tag) == [("was announced", None)]


# --------------------------------------------------------------------------------------------
# speakers the parse gets wrong


def test_extract_contracted_has_is_not_a_passive(nlp: Language) -> None:
    # The parse reads `'s said` as a passive (`nsubjpass` + `auxpass`); it is `has said`.
    text = "While he's said he'll fight on until the convention, the senator left early."
    (statement,) = [f for f in found(nlp, text) if f[0] == "indirect"]
    assert statement[2] == "he"
    assert statement[3] == ["he'll fight on until the convention"]


def test_extract_it_is_said_stays_passive(nlp: Language) -> None:
    doc = nlp(parse_text("It's said that the bridge will close in May."))
    said = next(t for t in doc if t.lower_ == "said")
    assert any(c.dep_ == "auxpass" and c.lower_ == "'s" for c in said.children)
    assert extract.is_passive(said)
    assert extract.subject_of(said) is None


def test_extract_appositive_subject_the_parse_lost(nlp: Language) -> None:
    # The parse of `Maj. Smith, a spokesman in Kabul, said` sometimes hangs the name elsewhere
    # and leaves the cue without subject; the noun phrase before `, said` is climbed to its head.
    from spacy.tokens import Doc

    words = ["On", "Monday", ",", "Smith", ",", "a", "spokesman", "in", "Kabul", ",", "said"]
    heads = [10, 0, 1, 1, 3, 6, 3, 6, 7, 10, 10]
    deps = ["prep", "pobj", "punct", "conj", "punct", "det", "appos", "prep", "pobj", "punct"]
    deps.append("ROOT")
    pos = ["ADP", "PROPN", "PUNCT", "PROPN", "PUNCT", "DET", "NOUN", "ADP", "PROPN", "PUNCT"]
    pos.append("VERB")
    doc = Doc(nlp.vocab, words=words, heads=heads, deps=deps, pos=pos)
    subject = extract.subject_of(doc[10])
    assert subject is not None and subject.root.text == "Smith"
    assert subject.text.startswith("Smith")


def test_extract_subject_of_a_passive_governing_the_cue_speaks(nlp: Language) -> None:
    text = "Mr. Lee was prompted to say that the new budget had failed."
    (statement,) = found(nlp, text)
    assert statement[2] == "Mr. Lee"
    assert statement[3] == ["that the new budget had failed"]


# --------------------------------------------------------------------------------------------
# rules and tagger together


def combined(nlp: Language, text: str, *tags: _Tagged) -> list[tuple[str, str, str | None]]:
    """(construction, content, subject) of every statement `extract` keeps."""
    doc = nlp(parse_text(text))
    return [
        (
            c.construction,
            " | ".join(text[s:e] for s, e in c.spans),
            c.subject.text if c.subject else None,
        )
        for c in extract.extract(doc, tagged=tags)
    ]


def test_extract_tagger_boundaries_win_over_the_rules(nlp: Language) -> None:
    text = "The mayor said the bridge will close for urgent repairs to its old steel cables."
    content = "the bridge will close for urgent repairs to its old steel cables"
    assert combined(nlp, text) == [("indirect", content, "The mayor")]
    # The tagger's content stands, however little of the rule's it covers, with the subject
    # of the cue the two share.
    tag = _Tagged(text, "the bridge will close", cue="said")
    assert combined(nlp, text, tag) == [("tagger", "the bridge will close", "The mayor")]


def test_extract_rules_fill_what_the_tagger_missed(nlp: Language) -> None:
    text = (
        "The mayor said the bridge will close in May. "
        '"We have no choice," the engineer told reporters.'
    )
    tag = _Tagged(text, "the bridge will close in May", cue="said")
    found_ = combined(nlp, text, tag)
    assert ("tagger", "the bridge will close in May", "The mayor") in found_
    assert [f for f in found_ if f[0] != "tagger"] == [
        ("direct", '"We have no choice,"', "the engineer")
    ]


def test_extract_outlet_frame_around_a_rule_statement_gives_way(nlp: Language) -> None:
    # The tagger took the whole inner report for the content of `Reuters adds:`; the rules
    # see the inner statement, and provenance reads the outlet off the frame.
    text = "Reuters adds: the ministry stated that no such talks took place."
    tag = _Tagged(text, "the ministry stated that no such talks took place", cue="adds")
    tag.source = (0, len("Reuters"))
    found_ = combined(nlp, text, tag)
    assert all(f[0] != "tagger" for f in found_), found_
    assert ("indirect", "that no such talks took place", "the ministry") in found_


def test_extract_tagger_content_holding_a_nested_report_stands(nlp: Language) -> None:
    # A person's statement about what someone said is one attribution (PolNeAR's convention):
    # the outer speaker's, not the inner one's.
    text = "Critics have said he said the plan was doomed during the hearing."
    tag = _Tagged(text, "he said the plan was doomed during the hearing", cue="have said")
    assert ("tagger", "he said the plan was doomed during the hearing", "Critics") in combined(
        nlp, text, tag
    )


def test_extract_seeming_names_no_speaker(nlp: Language) -> None:
    text = "The senator appears to be losing ground in the polls."
    tag = _Tagged(text, "to be losing ground in the polls", cue="appears")
    tag.source = (0, len("The senator"))
    assert tagged_found(nlp, text, tag) == [("appears", None)]


def test_extract_tagger_source_in_the_cue_sentence_stands(nlp: Language) -> None:
    # The tagger and the parse agree on the cue but not on who spoke: the tagger's source in
    # the cue's own sentence is kept; the parse's subject only replaces a source that is
    # missing, overlaps it, or lies in another sentence.
    text = "Smith met Jones on Monday and said the bridge will close. Jones left."
    assert combined(nlp, text) == [("indirect", "the bridge will close", "Smith")]
    tag = _Tagged(text, "the bridge will close", cue="said")
    jones = text.index("Jones")
    tag.source = (jones, jones + len("Jones"))
    assert combined(nlp, text, tag) == [("tagger", "the bridge will close", "Jones")]
    tag.source = None
    assert combined(nlp, text, tag) == [("tagger", "the bridge will close", "Smith")]
    later = text.rindex("Jones")
    tag.source = (later, later + len("Jones"))
    assert combined(nlp, text, tag) == [("tagger", "the bridge will close", "Smith")]


# --------------------------------------------------------------------------------------------
# hard-wrapped wire copy, page furniture by whole words, datelines

WRAPPED = (
    "OSLO March 9 The Fjordbank board on Tuesday denied that it\n"
    "plans to close its branches in the north, according to a\n"
    "statement from the bank.\n"
    "Regional paper Nordlys reported on Monday that the bank had\n"
    "drawn up a list of twelve offices to shut by the end of the\n"
    "year, citing two employees.\n"
    '"We have no such plan and we never had one," chairman Ola\n'
    "Berg said by telephone.\n"
    "Shares in the bank rose two percent in Oslo trading after the\n"
    "statement was published, while the wider market fell.\n"
)


def test_paragraphs_join_hard_wrapped_lines() -> None:
    from quotes import paragraphs

    assert paragraphs.is_wrapped(WRAPPED)
    paras = [WRAPPED[s:e] for s, e in paragraphs.paragraphs(WRAPPED)]
    assert len(paras) == 4
    assert paras[2].startswith('"We have no such plan') and paras[2].endswith("telephone.")
    # The parse's copy has the wrapping breaks as spaces, same length, paragraph ends kept.
    plain = parse_text(WRAPPED)
    assert len(plain) == len(WRAPPED)
    assert plain.count("\n") == WRAPPED.count("\n") - len(paragraphs.soft_breaks(WRAPPED))
    assert plain.count("\n") == 4


def test_paragraphs_lines_of_ordinary_text_stay_paragraphs() -> None:
    from quotes import paragraphs

    text = (
        "Council approves the new budget\n"
        "The council approved the budget on Monday after a long debate.\n"
        "The mayor said the vote was a relief for the city.\n"
    )
    assert not paragraphs.is_wrapped(text)
    assert paragraphs.soft_breaks(text) == []
    assert len(paragraphs.paragraphs(text)) == 3
    # A sentence broken by a stray line break joins across it.
    broken = "The minister said on Friday that\nthe plan would go ahead.\n"
    assert len(paragraphs.paragraphs(broken)) == 1


def test_extract_hard_wrapped_statements_found(nlp: Language) -> None:
    contents = [" ".join(" ".join(f).split()) for *_, f in found(nlp, WRAPPED)]
    assert any("plans to close its branches in the north" in c for c in contents)
    assert any("We have no such plan and we never had one" in c for c in contents)
    assert any("the bank had drawn up a list of twelve offices" in c for c in contents)


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Continued fighting will end soon, the army said.", False),
        ("Continue reading the main story", True),
        ("Subscribers to the service said prices rose.", False),
        ("Subscribe to our newsletter", True),
        ("Copyrighted works are protected, the court said.", False),
        ("Copyright 2021 Example Media", True),
    ],
)
def test_extract_furniture_prefix_is_whole_words(line: str, furniture: bool) -> None:
    text = f"The first paragraph of the story ends here.\n{line}\n"
    assert (1 in extract.layout(text).furniture) is furniture


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "BERGEN, May 4 (Testwire) - The port authority said it would reopen the dock.\n",
            "port authority",
        ),
        ("Nov 2 Shipping group Nordlast said it had agreed to buy a rival.\n", "Nordlast"),
        ("TROMSO (Testwire) - Fisheries minister Kari Holm said the quota stays.\n", "Kari Holm"),
    ],
)
def test_extract_dateline_is_never_the_speaker(nlp: Language, text: str, speaker: str) -> None:
    from quotes import paragraphs

    assert paragraphs.datelines(text)
    cand = [c for c in found(nlp, text) if c[2] is not None][0]
    assert speaker in cand[2]
    for word in ("BERGEN", "May", "Nov", "TROMSO", "Testwire"):
        assert word not in cand[2]
