"""The static base: blend over mean input-token embeddings, on a tiny random BERT (no sentence-transformer)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conformal.synthetic import DESCRIPTIONS, LABELS, WORDS, make
from tests.helpers.tiny_bert import write_tiny_bert
from xlink.conformal import ConformalLabelPruner
from xlink.conformal.base import StaticBlendBase, StaticEncoder, make_base


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    words = [*LABELS, *(w for ws in WORDS.values() for w in ws)]
    return str(write_tiny_bert(tmp_path_factory.mktemp("static") / "bert", words, seed=3))


@pytest.fixture
def no_sentence_transformer(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentence_transformers

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the static base must not load a sentence-transformer")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", refuse)


def test_static_encoder_is_the_normalized_mean_of_input_embeddings(tiny: str) -> None:
    from transformers import AutoModel, AutoTokenizer

    table = AutoModel.from_pretrained(tiny).get_input_embeddings().weight.detach().numpy()
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    a, b = (tokenizer.convert_tokens_to_ids(w) for w in ("topic0", "topic1w2"))
    vectors = StaticEncoder(tiny).encode(["topic0 topic1w2", "", "[SEP] [CLS]"])
    expected = (table[a] + table[b]) / 2
    assert np.allclose(vectors[0], expected / np.linalg.norm(expected), atol=1e-6)
    assert not vectors[1].any() and not vectors[2].any()  # no word pieces, only special tokens: zeros


@pytest.mark.usefixtures("no_sentence_transformer")
def test_static_pruner_covers_and_round_trips(tiny: str, tmp_path: Path) -> None:
    assert isinstance(make_base("static", LABELS, DESCRIPTIONS, embedding_model=tiny), StaticBlendBase)
    texts, hard, soft = make(600, 0)
    pruner = ConformalLabelPruner(LABELS, base="static", alpha=0.1, descriptions=DESCRIPTIONS, embedding_model=tiny)
    pruner.fit_conformalize(texts, [LABELS[k] for k in hard], zero_shot_scores=soft)
    test_texts, test_hard, _ = make(600, 1)
    sets = pruner.predict_set(test_texts)
    assert all(len(s) >= 1 for s in sets)
    assert np.mean([LABELS[k] in s for k, s in zip(test_hard, sets, strict=True)]) >= 0.85
    assert np.mean([len(s) for s in sets]) < len(LABELS) / 2  # random word vectors still separate the topics
    pruner.save(tmp_path / "p")
    loaded = ConformalLabelPruner.load(tmp_path / "p")
    assert isinstance(loaded.base, StaticBlendBase)
    assert loaded.predict_set(test_texts) == sets
