"""The names importable from ``xlink`` itself, and that ``import xlink`` stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import xlink


@pytest.mark.parametrize("name", sorted(xlink._EXPORTS))
def test_each_export_is_the_object_of_its_module(name: str) -> None:
    assert getattr(xlink, name) is getattr(importlib.import_module(xlink._EXPORTS[name]), name)
    assert name in xlink.__all__ and name in dir(xlink)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = xlink.nope  # type: ignore[attr-defined]


def test_import_xlink_does_not_load_torch_spacy_or_transformers() -> None:
    code = "import sys, xlink; print(sorted(m for m in ('torch', 'spacy', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
