"""Full-label against conformally pruned zero-shot classification, on the same examples.

This is the experiment of Choubey et al. (EMNLP 2022) behind ``xlink evaluate-zeroshot``:

1. the calibration texts (never the evaluated ones) are labelled by the zero-shot model over
   all labels -- a one-time cost, not counted in ``time_saved``;
2. a base classifier is fitted (on the zero-shot top labels and, for the distilled base, the
   zero-shot scores of all labels) and conformally calibrated on disjoint parts of them; without
   an explicit base, each base is tried and the one with the smallest expected cost on a
   held-out slice of the calibration texts is kept (see :func:`choose_pruner`);
3. the evaluated texts are classified with all labels, then with the pruned sets; the pruned
   wall time includes the base classifier's own time. ``time_saved`` is therefore a wall-clock
   ratio, 1 - pruned/full, noisy on a shared machine (see ``timing_repeats``); the CLI refuses
   runs where it would mean nothing (one label, no text left to evaluate).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from xlink.classify.zeroshot import ZeroShotClassifier, ZeroShotPrediction
from xlink.conformal.base import BASES
from xlink.conformal.core import (
    CalibrationError,
    coverage_check,
    label_mix_tv,
    min_calibration_size,
    pac_min_samples,
)
from xlink.conformal.pruner import ConformalLabelPruner, LabelSet, PartialCoverageWarning

logger = logging.getLogger(__name__)

#: share of the calibration texts that fits the base classifier; the rest calibrates it
FIT_FRACTION = 0.5


@dataclass
class BaseChoice:
    """One base classifier on the held-out calibration slice.

    ``expected_pairs`` is the cost per text in NLI-pair equivalents: the average set size plus
    the base classifier's own time per text divided by the NLI model's time per pair (both
    measured). Pruning pays only where it is below the number of labels.
    """

    base: str
    avg_set_size: float
    coverage: float
    base_ms_per_text: float = 0.0
    expected_pairs: float = 0.0


def pruning_pays(choices: Sequence[BaseChoice], n_labels: int) -> bool:
    """Whether the best base is expected to cost fewer NLI-pair equivalents than all labels.

    True when no choice was made (a base given explicitly is the caller's decision).
    """
    if not choices:
        return True
    return min(c.expected_pairs for c in choices) < n_labels


@dataclass
class ZeroShotEvaluation:
    """What ``xlink evaluate-zeroshot --json`` prints."""

    accuracy_full: float
    accuracy_pruned: float
    agreement: float
    avg_set_size: float
    n_labels: int
    nli_pairs_full: int
    nli_pairs_pruned: int
    time_full_s: float
    time_pruned_s: float
    time_saved: float
    n_examples: int
    n_calibration: int
    alpha: float
    base: str
    conformity_score: str
    model: str
    fallback_rate: float
    time_base_s: float
    calibration_time_s: float
    base_choices: list[BaseChoice] = field(default_factory=list)
    #: exact 95% interval of the agreement rate, and the chance that sets with coverage
    #: exactly 1 - alpha disagree at least this often (see xlink.conformal.core.coverage_check)
    agreement_ci95: tuple[float, float] = (0.0, 1.0)
    agreement_p_value: float = 1.0
    #: training-conditional calibration: coverage holds for all but this share of draws (None: on average)
    delta: float | None = None
    #: full and pruned classification were each timed this many times, alternating; times are the minimum
    timing_repeats: int = 1
    #: total-variation distance between the zero-shot top-label mix of the calibration texts and
    #: that of the evaluated texts (0: same mix). Coverage is promised for exchangeable texts; a
    #: shifted mix (say > 0.05) can lower agreement below 1 - alpha, mostly on labels that are
    #: rarer in calibration than in use (see benchmarks/zeroshot.md, "label shift")
    label_shift_tv: float = 0.0
    #: the label-free check that ``xlink classify`` runs (the base classifier's arg-max label mix on the
    #: evaluated texts against the calibration rows; chi-square p-value, see xlink.conformal.core.label_mix_check)
    label_mix_p_value: float = 1.0


@dataclass
class EvaluationDetails:
    """Arrays for plots (coverage against alpha, set sizes)."""

    calibration_probs: np.ndarray
    calibration_targets: np.ndarray
    eval_probs: np.ndarray
    eval_full_top: np.ndarray
    set_sizes: np.ndarray


def label_shift_tv(reference: Sequence[str], observed: Sequence[str], labels: Sequence[str]) -> float:
    """Total-variation distance between two label samples' frequencies over ``labels``."""
    index = {label: i for i, label in enumerate(labels)}
    return label_mix_tv(np.array([index[label] for label in reference], dtype=int),
                        np.array([index[label] for label in observed], dtype=int), len(labels))


def top_labels(predictions: Sequence[ZeroShotPrediction], fallback: str) -> list[str]:
    """The top label of each prediction (``fallback`` for empty texts)."""
    return [p.top_label if p.top_label is not None else fallback for p in predictions]


def score_matrix(predictions: Sequence[ZeroShotPrediction], labels: Sequence[str]) -> np.ndarray:
    """The zero-shot scores as an ``(n_texts, n_labels)`` matrix in ``labels`` order.

    Labels a prediction did not score (pruned, or an empty text) get 0. This is the soft
    target that the distilled base classifier learns from.
    """
    index = {label: j for j, label in enumerate(labels)}
    matrix = np.zeros((len(predictions), len(labels)))
    for i, prediction in enumerate(predictions):
        for label, score in prediction.scores.items():
            j = index.get(label)
            if j is not None:
                matrix[i, j] = score
    return matrix


def compare_bases(
    texts: Sequence[str],
    zero_shot: Sequence[str],
    labels: Sequence[str],
    indices: np.ndarray,
    candidates: Sequence[str],
    *,
    alpha: float,
    conformity_score: str,
    descriptions: Sequence[str] | None,
    seed: int,
    selection_fraction: float = 0.2,
    zero_shot_scores: np.ndarray | None = None,
    seconds_per_pair: float | None = None,
    nli_model: str | None = None,
) -> list[BaseChoice]:
    """Measure each candidate base on the texts at ``indices`` (in that order).

    The first ``selection_fraction`` of them are held out, the next half of them fit each base,
    the rest calibrate it (plain split conformal at ``alpha``); on the held-out texts each base
    gets its average set size, coverage of the zero-shot top label, its own time per text and
    the expected cost (set size plus that time in NLI-pair equivalents when ``seconds_per_pair``
    is given). Returns [] when the calibration rest is below ``ceil(1/alpha)``.
    """
    m = len(indices)
    n_sel = int(round(m * selection_fraction))
    n_fit = int(round(m * 0.5))
    sel, fit, cal = indices[:n_sel], indices[n_sel : n_sel + n_fit], indices[n_sel + n_fit :]
    if len(cal) < min_calibration_size(alpha):
        logger.warning("too few calibration texts (%d) to compare base classifiers; using tfidf", len(cal))
        return []
    soft = None if zero_shot_scores is None else np.asarray(zero_shot_scores)[fit]
    choices: list[BaseChoice] = []
    for kind in candidates:
        pruner = ConformalLabelPruner(
            labels, base=kind, alpha=alpha, conformity_score=conformity_score, descriptions=descriptions, seed=seed,
            nli_model=nli_model,
        )
        pruner.fit([texts[i] for i in fit], [zero_shot[i] for i in fit], soft)
        with warnings.catch_warnings():  # the final calibration warns once, not once per base
            warnings.simplefilter("ignore", PartialCoverageWarning)
            pruner.conformalize([texts[i] for i in cal], [zero_shot[i] for i in cal])
        pruner.predict_set([texts[i] for i in sel[:1]])  # warm-up: lazy encoders, label embeddings
        tick = time.perf_counter()
        sets = pruner.predict_set([texts[i] for i in sel])
        per_text = (time.perf_counter() - tick) / max(1, len(sel))
        size = float(np.mean([len(s) for s in sets]))
        coverage = float(np.mean([zero_shot[i] in s for i, s in zip(sel, sets, strict=True)]))
        cost = size + (per_text / seconds_per_pair if seconds_per_pair else 0.0)
        choices.append(BaseChoice(kind, size, coverage, 1000 * per_text, cost))
        logger.info(
            "base %s: avg set size %.2f, coverage %.3f, %.1f ms/text, %.2f pair equivalents on %d held-out texts",
            kind, size, coverage, 1000 * per_text, cost, len(sel),
        )
    return choices


def choose_pruner(
    texts: Sequence[str],
    zero_shot: Sequence[str],
    labels: Sequence[str],
    *,
    alpha: float,
    conformity_score: str,
    base: str | None,
    descriptions: Sequence[str] | None,
    seed: int,
    fit_fraction: float = FIT_FRACTION,
    selection_fraction: float = 0.2,
    zero_shot_scores: np.ndarray | None = None,
    seconds_per_pair: float | None = None,
    delta: float | None = None,
    nli_model: str | None = None,
    candidates: Sequence[str] | None = None,
    separate_selection: bool = False,
) -> tuple[ConformalLabelPruner, list[BaseChoice]]:
    """Fit and calibrate a pruner; without ``base``, pick the base with the smallest expected cost.

    The texts are cut once, seeded, into a fit part (``fit_fraction``) and a calibration part
    that sets the final threshold. Without ``base``, :func:`compare_bases` measures every
    candidate on a 20/50/30 split of *all* the texts (the default), so the bases are compared
    at the fit size they get in the end; the choice then sees about 30% of the texts that later
    set the threshold, a small optimistic bias against the split-conformal guarantee. With
    ``separate_selection`` the comparison runs inside the fit part only and the calibration
    part stays unseen until the final threshold (exact guarantee), but every base is compared
    after fitting on half as many texts, which favours bases that need little data: on
    Banking77 it chose ``distil`` over ``dual`` and pruned less (benchmarks/zeroshot.md).
    Comparing needs ``ceil(1/alpha) / 0.3`` texts (``/ (0.3 * fit_fraction)`` when separate);
    below that, tfidf is used. The expected cost is the average set size plus,
    when ``seconds_per_pair`` (the NLI model's measured time per pair) is given, the base's own
    time per text in pair equivalents -- so an embedding base that costs more than it prunes
    loses to a cheap one (see :func:`pruning_pays` for "no pruning at all").
    ``zero_shot_scores`` (see :func:`score_matrix`, rows aligned with ``texts``, columns with
    ``labels``) are passed, for fit texts only, to the base's ``fit``. ``nli_model`` is the
    NLI model that labelled the texts (its features feed the ``nli_blend`` and ``dual`` bases).
    ``candidates`` limits the bases compared when ``base`` is None (default: all of them).
    """
    if candidates is not None:
        unknown = sorted(set(candidates) - set(BASES))
        if unknown or not candidates:
            raise CalibrationError(f"unknown or no candidate bases {unknown or list(candidates)}; use some of {sorted(BASES)}")
    n = len(texts)
    order = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * fit_fraction))
    fit, cal = order[:cut], order[cut:]
    choices: list[BaseChoice] = []
    chosen = base or "tfidf"
    pool = list(candidates or BASES)
    if base is None and len(pool) == 1:
        chosen = pool[0]
    elif base is None:
        choices = compare_bases(
            texts, zero_shot, labels, fit if separate_selection else order, pool, alpha=alpha, conformity_score=conformity_score,
            descriptions=descriptions, seed=seed, selection_fraction=selection_fraction,
            zero_shot_scores=zero_shot_scores, seconds_per_pair=seconds_per_pair, nli_model=nli_model,
        )
        if choices:
            chosen = min(choices, key=lambda c: c.expected_pairs).base
    needed = min_calibration_size(alpha)
    if len(cal) < needed:
        raise CalibrationError(
            f"{len(cal)} calibration texts (of {n}, after the fit part) are too few for alpha={alpha}: "
            f"need at least ceil(1/alpha) = {needed}; give more calibration texts"
        )
    # bases are compared under plain split conformal; ``delta`` (training-conditional) applies to the final one
    pruner = ConformalLabelPruner(
        labels, base=chosen, alpha=alpha, conformity_score=conformity_score, descriptions=descriptions, seed=seed,
        delta=delta, nli_model=nli_model,
    )
    soft = None if zero_shot_scores is None else np.asarray(zero_shot_scores)[fit]
    pruner.fit([texts[i] for i in fit], [zero_shot[i] for i in fit], soft)
    pruner.conformalize([texts[i] for i in cal], [zero_shot[i] for i in cal])
    return pruner, choices


