"""``xlink terminology build`` and ``stats``, run in-process with the console script's error handling."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from xlink.cli import app
from xlink.cli._common import run_safely
from xlink.terminology import Terminology, load_ctd, load_umls


@dataclass
class Result:
    code: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def xlink(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run ``xlink ARGS...`` in-process, as the console script does."""

    def run(*args: str | Path) -> Result:
        monkeypatch.setattr(sys, "argv", ["xlink", *map(str, args)])
        code = run_safely(app)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def test_build_ctd(xlink: Runner, term_fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "medic.jsonl"
    result = xlink(
        "terminology", "build", "--format", "ctd", term_fixtures / "ctd_diseases.tsv", "-o", out
    )
    assert result.code == 0, result.err
    summary = result.err.strip().splitlines()
    assert len(summary) == 1
    assert "5 concepts" in summary[0] and "[ctd]" in summary[0]
    built = Terminology.from_jsonl(out)
    assert built.fingerprint == load_ctd(term_fixtures / "ctd_diseases.tsv").fingerprint
    assert not list(out.parent.glob(".*.tmp"))


def test_build_detects_format_and_takes_obo_options(
    xlink: Runner, term_fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hp.jsonl"
    result = xlink(
        "terminology",
        "build",
        term_fixtures / "mini.obo",
        "-o",
        out,
        "--include-obsolete",
        "--synonym-scope",
        "EXACT",
    )
    assert result.code == 0, result.err
    built = Terminology.from_jsonl(out)
    assert "HP:0000057" in built
    assert built["HP:0000119"].aliases == (
        "Abnormality of the GU system",
        "Urogenital abnormalities",
    )


def test_build_umls_options(xlink: Runner, term_fixtures: Path, tmp_path: Path) -> None:
    mrconso = term_fixtures / "umls" / "MRCONSO.RRF"
    out = tmp_path / "umls.jsonl"
    args = ["terminology", "build", "--format", "umls", mrconso, "-o", out]
    result = xlink(
        *args,
        "--language",
        "all",
        "--source",
        "MSH",
        "--source",
        "MSHFRE",
        "--mrsty",
        mrconso.parent / "MRSTY.RRF",
    )
    assert result.code == 0, result.err
    built = Terminology.from_jsonl(out)
    assert (
        built.fingerprint
        == load_umls(mrconso, languages=None, sources=("MSH", "MSHFRE")).fingerprint
    )
    assert "C9000003" in built


def test_keep_mesh_prefix(xlink: Runner, term_fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "medic.jsonl"
    result = xlink(
        "terminology", "build", term_fixtures / "ctd_diseases.tsv", "-o", out, "--keep-mesh-prefix"
    )
    assert result.code == 0, result.err
    assert "MESH:D006527" in Terminology.from_jsonl(out)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--format", "ctd", "--language", "ENG"],
            "xlink: error: --language applies to --format umls only, not ctd",
        ),
        (
            ["--format", "mesh"],
            "xlink: error: unknown terminology format 'mesh'; use one of: ctd, biosyn, obo, icd10cm, do, umls, jsonl",
        ),
        (["--format", "biosyn"], "ctd_diseases.tsv:1: no '||' between ids and names"),
    ],
)
def test_build_errors_are_one_line(
    xlink: Runner, term_fixtures: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    out = tmp_path / "x.jsonl"
    result = xlink("terminology", "build", term_fixtures / "ctd_diseases.tsv", "-o", out, *extra)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert message in result.err
    assert not out.exists()


def test_missing_input(xlink: Runner, tmp_path: Path) -> None:
    result = xlink("terminology", "build", tmp_path / "absent.tsv", "-o", tmp_path / "x.jsonl")
    assert result.code == 2
    assert result.err.strip() == f"xlink: error: {tmp_path / 'absent.tsv'}: no such file"


def test_stats_json(xlink: Runner, term_fixtures: Path) -> None:
    result = xlink("terminology", "stats", term_fixtures / "do" / "HumanDO.tsv", "--json")
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert stats["format"] == "do"
    assert stats["n_concepts"] == 5
    assert stats["n_merged_duplicates"] == 1
    assert len(stats["fingerprint"]) == 64


def test_stats_table(xlink: Runner, term_fixtures: Path) -> None:
    result = xlink(
        "terminology", "stats", "--format", "biosyn", term_fixtures / "biosyn_dictionary.txt"
    )
    assert result.code == 0, result.err
    assert "n_concepts" in result.out
    assert "n_merged_duplicates" in result.out


def test_build_refuses_to_write_over_its_input(xlink: Runner, term_fixtures: Path, tmp_path: Path) -> None:
    source = tmp_path / "ctd.tsv"
    source.write_bytes((term_fixtures / "ctd_diseases.tsv").read_bytes())
    before = source.read_bytes()
    result = xlink("terminology", "build", source, "-o", source)
    assert result.code == 2 and "also an input" in result.err
    assert source.read_bytes() == before
