"""Zero-shot text classification with an NLI cross-encoder (Yin et al., 2019).

Each candidate label becomes a hypothesis (``template.format(description)``) and the text is
the premise. The NLI model then scores one (text, hypothesis) pair per label, which is why
xlink prunes label sets first (:mod:`xlink.conformal`, after Choubey et al., EMNLP 2022).

Why not the Hugging Face ``zero-shot-classification`` pipeline: it cannot take a different
label set per text, which pruning needs, and it silently switches to multi-label scoring
when given one label. Here:

* **single-label** scores are a softmax of the entailment logits across the labels scored
  for that text. A one-label set therefore scores 1.0 (the mode does not change), and since
  no logit can change that, its pair is not sent to the NLI model at all: a pruned set of
  one label costs nothing (``entailment_logits`` and ``n_pairs`` are then empty / 0);
* **multi-label** scores are, per label, ``softmax([entailment, contradiction])[0]``;
* pairs of *all* texts are batched together, sorted by length, and padded per batch.

Documented behaviour on bad input (see :class:`ZeroShotClassifier`): duplicate labels, an
empty label list, a template without ``{}`` and unknown labels in ``label_sets`` raise
:class:`ZeroShotError`; empty texts are not sent to the model and get all scores 0.0 and no
top label; large label lists (e.g. 1,000) work, at one NLI pair per label and text, and log
a warning above ``warn_labels``.
"""

from __future__ import annotations

import logging
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xlink.classify.nli_model import NLIModel
from xlink.errors import XlinkError

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "This example is about {}."


class ZeroShotError(XlinkError, ValueError):
    """Invalid labels, label sets or hypothesis template."""


@dataclass
class ZeroShotPrediction:
    """The zero-shot result for one text.

    ``scores`` holds one score per label that was scored (the text's label set), sorted
    from best to worst; ``entailment_logits`` the raw NLI entailment logits of the labels
    sent to the NLI model (none for an empty text, or for a one-label set in single-label
    mode, which scores 1.0 without a pass). ``top_label`` is ``None`` only for an empty text.
    """

    text: str
    scores: dict[str, float]
    entailment_logits: dict[str, float] = field(default_factory=dict)
    multi_label: bool = False

    @property
    def top_label(self) -> str | None:
        if not self.text.strip() or not self.scores:
            return None
        return next(iter(self.scores))

    @property
    def labels(self) -> list[str]:
        return list(self.scores)

    @property
    def n_pairs(self) -> int:
        return len(self.entailment_logits)


def validate_template(template: str) -> str:
    """Check that the template has exactly one ``{}`` placeholder and formats cleanly.

    Fields are read as :meth:`str.format` reads them, so an escaped ``{{}}`` is literal text,
    not a placeholder (a template with only that would give every label the same hypothesis).
    """
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as err:  # an unmatched brace
        fields = None
        problem = err
    if fields is not None and len(fields) != 1:
        raise ZeroShotError(
            f"hypothesis template {template!r} must contain exactly one '{{}}' placeholder for the label, "
            "e.g. 'This example is about {}.'"
        )
    try:
        if fields is None:
            raise problem
        template.format("label")
        if fields != [("", "", None)]:
            raise ValueError("the placeholder must be a bare '{}', without a name, index, conversion or format")
    except (IndexError, KeyError, ValueError) as err:
        raise ZeroShotError(
            f"hypothesis template {template!r} cannot be formatted: {err}; write one '{{}}' for the label "
            "(and '{{' / '}}' for literal braces)"
        ) from err
    return template


def validate_labels(labels: Sequence[str]) -> list[str]:
    """Refuse empty lists, empty labels and duplicates (which would double-count probability)."""
    labels = _strings(labels, "label")
    if not labels:
        raise ZeroShotError("the label list is empty: give at least one candidate label")
    empty = [label for label in labels if not label.strip()]
    if empty:
        raise ZeroShotError("the label list contains an empty label")
    seen: set[str] = set()
    duplicates = sorted({label for label in labels if label in seen or seen.add(label)})  # type: ignore[func-returns-value]
    if duplicates:
        raise ZeroShotError(f"duplicate labels: {duplicates[:10]}")
    return labels


def validate_texts(texts: Iterable[str]) -> list[str]:
    """The texts as a list; one string, or an item that is not a string, is refused with its position.

    Any iterable is taken (a generator too). ``None`` would otherwise be classified as the
    text "None", and one string as one text per character.
    """
    return _strings(texts, "text")


def _strings(items: Iterable[str], what: str) -> list[str]:
    """``items`` as a list of strings; one string, or an item that is not one, is a :class:`ZeroShotError`."""
    if isinstance(items, str):
        raise ZeroShotError(f"{what}s must be a list of strings, not one string")
    items = list(items)
    bad = next((i for i, item in enumerate(items) if not isinstance(item, str)), None)
    if bad is not None:
        raise ZeroShotError(f"{what} {bad} is a {type(items[bad]).__name__} ({items[bad]!r:.40}), not a string")
    return items


