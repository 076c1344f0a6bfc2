"""The table of terminology names that every index is built over.

Generators search names, not concepts: one row per distinct (concept,
prepared name), rows grouped by concept, so that scores can be reduced to
one per concept. The TF-IDF and dense generators both build this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from xlink.terminology.model import Terminology


@dataclass
class NameTable:
    """Prepared names (what is indexed), their original spelling, and their concepts."""

    texts: list[str]
    originals: list[str]
    owner: np.ndarray  # row → index into concept_ids
    concept_ids: list[str]


def collect_names(terminology: Terminology, prepare: Callable[[str], str]) -> NameTable:
    """One row per distinct (concept, ``prepare(name)``); names preparing to "" are dropped."""
    texts: list[str] = []
    originals: list[str] = []
    owner: list[int] = []
    concept_ids: list[str] = []
    for concept in terminology:
        keys: dict[str, str] = {}
        for name in concept.names:
            key = prepare(name)
            if key:
                keys.setdefault(key, name)
        if not keys:
            continue
        index = len(concept_ids)
        concept_ids.append(concept.concept_id)
        texts.extend(keys)
        originals.extend(keys.values())
        owner.extend([index] * len(keys))
    if not texts and len(terminology):
        from xlink.errors import XlinkError

        example = next(iter(terminology)).canonical_name
        raise XlinkError(
            f"terminology {terminology.name!r}: none of its {len(terminology)} concepts has a name with a letter or "
            f"digit left after normalization (e.g. {example!r}); check the file and its format"
        )
    return NameTable(texts, originals, np.asarray(owner, dtype=np.int64), concept_ids)
