"""The blend base (mean of distil and embedding), with the fake sentence encoder of tests/conformal/synthetic.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformal.synthetic import (
    DESCRIPTIONS,
    LABELS,
    fit_and_check_pruner,
    make,
)
from xlink.conformal.base import BlendBase, DistilledBilinearBase, EmbeddingLogisticBase, make_base

pytestmark = pytest.mark.usefixtures("fake_encoder")


def test_blend_is_the_mean_of_its_members() -> None:
    texts, hard, soft = make(300, 0)
    test_texts, _, _ = make(50, 1)
    blend = make_base("blend", LABELS, DESCRIPTIONS, embedding_model="fake")
    assert isinstance(blend, BlendBase)
    blend.fit(texts, hard, soft)
    distil = DistilledBilinearBase(LABELS, DESCRIPTIONS, model="fake").fit(texts, hard, soft)
    logistic = EmbeddingLogisticBase(LABELS, DESCRIPTIONS, model="fake").fit(texts, hard, soft)
    expected = 0.5 * distil.predict_proba(test_texts) + 0.5 * logistic.predict_proba(test_texts)
    probs = blend.predict_proba(test_texts)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.allclose(probs, expected / expected.sum(axis=1, keepdims=True), atol=1e-6)


def test_pruner_with_blend_base_covers_and_round_trips(tmp_path: Path) -> None:
    _, _, _, size = fit_and_check_pruner("blend", tmp_path)
    assert size < len(LABELS)
    assert (tmp_path / "p" / "distil" / "base.npz").exists() and (tmp_path / "p" / "embedding" / "base.npz").exists()
