"""``xlink link``, ``xlink evaluate`` and ``xlink evaluate-linking``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the linking verbs to the root app."""
