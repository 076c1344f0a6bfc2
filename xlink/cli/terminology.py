"""``xlink terminology``: build a terminology JSONL from a source file, and inspect one.

``build`` turns any supported source format into xlink's JSONL (the format
the indexes and the spaCy components read); ``stats`` tells whether a file
was read as intended (counts of concepts, names, ambiguous names, merges).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xlink.cli._common import check_output, print_json
from xlink.errors import XlinkError
from xlink.terminology.loaders import FORMATS, detect_format, load_terminology
from xlink.terminology.model import Terminology

app = typer.Typer(help="Build and inspect terminologies.", no_args_is_help=True)

_FORMAT_HELP = f"Source format: {', '.join(FORMATS)} (guessed from the file when left out)."


def _resolve_format(path: Path, format: str | None) -> str:
    """The format given, checked, or else the one detected from the file."""
    if format is None:
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        return detect_format(path)
    fmt = format.strip().lower()
    if fmt not in FORMATS:
        raise XlinkError(f"unknown terminology format {format!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def _options_for(fmt: str, given: dict[str, tuple[str, str, object]]) -> dict[str, object]:
    """Keep the CLI options that ``fmt`` takes; one given for another format is an error.

    ``given`` maps a flag to (its loader keyword, the format it belongs to,
    its value or None when not given).
    """
    options: dict[str, object] = {}
    for flag, (keyword, owner, value) in given.items():
        if value is None:
            continue
        if owner != fmt:
            raise XlinkError(f"{flag} applies to --format {owner} only, not {fmt}")
        options[keyword] = value
    return options


def _names(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """A repeated option as a tuple; ``all`` among the values means no filter."""
    if any(v.strip().lower() == "all" for v in values):
        return None
    return tuple(v.strip() for v in values)


@app.command()
def build(
    input: Annotated[Path, typer.Argument(help="The source terminology file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The JSONL file to write.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help=_FORMAT_HELP)] = None,
    include_obsolete: Annotated[
        bool, typer.Option("--include-obsolete", help="obo: keep terms marked is_obsolete.")
    ] = False,
    synonym_scope: Annotated[
        list[str] | None,
        typer.Option("--synonym-scope", help="obo: keep synonyms of this scope (repeatable)."),
    ] = None,
    keep_mesh_prefix: Annotated[
        bool, typer.Option("--keep-mesh-prefix", help="ctd: keep 'MESH:' in concept ids.")
    ] = False,
    language: Annotated[
        list[str] | None,
        typer.Option(
            "--language", help="umls: keep atoms of this LAT (repeatable; default ENG; 'all')."
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option("--source", help="umls: keep atoms of this SAB (repeatable; default all)."),
    ] = None,
    mrsty: Annotated[
        Path | None,
        typer.Option("--mrsty", help="umls: MRSTY.RRF for semantic types (default: beside INPUT)."),
    ] = None,
    include_suppressed: Annotated[
        bool, typer.Option("--include-suppressed", help="umls: keep atoms with SUPPRESS O, E or Y.")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Terminology name (default: the file name).")
    ] = None,
) -> None:
    """Read a terminology in any supported format and write it as xlink JSONL."""
    started = time.perf_counter()
    check_output(output, input, mrsty)
    fmt = _resolve_format(input, format)
    options = _options_for(
        fmt,
        {
            "--include-obsolete": ("include_obsolete", "obo", include_obsolete or None),
            "--synonym-scope": ("synonym_scopes", "obo", tuple(synonym_scope or ()) or None),
            "--keep-mesh-prefix": ("strip_mesh_prefix", "ctd", False if keep_mesh_prefix else None),
            "--language": ("languages", "umls", tuple(language or ()) or None),
            "--source": ("sources", "umls", tuple(source or ()) or None),
            "--mrsty": ("mrsty", "umls", mrsty),
            "--include-suppressed": ("include_suppressed", "umls", include_suppressed or None),
        },
    )
    for keyword in ("languages", "sources"):
        if keyword in options:
            options[keyword] = _names(options[keyword])  # type: ignore[arg-type]
    if name:
        options["name"] = name
    terminology = load_terminology(input, fmt, **options)
    terminology.to_jsonl(output)
    stats = terminology.stats()
    typer.echo(
        f"{output}: {stats.n_concepts} concepts, {stats.n_names} names "
        f"({stats.n_ambiguous_names} ambiguous, {stats.n_merged_duplicates} merged duplicates, "
        f"{stats.n_skipped_empty_names} empty names skipped) from {input} [{fmt}] "
        f"in {time.perf_counter() - started:.1f}s",
        err=True,
    )


def _stats_table(terminology: Terminology, path: Path, fmt: str) -> Table:
    stats = terminology.stats()
    table = Table(title=f"{terminology.name} ({fmt}): {path}", show_header=False)
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for key, value in stats.to_json().items():
        if key == "types":
            continue
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    table.add_row("fingerprint", terminology.fingerprint[:16])
    for type_name, count in stats.types.items():
        table.add_row(f"type: {type_name}", f"{count:,}")
    return table


@app.command()
def stats(
    path: Annotated[Path, typer.Argument(help="A terminology file in any supported format.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help=_FORMAT_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Count the concepts, names and ambiguous names of a terminology."""
    fmt = _resolve_format(path, format)
    terminology = load_terminology(path, fmt)
    if as_json:
        print_json(
            {
                "path": str(path),
                "format": fmt,
                "name": terminology.name,
                "fingerprint": terminology.fingerprint,
                **terminology.stats().to_json(),
            }
        )
    else:
        Console().print(_stats_table(terminology, path, fmt))
