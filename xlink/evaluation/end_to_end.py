"""Precision, recall and F1 of predicted mentions and ids against gold annotations.

- ``ner``: the span alone (document, start, end).
- ``strict``: the span and the id (document, start, end, id).
- ``loose``: the id within the document (document, id), whatever the span:
  the "document-level concept" measure used for NCBI Disease by DNorm and
  TaggerOne.

A gold composite mention contributes one item per part; a part is matched by
any of its alternatives. NIL gold mentions count for ``ner`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xlink.corpus.model import Document
from xlink.evaluation.ids import normalize_concept_id


@dataclass(frozen=True)
class PRF:
    """Counts and the precision/recall/F1 they give."""

    tp: int
    n_predicted: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_predicted if self.n_predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self, prefix: str) -> dict[str, float | int]:
        return {
            f"{prefix}_precision": round(self.precision, 4),
            f"{prefix}_recall": round(self.recall, 4),
            f"{prefix}_f1": round(self.f1, 4),
            f"{prefix}_tp": self.tp,
            f"{prefix}_n_predicted": self.n_predicted,
            f"{prefix}_n_gold": self.n_gold,
        }


def _match(predicted: Iterable[tuple], gold: Sequence[tuple[tuple, frozenset[str]]]) -> int:
    """Greedy one-to-one matching of predicted (key, id) items to gold (key, alternatives)."""
    open_gold: dict[tuple, list[frozenset[str]]] = {}
    for key, alternatives in gold:
        open_gold.setdefault(key, []).append(alternatives)
    tp = 0
    for key, identifier in predicted:
        slots = open_gold.get(key)
        if not slots:
            continue
        for i, alternatives in enumerate(slots):
            if identifier is None or identifier in alternatives:
                slots.pop(i)
                tp += 1
                break
    return tp


@dataclass(frozen=True)
class EndToEndReport:
    ner: PRF
    strict: PRF
    loose: PRF

    def to_json(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {}
        out.update(self.ner.to_json("ner_strict"))
        out.update(self.strict.to_json("strict"))
        out.update(self.loose.to_json("loose"))
        return out


def evaluate_end_to_end(predicted: Sequence[Document], gold: Sequence[Document]) -> EndToEndReport:
    """Compare documents with predicted entities to documents with gold entities.

    Documents are matched by ``document_id``; a predicted entity's ids are its
    ``id_groups`` flattened (a composite prediction contributes each id).
    """
    ner_gold: list[tuple[tuple, frozenset[str]]] = []
    strict_gold: list[tuple[tuple, frozenset[str]]] = []
    loose_gold_set: dict[tuple, set[frozenset[str]]] = {}
    for doc in gold:
        for e in doc.entities:
            span = (doc.document_id, e.start, e.end)
            ner_gold.append((span, frozenset()))
            for part in e.id_groups:
                alternatives = frozenset(normalize_concept_id(i) for i in part)
                strict_gold.append((span, alternatives))
                loose_gold_set.setdefault((doc.document_id,), set()).add(alternatives)
    ner_pred: list[tuple[tuple, str | None]] = []
    strict_pred: list[tuple[tuple, str | None]] = []
    loose_pred_set: set[tuple[str, str]] = set()
    for doc in predicted:
        for e in doc.entities:
            span = (doc.document_id, e.start, e.end)
            ner_pred.append((span, None))
            for part in e.id_groups:
                identifier = normalize_concept_id(part[0])
                strict_pred.append((span, identifier))
                loose_pred_set.add((doc.document_id, identifier))
    loose_gold = [(key, alts) for key, group in loose_gold_set.items() for alts in group]
    loose_pred = [((doc_id,), identifier) for doc_id, identifier in sorted(loose_pred_set)]
    return EndToEndReport(
        ner=PRF(_match(ner_pred, ner_gold), len(ner_pred), len(ner_gold)),
        strict=PRF(_match(strict_pred, strict_gold), len(strict_pred), len(strict_gold)),
        loose=PRF(_match(loose_pred, loose_gold), len(loose_pred), len(loose_gold)),
    )
