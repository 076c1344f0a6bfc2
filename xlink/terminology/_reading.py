"""Helpers shared by the terminology loaders: naming a terminology and cleaning names.

The loaders drop empty names the same way, so that their skip counts mean the same
thing for every format. Files are read through :mod:`xlink.files`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


def terminology_name(path: Path) -> str:
    """A default terminology name: the file name without ``.gz`` and extension."""
    name = path.name
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    return Path(name).stem or name


@dataclass
class NameCleaner:
    """Strips names, drops empty ones and counts what it dropped.

    One cleaner serves one load; its :attr:`n_skipped` is passed on to
    :meth:`Terminology.from_concepts` as ``n_skipped_empty_names``.
    """

    n_skipped: int = 0

    def clean(self, names: Iterable[str]) -> tuple[str, ...]:
        """The non-empty names, stripped, without duplicates, in order."""
        kept: dict[str, None] = {}
        for name in names:
            name = name.strip()
            if name:
                kept.setdefault(name, None)
            else:
                self.n_skipped += 1
        return tuple(kept)


def split_field(value: str, sep: str = "|") -> list[str]:
    """Split a joined field; an empty field holds no item (not one empty item)."""
    return value.split(sep) if value else []
