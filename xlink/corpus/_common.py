"""Helpers shared by the corpus readers and writers (private to ``xlink.corpus``).

They exist so that every format maps gold ids to BigBIO ``normalized`` refs the same way
(files are written atomically by :func:`xlink.files.atomic_write_lines`).
"""

from __future__ import annotations

from xlink.corpus.model import DbRef, Entity, split_curie


def normalized_from_groups(groups: list[list[str]]) -> list[DbRef]:
    """BigBIO's flat ``normalized`` list for gold ids given as parts × alternatives."""
    return [split_curie(identifier) for part in groups for identifier in part]


def gold_id_groups(entity: Entity) -> list[list[str]]:
    """The entity's gold ids as parts × alternatives.

    ``id_groups`` wins; an entity built with only ``normalized`` refs gets one
    part per ref, which is how BigBIO data without xlink's extra key reads; a NIL ref
    (``db_id`` ``-1`` or empty) is no part.
    """
    if entity.id_groups:
        return entity.id_groups
    return [[ref.curie] for ref in entity.normalized if not ref.is_nil]


def one_line(text: str) -> str:
    """``text`` with line breaks and tabs replaced by spaces, keeping its length.

    Line-based formats cannot hold them, and keeping the length keeps every
    character offset valid.
    """
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
