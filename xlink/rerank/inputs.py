"""The two texts a cross-encoder reads: the mention in its context, and a candidate concept.

Mention side: ``left context [START] mention [END] right context``, with the
context cut to a number of whole words each side (the markers tell the model
which words to link; the context disambiguates "AS" or "cancer" in a sentence
about a gene). An abbreviation defined in the document carries its long form
inside the markers: ``[START] WD ( Wilson disease ) [END]``.

Candidate side: the canonical name, the alias the generator matched, and a few
more synonyms, joined by `` ; ``; optionally the semantic types. The matched
alias comes first among the synonyms because it is why the candidate was
proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlink.corpus.model import Mention
from xlink.linker import PredictedConcept
from xlink.terminology.model import Terminology

START = "[START]"
END = "[END]"
#: What the NIL slot reads as its "candidate": none of the listed concepts is right.
NIL_TEXT = "none of the listed concepts"
SYNONYM_SEPARATOR = " ; "


@dataclass(frozen=True)
class InputFormat:
    """How mentions and candidates become text; saved with the model, since it must not change."""

    context_words: int = 8
    n_synonyms: int = 3
    use_types: bool = False
    use_expansion: bool = True
    start_marker: str = START
    end_marker: str = END
    nil_text: str = NIL_TEXT

    def mention_text(self, mention: Mention) -> str:
        """``left [START] mention [END] right``, each context cut to ``context_words`` words."""
        inside = " ".join(mention.text.split())
        if self.use_expansion and mention.expansion and mention.expansion.strip().lower() != inside.lower():
            inside = f"{inside} ( {' '.join(mention.expansion.split())} )"
        n = self.context_words
        left = mention.left_context.split()[-n:] if n > 0 else []
        right = mention.right_context.split()[:n] if n > 0 else []
        return " ".join([*left, self.start_marker, inside, self.end_marker, *right])

    def candidate_text(self, prediction: PredictedConcept, terminology: Terminology | None = None) -> str:
        """Canonical name ; matched alias ; up to ``n_synonyms`` synonyms in all (+ types)."""
        concept = terminology.get(prediction.concept_id) if terminology is not None else None
        names = [prediction.name or prediction.alias or prediction.concept_id]
        extra: list[str] = [prediction.alias] if prediction.alias else []
        if concept is not None:
            extra.extend(concept.aliases)
        seen = {names[0].strip().lower()}
        for name in extra:
            key = name.strip().lower()
            if len(names) > self.n_synonyms or not key or key in seen:
                continue
            seen.add(key)
            names.append(name.strip())
        text = SYNONYM_SEPARATOR.join(names)
        if self.use_types and concept is not None and concept.types:
            text += f" ( {' , '.join(concept.types)} )"
        return text

    def candidate_texts(
        self, predictions: Sequence[PredictedConcept], terminology: Terminology | None = None
    ) -> list[str]:
        return [self.candidate_text(p, terminology) for p in predictions]

    def to_json(self) -> dict[str, object]:
        from dataclasses import asdict

        return asdict(self)
