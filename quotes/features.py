"""What the attribution tagger reads besides the words, and the layers that read it.

The tagger (`quotes.tagger`, trained by `make train`) sees each token through four eyes: its
own word vectors (a `tok2vec` sourced from en_core_web_sm), what a pretrained language model
makes of it in its paragraph (`quotes.encoder`: all-MiniLM-L6-v2's contextual vectors, read by
`context_vectors_layer`), the parse of the text as `quotes` makes it (`parse_features`: the
verb that governs the token and the arc it hangs from, tags, quotation marks, named entities)
and what the rules of `quotes.extract` found there (`rule_features`: inside which
construction's content, cue or speaker the token is). A BiLSTM runs over the four
(`attribution_encoder_v2`), and spaCy's NER decides the spans from it.

The features travel with the tagger's own Doc in `doc.user_data[FEATURES_KEY]` (`for_tagger`),
the encoder's vectors in `doc.user_data[CONTEXT_KEY]`: that Doc has no parse of its own,
because spaCy's NER never lets an entity cross a sentence start, and a quotation often runs
over several sentences.

The architectures are registered with spaCy on import (`quotes.AttributionEncoder.v2`, and
v1 of the 0.3 weights, `quotes.TokenFeatures.v1`, `quotes.ContextVectors.v1`), so the shipped
model loads once `quotes.tagger` is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, cast

import numpy
import spacy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, POS, TAG
from spacy.parts_of_speech import AUX, VERB
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab
from thinc.api import (
    LSTM,
    Dropout,
    HashEmbed,
    Maxout,
    Model,
    chain,
    concatenate,
    with_array,
    with_padded,
)
from thinc.types import Floats2d

from . import extract
from .encoder import CONTEXT_KEY
from .encoder import WIDTH as CONTEXT_WIDTH

# Columns of `parse_features`.
PARSE_FEATURES = (
    "tag",  # fine part of speech
    "dep",  # label of the arc to the head
    "head_offset",  # where the head is, -6..6 tokens away
    "governor_arc",  # the nearest verb above: its lemma and the label of the arc down to us
    "governor",  # that verb's lemma
    "governor2_arc",  # the verb above that one, and the label of the arc down to the first
    "head_lemma",  # the head's lemma
    "quoted",  # inside quotation marks (by parity within the paragraph), or a quotation mark
    "entity",  # the pipeline's named-entity label (PERSON, ORG, OUTLET, ...) with its IOB
)
# Columns of `rule_features`: what the rules of `quotes.extract` found, token by token.
RULE_FEATURES = (
    "rule_content",  # inside a rule statement's content: where (B, I, L, U) and construction
    "rule_frame",  # part of a rule statement's cue or speaker phrase, and its construction
)
COLUMNS = PARSE_FEATURES + RULE_FEATURES

FEATURES_KEY = "quotes.token_features"

_MIX = numpy.uint64(0x9E3779B97F4A7C15)
_QUOTE_MARKS = frozenset({'"', "\u201c", "\u201d", "''", "``", "\u00ab", "\u00bb"})
_OPENING_MARKS = frozenset({"\u201c", "\u00ab"})
_CLOSING_MARKS = frozenset({"\u201d", "\u00bb"})
_CONSTRUCTIONS = ("direct", "according_to", "indirect", "direct_governed", "continuation")


class RuleStatement(Protocol):
    """What `rule_features` reads of a rule statement (`quotes.extract.Candidate`)."""

    spans: list[tuple[int, int]]
    construction: str
    cue: Span | None
    subject: Span | None


# ---------------------------------------------------------------------------------------------
# the features


def token_features(doc: Doc, statements: Iterable[RuleStatement]) -> numpy.ndarray:
    """All the tagger reads besides the words, one row per token (columns: `COLUMNS`)."""
    return numpy.hstack([parse_features(doc), rule_features(doc, statements)])


def features_of(doc: Doc) -> numpy.ndarray:
    """The features `doc` carries, else those of its parse and of the rules' statements in it
    (which are then kept in `doc.user_data`). `doc` must be parsed."""
    found = doc.user_data.get(FEATURES_KEY)
    if found is None:
        ruled = extract.rule_statements(doc, extract.layout(doc.text))
        found = doc.user_data[FEATURES_KEY] = token_features(doc, ruled)
    return numpy.asarray(found)


def for_tagger(vocab: Vocab, parsed: Doc | Span, features: numpy.ndarray | None = None) -> Doc:
    """A Doc of `parsed`'s tokens in `vocab`, without the parse but carrying its features.

    `features` are `parsed`'s rows of `features_of` its Doc, if the caller has them already.
    """
    doc = Doc(vocab, words=[t.text for t in parsed], spaces=[bool(t.whitespace_) for t in parsed])
    if features is None:
        if isinstance(parsed, Span):
            features = features_of(parsed.doc)[parsed.start : parsed.end]
        else:
            features = features_of(parsed)
    doc.user_data[FEATURES_KEY] = features
    # The encoder's vectors (`quotes.encoder`), when the parsed Doc has them (training corpus).
    context = (parsed.doc if isinstance(parsed, Span) else parsed).user_data.get(CONTEXT_KEY)
    if context is not None:
        if isinstance(parsed, Span):
            context = context[parsed.start : parsed.end]
        doc.user_data[CONTEXT_KEY] = context
    return doc


def parse_features(doc: Doc) -> numpy.ndarray:
    """One row of uint64 keys per token (columns: `PARSE_FEATURES`), from `doc`'s parse.

    A content is usually a constituent under its cue (`said [that ...]`), far from it in
    tokens but next to it in the tree: each token carries the verb that governs it and the arc
    it hangs from. A Doc without a parse gives constant columns but for the quotation marks.
    """
    n = len(doc)
    out = numpy.zeros((n, len(PARSE_FEATURES)), dtype="uint64")
    if n == 0:
        return out
    arr = doc.to_array([TAG, DEP, POS, LEMMA, HEAD, ENT_TYPE, ENT_IOB])
    tag, dep, pos, lemma = arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]
    offset = arr[:, 4].astype("int64")  # relative, stored as unsigned
    heads = (numpy.arange(n) + offset).clip(0, n - 1)
    gov, gov_dep = _governors(heads, dep, (pos == VERB) | (pos == AUX))
    has_gov = gov >= 0
    gov_lemma = numpy.where(has_gov, lemma[gov.clip(0)], 0).astype("uint64")
    gov2 = numpy.where(has_gov, gov[gov.clip(0)], -1)
    has_gov2 = gov2 >= 0
    gov2_lemma = numpy.where(has_gov2, lemma[gov2.clip(0)], 0).astype("uint64")
    gov2_dep = numpy.where(has_gov2, gov_dep[gov.clip(0)], 0).astype("uint64")
    one = numpy.uint64(1)
    with numpy.errstate(over="ignore"):
        out[:, 0] = tag
        out[:, 1] = dep
        out[:, 2] = (offset.clip(-6, 6) + 7).astype("uint64")
        out[:, 3] = numpy.where(has_gov, numpy.bitwise_xor(gov_lemma * _MIX, gov_dep), one)
        out[:, 4] = numpy.where(has_gov, gov_lemma, one)
        out[:, 5] = numpy.where(has_gov2, numpy.bitwise_xor(gov2_lemma * _MIX, gov2_dep), one)
        out[:, 6] = lemma[heads]
        out[:, 8] = numpy.bitwise_xor(arr[:, 5] * _MIX, arr[:, 6])
    out[:, 7] = _quoted(doc)
    return out


def _governors(
    heads: numpy.ndarray, dep: numpy.ndarray, verb: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Per token, the nearest verb strictly above it and the arc of the child under that verb
    on the way up (-1 and 0 where there is none). A token whose head is no verb shares its
    head's, so each token is visited once."""
    n = len(heads)
    gov = numpy.full(n, -1, dtype="int64")
    gov_dep = numpy.zeros(n, dtype="uint64")
    done = numpy.zeros(n, dtype=bool)
    for i in range(n):
        path = []
        j = i
        while not done[j]:
            h = int(heads[j])
            if h == j:
                done[j] = True
            elif verb[h]:
                gov[j], gov_dep[j], done[j] = h, dep[j], True
            else:
                path.append(j)
                j = h
        for k in path:
            gov[k], gov_dep[k], done[k] = gov[j], gov_dep[j], True
    return gov, gov_dep


