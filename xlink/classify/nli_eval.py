"""Accuracy of an NLI model on labelled pairs (``xlink evaluate-nli`` and training evaluations)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from xlink.classify.nli_data import ENTAILMENT, NOT_ENTAILMENT, NLIExample
from xlink.classify.nli_model import NLIModel


@dataclass
class NLIEvaluation:
    """Accuracy overall and per gold label; binary gold labels count any non-entailment as right."""

    accuracy: float
    n: int
    per_label: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    pairs_per_second: float = 0.0


def _correct(gold: str, predicted: str) -> bool:
    if gold == NOT_ENTAILMENT:
        return predicted != ENTAILMENT
    return gold == predicted


def evaluate_nli(model: NLIModel, examples: Sequence[NLIExample]) -> NLIEvaluation:
    """Score every pair once and compare the arg-max label with the gold label."""
    if not examples:
        return NLIEvaluation(accuracy=0.0, n=0)
    start = time.perf_counter()
    predicted = model.predict_labels([e.premise for e in examples], [e.hypothesis for e in examples])
    seconds = time.perf_counter() - start
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for example, label in zip(examples, predicted, strict=True):
        total[example.label] += 1
        right[example.label] += _correct(example.label, label)
    n = len(examples)
    return NLIEvaluation(
        accuracy=sum(right.values()) / n,
        n=n,
        per_label={label: right[label] / total[label] for label in total},
        seconds=seconds,
        pairs_per_second=n / seconds if seconds > 0 else 0.0,
    )
