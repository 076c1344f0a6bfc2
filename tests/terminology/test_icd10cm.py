"""ICD-10-CM tabular XML loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlink.errors import EmptyTerminologyError, FormatError
from xlink.terminology import load_icd10cm


def test_every_diag_is_a_concept(term_fixtures: Path) -> None:
    term = load_icd10cm(term_fixtures / "icd10cm_tabular.xml")
    assert [c.concept_id for c in term] == [
        "A00",
        "A00.0",
        "A00.9",
        "A01",
        "A01.0",
        "A01.00",
        "E11",
        "E11.9",
    ]
    assert term["A00"].canonical_name == "Cholera"
    assert term["A00"].aliases == ()
    assert term["A00.0"].aliases == ("Classical cholera",)
    assert term["A00.0"].types == ("Certain infectious and parasitic diseases (A00-B99)",)
    assert term["E11"].types == ("Endocrine, nutritional and metabolic diseases (E00-E89)",)
    assert term["A00.0"].source == "ICD10CM"


def test_inclusion_terms_are_aliases_but_excludes_are_not(term_fixtures: Path) -> None:
    term = load_icd10cm(term_fixtures / "icd10cm_tabular.xml")
    assert term["E11"].aliases == (
        "diabetes (mellitus) due to insulin secretory defect",
        "diabetes NOS",
    )
    assert term.lookup("type 1 diabetes mellitus (E10.-)") == ()
    # A parent's inclusion terms stay with the parent.
    assert term["A01.00"].aliases == ()


def _xml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tabular.xml"
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<ICD10CM.tabular>\n{body}\n</ICD10CM.tabular>\n'
    )
    return path


def test_invalid_xml_names_the_line(tmp_path: Path) -> None:
    path = _xml(tmp_path, "<chapter>\n<diag><name>A00</name><desc>Cholera</diag>\n</chapter>")
    with pytest.raises(FormatError) as err:
        load_icd10cm(path)
    assert err.value.line == 4
    assert "invalid XML (mismatched tag)" in str(err.value)


def test_diag_without_code(tmp_path: Path) -> None:
    path = _xml(
        tmp_path,
        "<chapter>\n<diag><name>A00</name><desc>Cholera</desc></diag>\n<diag>\n<desc>No code</desc></diag>\n</chapter>",
    )
    with pytest.raises(FormatError, match=r"tabular\.xml:5: a <diag> without a <name> code"):
        load_icd10cm(path)


def test_empty_descriptions_are_counted(tmp_path: Path) -> None:
    path = _xml(
        tmp_path,
        "<diag><name>A00</name><desc> </desc></diag><diag><name>A01</name><desc>Typhoid</desc></diag>",
    )
    term = load_icd10cm(path)
    assert list(term) == [term["A01"]]
    assert term.n_skipped_empty_names == 1


def test_no_codes(tmp_path: Path) -> None:
    with pytest.raises(EmptyTerminologyError):
        load_icd10cm(_xml(tmp_path, "<version>2026</version>"))
