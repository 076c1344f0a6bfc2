"""Conformal label pruning for zero-shot classification (Choubey et al., EMNLP 2022).

A fast base classifier is fitted on texts labelled by the zero-shot NLI model itself (no
gold labels), then calibrated with split conformal prediction on a *disjoint* set of
zero-shot-labelled texts. For a new text the pruner returns a :class:`LabelSet` that holds
the zero-shot model's top label with probability >= 1 - alpha; the NLI model then scores only
those labels. Calibration uses MAPIE's ``SplitConformalClassifier`` through
:mod:`xlink.conformal.core`.

Saved as a directory without pickle: ``pruner.json`` (labels, alpha, score, base settings,
the NLI model it was calibrated for), ``base.npz``/``base_vocab.json`` and
``calibration.npz``.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlink.conformal.base import BASES, BaseClassifier, load_base, make_base, portable_model
from xlink.conformal.core import (
    CalibrationError,
    LabelMixCheck,
    SplitConformalSets,
    label_mix_check,
    min_calibration_size,
)
from xlink.errors import XlinkError, missing_file
from xlink.files import FolderKind, atomic_folder

logger = logging.getLogger(__name__)

PRUNER_FILE = "pruner.json"
#: a label pruner folder, as xlink.files.atomic_folder writes and checks it
PRUNER_FOLDER = FolderKind(PRUNER_FILE, "an xlink label pruner")

FORMAT_VERSION = 1


class PartialCoverageWarning(UserWarning):
    """Calibration labels cover only some classes."""


def same_model(a: str, b: str) -> bool:
    """Whether two NLI model names (a packaged name, a folder, a hub id) name the same model."""
    if a == b:
        return True
    try:
        return portable_model(a) == portable_model(b) or Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class LabelSet:
    """The labels kept for one text, best first by the base classifier's score.

    ``fallback`` is true when the conformal set was empty and the base classifier's top
    label was used instead.
    """

    labels: tuple[str, ...]
    scores: tuple[float, ...]
    fallback: bool = False

    def __len__(self) -> int:
        return len(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self.labels


class ConformalLabelPruner:
    """Fit a base classifier, calibrate it conformally, and prune label lists.

    ``base`` is ``"tfidf"``, ``"embedding"``, ``"token"``, ``"similarity"``, ``"distil"``,
    ``"knn"``, ``"blend"``, ``"static"``, ``"nli_blend"`` or ``"dual"`` (see
    :mod:`xlink.conformal.base`; ``"distil"``, ``"knn"`` and the blends learn from the zero-shot
    scores of all labels; ``"nli_blend"`` and ``"dual"`` read the features of ``nli_model``,
    the NLI model the sets are for, None meaning the shipped one);
    ``conformity_score`` is MAPIE's ``"lac"`` or ``"aps"``; ``alpha`` is the tolerated rate of
    sets that miss the zero-shot top label. By default that rate holds on average over
    calibration draws; with ``delta`` it holds for all but a ``delta`` share of them
    (training-conditional calibration, :func:`xlink.conformal.core.pac_rank`), at the cost of
    larger sets and at least ``log(delta) / log(1 - alpha)`` calibration texts.
    """

    def __init__(
        self,
        labels: Sequence[str],
        *,
        base: str = "tfidf",
        alpha: float = 0.01,
        conformity_score: str = "lac",
        descriptions: Sequence[str] | Mapping[str, str] | None = None,
        nli_model: str | None = None,
        hypothesis_template: str | None = None,
        seed: int = 0,
        embedding_model: str | None = None,
        delta: float | None = None,
    ) -> None:
        from xlink.classify.zeroshot import default_description, validate_labels

        self.labels = validate_labels(labels)
        self.index = {label: i for i, label in enumerate(self.labels)}
        if isinstance(descriptions, Mapping):  # {label: description}, as ZeroShotClassifier's label_descriptions
            descriptions = [descriptions.get(label) or default_description(label) for label in self.labels]
        if descriptions is not None and (isinstance(descriptions, str) or len(descriptions) != len(self.labels)):
            raise XlinkError(
                f"descriptions: give one per label ({len(self.labels)}), in the labels' order, or a {{label: description}} mapping"
            )
        self.descriptions = list(descriptions) if descriptions is not None else None
        self.base_kind = base
        self.nli_model = nli_model
        self.hypothesis_template = hypothesis_template
        self.seed = seed
        self.base: BaseClassifier = make_base(base, self.labels, self.descriptions, seed, embedding_model, nli_model)
        self.conformal = SplitConformalSets(alpha, conformity_score, seed, delta)
        self.fitted = False

    @property
    def alpha(self) -> float:
        return self.conformal.alpha

    @property
    def delta(self) -> float | None:
        return self.conformal.delta

    @property
    def conformity_score(self) -> str:
        return self.conformal.conformity_score

    def _targets(self, zero_shot_labels: Sequence[str]) -> np.ndarray:
        unknown = sorted({label for label in zero_shot_labels if label not in self.index})
        if unknown:
            raise CalibrationError(f"zero-shot labels outside the label list: {unknown[:5]}")
        return np.array([self.index[label] for label in zero_shot_labels], dtype=int)

    def _scores(self, zero_shot_scores: np.ndarray | None, n: int) -> np.ndarray | None:
        if zero_shot_scores is None:
            return None
        scores = np.asarray(zero_shot_scores, dtype=float)
        if scores.shape != (n, len(self.labels)):
            raise CalibrationError(
                f"zero-shot scores have shape {scores.shape}, expected ({n}, {len(self.labels)}): "
                "one row per text, one column per label in the pruner's label order"
            )
        return scores

    def fit(
        self, texts: Sequence[str], zero_shot_labels: Sequence[str], zero_shot_scores: np.ndarray | None = None
    ) -> ConformalLabelPruner:
        """Fit the base classifier on texts and the zero-shot model's top labels.

        ``zero_shot_scores`` (optional, ``(len(texts), len(labels))`` in the pruner's label
        order, 0 for labels not scored) is the zero-shot model's score distribution; bases that
        can learn from it (``"distil"``, ``"knn"``, ``"blend"``, ``"static"``) do, the others ignore it.
        """
        if len(texts) != len(zero_shot_labels):
            raise CalibrationError(f"{len(texts)} texts but {len(zero_shot_labels)} labels")
        if not texts:
            raise CalibrationError("no texts to fit the base classifier on")
        soft = self._scores(zero_shot_scores, len(texts))
        self.base.fit(list(texts), self._targets(zero_shot_labels), soft)
        self.fitted = True
        return self

    def conformalize(self, texts: Sequence[str], zero_shot_labels: Sequence[str]) -> ConformalLabelPruner:
        """Calibrate on texts *not used in fit*, labelled by the zero-shot model."""
        if not self.fitted:
            raise CalibrationError("call fit() before conformalize()")
        if len(texts) != len(zero_shot_labels):
            raise CalibrationError(f"{len(texts)} texts but {len(zero_shot_labels)} labels")
        needed = min_calibration_size(self.alpha)
        if len(texts) < needed:
            raise CalibrationError(
                f"{len(texts)} calibration texts are too few for alpha={self.alpha}: "
                f"at least ceil(1/alpha) = {needed} are needed (use more texts or a larger alpha)"
            )
        targets = self._targets(zero_shot_labels)
        missing = sorted(set(self.labels) - set(zero_shot_labels))
        if missing:
            message = (
                f"the calibration texts' zero-shot labels cover {len(self.labels) - len(missing)} of "
                f"{len(self.labels)} labels; {len(missing)} (e.g. {missing[:5]}) never occur, so the coverage "
                "guarantee is only about the labels seen; the others stay reachable through the base "
                "classifier's label-name prior and the top-label fallback"
            )
            warnings.warn(message, PartialCoverageWarning, stacklevel=2)
        self.conformal.conformalize(self.base.predict_proba(list(texts)), targets)
        return self

    def fit_conformalize(
        self,
        texts: Sequence[str],
        zero_shot_labels: Sequence[str],
        fit_fraction: float = 0.5,
        zero_shot_scores: np.ndarray | None = None,
    ) -> ConformalLabelPruner:
        """Split once, seeded, into disjoint fit and calibration parts, then fit and calibrate.

        ``zero_shot_scores`` (rows aligned with ``texts``) go to :meth:`fit` for the fit part.
        """
        if not 0.0 < fit_fraction < 1.0:
            raise CalibrationError(f"fit_fraction must be in (0, 1), got {fit_fraction}")
        scores = self._scores(zero_shot_scores, len(texts))
        order = np.random.default_rng(self.seed).permutation(len(texts))
        cut = int(round(len(texts) * fit_fraction))
        fit_idx, cal_idx = order[:cut], order[cut:]
        self.fit(
            [texts[i] for i in fit_idx], [zero_shot_labels[i] for i in fit_idx],
            scores[fit_idx] if scores is not None else None,
        )
        return self.conformalize([texts[i] for i in cal_idx], [zero_shot_labels[i] for i in cal_idx])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The base classifier's probabilities over all labels."""
        from xlink.classify.zeroshot import validate_texts

        return self.base.predict_proba(validate_texts(texts))

    def label_mix_check(self, texts: Sequence[str] | None = None, probs: np.ndarray | None = None) -> LabelMixCheck:
        """Compare the base classifier's arg-max label mix on new texts (or their ``probs``) with
        the calibration texts' (:func:`xlink.conformal.core.label_mix_check`); no labels needed."""
        if self.conformal.calibration_probs is None:
            raise CalibrationError("the pruner is not calibrated: call conformalize() or load a calibrated pruner")
        if probs is None:
            probs = self.predict_proba(list(texts or []))
        return label_mix_check(self.conformal.calibration_probs, probs)

    def predict_set(self, texts: Sequence[str]) -> list[LabelSet]:
        """A never-empty label set per text."""
        if not self.conformal.is_calibrated:
            raise CalibrationError("the pruner is not calibrated: call conformalize() or load a calibrated pruner")
        from xlink.classify.zeroshot import validate_texts

        texts = validate_texts(texts)
        if len(texts) == 0:
            return []
        return self.sets_from_proba(self.predict_proba(texts))

    def sets_from_proba(self, probs: np.ndarray) -> list[LabelSet]:
        """The label sets for rows of :meth:`predict_proba` already computed (one base pass serves more uses)."""
        if not self.conformal.is_calibrated:
            raise CalibrationError("the pruner is not calibrated: call conformalize() or load a calibrated pruner")
        probs = np.atleast_2d(probs)
        if probs.shape[0] == 0:
            return []
        sets = self.conformal.predict_sets(probs)
        result: list[LabelSet] = []
        for row, members, fallback in zip(probs, sets.members, sets.fallback, strict=True):
            idx = np.flatnonzero(members)
            idx = idx[np.argsort(-row[idx], kind="stable")]
            result.append(LabelSet(tuple(self.labels[i] for i in idx), tuple(float(row[i]) for i in idx), bool(fallback)))
        return result

    def nli_settings(
        self, model: str | None, template: str | None, label_descriptions: dict[str, str] | None
    ) -> tuple[str | None, str | None, dict[str, str]]:
        """The NLI model, hypothesis template and label descriptions to classify with under this pruner.

        The sets keep the zero-shot model's top label with probability 1 − α only for the zero-shot
        model that labelled the calibration texts: the same NLI model, template and descriptions.
        What the caller leaves unset (None, or empty descriptions) comes from the pruner; what it
        sets must agree with the pruner, or an :class:`XlinkError` names the difference and the fix.
        """
        from xlink.classify.zeroshot import default_description

        if self.nli_model and model and not same_model(model, self.nli_model):
            raise XlinkError(
                f"the pruner was calibrated on the labels of NLI model {self.nli_model}, not {model}; leave the "
                "model unset to use the pruner's, or calibrate a pruner for this model (xlink calibrate -m)"
            )
        if self.hypothesis_template and template and template != self.hypothesis_template:
            raise XlinkError(
                f"the pruner was calibrated with the template {self.hypothesis_template!r}, not {template!r}; "
                "leave the template unset to use the pruner's, or calibrate a pruner with this one"
            )
        saved = {
            label: text
            for label, text in zip(self.labels, self.descriptions or [], strict=False)
            if text != default_description(label)
        }
        if label_descriptions:
            given = [label_descriptions.get(label) or default_description(label) for label in self.labels]
            if self.descriptions is not None and given != list(self.descriptions):
                differ = next(label for label, a, b in zip(self.labels, given, self.descriptions, strict=False) if a != b)
                raise XlinkError(
                    f"the label descriptions differ from the pruner's (first: {differ!r}); leave them unset to use "
                    "the pruner's, or calibrate a pruner with these (xlink calibrate --label-map)"
                )
        return model or self.nli_model, template or self.hypothesis_template, dict(label_descriptions or saved)

    def save(self, directory: str | Path) -> None:
        """Write the pruner atomically (JSON + npz, no pickle)."""
        directory = Path(directory)
        with atomic_folder(directory, PRUNER_FOLDER) as tmp:
            base_meta = self.base.save(tmp)
            np.savez_compressed(tmp / "calibration.npz", **self.conformal.state())  # type: ignore[arg-type]  # numpy stubs match **arrays to allow_pickle
            meta = {
                "format": "xlink-conformal-label-pruner",
                "version": FORMAT_VERSION,
                "labels": self.labels,
                "descriptions": self.descriptions,
                "alpha": self.alpha,
                "delta": self.delta,
                "conformity_score": self.conformity_score,
                "seed": self.seed,
                "nli_model": portable_model(self.nli_model) if self.nli_model else None,
                "hypothesis_template": self.hypothesis_template,
                "base": base_meta,
            }
            (tmp / PRUNER_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> ConformalLabelPruner:
        """Read a pruner written by :meth:`save`."""
        from xlink.errors import FormatError

        directory = Path(directory)
        meta_path = directory / PRUNER_FILE
        if not meta_path.exists():
            raise missing_file(meta_path)
        expected = '"format": "xlink-conformal-label-pruner" (a folder written by xlink calibrate)'
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise FormatError(meta_path, getattr(err, "lineno", None), f"not valid JSON ({err})", expected) from None
        if not isinstance(meta, dict) or meta.get("format") != "xlink-conformal-label-pruner":
            raise FormatError(meta_path, None, "not an xlink label pruner", expected)
        version = meta.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise FormatError(
                meta_path, None, f"format version {version!r} is newer than this xlink reads ({FORMAT_VERSION})",
                "upgrade xlink, or recalibrate with this one (xlink calibrate)",
            )
        obj = cls.__new__(cls)
        try:
            obj.labels = list(meta["labels"])
            obj.index = {label: i for i, label in enumerate(obj.labels)}
            obj.descriptions = meta.get("descriptions")
            obj.base_kind = meta["base"]["kind"]
            obj.nli_model = meta.get("nli_model")
            obj.hypothesis_template = meta.get("hypothesis_template")
            obj.seed = int(meta.get("seed", 0))
            alpha, score = float(meta["alpha"]), meta["conformity_score"]
        except (KeyError, TypeError, ValueError) as err:
            raise FormatError(
                meta_path, None, f"missing or malformed field {err}; recalibrate with 'xlink calibrate'", expected
            ) from None
        try:
            obj.base = load_base(directory, obj.labels, meta["base"])
        except KeyError as err:  # a base kind this xlink does not know (written by a newer one?)
            raise FormatError(meta_path, None, f"unknown base classifier {err}", f"one of {sorted(BASES)}; upgrade xlink") from None
        state_path = directory / "calibration.npz"
        try:
            with np.load(state_path, allow_pickle=False) as arrays:
                state = {k: arrays[k] for k in arrays.files}
        except (OSError, ValueError) as err:
            raise FormatError(
                state_path, None, f"cannot read the calibration arrays ({err})", "an npz file written by xlink calibrate"
            ) from None
        probs = state.get("calibration_probs")
        if probs is None or probs.ndim != 2 or probs.shape[1] != len(obj.labels):
            width = "no" if probs is None else f"{probs.shape[-1]}"
            raise FormatError(
                state_path, None, f"{width} label columns for the {len(obj.labels)} labels of {meta_path.name}",
                "the arrays written with these labels; recalibrate with 'xlink calibrate' rather than edit pruner.json",
            )
        delta = meta.get("delta")
        obj.conformal = SplitConformalSets.from_state(
            state, alpha, score, obj.seed, None if delta is None else float(delta)
        )
        obj.fitted = True
        return obj
