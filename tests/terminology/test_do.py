"""Disease Ontology TSV loader."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from xlink.errors import FormatError
from xlink.terminology import load_do

Writer = Callable[[Path, list[str]], Path]


def test_loads_labels_and_xrefs(term_fixtures: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        term = load_do(term_fixtures / "do" / "HumanDO.tsv")
    assert len(term) == 5
    wilson = term["DOID:893"]
    assert wilson.canonical_name == "Wilson disease"
    assert wilson.aliases == ()
    assert wilson.source == "DO"
    assert wilson.xrefs == ("ICD10CM:E83.01", "MESH:D006527", "MIM:277900", "UMLS_CUI:C0019202")
    assert wilson.alt_ids == ()
    # A term is listed once per parent: merged, and not worth a warning.
    assert term.n_merged_duplicates == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert term["DOID:9351"].xrefs == ()


def test_all_xref_prefixes(term_fixtures: Path) -> None:
    term = load_do(term_fixtures / "do" / "HumanDO.tsv", xref_prefixes=None)
    assert "GARD:7893" in term["DOID:893"].xrefs


def test_without_xref_file(term_fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(term_fixtures / "do" / "HumanDO.tsv", tmp_path / "HumanDO.tsv")
    term = load_do(tmp_path / "HumanDO.tsv")
    assert all(not c.xrefs for c in term)
    term = load_do(tmp_path / "HumanDO.tsv", xref_path=term_fixtures / "do" / "allXREFinDO.tsv")
    assert term["DOID:1612"].xrefs


def test_missing_header(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "HumanDO.tsv", ['"DOID:1"\t"disease"\t"thing"'])
    with pytest.raises(
        FormatError, match=r"HumanDO\.tsv:1: header lacks column\(s\) \['id', 'label'\]"
    ):
        load_do(path)


def test_wrong_number_of_fields(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "HumanDO.tsv", ["id\tlabel\tsubClassOf", '"DOID:1"\t"a"\t"b"', '"DOID:2"\t"b"']
    )
    with pytest.raises(FormatError) as err:
        load_do(path)
    assert err.value.line == 3


def test_empty_labels_are_counted(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "HumanDO.tsv",
        ["id\tlabel\tsubClassOf", '"DOID:1"\t""\t"b"', '"DOID:2"\t"two"\t""'],
    )
    term = load_do(path)
    assert [c.concept_id for c in term] == ["DOID:2"]
    assert term.n_skipped_empty_names == 1
