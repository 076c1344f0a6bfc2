"""Static vectors distilled from an encoder, and the ``xlink.ListenerWithVectors.v1`` NER layer."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.training import Example

from tests.helpers.cli import run_xlink
from tests.helpers.tiny_bert import write_tiny_bert
from xlink.components.static_vectors import (
    StaticVectorTable,
    distil,
    save_vectors_pipeline,
    vocabulary,
)
from xlink.errors import XlinkError

_WORDS = "the patient had cystic fibrosis and colon cancer with ataxia nystagmus of a".split()


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny_bert_vectors"), _WORDS, seed=0)


@pytest.fixture(scope="module")
def vectors_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Path) -> Path:
    words = vocabulary(["The patient had cystic fibrosis.", "Colon cancer with ataxia and nystagmus."])
    return save_vectors_pipeline(distil(words, str(encoder), dims=6), tmp_path_factory.mktemp("vec") / "nlp")


def test_vocabulary_lowercases_orders_by_frequency_and_filters() -> None:
    words = vocabulary(["Cancer cancer CANCER of the colon, 1999 -- x", "colon tumour"], extra_words=["Tumour", "7"])
    assert words[:2] == ["cancer", "colon"]  # 3 and 2 occurrences
    assert "1999" not in words and "," not in words and "x" not in words  # no letter / one letter
    assert "tumour" in words and words.count("tumour") == 1
    assert vocabulary(["a b c dd ee ff"], max_words=2) == ["dd", "ee"]


def test_distil_reduces_and_scales(encoder: Path) -> None:
    words = ["cancer", "colon", "ataxia", "nystagmus", "fibrosis", "cystic", "patient"]
    table = distil(words, str(encoder), dims=4)
    assert table.vectors.shape == (7, 4) and table.vectors.dtype == np.float32
    assert np.sqrt((table.vectors**2).sum(axis=1).mean()) == pytest.approx(1.0, rel=1e-4)
    assert 0.0 < table.pca_variance_kept <= 1.0
    again = distil(list(reversed(words)), str(encoder), dims=4)
    # a word's vector before PCA does not depend on the order of the vocabulary
    assert np.allclose(np.abs(again.vectors[::-1]), np.abs(table.vectors), atol=1e-4)
    assert distil(words[:2], str(encoder), dims=50).vectors.shape == (2, 2)  # capped by the word count
    with pytest.raises(XlinkError, match="vocabulary is empty"):
        distil([], str(encoder))


def test_table_checks_its_shape() -> None:
    with pytest.raises(ValueError, match="2 words"):
        StaticVectorTable(("a", "b"), np.zeros((3, 2), dtype=np.float32), "m", 1.0)


def test_saved_pipeline_keys_vectors_by_lowercase(vectors_dir: Path) -> None:
    nlp = spacy.load(vectors_dir)
    assert nlp.vocab.vectors.shape[1] == 6
    doc = nlp("Nystagmus nystagmus NYSTAGMUS nyStagmus zzzunseen")
    assert all(t.has_vector for t in doc[:3])
    assert np.array_equal(doc[0].vector, doc[1].vector) and np.array_equal(doc[2].vector, doc[1].vector)
    assert not doc[3].has_vector and not doc[4].has_vector
    assert nlp.vocab.vectors.shape[0] == len(
        vocabulary(["The patient had cystic fibrosis.", "Colon cancer with ataxia and nystagmus."])
    )
    info = json.loads((vectors_dir / "xlink_vectors.json").read_text())
    assert info["dims"] == 6 and info["keys"] > info["words"] and info["case_variants"]


def test_without_case_variants_only_lowercase_keys(tmp_path: Path, encoder: Path) -> None:
    table = distil(["nystagmus", "ataxia"], str(encoder), dims=2)
    nlp = spacy.load(save_vectors_pipeline(table, tmp_path / "v", case_variants=False))
    assert [t.has_vector for t in nlp("nystagmus Nystagmus")] == [True, False]


def _ner_config() -> dict[str, object]:
    return {
        "model": {
            "@architectures": "spacy.TransitionBasedParser.v2",
            "state_type": "ner",
            "extra_state_tokens": False,
            "hidden_width": 16,
            "maxout_pieces": 2,
            "use_upper": True,
            "nO": None,
            "tok2vec": {
                "@architectures": "xlink.ListenerWithVectors.v1",
                "vectors_width": 8,
                "width": 16,
                "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 16, "upstream": "*"},
            },
        }
    }


def _tok2vec_config() -> dict[str, object]:
    return {
        "model": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": 16,
                "attrs": ["NORM", "SHAPE"],
                "rows": [500, 100],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": 16,
                "depth": 1,
                "window_size": 1,
                "maxout_pieces": 2,
            },
        }
    }


def test_listener_with_vectors_trains_saves_and_loads_without_importing_xlink(
    vectors_dir: Path, tmp_path: Path
) -> None:
    nlp = spacy.load(vectors_dir)
    nlp.add_pipe("tok2vec", config=_tok2vec_config())
    nlp.add_pipe("ner", config=_ner_config())
    texts = [
        ("The patient had cystic fibrosis .", [(16, 31, "DISEASE")]),
        ("Colon cancer with ataxia .", [(0, 12, "DISEASE"), (18, 24, "DISEASE")]),
        ("A patient had nystagmus .", [(14, 23, "DISEASE")]),
    ]
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": ents}) for t, ents in texts]
    random.seed(0)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = 0.01
    losses = []
    for _ in range(30):
        step: dict[str, float] = {}
        nlp.update(examples, sgd=optimizer, losses=step, drop=0.0)
        losses.append(step["ner"])
    assert losses[-1] < 0.2 * losses[0]
    nlp.to_disk(tmp_path / "ner")
    expected = [(e.start_char, e.end_char) for e in nlp("Colon cancer with ataxia .").ents]
    code = (
        "import json, sys, spacy\n"
        f"nlp = spacy.load({str(tmp_path / 'ner')!r})\n"
        "print(json.dumps([(e.start_char, e.end_char) for e in nlp('Colon cancer with ataxia .').ents]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [tuple(x) for x in json.loads(out.stdout)] == expected


def test_build_vectors_cli(tmp_path: Path, encoder: Path) -> None:
    corpus = Path(__file__).parents[1] / "fixtures" / "corpus" / "ncbi_sample.txt"
    out = tmp_path / "vec"
    result = run_xlink(
        "build-vectors", "-o", str(out), "--corpus", str(corpus), "--model", str(encoder), "--dims", "4",
        cache=tmp_path / "cache",
    )
    assert result.returncode == 0, result.stderr
    assert spacy.load(out).vocab.vectors.shape[1] == 4
    result = run_xlink("build-vectors", "-o", str(tmp_path / "none"), "--model", str(encoder), cache=tmp_path / "c")
    assert result.returncode != 0 and "give at least one --terminology or --corpus" in result.stderr
    (tmp_path / "file").write_text("x")
    result = run_xlink(
        "build-vectors", "-o", str(tmp_path / "file"), "--corpus", str(corpus), "--model", str(encoder),
        cache=tmp_path / "c",
    )
    assert result.returncode != 0 and "is a file" in result.stderr
