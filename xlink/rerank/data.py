"""Training lists for the reranker: a mention, its generator candidates, which are gold.

The generator's own top-``k`` are the hard negatives. Gold is decided with the
evaluation's rules: a candidate is gold when it alone is correct under the
strict rule (for a composite mention, the composite prediction that covers
every part); failing that, any candidate that matches one part of a composite
gold (the lenient ``any`` rule) is gold, counted as ``partial``. When the
generator missed the gold concept, ``missing_gold`` decides, and every case is
counted in :class:`ListStats` (the training log prints it):

- ``inject``: the gold concept replaces the last candidate (score: the lowest
  score in the list, so the regularizer sees what the generator thought);
- ``nil``: the NIL slot is the target (needs a reranker with a NIL slot);
- ``skip``: the mention is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from xlink.evaluation.ids import normalize_ids
from xlink.evaluation.linking import correct_at
from xlink.linker import LinkedMention, PredictedConcept
from xlink.rerank.inputs import InputFormat
from xlink.terminology.model import Concept, Terminology

MISSING_GOLD = ("inject", "nil", "skip")


@dataclass
class TrainingList:
    """One mention's training example: texts, gold slots and generator scores.

    With a NIL slot, it is the last entry of each list.
    """

    mention_text: str
    candidate_texts: list[str]
    labels: list[bool]
    scores: list[float]
    nil_slot: bool = False


@dataclass
class ListStats:
    """How the training lists were made, gold misses included."""

    n_mentions: int = 0
    n_duplicates_dropped: int = 0
    n_lists: int = 0
    n_gold_in_list: int = 0
    n_gold_partial: int = 0
    n_gold_missing: int = 0
    n_gold_injected: int = 0
    n_gold_missing_to_nil: int = 0
    n_gold_missing_skipped: int = 0
    n_gold_not_in_terminology: int = 0
    n_nil_gold: int = 0
    n_nil_gold_skipped: int = 0
    n_no_candidates: int = 0
    mean_list_length: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _id_index(terminology: Terminology) -> dict[str, Concept]:
    index: dict[str, Concept] = {}
    for concept in terminology:
        for i in normalize_ids(concept.ids):
            index.setdefault(i, concept)
    return index


def _gold_concept(gold: Sequence[Sequence[str]], index: dict[str, Concept]) -> Concept | None:
    for part in gold:
        for alt in part:
            for key in normalize_ids([alt]):
                if key in index:
                    return index[key]
    return None


def build_training_lists(
    linked: Sequence[LinkedMention],
    terminology: Terminology,
    inputs: InputFormat,
    k: int,
    missing_gold: str = "inject",
    nil: bool = False,
    dedupe: bool = True,
) -> tuple[list[TrainingList], ListStats]:
    """Turn linked training mentions into listwise examples; see the module docstring."""
    if missing_gold not in MISSING_GOLD:
        raise ValueError(f"missing_gold must be one of {MISSING_GOLD}, not {missing_gold!r}")
    if missing_gold == "nil" and not nil:
        raise ValueError("missing_gold = 'nil' needs a reranker with a NIL slot (nil = true)")
    stats = ListStats(n_mentions=len(linked))
    index = _id_index(terminology)
    seen: set[tuple[object, ...]] = set()
    out: list[TrainingList] = []
    for lm in linked:
        m = lm.mention
        if dedupe:
            key = (m.text.strip().lower(), (m.expansion or "").lower(), m.gold)
            if key in seen:
                stats.n_duplicates_dropped += 1
                continue
            seen.add(key)
        top: list[PredictedConcept] = list(lm.predictions[:k])
        if not top:
            stats.n_no_candidates += 1
        target_nil = False
        if not m.gold:
            stats.n_nil_gold += 1
            if not nil:
                stats.n_nil_gold_skipped += 1
                continue
            labels = [False] * len(top)
            target_nil = True
        else:
            labels = [correct_at(m.gold, [p], 1, "strict") for p in top]
            if not any(labels) and len(m.gold) > 1:
                labels = [correct_at(m.gold, [p], 1, "any") for p in top]
                if any(labels):
                    stats.n_gold_partial += 1
            if any(labels):
                stats.n_gold_in_list += 1
            else:
                stats.n_gold_missing += 1
                if missing_gold == "skip":
                    stats.n_gold_missing_skipped += 1
                    continue
                if missing_gold == "nil":
                    stats.n_gold_missing_to_nil += 1
                    target_nil = True
                else:
                    concept = _gold_concept(m.gold, index)
                    if concept is None:
                        stats.n_gold_not_in_terminology += 1
                        continue
                    low = min((p.score for p in top), default=0.0)
                    injected = PredictedConcept(
                        concept_id=concept.concept_id,
                        name=concept.canonical_name,
                        score=low,
                        ids=concept.ids,
                        alias=concept.canonical_name,
                    )
                    if len(top) >= k:
                        top[-1] = injected
                        labels[-1] = True
                    else:
                        top.append(injected)
                        labels.append(True)
                    stats.n_gold_injected += 1
        texts = inputs.candidate_texts(top, terminology)
        scores = [float(p.score) for p in top]
        if nil:
            texts.append(inputs.nil_text)
            labels.append(target_nil)
            scores.append(0.0)  # never used: the NIL slot is outside the regularizer
        if not texts:
            continue
        out.append(TrainingList(inputs.mention_text(m), texts, labels, scores, nil_slot=nil))
    stats.n_lists = len(out)
    stats.mean_list_length = sum(len(x.candidate_texts) for x in out) / max(1, len(out))
    return out, stats
