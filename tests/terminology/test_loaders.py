"""Format dispatch and detection: ``load_terminology`` and ``detect_format``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xlink.errors import EmptyTerminologyError, FormatError, XlinkError
from xlink.terminology import FORMATS, Terminology, detect_format, load_ctd, load_terminology

FIXTURE_FORMATS = {
    "ctd_diseases.tsv": "ctd",
    "biosyn_dictionary.txt": "biosyn",
    "biosyn_medic.txt": "biosyn",
    "mini.obo": "obo",
    "icd10cm_tabular.xml": "icd10cm",
    "do/HumanDO.tsv": "do",
    "umls/MRCONSO.RRF": "umls",
}


def test_formats() -> None:
    assert FORMATS == ("ctd", "biosyn", "obo", "icd10cm", "do", "umls", "jsonl")


@pytest.mark.parametrize(("name", "fmt"), sorted(FIXTURE_FORMATS.items()))
def test_detects_and_loads_each_fixture(term_fixtures: Path, name: str, fmt: str) -> None:
    path = term_fixtures / name
    assert detect_format(path) == fmt
    detected = load_terminology(path)
    explicit = load_terminology(path, fmt.upper())
    assert len(detected) > 0
    assert detected.fingerprint == explicit.fingerprint


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(n, f) for n, f in sorted(FIXTURE_FORMATS.items()) if f != "icd10cm"],
)
def test_detects_by_content(term_fixtures: Path, tmp_path: Path, name: str, fmt: str) -> None:
    neutral = tmp_path / "terminology.txt"
    shutil.copy(term_fixtures / name, neutral)
    assert detect_format(neutral) == fmt


def test_detects_headerless_ctd_and_xml_content(term_fixtures: Path, tmp_path: Path) -> None:
    lines = (term_fixtures / "ctd_diseases.tsv").read_text().splitlines()
    neutral = tmp_path / "diseases.txt"
    neutral.write_text("\n".join(line for line in lines if not line.startswith("#")) + "\n")
    assert detect_format(neutral) == "ctd"
    xml = tmp_path / "tabular.data"
    shutil.copy(term_fixtures / "icd10cm_tabular.xml", xml)
    assert detect_format(xml) == "icd10cm"


def test_jsonl_round_trip_and_fingerprint(term_fixtures: Path, tmp_path: Path) -> None:
    term = load_ctd(term_fixtures / "ctd_diseases.tsv")
    out = tmp_path / "medic.jsonl"
    term.to_jsonl(out)
    assert detect_format(out) == "jsonl"
    back = load_terminology(out)
    assert back.fingerprint == term.fingerprint
    assert [c.to_json() for c in back] == [c.to_json() for c in term]
    # Saving again gives the same bytes.
    back.to_jsonl(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == out.read_bytes()


def test_options_are_passed_on(term_fixtures: Path) -> None:
    term = load_terminology(term_fixtures / "mini.obo", "obo", include_obsolete=True)
    assert "HP:0000057" in term
    assert load_terminology(term_fixtures / "mini.obo", name="hpo").name == "hpo"


def test_option_of_another_format(term_fixtures: Path) -> None:
    with pytest.raises(
        XlinkError,
        match=r"format 'ctd' takes no option include_obsolete; it takes: strip_mesh_prefix, name",
    ):
        load_terminology(term_fixtures / "ctd_diseases.tsv", "ctd", include_obsolete=True)


def test_unknown_format_names_the_formats(term_fixtures: Path) -> None:
    with pytest.raises(
        XlinkError,
        match="unknown terminology format 'mesh'; use one of: ctd, biosyn, obo, icd10cm, do, umls, jsonl",
    ):
        load_terminology(term_fixtures / "mini.obo", "mesh")


def test_undetectable_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some text\n")
    with pytest.raises(XlinkError, match="cannot tell the terminology format"):
        load_terminology(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as err:
        load_terminology(tmp_path / "absent.jsonl")
    assert err.value.filename == str(tmp_path / "absent.jsonl")
    with pytest.raises(IsADirectoryError):
        load_terminology(tmp_path, "obo")


def test_wrong_format_is_a_format_error(term_fixtures: Path) -> None:
    with pytest.raises(FormatError, match=r"mini\.obo:1: no '\|\|'"):
        load_terminology(term_fixtures / "mini.obo", "biosyn")


def test_empty_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(EmptyTerminologyError):
        load_terminology(path)
    assert isinstance(Terminology.from_jsonl(path), Terminology)


def test_the_duplicate_id_warning_names_the_ids(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from xlink.terminology.model import Terminology

    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"concept_id": "D1", "canonical_name": "gout"}\n{"concept_id": "D1", "canonical_name": "asthma"}\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        term = Terminology.from_jsonl(path)
    assert term.n_merged_duplicates == 1 and term.get("D1").aliases == ("asthma",)
    assert any("duplicate concept ids (e.g. D1)" in r.getMessage() for r in caplog.records)
