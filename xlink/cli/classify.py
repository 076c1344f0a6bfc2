"""``xlink classify``, ``xlink calibrate``, ``xlink evaluate-nli``, ``xlink evaluate-zeroshot``, ``xlink train nli``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the classification verbs, and the ``train`` group, to the root app."""
    from xlink.cli.train import train_app

    app.add_typer(train_app, name="train")
