"""BENCHMARKS.md sections 2-6 are copies of benchmarks/*.md: an edit made in one place only is caught."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_md_matches_its_sources() -> None:
    spec = importlib.util.spec_from_file_location("merge_benchmarks", ROOT / "benchmarks" / "merge_benchmarks.py")
    assert spec is not None and spec.loader is not None
    merge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(merge)
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    head, marker, merged = text.partition(merge.MARKER)
    assert marker, "BENCHMARKS.md lost its merge marker"
    expected = "\n" + "".join(merge.section(title, name) for title, name in merge.PARTS)
    assert merged == expected, (
        "BENCHMARKS.md sections 2-6 differ from benchmarks/*.md: edit the benchmarks/*.md file, then run "
        "python benchmarks/merge_benchmarks.py"
    )
