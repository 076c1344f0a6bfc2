"""The dual base: a sentence-embedding blend averaged with a blend over the NLI model's own features.

Runs on a tiny random BERT (sentence side) and a tiny random NLI model (NLI side), both made
in the test, so no packaged model is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformal.synthetic import DESCRIPTIONS, LABELS, WORDS, make
from tests.helpers.tiny_bert import write_tiny_bert
from xlink.classify.tiny import make_tiny_nli_model
from xlink.conformal import ConformalLabelPruner
from xlink.conformal.base import (
    DualBlendBase,
    NLIFeatureBlendBase,
    NLIFeatureEncoder,
    default_feature_layers,
    make_base,
)

VOCAB = [*LABELS, *(w for ws in WORDS.values() for w in ws)]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_tiny_bert(tmp_path_factory.mktemp("dual") / "bert", VOCAB, seed=3))


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(make_tiny_nli_model(tmp_path_factory.mktemp("dual") / "nli", VOCAB, seed=5))


def test_feature_layers_are_a_third_two_thirds_and_all() -> None:
    assert default_feature_layers(1) == (1,)
    assert default_feature_layers(2) == (1, 2)
    assert default_feature_layers(6) == (2, 4, 6)
    assert default_feature_layers(12) == (4, 8, 12)


def test_nli_features_are_masked_means_of_the_model_hidden_states(tiny_nli: str) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    texts = ["topic0w1 topic3w2 topic3w4", "a"]
    tokenizer = AutoTokenizer.from_pretrained(tiny_nli)
    classifier = AutoModelForSequenceClassification.from_pretrained(tiny_nli).eval()
    expected = []
    for text in texts:  # one text at a time: no padding at all
        enc = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = classifier.base_model(**enc, output_hidden_states=True).hidden_states
        vector = hidden[1][0].mean(0).numpy()
        expected.append(vector / np.linalg.norm(vector))
    encoder = NLIFeatureEncoder(tiny_nli)
    batched = encoder.encode(texts, batch_size=64)  # padded together
    assert encoder.layers == (1,)
    assert batched.shape == (2, 32)
    assert np.allclose(batched, np.stack(expected), atol=1e-5)
    assert np.allclose(encoder.encode(texts, batch_size=1), batched, atol=1e-5)


def test_dual_is_the_mean_of_its_members_and_round_trips_without_pickle(tiny_bert: str, tiny_nli: str, tmp_path: Path) -> None:
    base = make_base("dual", LABELS, DESCRIPTIONS, embedding_model=tiny_bert, nli_model=tiny_nli)
    assert isinstance(base, DualBlendBase) and isinstance(base.nli, NLIFeatureBlendBase)
    assert base.nli.model_name == tiny_nli
    texts, hard, soft = make(600, 0)
    pruner = ConformalLabelPruner(
        LABELS, base="dual", alpha=0.1, descriptions=DESCRIPTIONS, embedding_model=tiny_bert, nli_model=tiny_nli
    )
    pruner.fit_conformalize(texts, [LABELS[k] for k in hard], zero_shot_scores=soft)
    test_texts, test_hard, _ = make(400, 1)
    dual = pruner.base
    assert isinstance(dual, DualBlendBase)
    members = 0.5 * dual.sentence.predict_proba(test_texts) + 0.5 * dual.nli.predict_proba(test_texts)
    assert np.allclose(dual.predict_proba(test_texts), members / members.sum(axis=1, keepdims=True), atol=1e-6)
    sets = pruner.predict_set(test_texts)
    assert all(len(s) >= 1 for s in sets)
    assert np.mean([LABELS[k] in s for k, s in zip(test_hard, sets, strict=True)]) >= 0.85
    assert np.mean([len(s) for s in sets]) < len(LABELS) / 2
    pruner.save(tmp_path / "p")
    saved = {p.suffix for p in (tmp_path / "p").rglob("*") if p.is_file()}
    assert saved <= {".json", ".npz"}, saved
    loaded = ConformalLabelPruner.load(tmp_path / "p")
    assert isinstance(loaded.base, DualBlendBase)
    assert loaded.base.nli.model_name == tiny_nli
    assert loaded.predict_set(test_texts) == sets


def test_packaged_models_are_saved_by_name_not_install_path(
    tiny_bert: str, tiny_nli: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pruner over the packaged models loads where the packages live elsewhere."""
    import json

    import xlink.classify.nli_model as nli_model
    import xlink.conformal.base as base_module

    monkeypatch.setattr(base_module, "default_embedding_model", lambda: tiny_bert)
    monkeypatch.setattr(nli_model, "default_nli_model", lambda: tiny_nli)
    texts, hard, soft = make(300, 0)
    pruner = ConformalLabelPruner(LABELS, base="dual", alpha=0.1, descriptions=DESCRIPTIONS, nli_model=tiny_nli)
    pruner.fit_conformalize(texts, [LABELS[k] for k in hard], zero_shot_scores=soft)
    pruner.save(tmp_path / "p")
    saved = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "p").rglob("*.json"))
    assert tiny_bert not in saved and tiny_nli not in saved
    meta = json.loads((tmp_path / "p" / "pruner.json").read_text(encoding="utf-8"))
    assert meta["nli_model"] == "xlink-nli-minilm"
    moved_bert, moved_nli = tmp_path / "elsewhere_bert", tmp_path / "elsewhere_nli"
    import shutil

    shutil.copytree(tiny_bert, moved_bert)
    shutil.copytree(tiny_nli, moved_nli)
    monkeypatch.setattr(base_module, "default_embedding_model", lambda: str(moved_bert))
    monkeypatch.setattr(nli_model, "default_nli_model", lambda: str(moved_nli))
    loaded = ConformalLabelPruner.load(tmp_path / "p")
    assert isinstance(loaded.base, DualBlendBase)
    assert loaded.base.sentence.model_name == str(moved_bert) and loaded.base.nli.model_name == str(moved_nli)
    assert loaded.nli_model == "xlink-nli-minilm"
    test_texts, _, _ = make(50, 1)
    assert loaded.predict_set(test_texts) == pruner.predict_set(test_texts)
