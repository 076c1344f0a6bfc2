"""Tests of the xlink_terminology_matcher spaCy component (dictionary NER)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span

from xlink.errors import XlinkError
from xlink.terminology.model import Concept, Terminology

CONCEPTS = [
    Concept("HP:0001250", "Seizure", ("Seizures", "epileptic seizure")),
    Concept("HP:0002069", "Generalized tonic-clonic seizure", ("grand mal seizure",)),
    Concept("HP:0000252", "Microcephaly", ("small head",)),
    Concept("HP:0001627", "Abnormal heart morphology", ("ALL",)),  # too short: skipped
    Concept("X:1", "Cold", ()),
    Concept("X:2", "Cold", ("common cold",)),  # "cold" names two concepts: no kb_id
]


@pytest.fixture
def terminology_path(tmp_path: Path) -> Path:
    path = tmp_path / "hpo_tiny.jsonl"
    Terminology.from_concepts(CONCEPTS, name="hpo_tiny").to_jsonl(path)
    return path


def _matcher(terminology_path: Path, **config: object) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "xlink_terminology_matcher",
        config={"terminology": str(terminology_path), "label": "PHENOTYPE", **config},
    )
    return nlp


def test_matches_names_case_insensitively_with_concept_ids(terminology_path: Path) -> None:
    doc = _matcher(terminology_path)("The boy had SEIZURES and microcephaly, and ALL tests were normal.")
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [
        ("SEIZURES", "PHENOTYPE", "HP:0001250"),
        ("microcephaly", "PHENOTYPE", "HP:0000252"),
    ]


def test_longest_match_wins(terminology_path: Path) -> None:
    doc = _matcher(terminology_path)("A generalized tonic-clonic seizure and an epileptic seizure.")
    assert [e.text for e in doc.ents] == ["generalized tonic-clonic seizure", "epileptic seizure"]
    assert doc.ents[0].kb_id_ == "HP:0002069"


def test_min_length_and_ambiguous_names(terminology_path: Path) -> None:
    doc = _matcher(terminology_path, min_length=3)("ALL of them had a cold.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("ALL", "HP:0001627"), ("cold", "")]
    doc = _matcher(terminology_path, max_ambiguity=1)("They had a cold.")
    assert not doc.ents


def test_spans_key_and_existing_entities(terminology_path: Path) -> None:
    nlp = _matcher(terminology_path, spans_key="sc")
    doc = nlp("Seizures and a small head.")
    assert [s.text for s in doc.spans["sc"]] == ["Seizures", "small head"]
    assert not doc.ents
    nlp = _matcher(terminology_path)
    doc = nlp.make_doc("Seizures and a small head.")
    doc.ents = [Span(doc, 0, 1, label="OTHER")]
    doc = nlp.get_pipe("xlink_terminology_matcher")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [("Seizures", "OTHER"), ("small head", "PHENOTYPE")]


def test_norm_attr_and_bad_attr(terminology_path: Path) -> None:
    doc = _matcher(terminology_path, attr="NORM")("Microcephaly was seen.")
    assert [e.kb_id_ for e in doc.ents] == ["HP:0000252"]
    with pytest.raises(XlinkError, match="attr"):
        _matcher(terminology_path, attr="POS")


def test_empty_and_odd_text(terminology_path: Path) -> None:
    nlp = _matcher(terminology_path)
    assert not nlp("").ents
    doc = nlp("\x00\u202e seizure \u200b\U0001f9e0 " + "z" * 10_000 + " microcephaly\r\n")
    assert [e.kb_id_ for e in doc.ents] == ["HP:0001250", "HP:0000252"]


def test_to_disk_and_load_without_the_source(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _matcher(terminology_path)
    nlp.to_disk(tmp_path / "model")
    terminology_path.unlink()
    loaded = spacy.load(tmp_path / "model")
    doc = loaded("Grand mal seizure.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("Grand mal seizure", "HP:0002069")]


def test_missing_terminology_fails_at_add_pipe(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    with pytest.raises(FileNotFoundError, match="none.obo not found; set the component's 'terminology'"):
        nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(tmp_path / "none.obo")})


def test_a_name_that_spacy_splits_by_case_matches_either_spelling(tmp_path: Path) -> None:
    """spaCy keeps "T2DM" whole but splits "t2dm" into t2|dm: lower-casing the name first lost the cased text."""
    path = tmp_path / "t.jsonl"
    Terminology.from_concepts([Concept("D003924", "Type 2 Diabetes Mellitus", ("T2DM",))], name="t").to_jsonl(path)
    nlp = _matcher(path)
    assert [e.kb_id_ for e in nlp("patients with T2DM.").ents] == ["D003924"]
    assert [e.kb_id_ for e in nlp("patients with t2dm.").ents] == ["D003924"]


def test_inverted_names_do_not_match_across_the_commas_of_a_list(tmp_path: Path) -> None:
    path = tmp_path / "inverted.jsonl"
    Terminology.from_concepts([
        Concept("HP:0000253", "Progressive microcephaly", ("Microcephaly, progressive",)),
        Concept("HP:0000252", "Microcephaly", ()),
        Concept("HP:0001251", "Ataxia", ("progressive ataxia",)),
        Concept("D001941", "Breast Diseases", ("Disease, Breast",)),
        Concept("D006331", "Heart Diseases", ("heart disease",)),
    ], name="inverted").to_jsonl(path)
    text = "The child had microcephaly, progressive ataxia and heart disease, breast disease."
    found = [(e.text, e.kb_id_) for e in _matcher(path)(text).ents]
    assert found == [("microcephaly", "HP:0000252"), ("progressive ataxia", "HP:0001251"),
                     ("heart disease", "D006331"), ("breast disease", "D001941")]  # "Disease, Breast" uninverted
    kept = [e.text for e in _matcher(path, inverted_names="keep")(text).ents]
    assert "microcephaly, progressive" in kept  # the old behaviour, on request
    assert [e.text for e in _matcher(path, inverted_names="skip")(text).ents][-1] == "heart disease"
    with pytest.raises(XlinkError, match="inverted_names must be one of"):
        _matcher(path, inverted_names="flip")
