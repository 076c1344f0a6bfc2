"""The neighbour-vote base on synthetic data, with the fake sentence encoder of tests/conformal/synthetic.py."""

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
from xlink.conformal.base import NeighbourBase, make_base

pytestmark = pytest.mark.usefixtures("fake_encoder")


def test_neighbour_vote_reproduces_a_near_duplicate() -> None:
    """A text identical to a fit text gets (mostly) that text's score distribution."""
    texts, hard, soft = make(200, 0)
    base = NeighbourBase(LABELS, DESCRIPTIONS, model="fake", k=5, tau=0.01, prior_weight=0.0).fit(texts, hard, soft)
    probs = base.predict_proba(texts[:20])
    assert probs.shape == (20, len(LABELS)) and np.allclose(probs.sum(axis=1), 1.0)
    assert np.mean(probs.argmax(axis=1) == hard[:20]) >= 0.9
    assert isinstance(make_base("knn", LABELS, DESCRIPTIONS, embedding_model="fake"), NeighbourBase)


def test_unfitted_and_hard_label_fallbacks() -> None:
    texts, hard, _ = make(100, 0)
    unfitted = NeighbourBase(LABELS, DESCRIPTIONS, model="fake")
    assert np.allclose(unfitted.predict_proba(texts[:5]).sum(axis=1), 1.0)  # the label-similarity prior alone
    one_hot = np.eye(len(LABELS))[hard]
    a = NeighbourBase(LABELS, DESCRIPTIONS, model="fake").fit(texts, hard)
    b = NeighbourBase(LABELS, DESCRIPTIONS, model="fake").fit(texts, hard, one_hot)
    assert np.array_equal(a.predict_proba(texts[:10]), b.predict_proba(texts[:10]))
    few = NeighbourBase(LABELS, DESCRIPTIONS, model="fake", k=50).fit(texts[:3], hard[:3])  # k > fit texts
    assert few.predict_proba(texts[:4]).shape == (4, len(LABELS))


def test_pruner_with_knn_base_covers_and_round_trips(tmp_path: Path) -> None:
    _, _, _, size = fit_and_check_pruner("knn", tmp_path)
    assert size < len(LABELS)
    with np.load(tmp_path / "p" / "base.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"memory", "targets"}


def test_choose_pruner_warns_once_about_partial_coverage() -> None:
    """Comparing bases calibrates each of them; only the final calibration warns."""
    import warnings

    from xlink.classify.evaluate_zeroshot import choose_pruner
    from xlink.conformal import PartialCoverageWarning

    texts, hard, soft = make(300, 0)
    keep = [i for i, k in enumerate(hard) if k != 0]  # label topic0 never occurs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        choose_pruner(
            [texts[i] for i in keep], [LABELS[hard[i]] for i in keep], LABELS, alpha=0.1, conformity_score="lac",
            base=None, descriptions=DESCRIPTIONS, seed=0, zero_shot_scores=soft[keep],
        )
    assert sum(issubclass(w.category, PartialCoverageWarning) for w in caught) == 1
