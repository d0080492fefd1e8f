"""evaluate: the scorer's definitions on hand-built cases, and agreement with score.py."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quotes.cli import app
from quotes.evaluate import bootstrap, score

TEXT = (
    'Alice Smith said "We will win the vote." Bob argued that taxes are too high. '
    'The mayor, Carol Jones, added: "It is over." It was reported that turnout fell.'
)
SCORE_PY = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"


def at(sub: str) -> list[list[int]]:
    i = TEXT.index(sub)
    return [[i, i + len(sub)]]


GOLD = [
    {
        "doc_id": "d1",
        "text": TEXT,
        "attributions": [
            {
                "source": at("Alice Smith"),
                "cue": at("said"),
                "content": at('"We will win the vote."'),
            },
            {"source": at("Bob"), "cue": at("argued"), "content": at("taxes are too high")},
            {
                "source": at("The mayor, Carol Jones"),
                "cue": at("added"),
                "content": at('"It is over."'),
            },
            {"source": [], "cue": at("was reported"), "content": at("turnout fell")},
        ],
    }
]


def pred(content: str, speaker: str | None, cue: str | None, name: str = "") -> dict[str, Any]:
    return {
        "content": at(content),
        "speaker": at(speaker) if speaker else [],
        "cue": at(cue) if cue else [],
        "speaker_name": name,
    }


def perfect(doc_id: str) -> dict[str, Any]:
    """What GOLD[0] holds, as a system's predictions for the article `doc_id`."""
    quotes = [
        {"content": a["content"], "speaker": a["source"], "cue": a["cue"]}
        for a in GOLD[0]["attributions"]
    ]
    return {"doc_id": doc_id, "quotes": quotes}


def test_evaluate_perfect_system_scores_one() -> None:
    summary = score(GOLD, [perfect("d1")]).summary()
    assert summary["all"]["e2e_f1"] == 1.0
    assert summary["all"]["content_f1_exact"] == 1.0
    assert summary["direct"]["gold"] == 2 and summary["indirect"]["gold"] == 2


def test_evaluate_partial_system() -> None:
    system = [
        {
            "doc_id": "d1",
            "quotes": [
                pred('"We will win the vote."', "Alice Smith", "said"),  # right
                pred("that taxes are too high", None, "argued", name="Robert Bob"),  # name right
                pred("It is over.", "Carol Jones", None),  # exact after trimming; no cue
                pred("turnout fell", "It", "was reported"),  # sourceless gold: speaker wrong
                pred("Alice Smith said", "Alice Smith", "said"),  # spurious
            ],
        }
    ]
    result = score(GOLD, system)
    summary = result.summary()
    assert summary["all"]["gold"] == 4 and summary["all"]["pred"] == 5
    # Four content matches out of 5 predictions and 4 gold: F1 = 2 * .8 * 1 / 1.8.
    assert summary["all"]["content_f1_jaccard"] == pytest.approx(0.8889, abs=1e-4)
    assert summary["all"]["speaker_acc"] == 1.0  # the sourceless gold is left out
    assert summary["all"]["cue_acc"] == pytest.approx(3 / 4)
    assert summary["all"]["e2e_p"] == pytest.approx(3 / 5)
    assert sorted(e["error"] for e in result.errors) == ["spurious", "wrong_speaker"]


@pytest.mark.skipif(not SCORE_PY.exists(), reason="../shared/eval/score.py is not beside the repo")
def test_evaluate_agrees_with_score_py_on_random_systems() -> None:
    spec = importlib.util.spec_from_file_location("score_py", SCORE_PY)
    assert spec is not None and spec.loader is not None
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    rng = random.Random(3)
    n = len(TEXT)

    def span() -> list[list[int]]:
        s = rng.randrange(n - 5)
        return [[s, min(n, s + rng.randrange(1, 60))]]

    for _ in range(20):
        system = [
            {
                "doc_id": "d1",
                "quotes": [
                    {
                        "content": span(),
                        "speaker": span() if rng.random() < 0.7 else [],
                        "cue": span(),
                    }
                    for _ in range(rng.randrange(1, 6))
                ],
            }
        ]
        ours = score(GOLD, system).summary()
        theirs = reference.score(GOLD, system)
        for sub in ("all", "direct", "indirect"):
            assert ours[sub]["e2e_f1"] == pytest.approx(theirs[sub]["e2e"]["f1"], abs=1e-4)
            assert ours[sub]["content_f1_jaccard"] == pytest.approx(
                theirs[sub]["jaccard"]["f1"], abs=1e-4
            )