def default_description(label: str) -> str:
    """``card_arrival`` -> ``card arrival``: how a bare label reads in a hypothesis."""
    return label.replace("_", " ").strip()


class ZeroShotClassifier:
    """Batched zero-shot classifier over any NLI cross-encoder (a local path or a hub id).

    ``label_descriptions`` maps a label to the text put in the hypothesis (default: the
    label with ``_`` as spaces). Without ``model`` the shipped ``xlink_nli_minilm`` is used.
    ``int8=True`` quantizes the model's Linear layers dynamically (CPU), trading a little
    accuracy for speed; ``bf16=True`` runs bfloat16 autocast (fast on CPUs with AMX), see
    :class:`~xlink.classify.nli_model.NLIModel`.
    """

    def __init__(
        self,
        model: str | Path | NLIModel | None = None,
        *,
        hypothesis_template: str = DEFAULT_TEMPLATE,
        label_descriptions: Mapping[str, str] | None = None,
        batch_size: int = 64,
        max_length: int = 128,
        device: str | None = None,
        warn_labels: int = 200,
        int8: bool = False,
        bf16: bool = False,
    ) -> None:
        self.hypothesis_template = validate_template(hypothesis_template)
        self.label_descriptions = dict(label_descriptions or {})
        self.warn_labels = warn_labels
        if isinstance(model, NLIModel):
            self.nli = model
        else:
            self.nli = NLIModel(model, max_length=max_length, batch_size=batch_size, device=device, int8=int8, bf16=bf16)

    @property
    def model_name(self) -> str:
        return self.nli.name

    def hypothesis(self, label: str) -> str:
        """The hypothesis text for one label."""
        return self.hypothesis_template.format(self.label_descriptions.get(label) or default_description(label))

    def predict(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        label_sets: Sequence[Sequence[str]] | None = None,
        multi_label: bool = False,
    ) -> list[ZeroShotPrediction]:
        """Score each text against its label set (all ``labels`` when ``label_sets`` is None)."""
        texts = validate_texts(texts)
        labels = validate_labels(labels)
        known = set(labels)
        if label_sets is None:
            sets: list[list[str]] = [labels] * len(texts)
        else:
            if len(label_sets) != len(texts):
                raise ZeroShotError(f"{len(label_sets)} label sets for {len(texts)} texts")
            sets = []
            for i, subset in enumerate(label_sets):
                subset = list(dict.fromkeys(subset))
                if not subset:
                    raise ZeroShotError(f"label set {i} is empty")
                unknown = [label for label in subset if label not in known]
                if unknown:
                    raise ZeroShotError(f"label set {i} has labels outside the label list: {unknown[:5]}")
                sets.append(subset)
        widest = max((len(subset) for subset in sets), default=0)
        if widest > self.warn_labels:
            pruned = "" if label_sets is None else f" (the widest of the {len(sets)} label sets)"
            logger.warning(
                "%d labels%s: %d NLI pairs per text; consider pruning with a conformal label set", widest, pruned, widest
            )
        hypotheses = {label: self.hypothesis(label) for label in labels}
        owners: list[int] = []
        premises: list[str] = []
        pair_hypotheses: list[str] = []

        def decided(text: str, subset: list[str]) -> bool:  # no NLI pass: empty text, or one label in single-label mode
            return not str(text).strip() or (len(subset) == 1 and not multi_label)

        for i, (text, subset) in enumerate(zip(texts, sets, strict=True)):
            if decided(text, subset):
                continue
            for label in subset:
                owners.append(i)
                premises.append(str(text))
                pair_hypotheses.append(hypotheses[label])
        logits = self.nli.logits(premises, pair_hypotheses)
        ent = logits[:, self.nli.labels.entailment]
        con = logits[:, self.nli.labels.contradiction]
        results: list[ZeroShotPrediction] = []
        cursor = 0
        for i, (text, subset) in enumerate(zip(texts, sets, strict=True)):
            if decided(text, subset):
                score = 0.0 if not str(text).strip() else 1.0
                results.append(ZeroShotPrediction(str(text), dict.fromkeys(subset, score), {}, multi_label))
                continue
            n = len(subset)
            assert all(owner == i for owner in owners[cursor : cursor + n])
            e, c = ent[cursor : cursor + n], con[cursor : cursor + n]
            cursor += n
            if multi_label:
                probs = 1.0 / (1.0 + np.exp(c - e))
            else:
                shifted = np.exp(e - e.max())
                probs = shifted / shifted.sum()
            order = np.argsort(-probs, kind="stable")
            results.append(
                ZeroShotPrediction(
                    text=str(text),
                    scores={subset[j]: float(probs[j]) for j in order},
                    entailment_logits={subset[j]: float(e[j]) for j in order},
                    multi_label=multi_label,
                )
            )
        return results

    def timed_predict(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        label_sets: Sequence[Sequence[str]] | None = None,
        multi_label: bool = False,
    ) -> tuple[list[ZeroShotPrediction], float]:
        """:meth:`predict` and its wall time in seconds."""
        start = time.perf_counter()
        result = self.predict(texts, labels, label_sets, multi_label)
        return result, time.perf_counter() - start
