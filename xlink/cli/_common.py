"""Helpers shared by the CLI modules: one-line errors, progress bars, JSON output."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from xlink.errors import XlinkError

T = TypeVar("T")
console = Console(stderr=True)


def run_safely(app: typer.Typer) -> int:
    """Run the Typer app; turn expected errors into one line on stderr and exit code 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        app(standalone_mode=False)
    except (XlinkError, FileNotFoundError, IsADirectoryError, PermissionError) as err:
        message = str(err)
        if isinstance(err, FileNotFoundError) and err.filename:
            message = f"{err.filename}: no such file"
        print(f"xlink: error: {message}", file=sys.stderr)
        return 2
    except typer.Exit as err:
        return int(err.exit_code or 0)
    except typer.Abort:
        print("xlink: aborted", file=sys.stderr)
        return 1
    except Exception as err:  # click usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            return err.exit_code
        raise
    return 0


def progress(items: Iterable[T], total: int | None, description: str) -> Iterator[T]:
    """Iterate with a rich progress bar on stderr (hidden when stderr is not a terminal)."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)


def print_json(obj: object) -> None:
    """Print one JSON object on stdout."""
    print(json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False))
