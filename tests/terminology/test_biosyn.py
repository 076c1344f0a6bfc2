"""BioSyn dictionary loader."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from xlink.errors import EmptyTerminologyError, FormatError
from xlink.terminology import load_biosyn

Writer = Callable[[Path, list[str]], Path]


def test_one_line_per_name_is_merged_quietly(
    term_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        term = load_biosyn(term_fixtures / "biosyn_dictionary.txt")
    assert len(term) == 5
    tooth = term["C567755"]
    assert tooth.canonical_name == "tooth agenesis selective 6"
    assert tooth.aliases == ("sthag6",)
    assert tooth.alt_ids == ("613097",)
    assert tooth.source == "BioSyn"
    assert term.n_merged_duplicates == 5
    # Merging is the rule for this format: logged at INFO, not as a warning.
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert term.lookup("copper storage disease") == ("D006527",)


def test_first_id_is_the_concept_id(term_fixtures: Path) -> None:
    term = load_biosyn(term_fixtures / "biosyn_dictionary.txt")
    assert term["270400"].alt_ids == ("D019082",)
    assert "D019082" not in term


def test_medic_variant_with_synonyms_on_one_line(term_fixtures: Path) -> None:
    term = load_biosyn(term_fixtures / "biosyn_medic.txt")
    assert len(term) == 6
    assert term.n_merged_duplicates == 0
    wilson = term["D006527"]
    assert wilson.canonical_name == "Hepatolenticular Degeneration"
    assert wilson.alt_ids == ("277900",)
    # HTML entities of BioSyn's MEDIC copy are decoded.
    assert "Wilson's Disease" in wilson.aliases
    assert "Wilson&apos;s Disease" not in wilson.aliases
    assert term["C567755"].aliases == ("STHAG6",)


def test_line_without_separator(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "dict.txt", ["D1||foo", "", "D2 bar"])
    with pytest.raises(FormatError) as err:
        load_biosyn(path)
    assert err.value.line == 3
    assert f"{path}:3: no '||'" in str(err.value)


def test_empty_id(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "dict.txt", ["D1|||foo", "|D2||bar"])
    with pytest.raises(FormatError, match=r"dict\.txt:2: empty id"):
        load_biosyn(path)


def test_empty_names_are_skipped_and_counted(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "dict.txt", ["D1||", "D2||a||b", "D3|| |c"])
    term = load_biosyn(path)
    assert sorted(c.concept_id for c in term) == ["D2", "D3"]
    assert term["D2"].names == ("a", "b")
    assert term.n_skipped_empty_names == 3


def test_empty_file(tmp_path: Path, write_lines: Writer) -> None:
    with pytest.raises(EmptyTerminologyError):
        load_biosyn(write_lines(tmp_path / "dict.txt", ["", "D1||"]))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_bytes(b"D1||foo\nD2||caf\xe9\n")
    with pytest.raises(FormatError, match=r"dict\.txt:2: not UTF-8"):
        load_biosyn(path)


_COMPOSITE_LINES = [
    "D010051||ovarian cancer",
    "D001943||breast cancer",
    "D010051|D001943||breast cancer ovarian cancer",  # a composite training mention
    "D010051||ovarian neoplasm",
    "C567755|613097||tooth agenesis selective 6",
    "C567755|613097||sthag6",  # the same ids: merged
    "607677|C535416||disease a",
    "607677|C535416|608673||disease a type 2",  # more ids than the plainest line of 607677: its own entry
]


@pytest.mark.parametrize("order", ["as written", "reversed", "composite first"])
def test_a_line_with_other_ids_than_its_first_ids_own_is_an_entry_of_its_own(
    tmp_path: Path, write_lines: Writer, order: str
) -> None:
    lines = list(_COMPOSITE_LINES)
    if order == "reversed":
        lines.reverse()
    elif order == "composite first":  # merged the composite into D010051 (alt id D001943) before
        lines.insert(0, lines.pop(2))
    term = load_biosyn(write_lines(tmp_path / "dict.txt", lines))
    assert sorted(c.concept_id for c in term) == [
        "607677", "607677+C535416+608673", "C567755", "D001943", "D010051", "D010051+D001943"
    ]
    assert term["D010051"].alt_ids == () and set(term["D010051"].names) == {"ovarian cancer", "ovarian neoplasm"}
    assert term["D010051+D001943"].ids == ("D010051+D001943", "D010051", "D001943")
    assert term["C567755"].alt_ids == ("613097",) and "sthag6" in term["C567755"].names
    assert term["607677"].alt_ids == ("C535416",) and term["607677"].names == ("disease a",)


def test_a_single_id_line_is_the_plainest_whatever_comes_first(tmp_path: Path, write_lines: Writer) -> None:
    # BioSyn's check_label credits 'sthag6' for C567755 only; the MeSH|OMIM line for either id
    for lines in (["C567755|613097||tooth agenesis", "C567755||sthag6"], ["C567755||sthag6", "C567755|613097||tooth agenesis"]):
        term = load_biosyn(write_lines(tmp_path / "dict.txt", lines))
        assert sorted(c.concept_id for c in term) == ["C567755", "C567755+613097"]
        assert term["C567755"].names == ("sthag6",) and term["C567755"].alt_ids == ()
