"""Text normalization and abbreviation detection, applied alike to names and mentions."""

from __future__ import annotations

from xlink.text.abbreviations import (
    Abbreviation,
    expand_mention,
    find_abbreviation_uses,
    find_abbreviations,
)
from xlink.text.normalize import normalize_text

__all__ = [
    "Abbreviation",
    "expand_mention",
    "find_abbreviation_uses",
    "find_abbreviations",
    "normalize_text",
]
