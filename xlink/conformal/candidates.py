"""Conformal candidate pruning for linking: rerank only the candidates the reranker could pick.

The cross-encoder reranker costs one forward pass per (mention, candidate) pair, just as the
zero-shot NLI classifier costs one per label. So the label-pruning idea of Choubey et al.
(EMNLP 2022) carries over: a cheap base scorer over the generator's candidate list, calibrated
with split conformal prediction, returns for each mention a set of candidate slots that holds
the reranker's own full-list top choice with probability >= 1 - alpha. The reranker then scores
only that set.

* **Base scorer** (:class:`SlotScorer`): a conditional logit over a mention's top-``k`` slots,
  ``p_j = softmax_j(w · x_j)``, where ``x_j`` describes candidate ``j`` from the generator
  alone: its score, its margin to the top score, its z-score within the list, its rank, the gap
  to the next candidate, and one indicator per generator that found it (ensembles) or
  "composite". It is fitted by L2-regularised maximum likelihood (L-BFGS) on the slot the
  reranker picked.
* **Calibration** (:class:`ConformalCandidatePruner`): mentions of a training or dev split are
  linked with *full* reranking; the reference label of each is the slot of the reranker's top
  choice, so no gold labels are needed. The mentions are split, seeded, into a disjoint fit part
  (the base scorer) and a calibration part (MAPIE's ``SplitConformalClassifier`` through
  :class:`xlink.conformal.core.SplitConformalSets`, LAC or APS). Sets are never empty.
* **Exactness**: a kept candidate gets exactly the logit it gets under full reranking (the
  generator prior is still normalized over the full list, see
  :meth:`xlink.rerank.CrossEncoderReranker.rerank`), so whenever the set holds the full-list
  top candidate, the pruned top-1 equals the full top-1.

Saved without pickle: ``candidate_pruner.json`` (settings, weights, the fingerprints of the
terminology, the generator and the reranker it was calibrated for) and ``calibration.npz``
(base probabilities and reference slots of the calibration mentions, from which the conformal
quantile is recomputed for any ``alpha`` at load time). Loading for another terminology,
generator or reranker is refused.
"""

from __future__ import annotations

import json
import logging
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlink.conformal.core import (
    CONFORMITY_SCORES,
    CalibrationError,
    SplitConformalSets,
    min_calibration_size,
)
from xlink.errors import XlinkError
from xlink.files import FolderKind, atomic_folder

if TYPE_CHECKING:
    from xlink.corpus.model import Mention
    from xlink.linker import LinkedMention, Linker, PredictedConcept

logger = logging.getLogger(__name__)

FORMAT = "xlink-conformal-candidate-pruner"
FORMAT_VERSION = 1
META_FILE = "candidate_pruner.json"
#: a candidate calibration folder, as xlink.files.atomic_folder writes and checks it
CALIBRATION_FOLDER = FolderKind(META_FILE, "an xlink candidate calibration")
STATE_FILE = "calibration.npz"

#: Generator-only features of candidate slot ``j`` (before the source indicators).
FEATURES = ("score", "margin_to_top", "zscore", "log_rank", "is_top", "is_second", "gap_to_next")


class StaleCalibrationError(XlinkError):
    """A candidate calibration was made for another terminology, generator or reranker."""


def slot_features(scores: Sequence[float], sources: Sequence[str], source_vocab: Sequence[str]) -> np.ndarray:
    """The feature matrix ``(len(scores), len(FEATURES) + len(source_vocab))`` of one candidate list.

    ``scores`` are the generator's scores, best first; ``sources`` say which generator found
    each candidate (empty for a single generator). Unknown sources get no indicator.
    """
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    out = np.zeros((n, len(FEATURES) + len(source_vocab)), dtype=np.float64)
    if n == 0:
        return out
    std = float(s.std()) if n > 1 else 0.0
    ranks = np.arange(n, dtype=np.float64)
    out[:, 0] = s
    out[:, 1] = s[0] - s
    out[:, 2] = (s - s.mean()) / std if std > 1e-12 else 0.0
    out[:, 3] = np.log1p(ranks)
    out[:, 4] = ranks == 0
    out[:, 5] = ranks == 1
    out[:-1, 6] = s[:-1] - s[1:]
    column = {name: len(FEATURES) + i for i, name in enumerate(source_vocab)}
    for j, source in enumerate(sources):
        for part in source.split("+") if source else ():
            if part in column:
                out[j, column[part]] = 1.0
    return out


