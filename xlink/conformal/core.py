"""Split conformal prediction sets over a matrix of class scores (generic core).

This is the part shared by label pruning (issue 6) and candidate pruning for linking:
scores in, boolean set membership out. It is a thin layer over MAPIE's
``SplitConformalClassifier`` (MAPIE 1.x, ``prefit=True``; conformity scores ``"lac"`` and
``"aps"``) that adds what MAPIE leaves to the caller:

* the scores themselves are the "estimator" (:class:`PrecomputedProbabilities`), so any
  model -- a logistic regression, a token-overlap score, a bi-encoder -- can be calibrated;
* a refusal to calibrate on fewer than ``ceil(1/alpha)`` samples, where the conformal
  quantile is infinite and every set would be the full set;
* never-empty sets: an empty set falls back to the arg-max class;
* state that can be saved without pickle (the calibration scores and targets, from which
  the MAPIE object is rebuilt on load).

With exchangeable calibration and test data the sets contain the reference label (here:
the zero-shot model's top label) with probability >= 1 - alpha (Vovk et al., 2005; Angelopoulos
& Bates, 2021; Choubey et al., EMNLP 2022, for its use in zero-shot classification).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import cast

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from xlink.errors import XlinkError

logger = logging.getLogger(__name__)

CONFORMITY_SCORES = ("lac", "aps")


class CalibrationError(XlinkError, ValueError):
    """Calibration cannot be done (too few samples, bad shapes, unknown score)."""


class PrecomputedProbabilities(ClassifierMixin, BaseEstimator):
    """A "classifier" whose input rows already are class probabilities.

    Lets MAPIE calibrate any scorer: ``X`` is the ``(n, n_classes)`` probability matrix.
    """

    def __init__(self, n_classes: int = 2) -> None:
        self.n_classes = n_classes

    def fit(self, X: object = None, y: object = None) -> PrecomputedProbabilities:
        self.classes_ = np.arange(self.n_classes)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=float)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X).argmax(axis=1)


@dataclass(frozen=True)
class CoverageCheck:
    """How an observed coverage compares with the promised ``1 - alpha``.

    ``low``/``high`` is the exact (Clopper-Pearson) 95% interval of the coverage rate;
    ``p_value`` is the chance that sets with coverage exactly ``1 - alpha`` miss at least as
    often as observed. With few test texts a rate below ``1 - alpha`` is common even when the
    guarantee holds: at 150 texts and alpha = 0.01, two or more misses (98.7%) happen 44% of
    the time; a small ``p_value`` (say < 0.05) is what points at a real shortfall.
    """

    hits: int
    n: int
    rate: float
    low: float
    high: float
    p_value: float


def coverage_check(hits: int, n: int, alpha: float) -> CoverageCheck:
    """Compare ``hits`` of ``n`` (sets holding the reference label) with ``1 - alpha``."""
    from scipy.stats import beta, binom

    if not 0 <= hits <= n:
        raise ValueError(f"hits must be between 0 and n ({hits} of {n})")
    if n == 0:
        return CoverageCheck(0, 0, 0.0, 0.0, 1.0, 1.0)
    misses = n - hits
    low = 0.0 if hits == 0 else float(beta.ppf(0.025, hits, n - hits + 1))
    high = 1.0 if hits == n else float(beta.ppf(0.975, hits + 1, n - hits))
    p_value = float(binom.sf(misses - 1, n, alpha))  # P(X >= misses), X ~ Binomial(n, alpha)
    return CoverageCheck(hits, n, hits / n, low, high, p_value)


@dataclass(frozen=True)
class LabelMixCheck:
    """Do new rows pick their arg-max labels in the same proportions as the calibration rows?

    A chi-square test of homogeneity on the counts of arg-max classes (columns seen in neither
    sample are dropped). It needs no reference labels, so it can run on the texts being
    classified. A tiny ``p_value`` (say < 0.001) means the new texts are not like the calibration
    texts, and the coverage promise, made for exchangeable texts, may not hold for them.
    """

    n_reference: int
    n: int
    tv: float
    p_value: float


def label_mix_tv(reference: np.ndarray, observed: np.ndarray, n_classes: int) -> float:
    """Total-variation distance between the class frequencies of two samples of class indices."""
    if len(reference) == 0 or len(observed) == 0:
        return 0.0
    p = np.bincount(reference, minlength=n_classes) / len(reference)
    q = np.bincount(observed, minlength=n_classes) / len(observed)
    return float(0.5 * np.abs(p - q).sum())


def label_mix_check(reference_probs: np.ndarray, probs: np.ndarray) -> LabelMixCheck:
    """Compare the arg-max label mix of ``probs`` with that of ``reference_probs`` (same columns)."""
    from scipy.stats import chi2_contingency

    reference_probs, probs = np.atleast_2d(reference_probs), np.atleast_2d(probs)
    if reference_probs.shape[1] != probs.shape[1]:
        raise ValueError(f"{reference_probs.shape[1]} reference columns but {probs.shape[1]} columns")
    if len(reference_probs) == 0 or len(probs) == 0:
        return LabelMixCheck(len(reference_probs), len(probs), 0.0, 1.0)
    k = probs.shape[1]
    reference, observed = reference_probs.argmax(axis=1), probs.argmax(axis=1)
    table = np.array([np.bincount(reference, minlength=k), np.bincount(observed, minlength=k)])
    tv = label_mix_tv(reference, observed, k)
    table = table[:, table.sum(axis=0) > 0]
    p_value = 1.0 if table.shape[1] < 2 else float(chi2_contingency(table)[1])
    return LabelMixCheck(len(reference_probs), len(probs), tv, p_value)


def min_calibration_size(alpha: float) -> int:
    """``ceil(1/alpha)``: below this the (1-alpha) conformal quantile is not finite."""
    return math.ceil(1.0 / alpha - 1e-9)


def pac_min_samples(alpha: float, delta: float) -> int:
    """The fewest calibration samples for which :func:`pac_rank` exists: ``(1 - alpha)^n <= delta``."""
    return math.ceil(math.log(delta) / math.log(1.0 - alpha) - 1e-9)


def pac_rank(n: int, alpha: float, delta: float) -> int:
    """The smallest calibration rank whose sets cover with rate >= 1 - alpha, with probability >= 1 - delta.

    Split conformal with the ``r``-th smallest of ``n`` calibration scores as threshold has a
    coverage, given the calibration draw, distributed as Beta(r, n + 1 - r) (exchangeable
    data, no ties; ties only raise it). The usual ``r = ceil((n + 1)(1 - alpha))`` makes the
    coverage ``>= 1 - alpha`` on average over draws; this rank makes it so for all but a
    ``delta`` share of draws (training-conditional or "PAC" conformal; Vovk 2012). Raises
    :class:`CalibrationError` when even ``r = n`` is not enough, naming the ``n`` needed.
    """
    from scipy.stats import beta

    if not 0.0 < delta < 1.0:
        raise CalibrationError(f"delta must be in (0, 1), got {delta}")
    ranks = np.arange(1, n + 1)
    ok = np.flatnonzero(beta.sf(1.0 - alpha, ranks, n + 1 - ranks) >= 1.0 - delta)
    if not len(ok):
        needed = pac_min_samples(alpha, delta)
        raise CalibrationError(
            f"{n} calibration samples cannot give coverage >= {1 - alpha:g} with probability >= {1 - delta:g}: "
            f"that needs at least {needed}; give more calibration texts, or a larger alpha or delta"
        )
    return int(ranks[ok[0]])


def normalize_rows(scores: np.ndarray) -> np.ndarray:
    """Clip to >= 0 and make each row sum to 1 (uniform rows where the sum is 0)."""
    scores = np.clip(np.asarray(scores, dtype=float), 0.0, None)
    sums = scores.sum(axis=1, keepdims=True)
    uniform = np.full_like(scores, 1.0 / scores.shape[1])
    return np.where(sums > 0, scores / np.where(sums > 0, sums, 1.0), uniform)


@dataclass
class ConformalSets:
    """Boolean membership ``(n, n_classes)`` and which rows needed the fallback."""

    members: np.ndarray
    fallback: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return self.members.sum(axis=1)


class SplitConformalSets:
    """Calibrate on probability rows with reference classes; predict never-empty sets."""

    def __init__(
        self, alpha: float = 0.01, conformity_score: str = "lac", seed: int = 0, delta: float | None = None
    ) -> None:
        """``delta`` None: coverage >= 1 - alpha on average over calibration draws (split conformal).
        ``delta`` set: coverage >= 1 - alpha for all but a ``delta`` share of draws (:func:`pac_rank`);
        larger sets, and more calibration samples needed."""
        if delta is not None and not 0.0 < delta < 1.0:
            raise CalibrationError(f"delta must be in (0, 1), got {delta}")
        if not 0.0 < alpha < 1.0:
            raise CalibrationError(f"alpha must be in (0, 1), got {alpha}")
        if conformity_score not in CONFORMITY_SCORES:
            raise CalibrationError(f"unknown conformity score {conformity_score!r}; use one of {CONFORMITY_SCORES}")
        self.alpha = alpha
        self.delta = delta
        self.conformity_score = conformity_score
        self.seed = seed
        #: the alpha handed to MAPIE: ``alpha``, or with ``delta`` the level that selects the PAC rank
        self.effective_alpha = alpha
        self.calibration_probs: np.ndarray | None = None
        self.calibration_targets: np.ndarray | None = None
        self._mapie: object | None = None

    @property
    def is_calibrated(self) -> bool:
        return self._mapie is not None

    def conformalize(self, probs: np.ndarray, targets: np.ndarray) -> SplitConformalSets:
        """Compute the conformal quantile from calibration rows and their reference classes."""
        from mapie.classification import SplitConformalClassifier

        probs = normalize_rows(np.atleast_2d(probs))
        targets = np.asarray(targets, dtype=int)
        if probs.shape[0] != targets.shape[0]:
            raise CalibrationError(f"{probs.shape[0]} score rows but {targets.shape[0]} targets")
        needed = min_calibration_size(self.alpha)
        if probs.shape[0] < needed:
            raise CalibrationError(
                f"{probs.shape[0]} calibration samples are too few for alpha={self.alpha}: "
                f"conformal calibration needs at least ceil(1/alpha) = {needed}"
            )
        if targets.min() < 0 or targets.max() >= probs.shape[1]:
            raise CalibrationError("calibration targets outside the score columns")
        n = probs.shape[0]
        if self.delta is not None:
            # MAPIE thresholds at rank ceil((n + 1) * level); this level makes that rank pac_rank
            self.effective_alpha = 1.0 - (pac_rank(n, self.alpha, self.delta) - 0.5) / (n + 1)
        estimator = PrecomputedProbabilities(probs.shape[1]).fit()
        mapie = SplitConformalClassifier(
            estimator,
            confidence_level=1.0 - self.effective_alpha,
            conformity_score=self.conformity_score,
            prefit=True,
            random_state=self.seed,
        )
        with warnings.catch_warnings():
            # MAPIE warns when calibration targets cover only some classes; callers warn themselves.
            warnings.filterwarnings("ignore", message=".*less labels than.*")
            mapie.conformalize(probs, targets)
        self.calibration_probs = probs
        self.calibration_targets = targets
        self._mapie = mapie
        return self

    def predict_sets(self, probs: np.ndarray) -> ConformalSets:
        """Sets for new rows; an empty set becomes ``{argmax}``."""
        if self._mapie is None:
            raise CalibrationError("call conformalize() before predict_sets()")
        probs = normalize_rows(np.atleast_2d(probs))
        if probs.shape[0] == 0:
            return ConformalSets(np.zeros((0, probs.shape[1]), dtype=bool), np.zeros(0, dtype=bool))
        params = {"include_last_label": True} if self.conformity_score == "aps" else None
        _, sets = self._mapie.predict_set(probs, conformity_score_params=params)  # type: ignore[attr-defined]
        members = np.asarray(sets[:, :, 0], dtype=bool)
        empty = cast(np.ndarray, ~members.any(axis=1))
        if empty.any():
            members[np.flatnonzero(empty), probs[empty].argmax(axis=1)] = True
        return ConformalSets(members, empty)

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save (npz); :meth:`from_state` rebuilds the calibrated object."""
        if self.calibration_probs is None or self.calibration_targets is None:
            raise CalibrationError("nothing to save: not calibrated")
        return {"calibration_probs": self.calibration_probs, "calibration_targets": self.calibration_targets}

    @classmethod
    def from_state(
        cls, arrays: dict[str, np.ndarray], alpha: float, conformity_score: str, seed: int = 0,
        delta: float | None = None,
    ) -> SplitConformalSets:
        obj = cls(alpha, conformity_score, seed, delta)
        return obj.conformalize(arrays["calibration_probs"], arrays["calibration_targets"])
