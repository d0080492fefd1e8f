"""The pairing model's fit (training/pairing.py): a logistic regression drawn towards its prior,
evidence weights never below 0; and the shipped weights cover every feature."""

from __future__ import annotations

import numpy as np

from quotes import lexicons, pairing
from training.pairing import POSITIVE, PRIOR, fit


def test_fit_learns_what_separates_and_keeps_evidence_non_negative() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((400, len(pairing.FEATURES)))
    names = list(pairing.FEATURES)
    # Right pairs share the report's terms; here "target" goes against them in the data.
    y = ((x[:, names.index("overlap")] - 0.3 * x[:, names.index("target")]) > 0.45).astype(float)
    w = fit(x, y, l2=0.01, steps=4000)
    weights = dict(zip(names, w[1:], strict=True))
    assert weights["overlap"] > 3
    assert all(weights[k] >= 0 for k in POSITIVE)
    assert weights["target"] == 0.0  # held at the bound, never negative
    # With a strong prior and no signal, the weights stay near the prior.
    flat = fit(x, rng.random(400).round(), l2=400.0, steps=2000)
    assert abs(flat[1 + names.index("plain_overlap")] - PRIOR["plain_overlap"]) < 0.1


def test_shipped_weights_cover_every_feature() -> None:
    weights = lexicons.pairing_model()
    assert set(pairing.FEATURES) | {"bias"} == set(weights)
    assert all(weights[k] >= 0 for k in POSITIVE)
