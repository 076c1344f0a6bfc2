"""``xlink classify``, ``xlink calibrate``, ``xlink evaluate-nli``, ``xlink evaluate-zeroshot``, ``xlink train nli``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the classification verbs to the root app."""
