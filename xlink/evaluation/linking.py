"""Accuracy of linking gold mentions: acc@k, recall@k, and BioSyn's lenient rule.

Two matching rules, because published figures use both:

- ``strict`` (the default): a mention is correct at k when *every* part of its
  gold ids (``|``-separated) has one of its alternatives (``+``-separated)
  among the ids of the top-k predictions that name no wrong concept. For the
  usual one-part mention this is plain acc@k. A two-part composite mention
  therefore cannot be correct at k=1 unless one prediction carries both ids,
  and a composite prediction (``D1|D3``) counts only when each of its parts is
  a gold part: it is wrong for a gold ``D1`` alone.
- ``any``: BioSyn's ``check_label``: correct at k when the ids of any of the
  top-k predictions intersect the gold ids, all parts and alternatives pooled.
  This is the rule behind BioSyn's and SapBERT's published NCBI figures.

Gold NIL mentions (no id) are counted apart and excluded from acc@k: they
have no concept to rank. ``nil_predicted`` counts how many NIL mentions got
no prediction at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xlink.evaluation.ids import normalize_ids
from xlink.linker import LinkedMention, PredictedConcept

if TYPE_CHECKING:
    from xlink.corpus.model import Corpus
    from xlink.terminology.model import Terminology

DEFAULT_KS = (1, 5, 10, 64)
RULES = ("strict", "any")


def _ids_of(predictions: Sequence[PredictedConcept], k: int) -> list[frozenset[str]]:
    """Every id each of the top-k predictions names, a composite concept id (``a|b``) split."""
    return [normalize_ids(i for joined in (p.ids or (p.concept_id,)) for i in joined.split("|")) for p in predictions[:k]]


def _parts(prediction: PredictedConcept) -> list[frozenset[str]]:
    """The concepts a prediction names, each as the set of its ids.

    A composite prediction (``D1|D2``, the linker's joined conjuncts) names one concept per
    part, each with the equivalent ids in its ``part_ids``; a joined id without them names
    one concept per id; any other prediction names one concept, with all of its ``ids``.
    """
    if prediction.part_ids:
        return [normalize_ids(part) for part in prediction.part_ids]
    if "|" in prediction.concept_id:  # a BioSyn-style entry, or a file written before part_ids
        return [normalize_ids([i]) for i in prediction.concept_id.split("|") if i.strip()]
    return [normalize_ids(prediction.ids or (prediction.concept_id,))]


def correct_at(
    gold: Sequence[Sequence[str]], predictions: Sequence[PredictedConcept], k: int, rule: str = "strict"
) -> bool:
    """Whether the top-``k`` predictions are correct for ``gold`` (parts × alternatives)."""
    if not gold:
        return False
    top = _ids_of(predictions, k)
    if rule == "any":
        pooled = normalize_ids(i for part in gold for i in part)
        return any(ids & pooled for ids in top)
    if rule != "strict":
        raise ValueError(f"unknown rule {rule!r}; choose one of {RULES}")
    wanted = [normalize_ids(part) for part in gold]
    found: set[str] = set()
    for prediction in predictions[:k]:
        parts = _parts(prediction)
        if all(any(part & alternatives for alternatives in wanted) for part in parts):  # no wrong concept
            found.update(*parts)
    return all(alternatives & found for alternatives in wanted)


def first_correct_rank(
    gold: Sequence[Sequence[str]], predictions: Sequence[PredictedConcept], rule: str = "strict"
) -> int | None:
    """The smallest k at which the predictions become correct, or None."""
    for k in range(1, len(predictions) + 1):
        if correct_at(gold, predictions, k, rule):
            return k
    return None


@dataclass
class LinkingReport:
    """acc@k over final predictions and recall@k over generator candidates, in percent."""

    n_mentions: int
    n_evaluated: int
    n_nil_gold: int
    n_composite: int
    n_no_prediction: int
    rule: str
    acc: dict[int, float] = field(default_factory=dict)
    recall: dict[int, float] = field(default_factory=dict)
    strict_acc: dict[int, float] = field(default_factory=dict)
    nil_predicted: int = 0
    #: acc@k for k = 1..max_k (for plots)
    curve: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "n_mentions": self.n_mentions,
            "n_evaluated": self.n_evaluated,
            "n_nil_gold": self.n_nil_gold,
            "n_composite": self.n_composite,
            "n_no_prediction": self.n_no_prediction,
            "nil_predicted": self.nil_predicted,
            "rule": self.rule,
        }
        for k, v in self.acc.items():
            out[f"acc@{k}"] = round(v, 2)
        for k, v in self.recall.items():
            out[f"recall@{k}"] = round(v, 2)
        for k, v in self.strict_acc.items():
            out[f"strict_acc@{k}"] = round(v, 2)
        return out


def evaluate_linking(
    linked: Sequence[LinkedMention],
    ks: Sequence[int] = DEFAULT_KS,
    rule: str = "strict",
    curve_k: int = 64,
) -> LinkingReport:
    """Score predictions against the gold ids that each mention carries."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {RULES}")
    evaluated = [lm for lm in linked if lm.mention.gold]
    n = len(evaluated)
    acc_hits = dict.fromkeys(ks, 0)
    strict_hits = dict.fromkeys(ks, 0)
    recall_hits = dict.fromkeys(ks, 0)
    curve_hits = [0] * curve_k
    for lm in evaluated:
        gold = lm.mention.gold
        rank = first_correct_rank(gold, lm.predictions, rule)
        if rank is not None:
            for k in ks:
                if rank <= k:
                    acc_hits[k] += 1
            for k in range(rank, curve_k + 1):
                curve_hits[k - 1] += 1
        cand_rank = first_correct_rank(gold, lm.candidates, rule)
        if cand_rank is not None:
            for k in ks:
                if cand_rank <= k:
                    recall_hits[k] += 1
        if rule != "strict":
            strict_rank = first_correct_rank(gold, lm.predictions, "strict")
            if strict_rank is not None:
                for k in ks:
                    if strict_rank <= k:
                        strict_hits[k] += 1

    def pct(hits: int) -> float:
        return 100.0 * hits / n if n else 0.0

    nil = [lm for lm in linked if not lm.mention.gold]
    return LinkingReport(
        n_mentions=len(linked),
        n_evaluated=n,
        n_nil_gold=len(nil),
        n_composite=sum(1 for lm in evaluated if len(lm.mention.gold) > 1),
        n_no_prediction=sum(1 for lm in evaluated if not lm.predictions),
        rule=rule,
        acc={k: pct(acc_hits[k]) for k in ks},
        recall={k: pct(recall_hits[k]) for k in ks},
        strict_acc={k: pct(strict_hits[k]) for k in ks} if rule != "strict" else {},
        nil_predicted=sum(1 for lm in nil if not lm.predictions),
        curve=[pct(h) for h in curve_hits],
    )


