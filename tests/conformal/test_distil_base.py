"""The distilled bilinear base (CP-Distil) on synthetic data, with a tiny fake sentence encoder
(``tests/conformal/synthetic.py``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.conformal.synthetic import DESCRIPTIONS, LABELS, fit_and_check_pruner, make
from xlink.classify.evaluate_zeroshot import choose_pruner, score_matrix
from xlink.classify.zeroshot import ZeroShotPrediction
from xlink.conformal import CalibrationError, ConformalLabelPruner
from xlink.conformal.base import (
    DistilledBilinearBase,
    LabelSimilarityBase,
    make_base,
)

pytestmark = pytest.mark.usefixtures("fake_encoder")


def cross_entropy(targets: np.ndarray, probs: np.ndarray) -> float:
    return float(-(targets * np.log(probs + 1e-12)).sum(axis=1).mean())


def new_base() -> DistilledBilinearBase:
    return DistilledBilinearBase(LABELS, DESCRIPTIONS, model="fake")


def test_untrained_model_is_the_similarity_base() -> None:
    texts, _, _ = make(30, 5)
    similarity = LabelSimilarityBase(LABELS, DESCRIPTIONS, model="fake").predict_proba(texts)
    assert np.allclose(new_base().predict_proba(texts), similarity, atol=1e-6)
    assert isinstance(make_base("distil", LABELS, DESCRIPTIONS, embedding_model="fake"), DistilledBilinearBase)


def test_soft_targets_reduce_held_out_cross_entropy() -> None:
    texts, hard, soft = make(300, 0)
    test_texts, _, test_soft = make(300, 1)
    before = cross_entropy(test_soft, new_base().predict_proba(test_texts))
    base = new_base().fit(texts, hard, soft)
    after = cross_entropy(test_soft, base.predict_proba(test_texts))
    assert after < before - 0.3, (before, after)
    # the soft fit also learns the neighbour structure better than the hard-label fit
    hard_fit = new_base().fit(texts, hard)
    assert after < cross_entropy(test_soft, hard_fit.predict_proba(test_texts))


def test_fit_is_deterministic() -> None:
    texts, hard, soft = make(100, 0)
    a = new_base().fit(texts, hard, soft).predict_proba(texts[:20])
    b = new_base().fit(texts, hard, soft).predict_proba(texts[:20])
    assert np.array_equal(a, b)


def test_save_load_round_trip(tmp_path: Path) -> None:
    texts, hard, soft = make(200, 0)
    base = new_base().fit(texts, hard, soft)
    meta = json.loads(json.dumps(base.save(tmp_path)))  # metadata is plain JSON
    loaded = DistilledBilinearBase.load(tmp_path, LABELS, meta)
    test_texts, _, _ = make(50, 3)
    assert np.array_equal(loaded.predict_proba(test_texts), base.predict_proba(test_texts))
    with np.load(tmp_path / "base.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"scale", "u", "v", "bias"}


def test_pruner_with_distil_base_covers_and_shrinks_sets(tmp_path: Path) -> None:
    texts, names, test_texts, size = fit_and_check_pruner("distil", tmp_path)
    similarity = ConformalLabelPruner(
        LABELS, base="similarity", alpha=0.1, descriptions=DESCRIPTIONS, embedding_model="fake"
    ).fit_conformalize(texts, names)
    assert size < np.mean([len(s) for s in similarity.predict_set(test_texts)])


def test_hard_label_fallback() -> None:
    texts, hard, _ = make(300, 0)
    test_texts, test_hard, _ = make(300, 1)
    base = new_base().fit(texts, hard)
    one_hot = np.eye(len(LABELS))[hard]
    assert np.array_equal(base.predict_proba(test_texts), new_base().fit(texts, hard, one_hot).predict_proba(test_texts))
    untrained = np.mean(new_base().predict_proba(test_texts).argmax(axis=1) == test_hard)
    assert np.mean(base.predict_proba(test_texts).argmax(axis=1) == test_hard) > untrained
    # zero rows (texts the zero-shot model did not score) fall back to the top label too
    zeros = np.zeros_like(one_hot)
    assert np.array_equal(base.predict_proba(test_texts), new_base().fit(texts, hard, zeros).predict_proba(test_texts))
    # and the pruner works without zero-shot scores
    names = [LABELS[k] for k in hard]
    pruner = ConformalLabelPruner(LABELS, base="distil", alpha=0.1, descriptions=DESCRIPTIONS, embedding_model="fake")
    assert all(len(s) >= 1 for s in pruner.fit_conformalize(texts, names).predict_set(test_texts))


def test_pruner_refuses_misshapen_scores() -> None:
    texts, hard, soft = make(50, 0)
    pruner = ConformalLabelPruner(LABELS, base="distil", alpha=0.1, descriptions=DESCRIPTIONS, embedding_model="fake")
    with pytest.raises(CalibrationError, match="shape"):
        pruner.fit(texts, [LABELS[k] for k in hard], soft[:, :5])


def test_score_matrix_and_choose_pruner_try_distil() -> None:
    predictions = [
        ZeroShotPrediction("a", {"topic2": 0.7, "topic0": 0.3}, {"topic2": 1.0, "topic0": 0.1}),
        ZeroShotPrediction("", dict.fromkeys(LABELS, 0.0), {}),
    ]
    matrix = score_matrix(predictions, LABELS)
    assert matrix.shape == (2, len(LABELS))
    assert matrix[0, 2] == 0.7 and matrix[0, 0] == 0.3 and matrix[0].sum() == pytest.approx(1.0)
    assert not matrix[1].any()

    texts, hard, soft = make(300, 0)
    pruner, choices = choose_pruner(
        texts, [LABELS[k] for k in hard], LABELS, alpha=0.1, conformity_score="lac", base=None,
        descriptions=DESCRIPTIONS, seed=0, zero_shot_scores=soft,
    )
    assert "distil" in {c.base for c in choices}
    assert pruner.base_kind == min(choices, key=lambda c: c.avg_set_size).base


def test_pruning_pays_compares_expected_cost_with_all_labels() -> None:
    from xlink.classify.evaluate_zeroshot import BaseChoice, pruning_pays

    cheap = BaseChoice("tfidf", avg_set_size=3.9, coverage=1.0, base_ms_per_text=0.1, expected_pairs=3.91)
    slow = BaseChoice("embedding", avg_set_size=2.9, coverage=1.0, base_ms_per_text=10.0, expected_pairs=4.2)
    assert pruning_pays([cheap, slow], n_labels=4)  # the cheap base still saves a little
    assert not pruning_pays([replace(cheap, expected_pairs=4.0), slow], n_labels=4)
    assert pruning_pays([], n_labels=4)  # an explicit base: the caller decided


def test_choose_pruner_compares_only_the_candidates_given() -> None:
    texts, hard, soft = make(300, 0)
    names = [LABELS[k] for k in hard]
    pruner, choices = choose_pruner(
        texts, names, LABELS, alpha=0.1, conformity_score="lac", base=None,
        descriptions=DESCRIPTIONS, seed=0, zero_shot_scores=soft, candidates=["tfidf", "token"],
    )
    assert [c.base for c in choices] == ["tfidf", "token"]
    assert pruner.base_kind in {"tfidf", "token"}
    with pytest.raises(CalibrationError, match="unknown or no candidate bases"):
        choose_pruner(texts, names, LABELS, alpha=0.1, conformity_score="lac", base=None, seed=0, descriptions=None, candidates=["nope"])


def test_choose_pruner_can_pick_the_base_without_the_final_calibration_texts() -> None:
    """With separate_selection the base is compared inside the fit part only: the texts that set
    the final threshold play no role in the choice (exact split-conformal guarantee)."""
    texts, hard, soft = make(400, 0)
    names = [LABELS[k] for k in hard]
    kwargs = dict(alpha=0.1, conformity_score="lac", base=None, descriptions=DESCRIPTIONS, seed=0,
                  candidates=["tfidf", "token", "distil"], separate_selection=True)
    _, choices = choose_pruner(texts, names, LABELS, zero_shot_scores=soft, **kwargs)  # type: ignore[arg-type]
    # scramble the zero-shot labels (and scores) of the final calibration part: the half the seeded cut leaves out
    order = np.random.default_rng(0).permutation(len(texts))
    scrambled, scores = list(names), soft.copy()
    for i in order[len(texts) // 2:]:
        scrambled[i] = LABELS[(LABELS.index(names[i]) + 1) % len(LABELS)]
        scores[i] = np.roll(scores[i], 1)
    pruner, again = choose_pruner(texts, scrambled, LABELS, zero_shot_scores=scores, **kwargs)  # type: ignore[arg-type]
    assert [(c.base, c.avg_set_size, c.coverage) for c in again] == [(c.base, c.avg_set_size, c.coverage) for c in choices]
    # ... while the final calibration does read them: its stored targets are the scrambled ones
    cal_targets = pruner.conformal.calibration_targets
    assert cal_targets is not None and len(cal_targets) == len(texts) // 2
    assert [LABELS[k] for k in cal_targets] == [scrambled[i] for i in order[len(texts) // 2:]]


def test_choose_pruner_compares_bases_on_all_texts_by_default() -> None:
    """The default compares at the final fit size: the choice reads every text, final calibration part included."""
    texts, hard, soft = make(400, 0)
    names = [LABELS[k] for k in hard]
    kwargs = dict(alpha=0.1, conformity_score="lac", base=None, descriptions=DESCRIPTIONS, seed=0,
                  candidates=["tfidf", "token", "distil"])
    _, choices = choose_pruner(texts, names, LABELS, zero_shot_scores=soft, **kwargs)  # type: ignore[arg-type]
    from xlink.classify.evaluate_zeroshot import compare_bases

    order = np.random.default_rng(0).permutation(len(texts))
    direct = compare_bases(texts, names, LABELS, order, ["tfidf", "token", "distil"], alpha=0.1, conformity_score="lac",
                           descriptions=DESCRIPTIONS, seed=0, zero_shot_scores=soft)
    assert [(c.base, c.avg_set_size, c.coverage) for c in choices] == [(c.base, c.avg_set_size, c.coverage) for c in direct]
