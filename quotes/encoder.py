"""Contextual word vectors for the attribution tagger: a small BERT (all-MiniLM-L6-v2) in numpy.

The tagger (`quotes.tagger`) reads, beside the parse and the rules, what a pretrained language
model makes of each word in its paragraph: the word pieces of the paragraph run through the 6
layers of all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; 22.7 M parameters, shipped as
8-bit integers with a scale per row), and each spaCy token gets the mean of its pieces' vectors
in layers 4 and 6. This is the knowledge of words the corpus alone cannot teach: most missed
attributions have a cue never seen as one in training (docs/model-card.md).

The forward pass (no torch): BERT's embeddings in numpy, then the 6 layers (self-attention and a
GELU feed-forward, each followed by layer norm) in ONNX Runtime, from a graph built at load time
out of the shipped weights (nothing but `weights.npz` ships). The linear layers multiply by the
shipped 8-bit weights as they are; their inputs are quantised to 8 bits on the fly
(`DynamicQuantizeMatMul`), where `INT8` says. `forward_numpy` is the same pass in float32 numpy,
the reference the tests hold the runtime to. The runtime uses one thread: the parallelism is
the ingest's worker processes (one session, built before they fork, serves them all). Paragraphs
(lines) are encoded separately, as in training; a paragraph longer than `WINDOW` pieces is read
in overlapping windows. The word pieces come from the model's own `tokenizer.json` (Hugging Face
`tokenizers`).

The component `quotes_context` puts the vectors in `doc.user_data[CONTEXT_KEY]` for the NER's
`quotes.ContextVectors.v1` layer (quotes/features.py); training reads them from the corpus.
"""

from __future__ import annotations

import bisect
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy
from spacy.language import Language
from spacy.tokens import Doc

CONTEXT_KEY = "quotes_context"
WIDTH = 384
LAYERS = 6
HEADS = 12
# The layers (1-based) whose outputs are averaged into a token's vector.
READ_LAYERS = (4, 6)
# Word pieces per window, [CLS] and [SEP] included; windows overlap by WINDOW - 2 - STRIDE.
WINDOW = 256
STRIDE = 192
# Pieces per forward pass: paragraphs of similar length are encoded together.
BATCH_PIECES = 4096
CLS, SEP = 101, 102
WEIGHTS = "weights.npz"
TOKENIZER = "tokenizer.json"

Offsets = tuple[int, int]


