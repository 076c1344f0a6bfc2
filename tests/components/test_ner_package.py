"""The packaged disease NER loads on its own, and the disease pipeline's build config sources it."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

REPO = Path(__file__).resolve().parents[2]


def test_the_packaged_ner_tags_diseases() -> None:
    package = pytest.importorskip("xlink_ner_ncbi_disease")
    nlp = spacy.load("xlink_ner_ncbi_disease")
    assert nlp.pipe_names == ["tok2vec", "ner"] and nlp.get_pipe("ner").labels == ("DISEASE",)
    doc = nlp("Mutations in ATP7B cause Wilson disease, and BRCA1 carriers develop breast cancer.")
    assert {e.text for e in doc.ents} >= {"Wilson disease", "breast cancer"}
    assert package.get_model_path().name == "model"


def test_the_disease_pipeline_config_sources_the_packaged_ner() -> None:
    from xlink.components.pipelines import PipelineBuildConfig

    config = PipelineBuildConfig.from_disk(REPO / "configs" / "pipeline_disease_medic.cfg")
    assert config.ner_model == (REPO / "pipelines" / "xlink_ner_ncbi_disease" / "xlink_ner_ncbi_disease" / "model").resolve()
    assert (config.ner_model / "config.cfg").exists()
