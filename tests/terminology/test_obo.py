"""OBO loader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xlink.errors import FormatError, XlinkError
from xlink.terminology import load_obo

Writer = Callable[[Path, list[str]], Path]


def test_loads_terms(term_fixtures: Path) -> None:
    term = load_obo(term_fixtures / "mini.obo")
    assert sorted(c.concept_id for c in term) == [
        "HP:0000001",
        "HP:0000118",
        "HP:0000119",
        "HP:0000286",
    ]
    gu = term["HP:0000119"]
    assert gu.canonical_name == "Abnormality of the genitourinary system"
    assert gu.aliases == (
        "Abnormality of the GU system",
        "Genitourinary disease",
        "Urogenital abnormalities",
        "Abnormal kidney",
        "Body abnormality",
    )
    assert gu.alt_ids == ("HP:0008658", "HP:0008688")
    assert gu.xrefs == ("SNOMEDCT_US:287085006", "UMLS:C4020895")
    assert gu.types == ("human_phenotype",)
    assert gu.definition == "The presence of any abnormality of the genitourinary system."


def test_quotes_qualifiers_and_xref_descriptions(term_fixtures: Path) -> None:
    epicanthus = load_obo(term_fixtures / "mini.obo")["HP:0000286"]
    assert epicanthus.aliases == ("Epicanthal fold",)
    assert epicanthus.definition is not None and epicanthus.definition.endswith(
        'the "medial canthus".'
    )
    assert epicanthus.xrefs == ("UMLS:C0678230",)


def test_obsolete_terms(term_fixtures: Path) -> None:
    assert "HP:0000057" not in load_obo(term_fixtures / "mini.obo")
    with_obsolete = load_obo(term_fixtures / "mini.obo", include_obsolete=True)
    assert with_obsolete["HP:0000057"].canonical_name == "obsolete Clitoromegaly"


def test_synonym_scopes(term_fixtures: Path) -> None:
    term = load_obo(term_fixtures / "mini.obo", synonym_scopes=["exact"])
    assert term["HP:0000119"].aliases == (
        "Abnormality of the GU system",
        "Urogenital abnormalities",
    )
    with pytest.raises(XlinkError, match="unknown synonym scope"):
        load_obo(term_fixtures / "mini.obo", synonym_scopes=["SIMILAR"])


def test_obsolete_synonyms_can_be_kept(term_fixtures: Path) -> None:
    term = load_obo(term_fixtures / "mini.obo", exclude_synonym_types=())
    assert "Genitourinary dysplasia" in term["HP:0000119"].aliases


def test_obo_1_0_scoped_synonym_tags(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "old.obo",
        [
            "format-version: 1.0",
            "",
            "[Term]",
            "id: X:1",
            "name: one",
            'exact_synonym: "uno" []',
            'synonym: "ein"',
            'narrow_synonym: "eins" []',
        ],
    )
    assert load_obo(path, synonym_scopes=["EXACT"])["X:1"].aliases == ("uno",)
    assert load_obo(path, synonym_scopes=["RELATED"])["X:1"].aliases == ("ein",)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not a tag line", "is not a 'tag: value' line"),
        ("synonym: bare words EXACT []", "synonym is not quoted"),
        ('synonym: "x" SIMILAR []', "unknown synonym scope 'SIMILAR'"),
        ("def: unquoted", "def is not quoted"),
        ("id: X:2", "second id"),
    ],
)
def test_malformed_lines(tmp_path: Path, write_lines: Writer, line: str, message: str) -> None:
    path = write_lines(
        tmp_path / "bad.obo", ["format-version: 1.2", "", "[Term]", "id: X:1", "name: one", line]
    )
    with pytest.raises(FormatError) as err:
        load_obo(path)
    assert err.value.line == 6
    assert f"{path}:6: " in str(err.value)
    assert message in str(err.value)


def test_term_without_id(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "bad.obo", ["[Term]", "id: X:1", "name: one", "", "[Term]", "name: two"]
    )
    with pytest.raises(FormatError, match=r"bad\.obo:5: \[Term\] stanza without an id"):
        load_obo(path)


def test_empty_names_are_counted(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "e.obo",
        [
            "[Term]",
            "id: X:1",
            "name: ",
            'synonym: "uno" EXACT []',
            "",
            "[Term]",
            "id: X:2",
            'synonym: "" EXACT []',
            "",
            "[Term]",
            "id: X:3",
            "name: three",
        ],
    )
    term = load_obo(path)
    assert [c.concept_id for c in term] == ["X:1", "X:3"]
    assert term["X:1"].canonical_name == "uno"
    assert term.n_skipped_empty_names == 3


def test_a_second_name_line_is_refused_not_swapped_in(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "two.obo", ["[Term]", "id: X:1", "name: One", "name: Uno"])
    with pytest.raises(FormatError, match=r"two\.obo:4: second name 'Uno' in the stanza of X:1 \(first: 'One'\)"):
        load_obo(path)


def test_a_file_of_obsolete_terms_says_how_to_keep_them(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(tmp_path / "old.obo", ["[Term]", "id: X:1", "name: One", "is_obsolete: true"])
    with pytest.raises(XlinkError, match="all 1 named terms are obsolete.*include_obsolete=True"):
        load_obo(path)
    assert [c.concept_id for c in load_obo(path, include_obsolete=True)] == ["X:1"]


def test_a_name_ending_in_a_brace_is_kept_whole(tmp_path: Path, write_lines: Writer) -> None:
    # ChEBI names such as tris{2-[(2-hydroxyethyl)amino]ethyl} were cut to 'tris' as if '{...}'
    # were a qualifier block; only ' {key=value, ...}' after whitespace is one
    path = write_lines(
        tmp_path / "chem.obo",
        [
            "format-version: 1.4",
            "",
            "[Term]",
            "id: CHEBI:1",
            "name: tris{2-[(2-hydroxyethyl)amino]ethyl}",
            'synonym: "bis{2-chloroethyl} ether" EXACT []',
            "",
            "[Term]",
            "id: CHEBI:2",
            'name: water {source="ChEBI", comment="a, b"}',
            "xref: CAS:7732-18-5 {source=KEGG:C00001}",
            "",
            "[Term]",
            "id: CHEBI:3",
            "name: copper {II} chloride",
            "",
            "[Term]",
            "id: CHEBI:4",
            'name: salt{http://purl.obolibrary.org/obo/IAO_0000233="x"}',
            'synonym: "NaCl" EXACT []{source="ChEBI"}',
        ],
    )
    term = load_obo(path)
    assert term["CHEBI:1"].canonical_name == "tris{2-[(2-hydroxyethyl)amino]ethyl}"
    assert term["CHEBI:1"].aliases == ("bis{2-chloroethyl} ether",)
    assert term["CHEBI:2"].canonical_name == "water"
    assert term["CHEBI:2"].xrefs == ("CAS:7732-18-5",)
    assert term["CHEBI:3"].canonical_name == "copper {II} chloride"
    # ROBOT writes IRI keys, and a block may follow the value without a space
    assert (term["CHEBI:4"].canonical_name, term["CHEBI:4"].aliases) == ("salt", ("NaCl",))


def test_an_obsolete_terms_id_credits_its_replacement(tmp_path: Path, write_lines: Writer) -> None:
    path = write_lines(
        tmp_path / "old.obo",
        [
            "format-version: 1.4",
            "",
            "[Term]",
            "id: HP:0000107",
            "name: Renal cyst",
            "",
            "[Term]",
            "id: HP:0000003",
            "name: obsolete Multicystic kidney",
            "is_obsolete: true",
            "replaced_by: HP:0000107",
            "",
            "[Term]",
            "id: HP:0000004",
            "name: obsolete vague term",
            "is_obsolete: true",
            "consider: HP:0000107",
        ],
    )
    term = load_obo(path)
    assert len(term) == 1 and term["HP:0000107"].alt_ids == ("HP:0000003",)  # 'consider' is no replacement
    assert "HP:0000003" in term["HP:0000107"].ids  # what evaluation credits a prediction through
    assert {c.concept_id for c in load_obo(path, include_obsolete=True)} == {"HP:0000107", "HP:0000003", "HP:0000004"}
