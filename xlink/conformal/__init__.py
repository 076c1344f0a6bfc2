"""Conformal prediction sets: a generic core (scores in, sets out) and label pruning.

See :mod:`xlink.conformal.core` (shared with candidate pruning for linking) and
:mod:`xlink.conformal.pruner` (Choubey et al., EMNLP 2022).
"""

from __future__ import annotations

from xlink.conformal.core import (
    CalibrationError,
    ConformalSets,
    LabelMixCheck,
    SplitConformalSets,
    label_mix_check,
    min_calibration_size,
)
from xlink.conformal.pruner import ConformalLabelPruner, LabelSet, PartialCoverageWarning

__all__ = [
    "CalibrationError",
    "ConformalLabelPruner",
    "ConformalSets",
    "LabelMixCheck",
    "LabelSet",
    "PartialCoverageWarning",
    "SplitConformalSets",
    "label_mix_check",
    "min_calibration_size",
]
