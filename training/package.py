"""Copy a trained pipeline (spaCy's `model-best`) into the package as `quotes/attribution_model/`.

The pipeline is loaded and saved again rather than copied file by file, so that what ships is
exactly what `spacy.load` needs: the tokenizer, the vocab, the `context` component (the
encoder of `training.encoder`, all-MiniLM-L6-v2 in 8/4 bits, added here as the first
component), the sourced-and-fine-tuned `tok2vec` and the `ner` that reads both (all ship, so
the listener always has its upstream). The training paths are cleared from the config and the
meta says what the weights derive from.

The decision biases chosen by `training.calibrate` (`calibration.json` beside `model-best`, or
`--calibration FILE`) are added to the NER's actions before saving, and recorded in the meta.
A packaged model can be packaged again with other biases: those its meta records come off first.

The string store (1.3 MB, mostly en_core_web_sm's) is emptied: the hash embeddings hash token
attributes directly and the NER labels come back from the component's own files, so nothing
reads it. The packaged pipeline is checked to tag a sample exactly as the trained one does.

Usage::

    python -m training.package build/attribution-tagger/model-best quotes/attribution_model
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import spacy

import quotes.nlp
import quotes.tagger  # registers the tagger's architectures
from quotes import encoder
from quotes.features import for_tagger
from training.calibrate import recorded_biases, set_biases, uncalibrated

META = {
    "name": "quotes_attribution_tagger",
    "version": "0.4.0",
    # What pyproject.toml admits; spaCy would otherwise pin the patch release it was trained on.
    "spacy_version": ">=3.8.0,<3.9.0",
    "description": (
        "Attribution tagger for `quotes`: spaCy NER with labels SOURCE, CUE and CONTENT over "
        "a BiLSTM reading a tok2vec (initialised from en_core_web_sm 3.8.0 and fine-tuned), "
        "each token's contextual vector from all-MiniLM-L6-v2 (8/4-bit, run in numpy by "
        "quotes/encoder.py) and its parse and rule features (quotes/features.py); trained on "
        "the PolNeAR train split. See docs/model-card.md."
    ),
    "license": (
        "The NER's weights derive from PolNeAR (research data distributed by its authors; "
        "Newell, Margolin & Ruths, LREC 2018) and read the parse of en_core_web_sm (MIT; "
        "trained on OntoNotes 5); the encoder is all-MiniLM-L6-v2 (sentence-transformers, "
        "Apache-2.0), quantised to 8 and 4 bits."
    ),
    "sources": [
        {
            "name": "PolNeAR",
            "author": "Edward Newell, Drew Margolin, Derek Ruths",
            "url": "https://github.com/networkdynamics/PolNeAR",
            "license": "research data, distributed by its authors",
        },
        {
            "name": "en_core_web_sm 3.8.0 (tok2vec, and the parse the features are read from)",
            "author": "Explosion",
            "license": "MIT",
        },
        {
            "name": "all-MiniLM-L6-v2 (the context component, 8/4-bit)",
            "author": "sentence-transformers (Nils Reimers); from nreimers/MiniLM-L6-H384-uncased",
            "url": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
            "license": "Apache-2.0",
        },
    ],
}


SAMPLE = (
    '"We will win," Smith said. The governor told reporters that the plan would fail, '
    "according to two aides.\n\nCritics say the bill, which passed on Tuesday, is a mistake."
)


def _tags(nlp: spacy.language.Language) -> list[tuple[str, int, int]]:
    doc = for_tagger(nlp.vocab, quotes.nlp.load()(SAMPLE))
    return [(ent.label_, ent.start_char, ent.end_char) for ent in nlp(doc).ents]


def package(
    src: Path, dest: Path, calibration: Path | None = None, encoder_dir: Path | None = None
) -> int:
    """Write the pipeline at `src` to `dest` (replaced), with the biases of `calibration`
    (default: `calibration.json` beside `src`) and the encoder of `encoder_dir` (default: the
    shipped one) as its first component; return its size in bytes."""
    encoder_dir = encoder_dir or quotes.tagger.MODEL_DIR / "context"
    nlp = spacy.load(src)
    if set(nlp.pipe_names) - {"context"} != {"tok2vec", "ner"}:
        raise SystemExit(f"{src}: expected the components tok2vec and ner, got {nlp.pipe_names}")
    encoder.add_to(nlp, encoder_dir)
    for key in ("train", "dev"):
        nlp.config["paths"][key] = None
    nlp.meta.update(META)
    calibration = calibration or src.parent / "calibration.json"
    if calibration.is_file():
        chosen = json.loads(calibration.read_text(encoding="utf-8"))
        uncalibrated(nlp)
        set_biases(nlp, recorded_biases({"calibration": chosen}))
        nlp.meta["calibration"] = chosen
    # Keep the training scores from model-best's meta (performance), drop nothing else.
    if dest.exists():
        shutil.rmtree(dest)
    nlp.to_disk(dest)
    (dest / "vocab" / "strings.json").write_text("[]\n", encoding="utf-8")
    shipped = spacy.load(dest)
    if _tags(shipped) != _tags(nlp):
        raise SystemExit(f"{dest}: the packaged pipeline does not tag like {src}")
    return sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="the trained pipeline (model-best)")
    parser.add_argument("dest", type=Path, help="the package folder to (re)write")
    parser.add_argument("--calibration", type=Path, help="calibration.json to apply")
    parser.add_argument("--encoder", type=Path, help="the encoder folder (training.encoder)")
    args = parser.parse_args(argv)
    if args.calibration and not args.calibration.is_file():
        raise SystemExit(f"{args.calibration}: no such file")
    size = package(args.src, args.dest, args.calibration, args.encoder)
    print(f"Wrote {args.dest} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
