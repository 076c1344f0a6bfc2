"""Precision, recall and F1 of predicted mentions and ids against gold annotations.

- ``ner``: the span alone (document, start, end).
- ``strict``: the span and the id (document, start, end, id).
- ``loose``: the id within the document (document, id), whatever the span:
  the "document-level concept" measure used for NCBI Disease by DNorm and
  TaggerOne.

A gold composite mention contributes one item per part; a part is matched by
any of its alternatives. NIL gold mentions count for ``ner`` only. In ``loose``, a
document's gold items are its distinct alternative sets, less any set that contains
another one of the same document (``D1+D2`` adds nothing when ``D1`` is already a gold
concept there), so that a system naming every gold concept scores 1.0.

A predicted id can stand for several equivalent ids of one concept: CTD MEDIC lists, for
example, ``OMIM:312080`` among the AltDiseaseIDs of *Pelizaeus-Merzbacher Disease*
(``MESH:D020371``), while NCBI Disease's gold names the OMIM id. Given ``equivalent_ids``
(concept id → all its ids, as :meth:`Terminology.get` knows them), a prediction matches a gold
item through any of them, as gold-mention linking (:mod:`xlink.evaluation.linking`) counts a
:class:`~xlink.linker.PredictedConcept`'s ``ids``. Without it only the predicted id itself counts.

Documents are matched by ``(document_id, id)``; two gold documents with the same pair
cannot be told apart and are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from xlink.corpus.model import Document
from xlink.errors import XlinkError
from xlink.evaluation.ids import normalize_concept_id


@dataclass(frozen=True)
class PRF:
    """Counts and the precision/recall/F1 they give."""

    tp: int
    n_predicted: int
    n_gold: int
    #: right predictions, where they differ from ``tp`` (the gold items found): in ``loose``
    #: scoring one predicted concept can stand for two gold items and two for one
    tp_predicted: int | None = None

    @property
    def precision(self) -> float:
        right = self.tp if self.tp_predicted is None else self.tp_predicted
        return right / self.n_predicted if self.n_predicted else 0.0

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
            **({} if self.tp_predicted is None else {f"{prefix}_tp_predicted": self.tp_predicted}),
        }


def _matched(predicted: Sequence[tuple], gold: Sequence[tuple[tuple, frozenset[str]]]) -> list[int]:
    """Greedy one-to-one matching of predicted (key, ids) items to gold (key, alternatives).

    A predicted item's ids are the equivalent ids of one concept (``None`` for a span
    alone, which any gold item of its key matches). Returns the positions of the predicted
    items that found a gold item.
    """
    open_gold: dict[tuple, list[frozenset[str]]] = {}
    for key, alternatives in gold:
        open_gold.setdefault(key, []).append(alternatives)
    hits = []
    for position, (key, ids) in enumerate(predicted):
        slots = open_gold.get(key)
        if not slots:
            continue
        for i, alternatives in enumerate(slots):
            if ids is None or not ids.isdisjoint(alternatives):
                slots.pop(i)
                hits.append(position)
                break
    return hits


def _match(predicted: Sequence[tuple], gold: Sequence[tuple[tuple, frozenset[str]]]) -> int:
    """How many predicted items the greedy matching pairs with a gold item."""
    return len(_matched(predicted, gold))


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


def document_key(doc: Document) -> tuple[str, str]:
    """How predicted and gold documents are paired: ``(document_id, id)``."""
    return (doc.document_id, doc.id)


def check_unique_documents(gold: Sequence[Document], source: str = "the gold corpus") -> None:
    """Refuse gold documents that share ``(document_id, id)``: their predictions could not be told apart."""
    seen: set[tuple[str, str]] = set()
    for doc in gold:
        key = document_key(doc)
        if key in seen:
            raise XlinkError(
                f"{source}: two documents have document_id {doc.document_id!r} and id {doc.id!r}, so their "
                "predictions cannot be scored apart; give each document its own id"
            )
        seen.add(key)


def minimal_sets(sets: set[frozenset[str]]) -> list[frozenset[str]]:
    """The alternative sets that contain no other set of the group."""
    return sorted((s for s in sets if not any(o < s for o in sets)), key=sorted)


EquivalentIds = Callable[[str], Iterable[str]]


def predicted_ids(identifier: str, equivalent_ids: EquivalentIds | None = None) -> frozenset[str]:
    """The normalized ids a predicted ``identifier`` stands for (itself first of all)."""
    ids = [identifier, *(equivalent_ids(identifier) if equivalent_ids is not None else ())]
    return frozenset(normalize_concept_id(i) for i in ids)


def evaluate_end_to_end(
    predicted: Sequence[Document],
    gold: Sequence[Document],
    equivalent_ids: EquivalentIds | None = None,
) -> EndToEndReport:
    """Compare documents with predicted entities to documents with gold entities.

    Documents are matched by :func:`document_key`; a predicted entity's ids are its
    ``id_groups`` flattened (a composite prediction contributes each part's first id).
    ``equivalent_ids`` maps a predicted concept id to the other ids of the same concept
    (see the module docstring); without it only the id itself can match. Gold documents
    that share a key raise :class:`XlinkError`.
    """
    check_unique_documents(gold)
    ner_gold: list[tuple[tuple, frozenset[str]]] = []
    strict_gold: list[tuple[tuple, frozenset[str]]] = []
    loose_gold_set: dict[tuple, set[frozenset[str]]] = {}
    for doc in gold:
        key = document_key(doc)
        for e in doc.entities:
            span = (*key, e.start, e.end)
            ner_gold.append((span, frozenset()))
            for part in e.id_groups:
                alternatives = frozenset(normalize_concept_id(i) for i in part)
                strict_gold.append((span, alternatives))
                loose_gold_set.setdefault(key, set()).add(alternatives)
    ner_pred: list[tuple[tuple, str | None]] = []
    strict_pred: list[tuple[tuple, frozenset[str]]] = []
    loose_pred_set: set[tuple[tuple[str, str], frozenset[str]]] = set()
    for doc in predicted:
        key = document_key(doc)
        for e in doc.entities:
            span = (*key, e.start, e.end)
            ner_pred.append((span, None))
            for part in e.id_groups:
                ids = predicted_ids(part[0], equivalent_ids)
                strict_pred.append((span, ids))
                loose_pred_set.add((key, ids))
    return EndToEndReport(
        ner=PRF(_match(ner_pred, ner_gold), len(ner_pred), len(ner_gold)),
        strict=PRF(_match(strict_pred, strict_gold), len(strict_pred), len(strict_gold)),
        loose=_loose(loose_pred_set, loose_gold_set),
    )


def _loose(predicted: set[tuple[tuple[str, str], frozenset[str]]], gold: dict[tuple, set[frozenset[str]]]) -> PRF:
    """Document-level concepts: each document's predicted concepts against its gold concepts.

    Recall: the share of gold items (a document's minimal alternative sets) that some predicted
    concept of the document names through any of its ids. Precision: the share of predicted
    concepts that name one of the document's gold alternative sets. A concept the gold writes
    with two ids (``D010661`` on one span, its OMIM id ``261600`` on another) is found by one
    prediction; ``D1`` and ``D2`` both predicted for gold ``D1+D2`` are both right, and find
    the one item once.
    """
    items = [(key, alts) for key, group in gold.items() for alts in minimal_sets(group)]
    by_doc: dict[tuple, list[frozenset[str]]] = {}
    for key, ids in predicted:
        by_doc.setdefault(key, []).append(ids)
    found = sum(1 for key, alts in items if any(not ids.isdisjoint(alts) for ids in by_doc.get(key, ())))
    right = sum(1 for key, ids in predicted if any(not ids.isdisjoint(alts) for alts in gold.get(key, ())))
    return PRF(found, len(predicted), len(items), tp_predicted=right)
