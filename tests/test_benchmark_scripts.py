"""The benchmark scripts import from xlink by name; a moved or renamed helper must not break them silently.

BENCHMARKS.md tells users to rerun these scripts, so every ``from xlink... import name`` in them
must resolve. The check reads the scripts' syntax trees and runs none of them.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py"))


def _xlink_imports(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "xlink"
        for alias in node.names
    ]


def test_scripts_found() -> None:
    assert len(SCRIPTS) > 10


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_imports_resolve(script: Path) -> None:
    missing = []
    for module_name, name in _xlink_imports(script):
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            continue
        try:
            importlib.import_module(f"{module_name}.{name}")
        except ImportError:
            missing.append(f"from {module_name} import {name}")
    assert not missing, f"{script.name}: {missing}"
