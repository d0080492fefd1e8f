"""tagger: the shipped attribution model on hand-written sentences, and the decoder on its own."""

from __future__ import annotations

import pytest

from quotes import tagger
from quotes.errors import ModelError
from quotes.tagger import Attribution, Tagged

needs_model = pytest.mark.skipif(
    not tagger.available(),
    reason="quotes/attribution_model/ is not built (run `make train`)",
)


def spans(text: str, tagged: list[Tagged]) -> list[tuple[str, str]]:
    return [(t.label, text[t.start : t.end]) for t in tagged]


def at(text: str, part: str, start: int = 0) -> tuple[int, int]:
    """Offsets of the first `part` in `text` at or after `start`."""
    i = text.index(part, start)
    return i, i + len(part)


# --------------------------------------------------------------------------------------------
# the model


@needs_model
def test_tagger_direct_quote() -> None:
    text = '"We will win," Smith said.'
    tagged = next(tagger.predict([text]))
    found = spans(text, tagged)
    assert ("CUE", "said") in found
    assert ("SOURCE", "Smith") in found
    content = [t for t in tagged if t.label == "CONTENT"]
    assert content, found
    assert content[0].start <= text.index("We") and content[0].end >= text.index("win") + 3
    assert tagger.decode(text, tagged) == [
        Attribution(
            content=((content[0].start, content[0].end),),
            cue=at(text, "said"),
            source=at(text, "Smith"),
        )
    ]


@needs_model
def test_tagger_offsets_index_the_given_text() -> None:
    # A no-break space and a line break: offsets are into the text exactly as given.
    texts = [
        "Prices rose again.\n\nThe\u00a0governor told reporters that the plan would fail.",
        "Nothing to see here.",
    ]
    results = list(tagger.predict(texts, batch_size=2))
    assert len(results) == 2
    for text, tagged in zip(texts, results, strict=True):
        for t in tagged:
            assert t.label in tagger.LABELS
            assert 0 <= t.start < t.end <= len(text)
            assert text[t.start : t.end] == text[t.start : t.end].strip()
    found = spans(texts[0], results[0])
    assert ("CUE", "told") in found
    assert any(label == "CONTENT" and "plan would fail" in s for label, s in found), found


@needs_model
def test_tagger_split_quote_is_one_attribution() -> None:
    text = '"The bill is dead," the senator said. "Nobody will vote for it."'
    tagged = next(tagger.predict([text]))
    attributions = tagger.decode(text, tagged)
    assert len(attributions) == 1, spans(text, tagged)
    (attribution,) = attributions
    assert len(attribution.content) == 2
    assert attribution.cue == at(text, "said")
    assert attribution.source is not None and "senator" in text[slice(*attribution.source)]


@needs_model
@pytest.mark.parametrize("text", ["", "   \n\n ", "The weather was fine on Tuesday."])
def test_tagger_nothing_to_find(text: str) -> None:
    tagged = next(tagger.predict([text]))
    assert all(t.label != "CONTENT" for t in tagged) or text.strip()
    assert tagger.decode(text, tagged) == []


@needs_model
def test_tagger_predict_takes_many_texts() -> None:
    assert list(tagger.predict([])) == []
    with pytest.raises(TypeError, match="iterable of texts"):
        next(tagger.predict("Smith said so."))


@needs_model
def test_tagger_load_is_cached() -> None:
    assert tagger.load() is tagger.load()
    assert tagger.load().pipe_names == ["tok2vec", "ner"]


def test_tagger_load_without_model(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(tagger, "MODEL_DIR", tmp_path / "missing")
    tagger.load.cache_clear()
    try:
        assert not tagger.available()
        with pytest.raises(ModelError, match="make train"):
            tagger.load()
    finally:
        tagger.load.cache_clear()


# --------------------------------------------------------------------------------------------
# the decoder, on hand-made tags


def tags(text: str, *parts: tuple[str, str]) -> list[Tagged]:
    """Tagged spans for (label, substring) pairs, each searched after the previous one."""
    out, pos = [], 0
    for label, part in parts:
        start, end = at(text, part, pos)
        out.append(Tagged(label, start, end))
        pos = end
    return out


def test_tagger_decode_joins_split_quote() -> None:
    text = '"We will win," Smith said. "They will lose."'
    tagged = tags(
        text,
        ("CONTENT", '"We will win,"'),
        ("SOURCE", "Smith"),
        ("CUE", "said"),
        ("CONTENT", '"They will lose."'),
    )
    assert tagger.decode(text, tagged) == [
        Attribution(
            content=(at(text, '"We will win,"'), at(text, '"They will lose."')),
            cue=at(text, "said"),
            source=at(text, "Smith"),
        )
    ]


def test_tagger_decode_prefers_cue_of_same_sentence() -> None:
    text = '"Yes," Ann said. "No," Bob replied.'
    tagged = tags(
        text,
        ("CONTENT", '"Yes,"'),
        ("SOURCE", "Ann"),
        ("CUE", "said"),
        ("CONTENT", '"No,"'),
        ("SOURCE", "Bob"),
        ("CUE", "replied"),
    )
    decoded = tagger.decode(text, tagged)
    assert [(a.content, a.cue, a.source) for a in decoded] == [
        ((at(text, '"Yes,"'),), at(text, "said"), at(text, "Ann")),
        ((at(text, '"No,"'),), at(text, "replied"), at(text, "Bob")),
    ]


def test_tagger_decode_falls_back_to_words_before_cue() -> None:
    text = "Mr. Smith's top aide said that the deal was off."
    tagged = tags(text, ("CUE", "said"), ("CONTENT", "the deal was off"))
    (attribution,) = tagger.decode(text, tagged)
    assert attribution.source == at(text, "Mr. Smith's top aide")
    (attribution,) = tagger.decode(text, tagged, fallback_words=False)
    assert attribution.source is None


def test_tagger_decode_stays_in_paragraph() -> None:
    text = "Jones said it was late.\n\nThe plan, critics argue, is a mistake."
    tagged = tags(
        text,
        ("SOURCE", "Jones"),
        ("CUE", "said"),
        ("CONTENT", "it was late"),
        ("CONTENT", "The plan"),
    )
    decoded = tagger.decode(text, tagged, uncued_content=True)
    assert decoded[0] == Attribution(
        (at(text, "it was late"),), at(text, "said"), at(text, "Jones")
    )
    assert decoded[1] == Attribution((at(text, "The plan"),), None, None)
    assert tagger.decode(text, tagged) == decoded[:1]


def test_tagger_decode_without_content() -> None:
    text = "Smith said nothing."
    assert tagger.decode(text, tags(text, ("SOURCE", "Smith"), ("CUE", "said"))) == []
    assert tagger.decode("", []) == []
