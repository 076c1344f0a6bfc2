"""Helpers shared by the terminology loaders: reading lines and cleaning names.

Every loader reads files the same way (UTF-8, gzip when the file is gzipped,
line numbers for error messages) and drops empty names the same way, so that
their error messages and skip counts mean the same thing for every format.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from xlink.errors import FormatError

_GZIP_MAGIC = b"\x1f\x8b"


def is_gzipped(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes (whatever its name says)."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes, gunzipping it if it is gzipped."""
    if is_gzipped(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def numbered_lines(path: Path, expected: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line without its line ending)`` for each line.

    Lines end at ``\\n`` only, so that a stray carriage return inside a field
    does not split a record in two. Each line is decoded on its own, so bytes
    that are not UTF-8 and a broken gzip stream become a :class:`FormatError`
    that names the exact line.
    """
    lineno = 0
    try:
        with open_binary(path) as handle:
            for lineno, raw in enumerate(handle, start=1):  # noqa: B007
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise FormatError(
                        path, lineno, f"not UTF-8 text ({err.reason})", expected
                    ) from None
                if lineno == 1:
                    line = line.removeprefix("\ufeff")
                yield lineno, line.rstrip("\r\n")
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise FormatError(path, lineno + 1, f"broken gzip data ({err})", expected) from None


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