def calibration_shortfall(n_texts: int, alpha: float, delta: float | None = None) -> str | None:
    """Why ``n_texts`` calibration texts are too few for ``alpha`` (and ``delta``); None when enough.

    Half the texts fit the base classifier and the other half must hold ``ceil(1/alpha)``
    (with ``delta``, the training-conditional ``log(delta)/log(1-alpha)``). The text names the
    shortfall only, so that each caller can add the fix in its own terms (a CLI option, an argument).
    """
    needed = min_calibration_size(alpha)
    if n_texts < 2 * needed:
        return (
            f"{n_texts} calibration texts are too few for alpha={alpha}: half are used to fit the base "
            f"classifier and the other half must hold at least ceil(1/alpha) = {needed}, so at least {2 * needed} are needed"
        )
    if delta is not None:
        pac_needed = pac_min_samples(alpha, delta)
        if n_texts - int(round(n_texts * FIT_FRACTION)) < pac_needed:  # choose_pruner's final fit/calibration cut
            return (
                f"{n_texts} calibration texts are too few for alpha={alpha} with delta={delta}: half are used to fit "
                f"the base classifier and the other half must hold at least log(delta) / log(1 - alpha) = {pac_needed}"
            )
    return None


def evaluate_zeroshot(
    classifier: ZeroShotClassifier,
    texts: Sequence[str],
    gold: Sequence[str],
    labels: Sequence[str],
    calibration_texts: Sequence[str],
    *,
    alpha: float = 0.01,
    conformity_score: str = "lac",
    base: str | None = None,
    seed: int = 0,
    descriptions: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    delta: float | None = None,
    timing_repeats: int = 1,
    separate_selection: bool = False,
) -> tuple[ZeroShotEvaluation, EvaluationDetails]:
    """Run the whole comparison; see the module docstring.

    ``delta`` asks for training-conditional calibration (coverage >= 1 - alpha for all but a
    ``delta`` share of calibration draws; see :class:`ConformalLabelPruner`).
    ``timing_repeats`` > 1 times full-label and pruned classification that many times each,
    alternating, and keeps the fastest of each: on a shared machine a single 10-second run
    can be slowed by a neighbour, which moves ``time_saved`` by 10-20 points.
    ``separate_selection``: see :func:`choose_pruner`.
    """
    if timing_repeats < 1:
        raise ValueError(f"timing_repeats must be at least 1, not {timing_repeats}")
    say = progress or (lambda message: logger.info(message))
    labels = list(labels)
    shortfall = calibration_shortfall(len(calibration_texts), alpha, delta)
    if shortfall is not None:  # fail before the costly zero-shot labelling
        raise CalibrationError(
            f"{shortfall}; give more calibration texts (--calibration FILE, or a larger --calibration-fraction), "
            "or a larger alpha" + (" or delta" if delta is not None else "")
        )
    say(f"labelling {len(calibration_texts)} calibration texts zero-shot ({len(calibration_texts) * len(labels)} NLI pairs)")
    start = time.perf_counter()
    cal_predictions = classifier.predict(calibration_texts, labels)
    zero_shot = top_labels(cal_predictions, labels[0])
    labelled_pairs = sum(p.n_pairs for p in cal_predictions)
    seconds_per_pair = (time.perf_counter() - start) / labelled_pairs if labelled_pairs else None
    pruner, choices = choose_pruner(
        calibration_texts, zero_shot, labels, alpha=alpha, conformity_score=conformity_score,
        base=base, descriptions=descriptions, seed=seed, zero_shot_scores=score_matrix(cal_predictions, labels),
        seconds_per_pair=seconds_per_pair, delta=delta, nli_model=classifier.model_name,
        separate_selection=separate_selection,
    )
    calibration_time = time.perf_counter() - start
    prune = pruning_pays(choices, len(labels))
    say(f"base {pruner.base_kind}; classifying {len(texts)} texts with all {len(labels)} labels")
    full, time_full = classifier.timed_predict(texts, labels)
    if prune:
        say("classifying with pruned label sets")

        def run_pruned() -> tuple[list[LabelSet], list[ZeroShotPrediction], float, float]:
            start = time.perf_counter()
            label_sets = pruner.predict_set(texts)
            seconds_base = time.perf_counter() - start
            predictions, seconds_nli = classifier.timed_predict(texts, labels, [list(s.labels) for s in label_sets])
            return label_sets, predictions, seconds_base, seconds_nli

        sets, pruned, time_base, time_nli = run_pruned()
        for _ in range(timing_repeats - 1):  # alternate, so that a slow spell hits both sides alike
            time_full = min(time_full, classifier.timed_predict(texts, labels)[1])
            _, _, base_again, nli_again = run_pruned()
            if base_again + nli_again < time_base + time_nli:
                time_base, time_nli = base_again, nli_again
        time_pruned = time_base + time_nli
    else:
        # Every base costs at least as much as it would save (few labels, a slow base):
        # the NLI model scores all labels and nothing is pruned.
        say(f"pruning does not pay here (best base: {pruner.base_kind}); scoring all labels")
        sets = [LabelSet(tuple(labels), tuple(1.0 for _ in labels), False) for _ in texts]
        pruned, time_pruned, time_base = full, time_full, 0.0
    full_top = top_labels(full, labels[0])
    eval_probs = pruner.predict_proba(texts)  # after the timings: for the report and the details only
    mix = pruner.label_mix_check(probs=eval_probs)
    pruned_top = top_labels(pruned, labels[0])
    n = len(texts)
    check = coverage_check(sum(a == b for a, b in zip(full_top, pruned_top, strict=True)), n, alpha)
    evaluation = ZeroShotEvaluation(
        accuracy_full=float(np.mean([p == g for p, g in zip(full_top, gold, strict=True)])) if n else 0.0,
        accuracy_pruned=float(np.mean([p == g for p, g in zip(pruned_top, gold, strict=True)])) if n else 0.0,
        agreement=float(np.mean([a == b for a, b in zip(full_top, pruned_top, strict=True)])) if n else 0.0,
        avg_set_size=float(np.mean([len(s) for s in sets])) if n else 0.0,
        n_labels=len(labels),
        nli_pairs_full=sum(p.n_pairs for p in full),
        nli_pairs_pruned=sum(p.n_pairs for p in pruned),
        time_full_s=time_full,
        time_pruned_s=time_pruned,
        time_saved=1.0 - time_pruned / time_full if time_full > 0 else 0.0,
        n_examples=n,
        n_calibration=len(calibration_texts),
        alpha=alpha,
        base=pruner.base_kind if prune else "none",
        conformity_score=conformity_score,
        model=classifier.model_name,
        fallback_rate=float(np.mean([s.fallback for s in sets])) if n else 0.0,
        time_base_s=time_base,
        calibration_time_s=calibration_time,
        base_choices=choices,
        agreement_ci95=(round(check.low, 4), round(check.high, 4)),
        agreement_p_value=round(check.p_value, 4),
        delta=delta,
        timing_repeats=timing_repeats if prune else 1,
        label_shift_tv=round(label_shift_tv(zero_shot, full_top, labels), 4),
        label_mix_p_value=float(f"{mix.p_value:.3g}"),
    )
    index = {label: i for i, label in enumerate(labels)}
    conformal = pruner.conformal
    assert conformal.calibration_probs is not None and conformal.calibration_targets is not None
    details = EvaluationDetails(
        calibration_probs=conformal.calibration_probs,
        calibration_targets=conformal.calibration_targets,
        eval_probs=eval_probs,
        eval_full_top=np.array([index[label] for label in full_top], dtype=int),
        set_sizes=np.array([len(s) for s in sets], dtype=int),
    )
    return evaluation, details
