"""CTD MEDIC TSV loader."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from xlink.errors import EmptyTerminologyError, FormatError
from xlink.terminology import Terminology, load_ctd
from xlink.terminology.ctd import CTD_FIELDS, iter_ctd_diseases

Writer = Callable[[Path, list[str]], Path]
HEADER = ["# Fields:", "# " + "\t".join(CTD_FIELDS), "#"]


def row(name: str, disease_id: str, synonyms: str = "", alt_ids: str = "") -> str:
    return "\t".join([name, disease_id, alt_ids, "", "", "", "", synonyms, "Metabolic disease"])


def test_loads_fixture(term_fixtures: Path) -> None:
    term = load_ctd(term_fixtures / "ctd_diseases.tsv")
    assert len(term) == 5
    wilson = term["D006527"]
    assert wilson.canonical_name == "Hepatolenticular Degeneration"
    assert "Wilson Disease" in wilson.aliases
    assert wilson.alt_ids == ("DO:DOID:893", "OMIM:277900")
    assert "Metabolic disease" in wilson.types
    assert wilson.definition and wilson.definition.startswith("A rare autosomal recessive")
    assert wilson.source == "CTD_MEDIC"
    assert term.lookup("wilson's disease") == ()
    assert term.lookup("WILSON DISEASE") == ("D006527",)
    # Non-MeSH ids keep their prefix.
    assert "OMIM:613370" in term
    assert term.name == "ctd_diseases"


def test_keep_mesh_prefix(term_fixtures: Path) -> None:
    term = load_ctd(term_fixtures / "ctd_diseases.tsv", strip_mesh_prefix=False)
    assert "MESH:D006527" in term
    assert "D006527" not in term


def test_gzip_gives_the_same_terminology(term_fixtures: Path, tmp_path: Path) -> None:
    plain = term_fixtures / "ctd_diseases.tsv"
    gz = tmp_path / "CTD_diseases.tsv.gz"
    with open(plain, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a, b = load_ctd(plain), load_ctd(gz)
    assert a.fingerprint == b.fingerprint
    assert b.name == "CTD_diseases"


def test_parents_and_tree_numbers_are_read(term_fixtures: Path) -> None:
    diseases = {d.disease_id: d for d in iter_ctd_diseases(term_fixtures / "ctd_diseases.tsv")}
    assert diseases["MESH:D003924"].parent_ids == ("MESH:D003920",)
    assert diseases["MESH:D003924"].tree_numbers == ("C18.452.394.750.149", "C19.246.300")


def test_header_decides_column_order(tmp_path: Path, write_lines: Writer) -> None:
    reordered = "# " + "\t".join(["DiseaseName", "DiseaseID", "Synonyms", *CTD_FIELDS[2:7]])
    path = write_lines(tmp_path / "e.tsv", [reordered, "Foo disease\tMESH:D1\tFooism\t\t\t\t\t"])
    assert load_ctd(path)["D1"].aliases == ("Fooism",)


def test_malformed_line_names_file_and_line(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "bad.tsv", [*HEADER, row("Foo", "MESH:D1"), "Bar\tMESH:D2\tonly three"]
    )
    with pytest.raises(FormatError) as err:
        load_ctd(path)
    assert err.value.line == 5
    assert f"{path}:5" in str(err.value)
    assert "tab-separated fields" in str(err.value)


def test_empty_disease_id_is_an_error(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "bad.tsv", [row("Foo", "")])
    with pytest.raises(FormatError, match=r"bad\.tsv:1: empty DiseaseID"):
        load_ctd(path)


def test_empty_names_are_skipped_and_counted(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "d.tsv",
        [
            *HEADER,
            row("", "MESH:D1", "Foo||Fooism"),
            row(" ", "MESH:D2"),
            row("Bar", "MESH:D3", "|"),
        ],
    )
    term = load_ctd(path)
    assert sorted(c.concept_id for c in term) == ["D1", "D3"]
    assert term["D1"].canonical_name == "Foo"
    assert term["D1"].aliases == ("Fooism",)
    assert term.stats().n_skipped_empty_names == 2 + 1 + 2


def test_duplicates_merged(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "d.tsv", [row("Foo", "MESH:D1", "A"), row("Foo", "MESH:D1", "B", "OMIM:1")]
    )
    term = load_ctd(path)
    assert len(term) == 1
    assert term["D1"].aliases == ("A", "B")
    assert term["D1"].alt_ids == ("OMIM:1",)
    assert term.n_merged_duplicates == 1


def test_header_only_file_is_empty(tmp_path: Path, write_lines: Writer) -> None:
    with pytest.raises(EmptyTerminologyError, match="h.tsv"):
        load_ctd(write_lines(tmp_path / "h.tsv", HEADER))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_ctd(tmp_path / "absent.tsv")


def test_jsonl_round_trip(term_fixtures: Path, tmp_path: Path) -> None:
    term = load_ctd(term_fixtures / "ctd_diseases.tsv")
    term.to_jsonl(tmp_path / "medic.jsonl")
    back = Terminology.from_jsonl(tmp_path / "medic.jsonl")
    assert back.fingerprint == term.fingerprint
    assert list(back) == list(term)
    assert load_ctd(term_fixtures / "ctd_diseases.tsv").fingerprint == term.fingerprint


def test_a_row_missing_a_middle_column_is_refused_not_shifted(tmp_path: Path, write_lines: Writer) -> None:
    """Without AltDiseaseIDs, the definition would be read as ids and the SlimMappings ("Cancer") as synonyms."""
    full = "\t".join(["Breast Neoplasms", "MESH:D001943", "Tumors of the breast.", "MESH:D009371", "C04.588.180",
                      "C04.588", "Breast Cancer", "Cancer"])  # AltDiseaseIDs left out: 8 of 9 fields
    path = write_lines(tmp_path / "shifted.tsv", ["# " + "\t".join(CTD_FIELDS), full])
    with pytest.raises(FormatError, match=r"shifted\.tsv:2: AltDiseaseIDs is 'Tumors of the breast\.'.*column is probably missing"):
        load_ctd(path)
    trailing = "\t".join(["Breast Neoplasms", "MESH:D001943", "", "", "MESH:D009371", "C04.588.180", "C04.588", "Breast Cancer"])
    path = write_lines(tmp_path / "old.tsv", ["# " + "\t".join(CTD_FIELDS), trailing])  # only SlimMappings absent
    assert load_ctd(path)["D001943"].aliases == ("Breast Cancer",)
