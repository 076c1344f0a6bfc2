"""Helpers shared by the CLI modules: one-line errors, progress bars, JSON output."""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
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
    logging.getLogger("xlink.notice").setLevel(logging.INFO)  # "building the dense index ..." and the like
    try:
        result = app(standalone_mode=False)
    except KeyboardInterrupt:
        print("xlink: interrupted", file=sys.stderr)
        return 130
    except (XlinkError, OSError) as err:  # OSError: a missing file, a folder, no permission, a name too long...
        message = str(err)
        if isinstance(err, FileNotFoundError) and err.filename:
            message = f"{err.filename}: no such file"
        elif isinstance(err, NotADirectoryError) and err.filename:
            message = f"{err.filename}: a part of this path is a file, not a folder"
        elif isinstance(err, OSError) and not isinstance(err, XlinkError) and err.filename and err.strerror:
            message = f"{err.filename}: {err.strerror}"
        print(f"xlink: error: {message}", file=sys.stderr)
        return 2
    except typer.Exit as err:
        return int(err.exit_code or 0)
    except typer.Abort:
        print("xlink: aborted", file=sys.stderr)
        return 1
    except Exception as err:  # usage errors: click's, or the copy of click that newer typer vendors
        if _is_usage_error(err):
            err.show()  # type: ignore[attr-defined]
            return int(err.exit_code)  # type: ignore[attr-defined]
        raise
    # click returns the exit code of an interrupted command (Ctrl-C: 130) instead of raising
    if isinstance(result, int) and not isinstance(result, bool) and result != 0:
        if result == 130:
            print("xlink: interrupted", file=sys.stderr)
        return result
    return 0


def _is_usage_error(err: Exception) -> bool:
    """Whether ``err`` is a click usage error (missing or bad parameter), in any click copy."""
    classes: list[type] = []
    try:  # click itself arrives through spaCy's command line, not through typer >= 0.20
        import click

        classes.append(click.ClickException)
    except ImportError:
        pass
    try:  # typer >= 0.20 ships its own copy of click
        from typer._click.exceptions import ClickException as VendoredClickException

        classes.append(VendoredClickException)
    except ImportError:
        pass
    return isinstance(err, tuple(classes))


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
    """Print one JSON object on stdout; NaN and infinity become null (strict JSON has neither)."""
    print(json.dumps(_finite(obj), indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False))


def _finite(obj: object) -> object:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {key: _finite(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(value) for value in obj]
    return obj


def check_output(output: Path, *inputs: Path | None, option: str = "--output") -> None:
    """Refuse an output path that is a folder or one of the command's input files.

    Writing predictions over the gold corpus they are scored against would destroy it, and a
    folder cannot be replaced by a file; both fail before any work is done.
    """
    if output.is_dir():
        raise XlinkError(f"{option} {output} is a folder; give a file path")
    blocking = next((parent for parent in output.parents if parent.is_file()), None)
    if blocking is not None:
        raise XlinkError(f"{option} {output}: {blocking} is a file, so no folder can hold the output; give another path")
    target = output.resolve()
    for given in inputs:
        if given is not None and given.exists() and given.resolve() == target:
            raise XlinkError(f"{option} {output} is also an input of this command; write to another file")
