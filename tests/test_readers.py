"""training/readers.py: the examples spaCy trains the tagger on."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span

from quotes.features import FEATURES_KEY
from training.readers import parsed_corpus


def write_corpus(path: Path) -> None:
    nlp = spacy.blank("en")
    texts = [
        ("Smith said it would rain .", [(1, 2, "CUE"), (0, 1, "SOURCE"), (2, 5, "CONTENT")]),
        ("Jones said no .", [(1, 2, "CUE"), (0, 1, "SOURCE"), (2, 3, "CONTENT")]),
        ("Lee stumped for Clinton .", [(1, 3, "CUE"), (0, 1, "SOURCE"), (3, 4, "CONTENT")]),
        ("Nothing happened .", []),
    ]
    bin = DocBin(store_user_data=True)
    for text, ents in texts:
        words = text.split()
        doc = Doc(nlp.vocab, words=words, spaces=[True] * (len(words) - 1) + [False])
        doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
        bin.add(doc)
    bin.to_disk(path)


def test_reader_gives_tokens_features_and_gold_spans(tmp_path: Path) -> None:
    write_corpus(tmp_path / "c.spacy")
    examples = list(parsed_corpus(tmp_path / "c.spacy")(spacy.blank("en")))
    assert [e.reference.text for e in examples] == [
        "Smith said it would rain .",
        "Jones said no .",
        "Lee stumped for Clinton .",
        "Nothing happened .",
    ]
    first = examples[0]
    assert not first.predicted.ents  # the tagger's side starts without spans
    assert first.predicted.user_data[FEATURES_KEY].shape[0] == len(first.predicted)
    assert [(e.text, e.label_) for e in first.reference.ents] == [
        ("Smith", "SOURCE"),
        ("said", "CUE"),
        ("it would rain", "CONTENT"),
    ]


def test_reader_passes_on_the_encoders_vectors(tmp_path: Path) -> None:
    """The corpus stores each token's encoder vector (training/corpus.py); the tagger's side
    of every example carries it, row for row, as the `context` component would at run time."""
    import numpy

    from quotes.encoder import CONTEXT_KEY, WIDTH

    nlp = spacy.blank("en")
    doc = nlp("Smith said it would rain .")
    vectors = numpy.random.default_rng(0).normal(size=(len(doc), WIDTH)).astype("float16")
    doc.user_data[CONTEXT_KEY] = vectors
    DocBin(store_user_data=True, docs=[doc]).to_disk(tmp_path / "c.spacy")
    (example,) = parsed_corpus(tmp_path / "c.spacy")(nlp)
    assert numpy.array_equal(example.predicted.user_data[CONTEXT_KEY], vectors)
