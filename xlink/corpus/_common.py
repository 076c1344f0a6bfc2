"""Helpers shared by the corpus readers and writers (private to ``xlink.corpus``).

They exist so that every format writes files the same safe way and maps gold
ids to BigBIO ``normalized`` refs the same way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from xlink.corpus.model import DbRef, Entity, split_curie


def atomic_write_lines(path: str | Path, lines: Iterable[str]) -> None:
    """Write ``lines`` (each ended by a newline) to ``path`` atomically.

    The text goes to a temporary sibling first and is renamed over ``path``
    only when complete, so a crash never leaves a half-written corpus that a
    later run would read as a shorter one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for line in lines:
                handle.write(line)
                handle.write("\n")
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


def normalized_from_groups(groups: list[list[str]]) -> list[DbRef]:
    """BigBIO's flat ``normalized`` list for gold ids given as parts × alternatives."""
    return [split_curie(identifier) for part in groups for identifier in part]


def gold_id_groups(entity: Entity) -> list[list[str]]:
    """The entity's gold ids as parts × alternatives.

    ``id_groups`` wins; an entity built with only ``normalized`` refs gets one
    part per ref, which is how BigBIO data without xlink's extra key reads.
    """
    if entity.id_groups:
        return entity.id_groups
    return [[ref.curie] for ref in entity.normalized]


def one_line(text: str) -> str:
    """``text`` with line breaks and tabs replaced by spaces, keeping its length.

    Line-based formats cannot hold them, and keeping the length keeps every
    character offset valid.
    """
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
