"""ZeroShotClassifier: scoring modes, label sets and bad input, on a tiny random NLI model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlink.classify.nli_model import NLIModelError, find_label_indices
from xlink.classify.tiny import make_tiny_nli_model
from xlink.classify.zeroshot import ZeroShotClassifier, ZeroShotError

LABELS = ["sports", "politics", "weather", "music_news"]


@pytest.fixture(scope="module")
def classifier(tiny_nli: Path) -> ZeroShotClassifier:
    return ZeroShotClassifier(str(tiny_nli), batch_size=4)


def test_single_label_scores_are_a_softmax_over_the_set(classifier: ZeroShotClassifier) -> None:
    preds = classifier.predict(["the team plays", "vote now and rain"], LABELS)
    for pred in preds:
        assert set(pred.scores) == set(LABELS)
        assert sum(pred.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert pred.top_label == max(pred.scores, key=pred.scores.get)
        assert pred.n_pairs == 4
        logits = np.array([pred.entailment_logits[label] for label in pred.scores])
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        assert np.allclose(list(pred.scores.values()), expected, atol=1e-6)


def test_batching_does_not_change_scores(tiny_nli: Path) -> None:
    texts = ["the team plays", "a", "vote now and the rain is good for the song", "my card"]
    small = ZeroShotClassifier(str(tiny_nli), batch_size=1).predict(texts, LABELS)
    large = ZeroShotClassifier(str(tiny_nli), batch_size=64).predict(texts, LABELS)
    for a, b in zip(small, large, strict=True):
        for label in LABELS:
            assert a.scores[label] == pytest.approx(b.scores[label], abs=1e-5)


def test_one_label_set_does_not_switch_to_multi_label(classifier: ZeroShotClassifier) -> None:
    single = classifier.predict(["the team plays"], LABELS, label_sets=[["sports"]])[0]
    assert single.scores == {"sports": 1.0}
    assert single.top_label == "sports"
    multi = classifier.predict(["the team plays"], LABELS, label_sets=[["sports"]], multi_label=True)[0]
    assert 0.0 < multi.scores["sports"] < 1.0
    assert multi.n_pairs == 1


def test_one_label_sets_cost_no_nli_pass(classifier: ZeroShotClassifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """In single-label mode a one-label set scores 1.0 whatever the logits: its pair is not sent to the model."""
    sent: list[int] = []
    original = classifier.nli.logits

    def counting(premises: list[str], hypotheses: list[str]) -> np.ndarray:
        sent.append(len(premises))
        return original(premises, hypotheses)

    monkeypatch.setattr(classifier.nli, "logits", counting)
    texts = ["the team plays", "vote now", "", "my card"]
    sets = [["sports"], ["politics", "sports"], ["sports"], ["sports"]]
    predictions = classifier.predict(texts, LABELS, label_sets=sets)
    assert sent == [2]  # only the two-label set's pairs
    assert [p.top_label for p in predictions][0] == "sports" and predictions[3].top_label == "sports"
    assert predictions[2].top_label is None and predictions[2].scores == {"sports": 0.0}  # empty text
    assert [p.n_pairs for p in predictions] == [0, 2, 0, 0]
    full = classifier.predict(["vote now"], LABELS)[0]  # the two-label set's scores are still a softmax over both
    assert set(predictions[1].scores) == {"politics", "sports"} and full.n_pairs == len(LABELS)


def test_multi_label_is_entailment_against_contradiction(classifier: ZeroShotClassifier) -> None:
    pred = classifier.predict(["the team plays"], LABELS, multi_label=True)[0]
    logits = classifier.nli.logits(["the team plays"], [classifier.hypothesis("sports")])[0]
    e, c = logits[0], logits[2]
    assert pred.scores["sports"] == pytest.approx(1 / (1 + np.exp(c - e)), abs=1e-6)


def test_label_sets_per_text(classifier: ZeroShotClassifier) -> None:
    preds = classifier.predict(["a", "b"], LABELS, label_sets=[["sports", "weather"], ["music_news"]])
    assert set(preds[0].scores) == {"sports", "weather"}
    assert preds[1].top_label == "music_news"
    assert classifier.hypothesis("music_news") == "This example is about music news."
    with pytest.raises(ZeroShotError, match="outside the label list"):
        classifier.predict(["a"], LABELS, label_sets=[["cooking"]])
    with pytest.raises(ZeroShotError, match="empty"):
        classifier.predict(["a"], LABELS, label_sets=[[]])
    with pytest.raises(ZeroShotError, match="label sets for"):
        classifier.predict(["a"], LABELS, label_sets=[["sports"], ["sports"]])


def test_bad_labels_and_templates(classifier: ZeroShotClassifier, tiny_nli: Path) -> None:
    with pytest.raises(ZeroShotError, match="duplicate labels"):
        classifier.predict(["a"], ["sports", "sports"])
    with pytest.raises(ZeroShotError, match="empty"):
        classifier.predict(["a"], [])
    with pytest.raises(ZeroShotError, match=r"\{\}"):
        ZeroShotClassifier(str(tiny_nli), hypothesis_template="This is about sports.")
    with pytest.raises(ZeroShotError, match="exactly one"):
        ZeroShotClassifier(str(tiny_nli), hypothesis_template="{} or {}")
    with pytest.raises(ZeroShotError, match="exactly one"):
        ZeroShotClassifier(str(tiny_nli), hypothesis_template="About {} in {year}")
    with pytest.raises(ZeroShotError, match="cannot be formatted"):
        ZeroShotClassifier(str(tiny_nli), hypothesis_template="About {} in {")


def test_empty_texts_are_documented(classifier: ZeroShotClassifier) -> None:
    preds = classifier.predict(["", "  ", "the team"], LABELS)
    assert preds[0].top_label is None and preds[0].n_pairs == 0
    assert set(preds[1].scores.values()) == {0.0}
    assert preds[2].top_label in LABELS
    assert classifier.predict([], LABELS) == []


def test_thousand_labels(tiny_nli: Path, caplog: pytest.LogCaptureFixture) -> None:
    """1,000 labels work (one NLI pair each) and log a warning suggesting pruning."""
    labels = [f"label {i}" for i in range(1000)]
    pred = ZeroShotClassifier(str(tiny_nli), batch_size=500).predict(["the team plays"], labels)[0]
    assert pred.n_pairs == 1000
    assert sum(pred.scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert "1000 labels" in caplog.text


def test_label_descriptions(tiny_nli: Path) -> None:
    clf = ZeroShotClassifier(str(tiny_nli), hypothesis_template="It is {}.", label_descriptions={"wx": "weather"})
    assert clf.hypothesis("wx") == "It is weather."


def test_label_indices_from_id2label(tmp_path: Path) -> None:
    assert find_label_indices({0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}).entailment == 2
    assert find_label_indices({"0": "entailment", "1": "not_entailment"}).contradiction == 1
    with pytest.raises(NLIModelError, match="no entailment"):
        find_label_indices({0: "LABEL_0", 1: "LABEL_1"})
    path = make_tiny_nli_model(tmp_path / "reordered", id2label={0: "contradiction", 1: "neutral", 2: "entailment"})
    clf = ZeroShotClassifier(str(path))
    assert clf.nli.labels.entailment == 2 and clf.nli.labels.contradiction == 0


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NLIModelError, match="cannot load"):
        ZeroShotClassifier(str(tmp_path / "nope"))


def test_demo_runs_on_a_tiny_model(tiny_nli: Path) -> None:
    from xlink.classify.demo import LABELS as DEMO_LABELS
    from xlink.classify.demo import SAMPLE_TEXTS, run_demo

    lines: list[str] = []
    rows = run_demo(str(tiny_nli), say=lines.append)
    assert len(rows) == len(SAMPLE_TEXTS) and lines
    assert all(1 <= len(r.label_set) <= len(DEMO_LABELS) and r.top_label in r.label_set for r in rows)
    progress_only: list[str] = []
    run_demo(str(tiny_nli), say=progress_only.append, per_text=False)  # the command line's table shows the rest
    assert len(progress_only) == len(lines) - len(SAMPLE_TEXTS)
    assert not any(text in line for text in SAMPLE_TEXTS for line in progress_only)


def test_packaged_name_resolves_to_the_shipped_model(monkeypatch: pytest.MonkeyPatch, tiny_nli: Path) -> None:
    """``--model xlink-nli-minilm`` means the installed package, never a hub lookup."""
    import xlink.classify.nli_model as nli_model

    monkeypatch.setattr(nli_model, "default_nli_model", lambda: str(tiny_nli))
    for name in ("xlink-nli-minilm", "xlink_nli_minilm", None):
        assert nli_model.NLIModel(name).name == str(tiny_nli)


def test_bf16_scores_are_close_to_float32(tiny_nli: Path) -> None:
    """bfloat16 autocast changes logits by rounding only; int8 and bf16 together are refused."""
    from xlink.classify.nli_model import NLIModel

    premises = ["my card has not arrived", "it is going to rain", "the team won the game"] * 4
    hypotheses = [f"This example is about {label}." for label in ("card", "weather", "sports")] * 4
    fp32 = NLIModel(str(tiny_nli), batch_size=4).logits(premises, hypotheses)
    bf16 = NLIModel(str(tiny_nli), batch_size=4, bf16=True).logits(premises, hypotheses)
    assert fp32.shape == bf16.shape and np.abs(fp32 - bf16).max() < 0.1
    with pytest.raises(NLIModelError, match="int8 or bf16"):
        NLIModel(str(tiny_nli), int8=True, bf16=True, device="cpu")
    clf = ZeroShotClassifier(str(tiny_nli), bf16=True)
    assert clf.nli.bf16 and clf.predict(["my card"], LABELS)[0].top_label in LABELS


def test_template_placeholders_are_read_as_format_reads_them(tiny_nli: Path) -> None:
    for literal_only in ("Topic: {{}}", "{{}} and {{}}"):  # no field: every label would read the same
        with pytest.raises(ZeroShotError, match="exactly one"):
            ZeroShotClassifier(str(tiny_nli), hypothesis_template=literal_only)
    for bad in ("About {0}.", "About {!r}.", "About {:>9}."):
        with pytest.raises(ZeroShotError, match="bare"):
            ZeroShotClassifier(str(tiny_nli), hypothesis_template=bad)
    braces = ZeroShotClassifier(str(tiny_nli), hypothesis_template="{} is {{}}")
    assert braces.hypothesis("sports") == "sports is {}"


def test_the_many_labels_warning_counts_the_pairs_that_run(tiny_nli: Path, caplog: pytest.LogCaptureFixture) -> None:
    labels = [f"label {i}" for i in range(250)]
    classifier = ZeroShotClassifier(str(tiny_nli), batch_size=500)
    pred = classifier.predict(["the team plays"], labels, label_sets=[["label 1", "label 2"]])[0]
    assert pred.n_pairs == 2 and "labels" not in caplog.text
    classifier.predict(["the team plays"], labels, label_sets=[labels])
    assert "250 labels (the widest of the 1 label sets)" in caplog.text


def test_max_length_beyond_the_model_is_clamped_and_below_one_refused(
    tiny_nli: Path, caplog: pytest.LogCaptureFixture
) -> None:
    classifier = ZeroShotClassifier(str(tiny_nli), max_length=1000)  # the tiny model takes 128 positions
    assert classifier.nli.max_length == 128 and "using 128" in caplog.text
    pred = classifier.predict(["word " * 700], ["sports", "music"])[0]  # would fail past 128 positions
    assert sum(pred.scores.values()) == pytest.approx(1.0, abs=1e-4)
    for bad in (0, -3, True):
        with pytest.raises(NLIModelError, match="at least 1 token"):
            ZeroShotClassifier(str(tiny_nli), max_length=bad)
