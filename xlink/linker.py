"""Link mentions to concepts: generator (+ abbreviation expansion) → ranked predictions.

This is the library-level linker that the CLI and, later, the spaCy component
wrap. It knows nothing about file formats: mentions in, :class:`LinkedMention`
records out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xlink.candidates.base import Candidate, CandidateGenerator
from xlink.corpus.model import Corpus, Mention
from xlink.errors import FormatError, XlinkError, is_count, missing_file
from xlink.files import atomic_write_lines, numbered_lines
from xlink.terminology.model import Terminology

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictedConcept:
    """A ranked prediction: the concept, its equivalent ids, its name and score."""

    concept_id: str
    name: str
    score: float
    ids: tuple[str, ...] = ()
    alias: str = ""
    #: which generator(s) found it (ensembles), "composite" for a joined composite prediction
    source: str = ""
    #: a composite prediction's parts, each with its equivalent ids (``ids`` pools them all)
    part_ids: tuple[tuple[str, ...], ...] = ()

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "concept_id": self.concept_id,
            "ids": list(self.ids or (self.concept_id,)),
            "name": self.name,
            "alias": self.alias,
            "score": round(float(self.score), 6),
        }
        if self.source:
            record["source"] = self.source
        if self.part_ids:
            record["part_ids"] = [list(part) for part in self.part_ids]
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> PredictedConcept:
        concept_id = str(record["concept_id"])
        ids = record.get("ids") or [concept_id]
        return cls(
            concept_id=concept_id,
            name=str(record.get("name", "")),
            score=float(record.get("score", 0.0)),
            ids=tuple(str(i) for i in ids),
            alias=str(record.get("alias", "")),
            source=str(record.get("source", "")),
            part_ids=tuple(tuple(str(i) for i in part) for part in record.get("part_ids") or ()),
        )


@dataclass
class LinkedMention:
    """A mention and what the linker predicts for it, best first.

    ``candidates`` is the generator's list (what recall@k measures);
    ``predictions`` is the final ranking (what acc@k measures). Without a
    reranker the two are the same list. ``set_size`` is the number of
    candidates the reranker scored when conformal candidate pruning chose
    them (:mod:`xlink.conformal.candidates`), None otherwise.

    An empty ``predictions`` list next to non-empty candidates means NIL (a
    reranker with a NIL slot rejected every candidate); pass ``predictions=None``
    to mean "the same as the candidates".
    """

    mention: Mention
    candidates: list[PredictedConcept]
    predictions: list[PredictedConcept] = None  # type: ignore[assignment]  # None → the candidates
    set_size: int | None = None

    def __post_init__(self) -> None:
        if self.predictions is None:
            self.predictions = list(self.candidates)

    def to_json(self) -> dict[str, object]:
        m = self.mention
        record: dict[str, object] = {
            "document_id": m.document_id,
            "mention_id": m.mention_id,
            "text": m.text,
            "start": m.start,
            "end": m.end,
            "type": m.type,
            "expansion": m.expansion,
            "gold": [list(part) for part in m.gold],
            "predictions": [p.to_json() for p in self.predictions],
        }
        if m.left_context or m.right_context:
            # what a reranker reads around the mention; kept so saved candidates can be reranked later
            record["left_context"] = m.left_context
            record["right_context"] = m.right_context
        if self.candidates != self.predictions:
            record["candidates"] = [c.to_json() for c in self.candidates]
        if self.set_size is not None:
            record["conformal_set_size"] = self.set_size
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> LinkedMention:
        mention = Mention(
            document_id=str(record["document_id"]),
            mention_id=str(record["mention_id"]),
            text=str(record.get("text", "")),
            start=int(record.get("start", 0)),
            end=int(record.get("end", 0)),
            type=str(record.get("type", "")),
            gold=tuple(tuple(part) for part in record.get("gold", [])),
            left_context=str(record.get("left_context", "")),
            right_context=str(record.get("right_context", "")),
            expansion=record.get("expansion"),
        )
        predictions = [PredictedConcept.from_json(p) for p in record.get("predictions", [])]
        if "candidates" in record:
            candidates = [PredictedConcept.from_json(p) for p in record["candidates"]]
        else:
            candidates = list(predictions)
        set_size = record.get("conformal_set_size")
        return cls(
            mention=mention,
            candidates=candidates,
            predictions=predictions,
            set_size=int(set_size) if set_size is not None else None,
        )


def write_predictions(predictions: Iterable[LinkedMention], path: str | Path) -> int:
    """Write predictions as JSONL, atomically; return how many were written."""
    return atomic_write_lines(path, (json.dumps(record.to_json(), ensure_ascii=False) for record in predictions))


def read_predictions(path: str | Path) -> list[LinkedMention]:
    """Read a predictions JSONL file written by :func:`write_predictions`."""
    path = Path(path)
    result = []
    expected = 'a JSON object with "document_id", "mention_id" and "predictions"'
    if not path.exists():
        raise missing_file(path)
    for lineno, line in numbered_lines(path, expected, keep_lone_cr=True):  # gzip, a BOM, not UTF-8: as every reader
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            result.append(LinkedMention.from_json(record))
        except json.JSONDecodeError as err:
            raise FormatError(path, lineno, f"invalid JSON ({err.msg})", expected) from None
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise FormatError(path, lineno, f"bad prediction record ({err})", expected) from None
    return result


def check_k(k: object, what: str = "k") -> None:
    """Refuse a candidate count that is not a whole number of at least 1 (0 would link nothing)."""
    if not is_count(k):
        raise XlinkError(f"{what} = {k!r}; candidates per mention must be a whole number of at least 1")


class MentionReranker(Protocol):
    """Reorders ``predictions`` (never ``candidates``), e.g. :class:`xlink.rerank.CrossEncoderReranker`."""

    def rerank(self, linked: list[LinkedMention]) -> list[LinkedMention]: ...


class Linker:
    """Generates candidates for mentions and turns them into ranked predictions.

    When a mention is an abbreviation defined in its document
    (``Mention.expansion``), the long form is searched too and its candidates
    come first: "WD" has no useful n-grams, "Wilson disease" does. A
    ``reranker``, when given, reorders each batch's predictions.
    """

    def __init__(
        self,
        terminology: Terminology,
        generator: CandidateGenerator,
        k: int = 64,
        use_abbreviations: bool = True,
        split_composites: bool = True,
        composite_threshold: float = 0.9,
        reranker: MentionReranker | None = None,
    ) -> None:
        check_k(k)
        self.terminology = terminology
        self.reranker = reranker
        self.generator = generator
        self.k = k
        self.use_abbreviations = use_abbreviations
        self.split_composites = split_composites
        self.composite_threshold = composite_threshold

    def _predicted(self, candidates: Sequence[Candidate]) -> list[PredictedConcept]:
        out = []
        for c in candidates:
            concept = self.terminology.get(c.concept_id)
            out.append(
                PredictedConcept(
                    concept_id=c.concept_id,
                    name=concept.canonical_name if concept else c.alias,
                    score=c.score,
                    ids=concept.ids if concept else (c.concept_id,),
                    alias=c.alias,
                    source=c.source,
                )
            )
        return out

    def link(self, mentions: Iterable[Mention], batch_size: int = 1024) -> Iterator[LinkedMention]:
        """Yield one :class:`LinkedMention` per mention, in order (any iterable of mentions)."""
        mentions = list(mentions)
        bad = next((m for m in mentions if not isinstance(m.text, str)), None)
        if bad is not None:
            raise XlinkError(
                f"mention {bad.mention_id} of document {bad.document_id}: its text is a "
                f"{type(bad.text).__name__} ({bad.text!r:.40}), not a string"
            )
        for lo in range(0, len(mentions), batch_size):
            batch = mentions[lo : lo + batch_size]
            queries = [m.text for m in batch]
            long_forms = [
                i for i, m in enumerate(batch) if self.use_abbreviations and m.expansion and m.expansion != m.text
            ]
            queries.extend(batch[i].expansion or "" for i in long_forms)
            found = self.generator.generate(queries, self.k)
            merged = found[: len(batch)]
            for j, i in enumerate(long_forms):
                merged[i] = _merge_ranked(found[len(batch) + j], merged[i], self.k)
            composites = self._composites(batch, merged) if self.split_composites else {}
            linked = []
            for i, (mention, candidates) in enumerate(zip(batch, merged, strict=False)):
                predicted = self._predicted(candidates)
                if i in composites:
                    predicted = [composites[i], *predicted][: self.k]
                linked.append(LinkedMention(mention=mention, candidates=predicted, predictions=list(predicted)))
            if self.reranker is not None:
                linked = self.reranker.rerank(linked)
            yield from linked

    def _composites(
        self, batch: Sequence[Mention], found: Sequence[Sequence[Candidate]]
    ) -> dict[int, PredictedConcept]:
        """A composite prediction for each coordinated mention whose whole string matches weakly.

        The whole string wins when its best candidate's similarity reaches
        ``composite_threshold`` ("hereditary breast and ovarian cancer" is one
        concept); otherwise each conjunct is linked and the top concepts are
        joined with ``|``. For an ensemble the similarity is the best member
        score (:attr:`Candidate.match`), not the fused one: a reciprocal-rank
        score never reaches 0.9, so every coordinated mention was split.
        """
        from xlink.text.composites import split_composite

        jobs: dict[int, list[str]] = {}
        for i, mention in enumerate(batch):
            if found[i] and found[i][0].similarity >= self.composite_threshold:
                continue
            parts = split_composite(mention.expansion or mention.text)
            if parts:
                jobs[i] = parts
        if not jobs:
            return {}
        queries = [p for parts in jobs.values() for p in parts]
        results = iter(self.generator.generate(queries, 1))
        out: dict[int, PredictedConcept] = {}
        for i, parts in jobs.items():
            tops = [r[0] for r in (next(results) for _ in parts) if r]
            concepts = list(dict.fromkeys(c.concept_id for c in tops))
            if len(tops) != len(parts) or len(concepts) < 2:
                continue
            predicted = list({p.concept_id: p for p in self._predicted(tops)}.values())
            out[i] = PredictedConcept(
                concept_id="|".join(concepts),
                name=" | ".join(dict.fromkeys(p.name for p in predicted)),
                score=min(c.score for c in tops),
                ids=tuple(dict.fromkeys(i for p in predicted for i in p.ids)),
                alias=" | ".join(parts),
                source="composite",
                part_ids=tuple(p.ids or (p.concept_id,) for p in predicted),
            )
        return out


def _merge_ranked(first: Sequence[Candidate], second: Sequence[Candidate], k: int) -> list[Candidate]:
    """``first`` then the concepts of ``second`` not already in it, up to k."""
    seen = {c.concept_id for c in first}
    out = list(first)
    out.extend(c for c in second if c.concept_id not in seen)
    return out[:k]


#: Characters of text each side of a mention kept as its context (read by rerankers).
DEFAULT_CONTEXT_CHARS = 256


def corpus_mentions(
    corpus: Corpus,
    expand_abbreviations: bool = True,
    relaxed_abbreviations: bool = True,
    context_chars: int = DEFAULT_CONTEXT_CHARS,
) -> list[Mention]:
    """The corpus's gold mentions, each with the long form of its abbreviation when defined.

    ``relaxed_abbreviations`` also accepts definitions whose initials are
    permuted ("myotonic dystrophy (DM)"); see :func:`find_abbreviations`.
    Each mention carries ``context_chars`` characters of text each side.
    """
    if not expand_abbreviations:
        return corpus.mentions(context_chars=context_chars)
    from dataclasses import replace

    from xlink.text.abbreviations import (
        Abbreviation,
        expand_mention,
        find_abbreviation_uses,
        find_abbreviations,
    )

    out = []
    for doc in corpus.documents:  # each document alone: two documents may share a PMID (document_id)
        mentions = doc.mentions(context_chars=context_chars)
        if not mentions:
            continue
        text = doc.text
        definitions = find_abbreviations(text, relaxed=relaxed_abbreviations)
        abbreviations: list[Abbreviation] = find_abbreviation_uses(text, definitions) + definitions
        for mention in mentions:
            long_form = expand_mention(text, mention.start, mention.end, abbreviations) if abbreviations else None
            out.append(replace(mention, expansion=long_form) if long_form else mention)
    return out
