"""Evaluation: linking accuracy, end-to-end precision/recall/F1, plots."""

from __future__ import annotations

from xlink.evaluation.end_to_end import PRF, EndToEndReport, evaluate_end_to_end
from xlink.evaluation.ids import normalize_concept_id
from xlink.evaluation.linking import LinkingReport, correct_at, evaluate_linking

__all__ = [
    "PRF",
    "EndToEndReport",
    "LinkingReport",
    "correct_at",
    "evaluate_end_to_end",
    "evaluate_linking",
    "normalize_concept_id",
]
