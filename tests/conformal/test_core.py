"""The generic conformal core: coverage on synthetic scores, never-empty sets, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from xlink.conformal.core import (
    CalibrationError,
    SplitConformalSets,
    coverage_check,
    min_calibration_size,
    pac_min_samples,
    pac_rank,
)


def synthetic(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Scores from a Dirichlet, labels drawn from a *perturbed* version (miscalibrated scores)."""
    probs = rng.dirichlet(np.full(k, 0.3), size=n)
    noisy = 0.7 * probs + 0.3 * rng.dirichlet(np.ones(k), size=n)
    labels = np.array([rng.choice(k, p=row) for row in noisy])
    return probs, labels


@pytest.mark.parametrize("score", ["lac", "aps"])
@pytest.mark.parametrize("alpha", [0.1, 0.05])
def test_marginal_coverage_holds(score: str, alpha: float) -> None:
    rng = np.random.default_rng(0)
    coverages = []
    for _ in range(20):
        cal_p, cal_y = synthetic(400, 8, rng)
        test_p, test_y = synthetic(400, 8, rng)
        sets = SplitConformalSets(alpha, score).conformalize(cal_p, cal_y).predict_sets(test_p)
        coverages.append(sets.members[np.arange(len(test_y)), test_y].mean())
        assert sets.sizes.min() >= 1
    # E[coverage] >= 1 - alpha; the mean over 20 repeats has a standard error of about 0.003
    assert np.mean(coverages) >= 1 - alpha - 0.01


def test_sets_are_never_empty_fallback_to_argmax() -> None:
    rng = np.random.default_rng(1)
    cal_p, cal_y = synthetic(300, 5, rng)
    conformal = SplitConformalSets(0.5, "lac").conformalize(cal_p, cal_y)
    flat = np.full((50, 5), 0.2)
    flat[:, 3] = 0.2001  # all scores low: LAC keeps nothing at alpha=0.5
    sets = conformal.predict_sets(flat)
    assert (sets.sizes >= 1).all()
    assert sets.fallback.any()
    assert sets.members[sets.fallback].argmax(axis=1).tolist() == [3] * int(sets.fallback.sum())


def test_too_few_calibration_samples_is_refused() -> None:
    assert min_calibration_size(0.01) == 100
    assert min_calibration_size(0.1) == 10
    rng = np.random.default_rng(2)
    p, y = synthetic(99, 4, rng)
    with pytest.raises(CalibrationError, match=r"ceil\(1/alpha\) = 100"):
        SplitConformalSets(0.01).conformalize(p, y)
    p, y = synthetic(100, 4, rng)
    SplitConformalSets(0.01).conformalize(p, y)


def test_bad_arguments() -> None:
    with pytest.raises(CalibrationError):
        SplitConformalSets(0.0)
    with pytest.raises(CalibrationError, match="conformity score"):
        SplitConformalSets(0.1, "raps")
    with pytest.raises(CalibrationError, match="before"):
        SplitConformalSets(0.1).predict_sets(np.ones((1, 3)))


def test_state_round_trip_gives_identical_sets() -> None:
    rng = np.random.default_rng(3)
    cal_p, cal_y = synthetic(200, 6, rng)
    test_p, _ = synthetic(100, 6, rng)
    first = SplitConformalSets(0.1, "lac").conformalize(cal_p, cal_y)
    second = SplitConformalSets.from_state(first.state(), 0.1, "lac")
    assert (first.predict_sets(test_p).members == second.predict_sets(test_p).members).all()


def test_coverage_check_against_hand_computed_binomials() -> None:
    # 148 of 150 at alpha = 0.01: P(X >= 2), X ~ Bin(150, 0.01) = 1 - 0.99^150 - 150 * 0.01 * 0.99^149
    check = coverage_check(148, 150, 0.01)
    expected = 1 - 0.99**150 - 150 * 0.01 * 0.99**149
    assert check.rate == pytest.approx(148 / 150) and check.p_value == pytest.approx(expected, rel=1e-9)
    assert check.low < 148 / 150 < check.high < 1.0
    # all hits: the Clopper-Pearson lower bound is 0.025 ** (1 / n), the upper bound 1, p = 1
    full = coverage_check(150, 150, 0.01)
    assert full.low == pytest.approx(0.025 ** (1 / 150)) and full.high == 1.0 and full.p_value == pytest.approx(1.0)
    # many misses are flagged: 10 of 150 at alpha = 0.01 is far beyond chance
    assert coverage_check(140, 150, 0.01).p_value < 1e-4
    assert coverage_check(0, 0, 0.01).p_value == 1.0
    with pytest.raises(ValueError, match="between 0 and n"):
        coverage_check(5, 4, 0.1)


def test_pac_rank_by_hand() -> None:
    # rank n has coverage ~ Beta(n, 1): P(coverage >= 1 - alpha) = 1 - (1 - alpha)^n
    assert pac_min_samples(0.1, 0.1) == 22  # 0.9^21 = 0.109 > 0.1 >= 0.9^22 = 0.098
    assert pac_rank(22, 0.1, 0.1) == 22
    with pytest.raises(CalibrationError, match="needs at least 22"):
        pac_rank(21, 0.1, 0.1)
    # with many samples the PAC rank sits above the usual ceil((n + 1)(1 - alpha))
    n = 1000
    assert pac_rank(n, 0.1, 0.1) > int(np.ceil((n + 1) * 0.9))
    with pytest.raises(CalibrationError, match="delta must be in"):
        SplitConformalSets(0.1, "lac", delta=1.5)


def test_training_conditional_coverage_holds_for_most_draws() -> None:
    """With delta = 0.2, at most about 20% of calibration draws may give coverage below 1 - alpha;
    plain split conformal falls below on about half of them."""
    rng = np.random.default_rng(3)
    alpha, delta = 0.1, 0.2
    below_pac, below_plain, larger = 0, 0, 0
    draws = 40
    for _ in range(draws):
        cal_p, cal_y = synthetic(200, 8, rng)
        test_p, test_y = synthetic(3000, 8, rng)  # large: its coverage is close to the draw's true one
        pac = SplitConformalSets(alpha, "lac", delta=delta).conformalize(cal_p, cal_y)
        plain = SplitConformalSets(alpha, "lac").conformalize(cal_p, cal_y)
        pac_sets, plain_sets = pac.predict_sets(test_p), plain.predict_sets(test_p)
        below_pac += pac_sets.members[np.arange(len(test_y)), test_y].mean() < 1 - alpha
        below_plain += plain_sets.members[np.arange(len(test_y)), test_y].mean() < 1 - alpha
        larger += pac_sets.sizes.mean() >= plain_sets.sizes.mean()
        assert pac.effective_alpha < alpha
    assert below_pac <= 0.35 * draws and below_plain > below_pac and larger == draws