def quantize(matrix: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """8-bit integers and one float scale per row (`matrix ~ ints * scale[:, None]`)."""
    scale = numpy.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    ints = numpy.clip(numpy.rint(matrix / scale[:, None]), -127, 127).astype(numpy.int8)
    return ints, scale.astype(numpy.float32)


GROUP = 32  # values per scale in the 4-bit word-piece embeddings


def quantize4(matrix: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """4-bit integers (-7..7, two to a byte) with one float16 scale per `GROUP` values of a row."""
    rows, cols = matrix.shape
    groups = matrix.reshape(rows, cols // GROUP, GROUP)
    scale = numpy.abs(groups).max(axis=-1, keepdims=True) / 7.0
    scale[scale == 0] = 1.0
    ints = numpy.clip(numpy.rint(groups / scale), -7, 7).astype(numpy.int8).reshape(rows, cols)
    nibbles = (ints + 8).astype(numpy.uint8)
    packed = nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)
    return packed, scale.reshape(rows, -1).astype(numpy.float16)


def dequantize4(packed: numpy.ndarray, scale: numpy.ndarray) -> numpy.ndarray:
    rows = packed.shape[0]
    ints = numpy.empty((rows, packed.shape[1] * 2), numpy.float32)
    ints[:, 0::2] = (packed & 0x0F).astype(numpy.float32) - 8
    ints[:, 1::2] = (packed >> 4).astype(numpy.float32) - 8
    groups = ints.reshape(rows, -1, GROUP) * scale.astype(numpy.float32)[:, :, None]
    return groups.reshape(rows, -1)


def _layer_norm(x: numpy.ndarray, gain: numpy.ndarray, bias: numpy.ndarray) -> numpy.ndarray:
    mean = x.mean(-1, keepdims=True)
    x = x - mean
    var = (x * x).mean(-1, keepdims=True)
    x /= numpy.sqrt(var + 1e-12)
    x *= gain
    x += bias
    return x


def _gelu(x: numpy.ndarray) -> numpy.ndarray:
    """BERT's GELU (tanh form), in place."""
    y = x * x
    y *= x
    y *= 0.044715
    y += x
    y *= 0.7978845608
    numpy.tanh(y, out=y)
    y += 1.0
    y *= x
    y *= 0.5
    return y


# The linear layers whose inputs are quantised to 8 bits on the fly (the rest multiply float32
# inputs by the dequantised 8-bit weights). Names as in `weights.npz`: qkv, out, up, down.
INT8 = frozenset({"qkv", "out", "up", "down"})
# ONNX Runtime's threads for one encoder (see the module's doc).
THREADS = 1


class Encoder:
    """all-MiniLM-L6-v2 from a folder of `weights.npz` (8-bit) and `tokenizer.json`.

    `exact`: run the float32 numpy pass (`forward_numpy`) instead of the runtime, as the
    training corpus did for the shipped tagger (`make train` reproduces it so).
    """

    def __init__(self, folder: Path, *, exact: bool = False) -> None:
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        # The files as read, for `ContextVectors.to_disk` (the folder may be replaced).
        self.files = {name: (self.folder / name).read_bytes() for name in (WEIGHTS, TOKENIZER)}
        self.tokenizer = Tokenizer.from_str(self.files[TOKENIZER].decode("utf-8"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        with numpy.load(io.BytesIO(self.files[WEIGHTS])) as stored:
            self.stored = {name: stored[name] for name in stored.files}
        # The word-piece table stays in 4 bits (47 MB as float32): rows are dequantised as read.
        self.embed = {
            name: _dequantized(self.stored, name)
            for name in ("position", "token_type", "embed_ln_g", "embed_ln_b")
        }
        self.exact = exact
        self._float: dict[str, numpy.ndarray] | None = None
        # Built now, so that an ingest's workers, forked after the load, share it (and its
        # weights) rather than each building its own.
        self._session: Any = None
        if not exact:
            self.session()

    def words(self, ids: numpy.ndarray) -> numpy.ndarray:
        """The word-piece embeddings of `ids` (any shape), float32."""
        flat = ids.reshape(-1)
        rows = dequantize4(self.stored["word.q4"][flat], self.stored["word.scale4"][flat])
        return rows.reshape(*ids.shape, WIDTH)

    def embeddings(
        self, ids: numpy.ndarray, mask: numpy.ndarray
    ) -> tuple[numpy.ndarray, numpy.ndarray]:
        """The layers' inputs: embedded pieces and the attention mask's additive bias."""
        e = self.embed
        length = ids.shape[1]
        x = self.words(ids) + e["position"][:length][None] + e["token_type"][0]
        x = _layer_norm(x, e["embed_ln_g"], e["embed_ln_b"])
        negative = ((1.0 - mask) * -1e4)[:, None, None, :].astype(numpy.float32)
        return x.astype(numpy.float32, copy=False), negative

    def session(self) -> Any:
        """The ONNX Runtime session of the 6 layers, built on first use."""
        if self._session is None:
            self._session = _session(self.stored, threads=THREADS)
        return self._session

    def forward(self, ids: numpy.ndarray, mask: numpy.ndarray) -> numpy.ndarray:
        """(batch, pieces) ids and 0/1 mask -> the mean of the `READ_LAYERS` outputs."""
        if self.exact:
            return self.forward_numpy(ids, mask)
        # One row at a time, without its padding: the 8-bit inputs take their scale from the
        # whole input, so a row's vectors must not depend on what it is batched with.
        session = self.session()
        out = numpy.zeros((*ids.shape, WIDTH), numpy.float32)
        for row, n in enumerate(mask.sum(1).astype(int).tolist()):
            x, negative = self.embeddings(ids[row : row + 1, :n], mask[row : row + 1, :n])
            out[row, :n] = session.run(["out"], {"x": x, "negative": negative})[0][0]
        return out

    def forward_numpy(self, ids: numpy.ndarray, mask: numpy.ndarray) -> numpy.ndarray:
        """`forward` in float32 numpy, every weight dequantised: the reference for the tests."""
        if self._float is None:
            self._float = {name: _dequantized(self.stored, name) for name in _names(self.stored)}
        w = self._float
        batch, length = ids.shape
        x, negative = self.embeddings(ids, mask)
        head = WIDTH // HEADS
        out = numpy.zeros_like(x)
        for i in range(LAYERS):
            p = f"{i}."
            q, k, v = numpy.split(x @ w[p + "qkv"] + w[p + "qkv_b"], 3, axis=-1)
            q, k, v = (
                t.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3) for t in (q, k, v)
            )
            att = q @ k.transpose(0, 1, 3, 2)
            att *= 1.0 / numpy.sqrt(head)
            att += negative
            att -= att.max(-1, keepdims=True)
            numpy.exp(att, out=att)
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(batch, length, WIDTH)
            x = _layer_norm(ctx @ w[p + "out"] + w[p + "out_b"] + x, w[p + "ln1_g"], w[p + "ln1_b"])
            h = _gelu(x @ w[p + "up"] + w[p + "up_b"])
            x = _layer_norm(h @ w[p + "down"] + w[p + "down_b"] + x, w[p + "ln2_g"], w[p + "ln2_b"])
            if i + 1 in READ_LAYERS:
                out += x
        out /= len(READ_LAYERS)
        return out

    def spans_vectors(
        self, texts: Sequence[str], spans: Sequence[Sequence[Offsets]]
    ) -> list[numpy.ndarray]:
        """For each text, a (len(spans), WIDTH) float16 array: the mean vector of the word
        pieces each character span overlaps (zeros for a span with none, e.g. white space)."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        windows: list[tuple[int, int, int]] = []  # (text, first piece, end piece)
        for t, enc in enumerate(encodings):
            n, start = len(enc.ids), 0
            while n:
                windows.append((t, start, min(n, start + WINDOW - 2)))
                if start + WINDOW - 2 >= n:
                    break
                start += STRIDE
        sums = [numpy.zeros((len(enc.ids), WIDTH), numpy.float32) for enc in encodings]
        counts = [numpy.zeros(len(enc.ids), numpy.float32) for enc in encodings]
        for group in _batches(sorted(windows, key=lambda w: w[2] - w[1])):
            length = max(end - start for _, start, end in group) + 2
            ids = numpy.zeros((len(group), length), numpy.int64)
            mask = numpy.zeros((len(group), length), numpy.float32)
            for row, (t, start, end) in enumerate(group):
                ids[row, : end - start + 2] = [CLS, *encodings[t].ids[start:end], SEP]
                mask[row, : end - start + 2] = 1.0
            out = self.forward(ids, mask)
            for row, (t, start, end) in enumerate(group):
                sums[t][start:end] += out[row, 1 : end - start + 1]
                counts[t][start:end] += 1.0
        result = []
        for enc, total, count, wanted in zip(encodings, sums, counts, spans, strict=True):
            pieces = total / numpy.maximum(count, 1.0)[:, None]
            offsets = numpy.array(enc.offsets, dtype=numpy.int64).reshape(-1, 2)
            vectors = numpy.zeros((len(wanted), WIDTH), numpy.float16)
            # The pieces' offsets only grow: those a span overlaps are one run, found by bisection.
            for row, (s, e) in enumerate(wanted):
                lo = int(numpy.searchsorted(offsets[:, 1], s, side="right"))
                hi = int(numpy.searchsorted(offsets[:, 0], e, side="left"))
                if lo < hi:
                    vectors[row] = pieces[lo:hi].mean(0)
            result.append(vectors)
        return result

    def doc_vectors(self, docs: Sequence[Doc]) -> list[numpy.ndarray]:
        """Each Doc's (len(doc), WIDTH) float16 vectors, paragraph (line) by paragraph."""
        texts: list[str] = []
        spans: list[list[Offsets]] = []
        rows: list[tuple[int, list[int]]] = []
        for d, doc in enumerate(docs):
            text = doc.text
            starts = [t.idx for t in doc]
            for m in re.finditer(r"[^\n]+", text):
                a, b = m.start(), m.end()
                inside = []
                i = bisect.bisect_left(starts, a)
                while i < len(starts) and starts[i] < b:
                    if starts[i] + len(doc[i].text) <= b:
                        inside.append(i)
                    i += 1
                if inside:
                    texts.append(text[a:b])
                    spans.append(
                        [(starts[i] - a, starts[i] + len(doc[i].text) - a) for i in inside]
                    )
                    rows.append((d, inside))
        out = [numpy.zeros((len(doc), WIDTH), numpy.float16) for doc in docs]
        for (d, inside), vectors in zip(rows, self.spans_vectors(texts, spans), strict=True):
            out[d][inside] = vectors
        return out


def _batches(windows: list[tuple[int, int, int]]) -> Iterator[list[tuple[int, int, int]]]:
    group: list[tuple[int, int, int]] = []
    for window in windows:
        longest = max([window[2] - window[1], *(e - s for _, s, e in group)]) + 2
        if group and longest * (len(group) + 1) > BATCH_PIECES:
            yield group
            group = []
        group.append(window)
    if group:
        yield group


def _names(files: Iterable[str]) -> list[str]:
    suffixes = (".q4", ".scale4", ".q", ".scale")
    names = set()
    for f in files:
        for suffix in suffixes:
            if f.endswith(suffix):
                f = f.removesuffix(suffix)
                break
        names.add(f)
    return sorted(names)


def _dequantized(stored: Any, name: str) -> numpy.ndarray:
    if name + ".q4" in stored:
        matrix = dequantize4(stored[name + ".q4"], stored[name + ".scale4"])
        return matrix if name == "word" else numpy.ascontiguousarray(matrix.T)
    if name + ".q" in stored:
        ints = stored[name + ".q"].astype(numpy.float32)
        matrix = ints * stored[name + ".scale"][:, None]
        # Linear layers are stored as (out, in) rows; the forward pass multiplies x @ (in, out).
        return (
            matrix
            if name in ("word", "position", "token_type")
            else numpy.ascontiguousarray(matrix.T)
        )
    return numpy.asarray(stored[name], dtype=numpy.float32)


def graph(stored: Any, int8: frozenset[str] = INT8) -> Any:
    """The 6 layers as an ONNX model (`onnx.ModelProto`) made from the stored weights.

    Inputs `x` (batch, pieces, WIDTH), the embedded pieces, and `negative` (batch, 1, 1,
    pieces), the mask's bias; output `out`, the mean of the `READ_LAYERS` outputs.
    """
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    weights: list[Any] = []

    def constant(name: str, value: numpy.ndarray) -> str:
        weights.append(numpy_helper.from_array(numpy.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], n: int = 1, domain: str = "", **attrs: Any) -> Any:
        outputs = [f"{kind}_{len(nodes)}_{j}" for j in range(n)]
        nodes.append(helper.make_node(kind, inputs, outputs, domain=domain, **attrs))
        return outputs[0] if n == 1 else outputs

    def linear(x: str, name: str) -> str:
        bias = constant(name + "_b", numpy.asarray(stored[name + "_b"], numpy.float32))
        ints, scale = stored[name + ".q"], stored[name + ".scale"].astype(numpy.float32)
        if name.split(".")[1] in int8:
            # (out, in) rows of 8-bit integers, a scale per row: B = ints.T, a scale per column.
            b = constant(name + "_q", ints.T)
            zero = constant(name + "_zero", numpy.zeros(len(scale), numpy.int8))
            inputs = [x, b, constant(name + "_scale", scale), zero, bias]
            return str(op("DynamicQuantizeMatMul", inputs, domain="com.microsoft"))
        matrix = constant(name + "_w", (ints.astype(numpy.float32) * scale[:, None]).T)
        return str(op("Add", [op("MatMul", [x, matrix]), bias]))

    def layer_norm(x: str, gain: str, bias: str) -> str:
        g = constant(gain, numpy.asarray(stored[gain], numpy.float32))
        b = constant(bias, numpy.asarray(stored[bias], numpy.float32))
        return str(op("LayerNormalization", [x, g, b], axis=-1, epsilon=1e-12))

    head = WIDTH // HEADS
    heads = constant("heads", numpy.array([0, 0, HEADS, head], numpy.int64))
    width = constant("width", numpy.array([0, 0, WIDTH], numpy.int64))
    thirds = constant("thirds", numpy.array([WIDTH] * 3, numpy.int64))
    scale = constant("scale", numpy.array(1.0 / numpy.sqrt(head), numpy.float32))
    x, read = "x", []
    for i in range(LAYERS):
        p = f"{i}."
        q, k, v = op("Split", [linear(x, p + "qkv"), thirds], n=3, axis=-1)
        q = op("Transpose", [op("Reshape", [q, heads])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [k, heads])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [v, heads])], perm=[0, 2, 1, 3])
        att = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), "negative"])
        att = op("Softmax", [att], axis=-1)
        ctx = op("Transpose", [op("MatMul", [att, v])], perm=[0, 2, 1, 3])
        ctx = op("Reshape", [ctx, width])
        x = layer_norm(op("Add", [linear(ctx, p + "out"), x]), p + "ln1_g", p + "ln1_b")
        h = op("Gelu", [linear(x, p + "up")], approximate="tanh")
        x = layer_norm(op("Add", [linear(h, p + "down"), x]), p + "ln2_g", p + "ln2_b")
        if i + 1 in READ_LAYERS:
            read.append(x)
    mean = constant("mean", numpy.array(1.0 / len(read), numpy.float32))
    total = read[0] if len(read) == 1 else op("Sum", read)
    nodes.append(helper.make_node("Mul", [total, mean], ["out"]))
    f = TensorProto.FLOAT
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "all-MiniLM-L6-v2",
            [
                helper.make_tensor_value_info("x", f, [None, None, WIDTH]),
                helper.make_tensor_value_info("negative", f, [None, 1, 1, None]),
            ],
            [helper.make_tensor_value_info("out", f, [None, None, WIDTH])],
            weights,
        ),
        opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)],
    )
    model.ir_version = 10
    return model


