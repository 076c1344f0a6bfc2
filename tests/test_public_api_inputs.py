"""The Python API at its boundary: wrong types and values are refused with what to give instead."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from xlink.candidates.tfidf import TfidfGenerator
from xlink.classify.zeroshot import ZeroShotError, validate_labels, validate_texts
from xlink.conformal import ConformalLabelPruner
from xlink.corpus.io import load_corpus
from xlink.corpus.model import Mention
from xlink.errors import XlinkError
from xlink.linker import Linker
from xlink.linking_config import LinkingConfig, build_linker
from xlink.terminology import load_terminology
from xlink.terminology.model import Terminology

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def term() -> Terminology:
    return Terminology.from_jsonl(FIXTURES / "linking" / "mini_medic.jsonl")


def test_k_below_one_is_refused_everywhere(term: Terminology) -> None:
    generator = TfidfGenerator(term).build()
    for k in (0, -3, 2.5, True):
        with pytest.raises(XlinkError, match="at least 1"):
            Linker(term, generator, k=k)  # type: ignore[arg-type]
        with pytest.raises(XlinkError, match="LinkingConfig k"):
            LinkingConfig(k=k)  # type: ignore[arg-type]


def test_a_mention_text_that_is_not_a_string_is_named(term: Terminology) -> None:
    linker = Linker(term, TfidfGenerator(term).build(), k=3)
    with pytest.raises(XlinkError, match="mention m2 of document d: its text is a NoneType"):
        list(linker.link([Mention("d", "m1", "gout"), Mention("d", "m2", None)]))  # type: ignore[arg-type]
    linked = list(linker.link(Mention("d", str(i), t) for i, t in enumerate(["gout", "asthma"])))  # a generator
    assert len(linked) == 2


def test_build_linker_takes_a_string_cache_dir(term: Terminology, tmp_path: Path) -> None:
    config = LinkingConfig(generator={"kind": "tfidf"}, reranker={})
    linker = build_linker(term, config, cache_dir=str(tmp_path / "cache"))
    assert (tmp_path / "cache" / "indexes").is_dir() and linker.k == 64


def test_missing_files_are_xlink_errors_and_file_not_found_errors(tmp_path: Path) -> None:
    for load in (load_terminology, load_corpus):
        with pytest.raises(XlinkError, match="nope.txt: no such file") as caught:
            load(tmp_path / "nope.txt")  # type: ignore[operator]
        assert isinstance(caught.value, FileNotFoundError) and caught.value.filename == str(tmp_path / "nope.txt")


def test_texts_and_labels_must_be_strings() -> None:
    with pytest.raises(ZeroShotError, match="text 1 is a NoneType"):
        validate_texts(["fine", None])  # type: ignore[list-item]
    with pytest.raises(ZeroShotError, match="not one string"):
        validate_texts("team goal")
    assert validate_texts(t for t in ["a", "b"]) == ["a", "b"]
    with pytest.raises(ZeroShotError, match="label 0 is a int"):
        validate_labels([1, 2])  # type: ignore[list-item]


def test_pruner_descriptions_as_a_mapping_and_its_text_checks() -> None:
    labels = ["sports", "weather"]
    pruner = ConformalLabelPruner(labels, descriptions={"sports": "sport and games"})
    assert pruner.descriptions == ["sport and games", "weather"]  # not the mapping's keys
    with pytest.raises(XlinkError, match="one per label"):
        ConformalLabelPruner(labels, descriptions=["only one"])
    texts = ["goal match team", "rain storm cloud"] * 60
    fitted = ConformalLabelPruner(labels, alpha=0.1).fit_conformalize(texts, ["sports", "weather"] * 60)
    with pytest.raises(ZeroShotError, match="not one string"):
        fitted.predict_set("team goal")  # type: ignore[arg-type]
    with pytest.raises(ZeroShotError, match="text 0 is a NoneType"):
        fitted.predict_set([None])  # type: ignore[list-item]


def test_the_abbreviations_pipe_can_accept_permuted_initials() -> None:
    text = "Families with myotonic dystrophy (DM). In DM the muscles weaken."
    for relaxed, expected in ((False, []), (True, [("DM", "myotonic dystrophy")] * 2)):
        nlp = spacy.blank("en")
        nlp.add_pipe("xlink_abbreviations", config={"relaxed": relaxed})
        doc = nlp(text)
        assert [(s.text, s._.long_form.text) for s in doc._.abbreviations] == expected
