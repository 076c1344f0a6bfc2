"""``xlink terminology``: build and inspect terminologies (filled by the terminology loaders)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Build and inspect terminologies.", no_args_is_help=True)
