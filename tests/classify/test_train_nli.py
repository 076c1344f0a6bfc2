"""NLI training: loss, batching, a few real optimisation steps on a tiny model, atomic save."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

from xlink.classify.nli_data import NLIExample
from xlink.classify.nli_model import NLIModel
from xlink.classify.train_nli import NLITrainingConfig, length_sorted_batches, nli_loss, train_nli


def test_not_entailment_loss_is_two_way() -> None:
    logits = torch.tensor([[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    p = torch.softmax(logits[0], dim=0)
    assert torch.isclose(nli_loss(logits[:1], torch.tensor([0])), -torch.log(p[0]))
    assert torch.isclose(nli_loss(logits[1:], torch.tensor([3])), -torch.log(p[1] + p[2]))


def test_length_sorted_batches_cover_everything_once() -> None:
    lengths = [random.Random(1).randint(3, 90) for _ in range(503)]
    batches = length_sorted_batches(lengths, 16, random.Random(0), pool_factor=4)
    flat = sorted(i for batch in batches for i in batch)
    assert flat == list(range(503))
    assert all(len(b) <= 16 for b in batches)
    # within a batch, lengths are close: sorted inside pools
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 30


def test_few_steps_reduce_loss_and_save_fp16(tiny_nli: Path, tmp_path: Path) -> None:
    examples = [
        NLIExample("a man plays", "a man plays", "entailment"),
        NLIExample("a dog runs", "a cat is good", "neutral"),
        NLIExample("the team is good", "the team is not good", "contradiction"),
        NLIExample("it is rain", "it is not rain", "not_entailment"),
    ] * 8
    config = NLITrainingConfig(
        base_model=str(tiny_nli), output=str(tmp_path / "out"), eval_path=None, epochs=8, batch_size=8,
        learning_rate=3e-3, warmup_ratio=0.0, log_every=4, threads=1, seed=0,
    )
    report = train_nli(config, examples)
    assert report.steps == 32
    assert report.losses[-1] < report.losses[0]
    out = tmp_path / "out"
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as handle:
        assert all(handle.get_tensor(k).dtype == torch.float16 for k in handle.keys())
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["id2label"] == {"0": "entailment", "1": "neutral", "2": "contradiction"}
    model = NLIModel(out)
    assert next(model.model.parameters()).dtype == torch.float32
    assert model.predict_labels(["a man plays"], ["a man plays"])[0] in {"entailment", "neutral", "contradiction"}
    assert json.loads((out / "training_report.json").read_text())["steps"] == 32


def test_a_base_nli_head_in_another_label_order_is_reordered_not_renamed(tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from xlink.classify.tiny import make_tiny_nli_model
    from xlink.classify.train_nli import ID2LABEL, load_base_for_nli

    permuted = make_tiny_nli_model(tmp_path / "perm", id2label={0: "contradiction", 1: "entailment", 2: "neutral"})
    tokenizer = AutoTokenizer.from_pretrained(permuted)
    batch = tokenizer(["a man plays"], ["a person plays"], return_tensors="pt")
    base = AutoModelForSequenceClassification.from_pretrained(permuted).eval()
    model = load_base_for_nli(str(permuted)).eval()
    with torch.no_grad():
        before, after = base(**batch).logits[0], model(**batch).logits[0]
    names = {0: "contradiction", 1: "entailment", 2: "neutral"}
    for i, label in ID2LABEL.items():
        j = next(k for k, name in names.items() if name == label)
        assert float(after[i]) == pytest.approx(float(before[j]), abs=1e-6)
    assert model.config.id2label == ID2LABEL


def test_a_base_with_another_number_of_labels_gets_a_new_head(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from xlink.classify.tiny import make_tiny_nli_model
    from xlink.classify.train_nli import load_base_for_nli

    one = make_tiny_nli_model(tmp_path / "one", id2label={0: "LABEL_0"})
    model = load_base_for_nli(str(one))
    assert model.config.num_labels == 3 and "a new 3-way NLI head replaces it" in caplog.text
