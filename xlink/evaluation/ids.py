"""Identifier normalization for comparing predicted and gold ids.

CTD writes ``MESH:D001943`` and ``OMIM:613097``; NCBI Disease and BC5CDR
mostly write ``D001943`` and ``613097`` (or ``OMIM:613097``). BigBIO prefixes
each id with its ``db_name`` (``ICD10-CM:N44.8``), while the ICD-10-CM
terminology's ids are the bare codes (``N44.8``). Ids are compared after
dropping these namespace prefixes, so either side may carry them or not; all
other prefixes (``HP:``, ``DOID:``, ``CHEBI:``) are kept, since for them the
prefix is part of the id.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Namespaces whose prefix is dropped before comparison (compared ignoring case).
DROPPED_PREFIXES = (
    "MESH:", "MSH:", "OMIM:", "MIM:", "UMLS:", "ICD10CM:", "ICD10-CM:", "ICD-10-CM:", "ICD_10_CM:",
)


def normalize_concept_id(identifier: str) -> str:
    """``MESH:D001943`` → ``D001943``; ``OMIM:613097`` → ``613097``; ``UMLS:C0011849`` (BigBIO) → ``C0011849``;
    ``ICD10-CM:N44.8`` (BigBIO) → ``N44.8``; others unchanged."""
    identifier = identifier.strip()
    upper = identifier.upper()
    for prefix in DROPPED_PREFIXES:
        if upper.startswith(prefix):
            return identifier[len(prefix) :]
    return identifier


def normalize_ids(ids: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize_concept_id(i) for i in ids)
