"""The bundled demo terminology ``terminologies/medic_demo``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from xlink.terminology import load_terminology

DEMO = Path(__file__).resolve().parents[2] / "terminologies" / "medic_demo"


def test_demo_loads_and_links_common_diseases() -> None:
    term = load_terminology(DEMO / "medic_demo.jsonl")
    assert 200 <= len(term) <= 400
    assert (DEMO / "medic_demo.jsonl").stat().st_size < 200_000
    assert (DEMO / "LICENSE.md").is_file()
    for mention, concept_id in [
        ("Wilson disease", "D006527"),
        ("breast cancer", "D001943"),
        ("ovarian cancer", "D010051"),
        ("colorectal cancer", "D015179"),
        ("Huntington disease", "D006816"),
        ("Duchenne muscular dystrophy", "D020388"),
        ("ataxia-telangiectasia", "D001260"),
        ("familial adenomatous polyposis", "D011125"),
        ("hemophilia A", "D006467"),
        ("phenylketonuria", "D010661"),
    ]:
        assert concept_id in term.lookup(mention), mention
    assert all(c.source == "CTD_MEDIC" for c in term)


@pytest.mark.data
def test_demo_rebuilds_identically(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    ctd = shared_data / "terminologies" / "medic" / "CTD_diseases_2017.tsv.gz"
    if not ctd.is_file():
        pytest.skip(f"{ctd} not found")
    spec = importlib.util.spec_from_file_location("build_medic_demo", DEMO / "build_medic_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.build(ctd, tmp_path / "demo.jsonl", module.Selection())
    assert (tmp_path / "demo.jsonl").read_bytes() == (DEMO / "medic_demo.jsonl").read_bytes()
