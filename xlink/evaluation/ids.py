"""Identifier normalization for comparing predicted and gold ids.

CTD writes ``MESH:D001943`` and ``OMIM:613097``; NCBI Disease and BC5CDR
mostly write ``D001943`` and ``613097`` (or ``OMIM:613097``). Ids are compared
after dropping these namespace prefixes; all other prefixes (``HP:``,
``DOID:``, ICD-10-CM codes) are kept, since for them the prefix is the id.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Namespaces whose prefix is dropped before comparison.
DROPPED_PREFIXES = ("MESH:", "MSH:", "OMIM:", "MIM:", "UMLS:")


def normalize_concept_id(identifier: str) -> str:
    """``MESH:D001943`` → ``D001943``; ``OMIM:613097`` → ``613097``; ``UMLS:C0011849`` (BigBIO) → ``C0011849``; others unchanged."""
    identifier = identifier.strip()
    upper = identifier.upper()
    for prefix in DROPPED_PREFIXES:
        if upper.startswith(prefix):
            return identifier[len(prefix) :]
    return identifier


def normalize_ids(ids: Iterable[str]) -> frozenset[str]:
    return frozenset(normalize_concept_id(i) for i in ids)
