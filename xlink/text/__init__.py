"""Text normalization and abbreviation detection, applied alike to names and mentions."""

from __future__ import annotations

from xlink.text.normalize import normalize_text

__all__ = ["normalize_text"]
