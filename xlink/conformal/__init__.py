"""Conformal prediction sets: a generic core (scores in, sets out) and label pruning.

See :mod:`xlink.conformal.core` (shared with candidate pruning for linking) and
:mod:`xlink.conformal.pruner` (Choubey et al., EMNLP 2022).
"""

from __future__ import annotations

from xlink.conformal.core import (
    CalibrationError,
    ConformalSets,
    SplitConformalSets,
    min_calibration_size,
)
from xlink.conformal.pruner import ConformalLabelPruner, LabelSet, PartialCoverageWarning

__all__ = [
    "CalibrationError",
    "ConformalLabelPruner",
    "ConformalSets",
    "LabelSet",
    "PartialCoverageWarning",
    "SplitConformalSets",
    "min_calibration_size",
]
