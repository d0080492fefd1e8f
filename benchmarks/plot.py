"""Draw docs/images/benchmarks.png from the JSON the benchmarks write (needs matplotlib).

    python benchmarks/plot.py build/bench [--out docs/images/benchmarks.png]

The folder holds `throughput.json`, `database.json`, `contradictions.json`, `memory-50k.json`,
`memory-50k-short.json` and `memory-detect.json`, as written by the benchmark scripts' `--json`
option. matplotlib
is not a dependency of `quotes`: install it where you plot (`pip install matplotlib`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

ROOT = Path(__file__).resolve().parent.parent


def load(folder: Path, name: str) -> Any:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "benchmarks.png")
    args = parser.parse_args()
    throughput = load(args.folder, "throughput")
    database = load(args.folder, "database")
    contradictions = load(args.folder, "contradictions")
    ingests = {
        "214 words": load(args.folder, "memory-50k"),
        "62 words": load(args.folder, "memory-50k-short"),
    }
    detect = load(args.folder, "memory-detect")

    fig, (left, middle, right, memory) = plt.subplots(
        1, 4, figsize=(14, 3.4), dpi=80, gridspec_kw={"width_ratios": [1, 1.2, 1, 1]}
    )

    words = throughput["words"]
    runs = list(throughput["seconds"])
    rates = [words / throughput["seconds"][run] for run in runs]
    bars = left.bar(runs, rates, color=["#999999"] + ["#3b6ea5"] * (len(runs) - 1))
    left.bar_label(bars, labels=[f"{r:,.0f}" for r in rates], fontsize=8)
    left.set_title("Throughput (words/s)", fontsize=10)
    left.tick_params(labelsize=8)

    labels = [row["query"].replace("--", "") for row in database]
    medians = [row["median_ms"] for row in database]
    middle.barh(labels, medians, color="#3b6ea5")
    middle.axvline(50, color="#c0392b", linestyle="--", linewidth=1)
    middle.text(50, len(labels) - 0.5, " 50 ms", color="#c0392b", fontsize=8, va="top")
    middle.invert_yaxis()
    middle.set_title("find on 1M quotes (median ms, warm)", fontsize=10)
    middle.tick_params(labelsize=7)

    sizes = [row["quotes"] for row in contradictions]
    seconds = [row["seconds"] for row in contradictions]
    right.loglog(sizes, seconds, "o-", color="#3b6ea5", label="measured")
    for power, style in ((1, ":"), (2, "--")):
        ref = [seconds[0] * (n / sizes[0]) ** power for n in sizes]
        right.loglog(sizes, ref, style, color="#777777", label=f"n^{power} from 1k")
    right.axhline(60, color="#c0392b", linestyle="--", linewidth=1)
    right.set_title("Contradictions (s)", fontsize=10)
    right.set_xlabel("quotes", fontsize=8)
    right.legend(fontsize=7)
    right.tick_params(labelsize=8)

    names = [f"ingest 50k\n{name}" for name in ingests]
    rss = [run["peak_tree_rss_mb"] for run in ingests.values()]
    pss = [run["peak_tree_pss_mb"] for run in ingests.values()]
    names.append(f"contradictions\n{detect['quotes'] / 1000:.0f}k quotes")
    rss.append(detect["peak_rss_mb"])
    pss.append(0.0)
    positions = range(len(names))
    memory.bar([p - 0.2 for p in positions], rss, 0.4, color="#3b6ea5", label="peak RSS")
    memory.bar([p + 0.2 for p in positions], pss, 0.4, color="#9dbbd9", label="peak PSS")
    memory.axhline(1.5e9 / 2**20, color="#c0392b", linestyle="--", linewidth=1)
    memory.text(-0.45, 1.5e9 / 2**20, "1.5 GB", color="#c0392b", fontsize=8, va="bottom")
    memory.set_xticks(list(positions), names, fontsize=7)
    memory.set_ylim(0, 1600)
    memory.set_title("Peak memory (MiB)", fontsize=10)
    memory.legend(fontsize=7, loc="upper right")
    memory.tick_params(axis="y", labelsize=8)

    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