def _session(stored: Any, *, threads: int, int8: frozenset[str] = INT8) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # One thread creates no thread pool, so a session built before a fork works in the child.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Threads that wait rather than spin: the machine is shared with other workers.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(
        graph(stored, int8).SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def convert(safetensors: Path, tokenizer: Path, dest: Path) -> int:
    """Write `dest/weights.npz` (8-bit matrices, the word pieces in 4 bits) and
    `dest/tokenizer.json` from the original all-MiniLM-L6-v2 files; return the bytes written."""
    import struct

    with open(safetensors, "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        data = f.read()
    raw: dict[str, numpy.ndarray] = {}
    for key, info in header.items():
        if key == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        raw[key] = numpy.frombuffer(data[start:end], dtype=numpy.float32).reshape(info["shape"])
    out: dict[str, numpy.ndarray] = {}

    def matrix(name: str, value: numpy.ndarray) -> None:
        out[name + ".q"], out[name + ".scale"] = quantize(value)

    def four(name: str, value: numpy.ndarray) -> None:
        out[name + ".q4"], out[name + ".scale4"] = quantize4(value)

    e = "embeddings."
    # The word-piece table is half the model: 4 bits a value (cosine of the tagger's vectors
    # to those of the original weights above .99), the rest 8 bits.
    four("word", raw[e + "word_embeddings.weight"])
    matrix("position", raw[e + "position_embeddings.weight"])
    matrix("token_type", raw[e + "token_type_embeddings.weight"])
    out["embed_ln_g"], out["embed_ln_b"] = raw[e + "LayerNorm.weight"], raw[e + "LayerNorm.bias"]
    for i in range(LAYERS):
        p, s = f"{i}.", f"encoder.layer.{i}."
        att = s + "attention.self."
        matrix(
            p + "qkv",
            numpy.concatenate([raw[att + n + ".weight"] for n in ("query", "key", "value")]),
        )
        out[p + "qkv_b"] = numpy.concatenate(
            [raw[att + n + ".bias"] for n in ("query", "key", "value")]
        )
        matrix(p + "out", raw[s + "attention.output.dense.weight"])
        out[p + "out_b"] = raw[s + "attention.output.dense.bias"]
        out[p + "ln1_g"] = raw[s + "attention.output.LayerNorm.weight"]
        out[p + "ln1_b"] = raw[s + "attention.output.LayerNorm.bias"]
        matrix(p + "up", raw[s + "intermediate.dense.weight"])
        out[p + "up_b"] = raw[s + "intermediate.dense.bias"]
        matrix(p + "down", raw[s + "output.dense.weight"])
        out[p + "down_b"] = raw[s + "output.dense.bias"]
        out[p + "ln2_g"] = raw[s + "output.LayerNorm.weight"]
        out[p + "ln2_b"] = raw[s + "output.LayerNorm.bias"]
    dest.mkdir(parents=True, exist_ok=True)
    numpy.savez_compressed(dest / WEIGHTS, **cast(dict[str, Any], out))
    (dest / TOKENIZER).write_bytes(Path(tokenizer).read_bytes())
    return sum(f.stat().st_size for f in dest.iterdir() if f.is_file())


class ContextVectors:
    """spaCy component: `doc.user_data[CONTEXT_KEY]` = the encoder's vectors of the Doc's
    tokens, unless the Doc carries them already (training examples do)."""

    def __init__(self, name: str = "context") -> None:
        self.name = name
        self.encoder: Encoder | None = None

    def load(self, folder: Path) -> ContextVectors:
        self.encoder = Encoder(folder)
        return self

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        if self.encoder is None:
            raise ValueError("the context component has no encoder: load() it or from_disk()")
        todo = [d for d in docs if not has_vectors(d)]
        for doc, vectors in zip(todo, self.encoder.doc_vectors(todo), strict=True):
            doc.user_data[CONTEXT_KEY] = vectors
        return docs

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        if self.encoder is None:
            raise ValueError("the context component has no encoder to save")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, data in self.encoder.files.items():
            (path / name).write_bytes(data)

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> ContextVectors:
        return self.load(Path(path))


def has_vectors(doc: Doc) -> bool:
    found = doc.user_data.get(CONTEXT_KEY)
    return found is not None and len(found) == len(doc)


@Language.factory("quotes_context")
def make_context(nlp: Language, name: str) -> ContextVectors:
    return ContextVectors(name)


def add_to(nlp: Language, folder: Path) -> Language:
    """Put the encoder of `folder` first in `nlp` (a trained tagger without it)."""
    if "context" not in nlp.pipe_names:
        pipe = nlp.add_pipe("quotes_context", name="context", first=True)
        pipe.load(folder)  # type: ignore[attr-defined]
    return nlp
