"""Errors that xlink raises on bad input.

Every error about a file names the file, the line and what was expected, so
that a user can fix the input without reading xlink's source.
"""

from __future__ import annotations

import errno
from pathlib import Path


class XlinkError(Exception):
    """Base class of every error xlink raises on purpose."""


class FormatError(XlinkError, ValueError):
    """A line of an input file does not have the expected form."""

    def __init__(
        self, path: str | Path, line: int | None, message: str, expected: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.expected = expected
        where = f"{self.path}:{line}" if line is not None else self.path
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class DirectoryGivenError(XlinkError, IsADirectoryError):
    """A directory was passed where a file is expected.

    It is an :class:`XlinkError`, so the CLI prints its message as one line,
    and an :class:`IsADirectoryError`, so callers that caught the plain OS
    error still catch it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errno = errno.EISDIR


class MissingFileError(XlinkError, FileNotFoundError):
    """A file named in a config or option does not exist.

    An :class:`XlinkError` (one line in the CLI, with what to set) and a
    :class:`FileNotFoundError`, so callers that caught the plain OS error still catch it.
    """

    def __init__(self, message: str, filename: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errno = errno.ENOENT
        self.filename = filename

    def __str__(self) -> str:  # OSError's would print "[Errno 2] None: 'path'" once filename is set
        return self.message


def missing_file(path: str | Path, what: str = "file") -> MissingFileError:
    """The error for a path that names nothing: ``"{path}: no such {what}"``, catchable as
    :class:`XlinkError` or :class:`FileNotFoundError` (its ``filename`` is the path)."""
    return MissingFileError(f"{path}: no such {what}", filename=str(path))


class IndexMismatchError(XlinkError):
    """An index was built for another terminology, model or configuration."""


class EmptyTerminologyError(XlinkError):
    """A terminology holds no concept with a usable name."""


class TrainingConfigError(XlinkError):
    """A training config (``xlink train nli|biencoder|reranker --config``) that cannot be used."""


def is_count(value: object, minimum: int = 1) -> bool:
    """Whether ``value`` is a whole number (``True`` is not one) of at least ``minimum``: what a
    size, a count or a batch setting must be."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def is_finite_number(value: object, minimum: float = 0.0) -> bool:
    """Whether ``value`` is a finite int or float (not a bool) of at least ``minimum``: a weight, a constant."""
    import math

    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= minimum
