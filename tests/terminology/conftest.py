"""Fixtures for the terminology loader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terminology"


@pytest.fixture(scope="session")
def term_fixtures() -> Path:
    """The folder of tiny hand-cut terminology files (see its README.md)."""
    return FIXTURES


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def write_lines() -> Callable[[Path, list[str]], Path]:
    """A function that writes ``lines`` as a UTF-8 file, one per line, and returns its path."""
    return _write_lines