@dataclass(frozen=True)
class TypeCoverage:
    """The gold mentions of one entity type: how many have ids, and how many of those the terminology lacks."""

    type: str
    n_with_ids: int
    n_not_in_terminology: int

    @property
    def mostly_held(self) -> bool:
        """Whether the terminology holds the ids of more than half of the type's mentions with ids."""
        return self.n_with_ids > 0 and 2 * self.n_not_in_terminology < self.n_with_ids


@dataclass(frozen=True)
class GoldCoverage:
    """How many gold mentions a terminology can be right on: the ceiling of acc@k."""

    n_mentions: int
    n_nil: int
    n_not_in_terminology: int
    examples: tuple[str, ...] = ()
    #: the same counts per entity type, in sorted order of the types
    by_type: tuple[TypeCoverage, ...] = ()

    @property
    def ceiling(self) -> float:
        """Percent of the mentions with ids whose every part has an id in the terminology."""
        with_ids = self.n_mentions - self.n_nil
        return 100.0 * (with_ids - self.n_not_in_terminology) / with_ids if with_ids else 0.0

    @property
    def types_not_in_terminology(self) -> list[TypeCoverage]:
        """The types with mentions whose ids the terminology lacks, the most such mentions first.

        They say which entity types a warning is about: on a corpus of chemicals and
        diseases linked against a disease vocabulary, the chemicals.
        """
        lacking = [t for t in self.by_type if t.n_not_in_terminology]
        return sorted(lacking, key=lambda t: (-t.n_not_in_terminology, t.type))

    @property
    def held_types(self) -> set[str]:
        """The entity types whose gold ids the terminology mostly holds (see :attr:`TypeCoverage.mostly_held`)."""
        return {t.type for t in self.by_type if t.mostly_held}


def gold_coverage(corpus: Corpus, terminology: Terminology, n_examples: int = 3) -> GoldCoverage:
    """Count gold mentions without ids and those naming ids the terminology lacks (strict rule), per entity type too."""
    known: set[str] = set()
    for concept in terminology:
        known.update(normalize_ids(concept.ids))
    n = nil = outside = 0
    examples: list[str] = []
    with_ids: Counter[str] = Counter()
    lacking: Counter[str] = Counter()
    for mention in corpus.mentions():
        n += 1
        if not mention.gold:
            nil += 1
            continue
        with_ids[mention.type] += 1
        missing = [part for part in mention.gold if not normalize_ids(part) & known]
        if missing:
            outside += 1
            lacking[mention.type] += 1
            example = "+".join(missing[0])
            if len(examples) < n_examples and example not in examples:  # distinct ids, not one id thrice
                examples.append(example)
    by_type = tuple(TypeCoverage(t, with_ids[t], lacking[t]) for t in sorted(with_ids))
    return GoldCoverage(n, nil, outside, tuple(examples), by_type)