def test_cli_evaluate_prints_scores_and_errors(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["evaluate", str(gold), "--errors", "missed"], prog_name="quotes"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("subset") and lines[1].startswith("all")
    missed = [json.loads(line) for line in lines[4:]]
    assert all(m["error"] == "missed" for m in missed)


TWO_ARTICLES = [GOLD[0], {**GOLD[0], "doc_id": "d2"}]


def test_bootstrap_interval_spans_what_other_article_samples_would_give() -> None:
    # Perfect on d1, nothing on d2: samples of d1 twice score 1, of d2 twice 0.
    intervals = bootstrap(TWO_ARTICLES, [perfect("d1")], samples=400)
    point = score(TWO_ARTICLES, [perfect("d1")]).summary()["all"]["content_f1_jaccard"]
    low, high = intervals["all"]["content_f1_jaccard"]
    assert low == 0.0 and high == 1.0 and low < point < high
    assert set(intervals) == {"all", "direct", "indirect"}


def test_bootstrap_of_one_article_is_the_score_itself() -> None:
    system = [{"doc_id": "d1", "quotes": [pred("taxes are too high", "Bob", "argued")]}]
    point = score(GOLD, system).summary()["all"]
    intervals = bootstrap(GOLD, system, samples=50)["all"]
    assert intervals["content_f1_jaccard"] == (point["content_f1_jaccard"],) * 2
    assert intervals["e2e_f1"] == (point["e2e_f1"],) * 2


def test_bootstrap_difference_from_a_baseline() -> None:
    better = [perfect("d1"), perfect("d2")]
    worse = [perfect("d1")]
    same = bootstrap(TWO_ARTICLES, better, baseline=better, samples=100)
    assert same["all"]["e2e_f1"] == (0.0, 0.0)
    gain = bootstrap(TWO_ARTICLES, better, baseline=worse, samples=100)
    low, high = gain["all"]["content_f1_jaccard"]
    # A sample that draws d2 favours `better`; one of d1 alone (a quarter of them) ties.
    assert low == 0.0 and 0.0 < high <= 1.0
    loss = bootstrap(TWO_ARTICLES, worse, baseline=better, samples=100)
    assert loss["all"]["content_f1_jaccard"] == (-high, -low)


def test_bootstrap_is_reproducible_and_refuses_no_samples() -> None:
    system = [perfect("d1")]
    assert bootstrap(TWO_ARTICLES, system, seed=3) == bootstrap(TWO_ARTICLES, system, seed=3)
    with pytest.raises(ValueError):
        bootstrap(TWO_ARTICLES, system, samples=0)


def test_cli_evaluate_scores_a_system_file_with_intervals(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in TWO_ARTICLES), encoding="utf-8")
    system = tmp_path / "system.jsonl"
    system.write_text(json.dumps(perfect("d1")) + "\n", encoding="utf-8")
    runner = CliRunner()
    args = ["evaluate", str(gold), "--system", str(system), "--bootstrap", "200"]
    result = runner.invoke(app, [*args, "--format", "json"], prog_name="quotes")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["all"]["e2e_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["all"]["content_f1_jaccard_interval"] == [0.0, 1.0]
    table = runner.invoke(app, [*args, "--baseline", str(system)], prog_name="quotes")
    assert table.exit_code == 0, table.output
    assert "difference from" in table.output and "[+0.000, +0.000]" in table.output


def test_cli_evaluate_refuses_bad_system_and_baseline_options(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(app, ["evaluate", str(gold), "--system", str(broken)], prog_name="quotes")
    assert bad.exit_code == 1 and "not JSON" in bad.output
    usage = runner.invoke(
        app, ["evaluate", str(gold), "--system", str(gold), "--baseline", str(gold)]
    )
    assert usage.exit_code == 2 and "--bootstrap" in usage.output