def _quoted(doc: Doc) -> numpy.ndarray:
    """Per token: 3 a quotation mark, 2 inside quotation marks, 1 outside (reset at new lines)."""
    flags = numpy.ones(len(doc), dtype="uint64")
    inside = False
    for token in doc:
        text = token.text
        if token.is_space and "\n" in text:
            inside = False
        elif text in _QUOTE_MARKS:
            flags[token.i] = 3
            inside = text in _OPENING_MARKS or (text not in _CLOSING_MARKS and not inside)
            continue
        if inside:
            flags[token.i] = 2
    return flags


def rule_features(doc: Doc, statements: Iterable[RuleStatement]) -> numpy.ndarray:
    """One row of keys per token (columns: `RULE_FEATURES`) marking the rules' statements.

    The tagger learns where to trust the rules: their content boundaries are often right, and
    their cues and speakers come from the parse.
    """
    out = numpy.ones((len(doc), len(RULE_FEATURES)), dtype="uint64")
    for statement in statements:
        kind = 10 * (1 + _construction(statement.construction))
        for start, end in statement.spans:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            if len(span) == 1:
                out[span.start, 0] = kind + 4
                continue
            out[span.start, 0] = kind + 1
            out[span.start + 1 : span.end - 1, 0] = kind + 2
            out[span.end - 1, 0] = kind + 3
        for part, code in ((statement.cue, 5), (statement.subject, 6)):
            if part is not None:
                out[part.start : part.end, 1] = kind + code
    return out