def _softmax_rows(logits: np.ndarray, valid: np.ndarray) -> np.ndarray:
    z = np.where(valid, logits, -np.inf)
    top = np.max(z, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(valid, np.exp(z - top), 0.0)
    sums = e.sum(axis=1, keepdims=True)
    return np.divide(e, sums, out=np.zeros_like(e), where=sums > 0)


@dataclass
class SlotScorer:
    """A conditional logit over candidate slots: ``p_j ∝ exp(w · x_j + b_rank(j))``.

    ``weights`` has one entry per feature; standardization (``mean``/``scale``) is fitted with
    it, so raw generator scores of any range work.
    """

    source_vocab: list[str] = field(default_factory=list)
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    l2: float = 1e-3

    @property
    def feature_names(self) -> list[str]:
        return [*FEATURES, *(f"source={s}" for s in self.source_vocab)]

    def _matrix(self, lists: Sequence[tuple[Sequence[float], Sequence[str]]], k: int) -> tuple[np.ndarray, np.ndarray]:
        n_features = len(FEATURES) + len(self.source_vocab)
        x = np.zeros((len(lists), k, n_features))
        valid = np.zeros((len(lists), k), dtype=bool)
        for i, (scores, sources) in enumerate(lists):
            m = min(k, len(scores))
            x[i, :m] = slot_features(list(scores)[:m], list(sources)[:m], self.source_vocab)
            valid[i, :m] = True
        return x, valid

    def fit(
        self, lists: Sequence[tuple[Sequence[float], Sequence[str]]], targets: Sequence[int] | np.ndarray, k: int
    ) -> SlotScorer:
        """Maximum likelihood of the reference slots (L-BFGS, L2 penalty ``l2``)."""
        from scipy.optimize import minimize

        self.source_vocab = sorted({p for _, sources in lists for s in sources for p in s.split("+") if p})
        x, valid = self._matrix(lists, k)
        y = np.asarray(targets, dtype=int)
        flat = x[valid]
        self.mean = flat.mean(axis=0) if len(flat) else np.zeros(x.shape[2])
        self.scale = flat.std(axis=0) if len(flat) else np.ones(x.shape[2])
        self.scale = np.where(self.scale > 1e-12, self.scale, 1.0)
        xs = np.where(valid[..., None], (x - self.mean) / self.scale, 0.0)
        rows = np.arange(len(y))

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            logits = xs @ w
            p = _softmax_rows(logits, valid)
            nll = -np.log(np.clip(p[rows, y], 1e-300, None)).mean()
            grad_logits = p.copy()
            grad_logits[rows, y] -= 1.0
            grad = np.einsum("nk,nkf->f", grad_logits, xs) / len(y)
            return float(nll + 0.5 * self.l2 * w @ w), grad + self.l2 * w

        result = minimize(loss, np.zeros(xs.shape[2]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
        self.weights = np.asarray(result.x, dtype=np.float64)
        return self

    def probabilities(self, lists: Sequence[tuple[Sequence[float], Sequence[str]]], k: int) -> np.ndarray:
        """``(len(lists), k)`` slot probabilities; slots past a list's end get 0."""
        if not len(self.weights):
            raise CalibrationError("the slot scorer is not fitted")
        x, valid = self._matrix(lists, k)
        xs = np.where(valid[..., None], (x - self.mean) / self.scale, 0.0)
        return _softmax_rows(xs @ self.weights, valid)

    def to_json(self) -> dict[str, Any]:
        return {
            "source_vocab": self.source_vocab,
            "feature_names": self.feature_names,
            "weights": self.weights.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "l2": self.l2,
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> SlotScorer:
        return cls(
            source_vocab=list(record["source_vocab"]),
            weights=np.asarray(record["weights"], dtype=np.float64),
            mean=np.asarray(record["mean"], dtype=np.float64),
            scale=np.asarray(record["scale"], dtype=np.float64),
            l2=float(record.get("l2", 1e-3)),
        )


@dataclass(frozen=True)
class Fingerprints:
    """What a calibration was made for; a mismatch at load time is refused."""

    terminology: str = ""
    generator: str = ""
    reranker: str = ""

    def check(self, other: Fingerprints, where: str) -> None:
        for name in ("terminology", "generator", "reranker"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine and theirs and mine != theirs:
                raise StaleCalibrationError(
                    f"{where}: the candidate calibration was made for another {name} "
                    f"(fingerprint {mine}, this linker's is {theirs}); re-run "
                    "'xlink calibrate-linker' with this linker's terminology, generator and reranker"
                )


def prediction_list(predictions: Sequence[PredictedConcept], k: int) -> tuple[list[float], list[str]]:
    """The (scores, sources) of a mention's top-``k`` generator predictions."""
    top = list(predictions)[:k]
    return [float(p.score) for p in top], [p.source for p in top]


class ConformalCandidatePruner:
    """Conformal sets over a mention's top-``k`` generator candidates (see the module docstring)."""

    def __init__(
        self,
        k: int,
        alpha: float = 0.01,
        conformity_score: str = "lac",
        seed: int = 0,
        fit_fraction: float = 0.3,
        fingerprints: Fingerprints | None = None,
    ) -> None:
        if k < 1:
            raise CalibrationError(f"k must be >= 1, got {k}")
        check_alpha(alpha)
        if conformity_score not in CONFORMITY_SCORES:
            raise CalibrationError(f"unknown conformity score {conformity_score!r}; use one of {CONFORMITY_SCORES}")
        if not 0.0 < fit_fraction < 1.0:
            raise CalibrationError(f"fit_fraction must be in (0, 1), got {fit_fraction}")
        self.k = k
        self.alpha = alpha
        self.conformity_score = conformity_score
        self.seed = seed
        self.fit_fraction = fit_fraction
        self.fingerprints = fingerprints or Fingerprints()
        self.scorer = SlotScorer()
        self.conformal = SplitConformalSets(alpha, conformity_score, seed)
        self.n_fit = 0
        self.n_calibration = 0

    # -- calibration ---------------------------------------------------------------
    def fit_conformalize(
        self, lists: Sequence[tuple[Sequence[float], Sequence[str]]], reference_slots: Sequence[int]
    ) -> ConformalCandidatePruner:
        """Fit the slot scorer on one seeded part of the mentions and calibrate on the rest."""
        targets = np.asarray(reference_slots, dtype=int)
        if len(lists) != len(targets):
            raise CalibrationError(f"{len(lists)} candidate lists but {len(targets)} reference slots")
        lengths = np.array([min(self.k, len(scores)) for scores, _ in lists])
        if len(targets) and (targets.min() < 0 or np.any(targets >= lengths)):
            raise CalibrationError("a reference slot is outside its candidate list")
        check_enough_mentions(len(targets), self.alpha, self.fit_fraction, "reranked mentions")
        n_cal = len(targets) - int(math.floor(self.fit_fraction * len(targets)))
        order = np.random.default_rng(self.seed).permutation(len(targets))
        fit_rows, cal_rows = order[: len(targets) - n_cal], order[len(targets) - n_cal :]
        self.scorer.fit([lists[i] for i in fit_rows], targets[fit_rows], self.k)
        probs = self.scorer.probabilities([lists[i] for i in cal_rows], self.k)
        self.conformal = SplitConformalSets(self.alpha, self.conformity_score, self.seed)
        self.conformal.conformalize(probs, targets[cal_rows])
        self.n_fit, self.n_calibration = len(fit_rows), len(cal_rows)
        return self

    def with_alpha(self, alpha: float) -> ConformalCandidatePruner:
        """The same calibration at another ``alpha`` (the quantile is recomputed; nothing is refitted)."""
        other = ConformalCandidatePruner(
            self.k, alpha, self.conformity_score, self.seed, self.fit_fraction, self.fingerprints
        )
        other.scorer = self.scorer
        other.n_fit, other.n_calibration = self.n_fit, self.n_calibration
        other.conformal = SplitConformalSets.from_state(self.conformal.state(), alpha, self.conformity_score, self.seed)
        return other

    # -- prediction ------------------------------------------------------------------
    def keep_masks(self, lists: Sequence[tuple[Sequence[float], Sequence[str]]]) -> list[np.ndarray]:
        """One boolean mask per list over its top-``min(k, len)`` slots; never empty for a non-empty list."""
        if not self.conformal.is_calibrated:
            raise CalibrationError("the candidate pruner is not calibrated")
        if not lists:
            return []
        probs = self.scorer.probabilities(lists, self.k)
        members = self.conformal.predict_sets(probs).members
        out = []
        for (scores, _), row in zip(lists, members, strict=True):
            m = min(self.k, len(scores))
            mask = row[:m].copy()
            if m and not mask.any():
                mask[0] = True
            out.append(mask)
        return out

    # -- persistence -----------------------------------------------------------------
    def save(self, directory: str | Path, fingerprints: Fingerprints | None = None) -> Path:
        """Write ``candidate_pruner.json`` and ``calibration.npz`` atomically (no pickle).

        ``fingerprints`` replaces the recorded ones in the saved copy only, e.g. when the
        reranker is saved beside it under a new path (``nlp.to_disk``).
        """
        from dataclasses import asdict

        directory = Path(directory)
        with atomic_folder(directory, CALIBRATION_FOLDER) as tmp:
            np.savez_compressed(tmp / STATE_FILE, **self.conformal.state())  # type: ignore[arg-type]  # numpy stubs match **arrays to allow_pickle
            meta = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "k": self.k,
                "alpha": self.alpha,
                "conformity_score": self.conformity_score,
                "seed": self.seed,
                "fit_fraction": self.fit_fraction,
                "n_fit": self.n_fit,
                "n_calibration": self.n_calibration,
                "fingerprints": asdict(fingerprints or self.fingerprints),
                "scorer": self.scorer.to_json(),
            }
            (tmp / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(
        cls, directory: str | Path, alpha: float | None = None, expect: Fingerprints | None = None
    ) -> ConformalCandidatePruner:
        """Read a pruner; ``alpha`` overrides the saved one; ``expect`` fingerprints must match."""
        from xlink.errors import FormatError

        if alpha is not None:  # the caller's value, not the file's: named as such
            check_alpha(alpha, "conformal alpha")
        directory = Path(directory)
        meta_path = directory / META_FILE
        if not meta_path.exists():
            raise XlinkError(
                f"{directory} holds no {META_FILE}; make a candidate calibration with "
                "'xlink calibrate-linker --corpus DEV --terminology T --config C --output DIR'"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise FormatError(meta_path, err.lineno, f"invalid JSON ({err.msg})", "a file written by xlink") from None
        if meta.get("format") != FORMAT:
            raise FormatError(meta_path, None, "not an xlink candidate pruner", f'"format": "{FORMAT}"')
        if int(meta.get("version", 0)) > FORMAT_VERSION:
            raise FormatError(meta_path, None, f"format version {meta['version']} is newer than this xlink's", "upgrade xlink")
        try:
            fps = Fingerprints(**meta.get("fingerprints", {}))
            obj = cls(
                int(meta["k"]),
                float(alpha if alpha is not None else meta["alpha"]),
                meta["conformity_score"],
                int(meta.get("seed", 0)),
                float(meta.get("fit_fraction", 0.3)),
                fps,
            )
            obj.scorer = SlotScorer.from_json(meta["scorer"])
            obj.n_fit, obj.n_calibration = int(meta.get("n_fit", 0)), int(meta.get("n_calibration", 0))
        except (KeyError, TypeError, ValueError) as err:
            raise FormatError(
                meta_path, None, f"bad candidate pruner settings ({err!r})", "re-run 'xlink calibrate-linker'"
            ) from None
        if expect is not None:
            fps.check(expect, str(directory))
        state_path = directory / STATE_FILE
        try:
            with np.load(state_path, allow_pickle=False) as arrays:
                state = {name: arrays[name] for name in arrays.files}
            probs = state["calibration_probs"]
            n_features = len(obj.scorer.feature_names)
            if probs.ndim != 2 or probs.shape[1] != obj.k or len(obj.scorer.weights) not in (0, n_features):
                raise ValueError(
                    f"arrays for {probs.shape[-1]} slots and a scorer of {len(obj.scorer.weights)} weights, for "
                    f"k = {obj.k} and {n_features} features"
                )
            obj.conformal = SplitConformalSets.from_state(state, obj.alpha, obj.conformity_score, obj.seed)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise FormatError(
                state_path, None, f"cannot use the calibration arrays ({err})", "the files 'xlink calibrate-linker' wrote; re-run it"
            ) from None
        return obj


def linker_fingerprints(linker: Linker) -> Fingerprints:
    """The fingerprints of a linker's terminology, generator and reranker."""
    from xlink.candidates.encoder import model_fingerprint
    from xlink.candidates.index_store import generator_fingerprint

    reranker = getattr(linker.reranker, "reranker", linker.reranker)
    reranker_fp = ""
    source = getattr(reranker, "source", "")
    if source and Path(source).is_dir():
        reranker_fp = model_fingerprint(source)
    elif source:
        reranker_fp = str(source)
    return Fingerprints(linker.terminology.fingerprint, generator_fingerprint(linker.generator), reranker_fp)


@dataclass
class PruningStats:
    """Totals over every :meth:`ConformalReranker.rerank` call."""

    mentions: int = 0
    set_sizes: int = 0
    full_sizes: int = 0

    @property
    def avg_set_size(self) -> float:
        return self.set_sizes / self.mentions if self.mentions else 0.0

    @property
    def avg_full_size(self) -> float:
        return self.full_sizes / self.mentions if self.mentions else 0.0


class ConformalReranker:
    """A cross-encoder reranker that scores only each mention's conformal candidate set.

    Wraps a :class:`xlink.rerank.CrossEncoderReranker` and a calibrated
    :class:`ConformalCandidatePruner`; it is what :class:`xlink.linker.Linker` calls as its
    reranker when ``conformal_alpha`` is set. ``LinkedMention.set_size`` records the set size.
    """

    def __init__(self, reranker: Any, pruner: ConformalCandidatePruner) -> None:
        if pruner.k != reranker.config.k:
            logger.warning(
                "the candidate calibration was made for k=%d but the reranker scores k=%d; "
                "slots past the calibration's k are never kept",
                pruner.k,
                reranker.config.k,
            )
        self.reranker = reranker
        self.pruner = pruner
        self.stats = PruningStats()

    @property
    def config(self) -> Any:
        return self.reranker.config

    @property
    def source(self) -> str:
        return str(self.reranker.source)

    @property
    def totals(self) -> Any:
        return self.reranker.totals

    def save(self, path: str | Path) -> Path:
        """Save the wrapped reranker (the calibration is saved separately, see :meth:`ConformalCandidatePruner.save`)."""
        return Path(self.reranker.save(path))

    def rerank(self, linked: list[LinkedMention], terminology: Any = None) -> list[LinkedMention]:
        from dataclasses import replace

        k = self.reranker.config.k
        lists = [prediction_list(lm.predictions, k) for lm in linked]
        masks = self.pruner.keep_masks(lists)
        out = self.reranker.rerank(linked, terminology, keep=masks)
        result = []
        for original, lm, mask in zip(linked, out, masks, strict=True):
            if not original.predictions or self.reranker.would_skip(original.predictions):
                result.append(lm)
                continue
            size = int(mask.sum()) if len(mask) else 0
            self.stats.mentions += 1
            self.stats.set_sizes += size
            self.stats.full_sizes += min(k, len(original.predictions))
            result.append(replace(lm, set_size=size))
        return result


@dataclass
class CalibrationReport:
    """What :func:`calibrate_linker` did."""

    n_mentions: int
    n_reranked: int
    n_nil: int
    n_fit: int
    n_calibration: int
    k: int
    alpha: float
    seconds: float
    reference_slot_counts: list[int]

    def to_json(self) -> dict[str, Any]:
        return {
            "n_mentions": self.n_mentions,
            "n_reranked": self.n_reranked,
            "n_nil": self.n_nil,
            "n_fit": self.n_fit,
            "n_calibration": self.n_calibration,
            "k": self.k,
            "alpha": self.alpha,
            "seconds": round(self.seconds, 1),
            "reference_slot_counts": self.reference_slot_counts,
        }


def reference_slots(linked: Iterable[LinkedMention], k: int, reranker: Any) -> tuple[list[tuple[list[float], list[str]]], list[int], int]:
    """(candidate lists, reranker-top slots, NIL count) of fully reranked mentions.

    Mentions the reranker skipped (fewer than two candidates, a confident margin) carry no
    information and are left out; so are mentions whose reranked top is NIL, because NIL is
    always scored and needs no slot.
    """
    lists: list[tuple[list[float], list[str]]] = []
    slots: list[int] = []
    nil = 0
    for lm in linked:
        generated = lm.candidates
        if not generated or reranker.would_skip(generated):
            continue
        if not lm.predictions:
            nil += 1
            continue
        top = [p.concept_id for p in generated[:k]]
        best = lm.predictions[0].concept_id
        if best not in top:
            continue
        lists.append(prediction_list(generated, k))
        slots.append(top.index(best))
    return lists, slots, nil


def check_alpha(alpha: float, option: str = "alpha") -> None:
    """Refuse a miscoverage level outside (0, 1): 0 and 1 have no conformal meaning (and 0 divides by zero)."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0.0 < alpha < 1.0:
        raise CalibrationError(f"{option} must be between 0 and 1 (exclusive), got {alpha!r}; e.g. 0.05")


def check_enough_mentions(n: int, alpha: float, fit_fraction: float, what: str = "mentions") -> None:
    """Raise :class:`CalibrationError` when ``n`` mentions cannot be split into a fit part of 10 and a
    calibration part of ceil(1/alpha); :func:`calibrate_linker` checks the corpus before reranking it."""
    n_cal = n - int(math.floor(fit_fraction * n))
    needed = min_calibration_size(alpha)
    if n_cal < needed or n - n_cal < 10:
        raise CalibrationError(
            f"{n} {what} are too few to calibrate at alpha={alpha}: the calibration part ({1 - fit_fraction:.0%}) "
            f"needs at least ceil(1/alpha) = {needed} and the fit part 10; calibrate on a larger training or dev split"
        )


def calibrate_linker(
    linker: Linker,
    mentions: Sequence[Mention],
    alpha: float = 0.01,
    conformity_score: str = "lac",
    seed: int = 0,
    fit_fraction: float = 0.3,
) -> tuple[ConformalCandidatePruner, CalibrationReport]:
    """Link ``mentions`` with full reranking and calibrate a candidate pruner on the reranker's choices.

    ``linker`` must have a cross-encoder reranker (not already a :class:`ConformalReranker`).
    Use mentions of a training or dev split, never the split you report.
    """
    import time

    reranker: Any = linker.reranker
    if reranker is None or isinstance(reranker, ConformalReranker):
        raise CalibrationError(
            "calibration needs a linker with a plain cross-encoder reranker (a [reranker] section with a model, "
            "and no conformal_alpha)"
        )
    # every setting, before the reranking, which takes minutes
    k = int(reranker.config.k)
    pruner = ConformalCandidatePruner(k, alpha, conformity_score, seed, fit_fraction, linker_fingerprints(linker))
    check_enough_mentions(len(mentions), alpha, fit_fraction)
    start = time.perf_counter()
    linked = list(linker.link(mentions))
    lists, slots, nil = reference_slots(linked, k, reranker)
    pruner.fit_conformalize(lists, slots)
    counts = np.bincount(np.asarray(slots, dtype=int), minlength=k).tolist() if slots else [0] * k
    report = CalibrationReport(
        n_mentions=len(mentions),
        n_reranked=len(slots),
        n_nil=nil,
        n_fit=pruner.n_fit,
        n_calibration=pruner.n_calibration,
        k=k,
        alpha=alpha,
        seconds=time.perf_counter() - start,
        reference_slot_counts=[int(c) for c in counts],
    )
    return pruner, report
