"""xlink: link text to terminologies and classify text zero-shot, as spaCy components."""

from __future__ import annotations

__version__ = "0.1.0"
