"""UMLS MRCONSO/MRSTY loader, on a synthetic fixture (the UMLS itself is licensed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlink.errors import FormatError
from xlink.terminology import load_umls


@pytest.fixture
def mrconso(term_fixtures: Path) -> Path:
    return term_fixtures / "umls" / "MRCONSO.RRF"


def test_defaults(mrconso: Path) -> None:
    term = load_umls(mrconso)
    assert [c.concept_id for c in term] == ["C9000001", "C9000002"]
    example = term["C9000001"]
    # The ISPREF=Y, TS=P, STT=PF atom is the canonical name even when not first.
    assert example.canonical_name == "Example Syndrome"
    # French atoms and obsolete (SUPPRESS=O) atoms are left out.
    assert example.aliases == ("Syndrome, Example", "EXAMPLE SYNDROME 1")
    assert example.types == ("T047",)
    assert example.source == "UMLS"
    sample = term["C9000002"]
    # No preferred atom: the first one.
    assert sample.canonical_name == "Sample disorder"
    assert sample.types == ("T047", "T191")
    assert term.n_skipped_empty_names == 1


def test_language_source_and_suppress_filters(mrconso: Path) -> None:
    every_language = load_umls(mrconso, languages=None)
    assert "Syndrome d'exemple" in every_language["C9000001"].aliases
    assert every_language["C9000003"].canonical_name == "Maladie fictive"
    omim = load_umls(mrconso, sources=["OMIM"])
    assert omim["C9000001"].canonical_name == "EXAMPLE SYNDROME 1"
    assert omim["C9000002"].names == ("Sample disease",)
    suppressed = load_umls(mrconso, include_suppressed=True)
    assert "Obsolete example name" in suppressed["C9000001"].aliases
    assert "C9000004" in suppressed


def test_semantic_types(mrconso: Path, tmp_path: Path) -> None:
    named = load_umls(mrconso, include_type_names=True)
    assert named["C9000002"].types == ("T047", "Disease or Syndrome", "T191", "Neoplastic Process")
    alone = tmp_path / "MRCONSO.RRF"
    shutil.copy(mrconso, alone)
    assert load_umls(alone)["C9000001"].types == ()
    given = load_umls(alone, mrsty=mrconso.parent / "MRSTY.RRF")
    assert given["C9000001"].types == ("T047",)


def test_wrong_number_of_fields(mrconso: Path, tmp_path: Path) -> None:
    path = tmp_path / "MRCONSO.RRF"
    lines = mrconso.read_text().splitlines()
    lines.insert(2, "C9000009|ENG|P|L1|PF|S1|Y|A1||||MSH|MH|D1|Too short|")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as err:
        load_umls(path)
    assert err.value.line == 3
    assert "15 '|'-separated fields" in str(err.value)
    assert "CUI|LAT|TS" in str(err.value)


def test_mrsty_errors_name_the_mrsty_file(mrconso: Path, tmp_path: Path) -> None:
    shutil.copy(mrconso, tmp_path / "MRCONSO.RRF")
    (tmp_path / "MRSTY.RRF").write_text("C9000001|T047|\n")
    with pytest.raises(FormatError, match=r"MRSTY\.RRF:1: "):
        load_umls(tmp_path / "MRCONSO.RRF")


def test_a_row_missing_a_middle_column_is_refused_not_shifted(mrconso: Path, tmp_path: Path) -> None:
    """18 '|' with the trailing one, but a column gone: STR would be read from SRL ("0")."""
    path = tmp_path / "MRCONSO.RRF"
    lines = mrconso.read_text().splitlines()
    lines.insert(1, "C9000009|ENG|P|L1|PF|S1|Y|A1||M1|D1|MSH|MH|D1|Shifted name|N||")  # SRL left out
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as err:
        load_umls(path)
    assert err.value.line == 2 and "17 '|'-separated fields" in str(err.value)
    stripped = tmp_path / "stripped" / "MRCONSO.RRF"
    stripped.parent.mkdir()
    # without the last '|', read when the last field (CVF) is not empty
    stripped.write_text("".join(line.removesuffix("||") + "|256\n" for line in mrconso.read_text().splitlines()))
    assert [c.concept_id for c in load_umls(stripped)] == [c.concept_id for c in load_umls(mrconso)]