def _construction(name: str) -> int:
    return _CONSTRUCTIONS.index(name) if name in _CONSTRUCTIONS else len(_CONSTRUCTIONS)


# ---------------------------------------------------------------------------------------------
# the layers


@spacy.registry.layers("quotes.TokenFeatures.v1")
def token_features_layer(width: int, rows: int, columns: int) -> Model[list[Doc], list[Floats2d]]:
    """Embed the first `columns` of the features (a hash embedding each, then a maxout)."""
    embeds: list[Model[Any, Floats2d]] = [
        HashEmbed(nO=width // 2, nV=rows, column=i, seed=101 + i) for i in range(columns)
    ]
    keys: Model[list[Doc], list[Any]] = Model("token_features", _keys_forward)
    return chain(
        keys, with_array(chain(concatenate(*embeds), Maxout(nO=width, nP=3, normalize=True)))
    )


def _keys_forward(
    model: Model[list[Doc], list[Any]], docs: list[Doc], is_train: bool
) -> tuple[list[Any], Callable[[Any], list[Doc]]]:
    # A Doc that carries no features (one tagged without `for_tagger`) gets those of whatever
    # parse it has, and no rule statements.
    rows = [doc.user_data.get(FEATURES_KEY) for doc in docs]
    keys = [
        model.ops.asarray(cast(Any, r if r is not None else token_features(d, [])), dtype="uint64")
        for r, d in zip(rows, docs, strict=True)
    ]
    return keys, lambda d_keys: []


@spacy.registry.architectures("quotes.AttributionEncoder.v1")
def attribution_encoder(
    tok2vec: Model[list[Doc], list[Floats2d]],
    feature_width: int,
    feature_rows: int,
    feature_columns: int,
    hidden: int,
    depth: int,
    dropout: float,
) -> Model[list[Doc], list[Floats2d]]:
    """The tagger's token vectors: `tok2vec` (a listener) beside the embedded token features,
    then a BiLSTM of `hidden` units (both directions) and `depth` layers.

    `feature_width` 0 leaves the features out; `hidden` 0 leaves the BiLSTM out (its output is
    then the concatenation itself).
    """
    model: Model[list[Doc], list[Floats2d]] = tok2vec
    if feature_width:
        features = token_features_layer(feature_width, feature_rows, feature_columns)
        model = concatenate(tok2vec, features)
    if hidden:
        lstm = LSTM(nO=hidden, bi=True, depth=depth, dropout=dropout)
        model = chain(model, with_padded(lstm))
    return model


@spacy.registry.layers("quotes.ContextVectors.v1")
def context_vectors_layer(width: int, dropout: float) -> Model[list[Doc], list[Floats2d]]:
    """The encoder's vectors of each token (`doc.user_data[CONTEXT_KEY]`, put there by the
    `quotes_context` component or the training corpus), mixed down to `width` by a maxout.
    A Doc without them reads zeros (the model was not trained for that)."""
    vectors: Model[list[Doc], list[Floats2d]] = Model("ctx_vectors", _context_forward)
    mix: Model[Floats2d, Floats2d] = chain(
        Maxout(nO=width, nI=CONTEXT_WIDTH, nP=2, normalize=True), Dropout(dropout)
    )
    return chain(vectors, with_array(mix))


def _context_forward(
    model: Model[list[Doc], list[Floats2d]], docs: list[Doc], is_train: bool
) -> tuple[list[Floats2d], Callable[[Any], list[Doc]]]:
    out = []
    for doc in docs:
        found = doc.user_data.get(CONTEXT_KEY)
        if found is None or len(found) != len(doc):
            found = numpy.zeros((len(doc), CONTEXT_WIDTH), dtype="float32")
        out.append(model.ops.asarray2f(cast(Floats2d, numpy.asarray(found, dtype="float32"))))
    return out, lambda d_out: []


@spacy.registry.architectures("quotes.AttributionEncoder.v2")
def attribution_encoder_v2(
    tok2vec: Model[list[Doc], list[Floats2d]],
    feature_width: int,
    feature_rows: int,
    feature_columns: int,
    context_width: int,
    context_dropout: float,
    hidden: int,
    depth: int,
    dropout: float,
) -> Model[list[Doc], list[Floats2d]]:
    """The tagger's token vectors since 0.4: `tok2vec` (a listener), the embedded token
    features and the encoder's contextual vectors (`quotes.encoder`) side by side, then a
    BiLSTM of `hidden` units (both directions) and `depth` layers."""
    features = token_features_layer(feature_width, feature_rows, feature_columns)
    context = context_vectors_layer(context_width, context_dropout)
    lstm = LSTM(nO=hidden, bi=True, depth=depth, dropout=dropout)
    return chain(concatenate(tok2vec, features, context), with_padded(lstm))
