"""Synthetic zero-shot data and a fake sentence encoder for the embedding-based base tests.

The encoder is replaced by a bag of deterministic random word vectors, so no model is loaded;
the zero-shot "teacher" is a synthetic score distribution over the labels. Tests that use
it ask for the ``fake_encoder`` fixture (``tests/conformal/conftest.py``).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from xlink.conformal import ConformalLabelPruner
from xlink.conformal.base import EmbeddingLogisticBase

DIM = 48
LABELS = [f"topic{k}" for k in range(12)]
WORDS = {label: [f"{label}w{j}" for j in range(6)] for label in LABELS}
# descriptions share two words with the label's texts, so the untrained model is weakly right
DESCRIPTIONS = [f"{label} {WORDS[label][0]} {WORDS[label][1]}" for label in LABELS]
# the teacher confuses each label with one neighbour: structure a soft target carries
NEIGHBOUR = {k: (k + 1) % len(LABELS) for k in range(len(LABELS))}


def fake_encode(self: EmbeddingLogisticBase, texts: Sequence[str]) -> np.ndarray:
    """Normalized sum of per-word random vectors (seeded by the word); empty text -> zeros."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i] += np.random.default_rng(zlib.crc32(word.encode())).normal(size=DIM)
        norm = np.linalg.norm(out[i])
        if norm > 0:
            out[i] /= norm
    return out


def make(n: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, the teacher's top-label indices and its score distribution over all labels."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    texts, soft = [], np.zeros((n, len(LABELS)))
    for i in range(n):
        k = rng.randrange(len(LABELS))
        other = rng.randrange(len(LABELS))
        texts.append(" ".join(rng.sample(WORDS[LABELS[k]], 3) + rng.sample(WORDS[LABELS[other]], 1)))
        logits = noise.normal(scale=0.5, size=len(LABELS))
        logits[k] += 4.0
        logits[NEIGHBOUR[k]] += 2.5
        logits[other] += 1.0
        soft[i] = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    return texts, soft.argmax(axis=1), soft


def fit_and_check_pruner(kind: str, tmp_path: Path) -> tuple[list[str], list[str], list[str], float]:
    """Fit and calibrate a pruner with base ``kind`` on synthetic soft targets at alpha = 0.1.

    Checks that sets are never empty, that coverage holds on fresh texts and that the saved
    pruner gives the same sets; returns the fit texts, their labels, the test texts and the
    average set size.
    """
    texts, hard, soft = make(600, 0)
    names = [LABELS[k] for k in hard]
    pruner = ConformalLabelPruner(LABELS, base=kind, alpha=0.1, descriptions=DESCRIPTIONS, embedding_model="fake")
    pruner.fit_conformalize(texts, names, zero_shot_scores=soft)
    test_texts, test_hard, _ = make(600, 1)
    sets = pruner.predict_set(test_texts)
    assert all(len(s) >= 1 for s in sets)
    coverage = np.mean([LABELS[k] in s for k, s in zip(test_hard, sets, strict=True)])
    assert coverage >= 0.9 - 0.05  # one calibration draw: sd of coverage is about 0.02
    pruner.save(tmp_path / "p")
    assert ConformalLabelPruner.load(tmp_path / "p").predict_set(test_texts) == sets
    return texts, names, test_texts, float(np.mean([len(s) for s in sets]))
