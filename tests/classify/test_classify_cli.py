"""The classification CLI on a tiny CSV it has never seen, with a tiny random NLI model."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from xlink.cli import app

WORDS = {
    "card_arrival": "card arrive arrived post mail",
    "exchange_rate": "rate exchange euro dollar convert",
    "lost_card": "lost stolen card missing wallet",
}


def write_csv(path: Path, n: int, seed: int, text_column: str = "utterance", label_column: str = "intent") -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", text_column, label_column])
        for i in range(n):
            label = rng.choice(sorted(WORDS))
            writer.writerow([i, " ".join(rng.sample(WORDS[label].split(), 3)), label])
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_evaluate_zeroshot_json_keys(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "unseen.csv", 60, 0)
    out = run(
        "evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--calibration-fraction", "0.5", "--base", "tfidf", "--model", str(tiny_nli),
        "--seed", "1", "--label-map", json.dumps({"lost_card": "a lost or stolen card"}),
        "--details", str(tmp_path / "details.npz"), "--json",
    )
    result = json.loads(out)
    for key in ("accuracy_full", "accuracy_pruned", "agreement", "avg_set_size", "n_labels", "nli_pairs_full",
                "nli_pairs_pruned", "time_full_s", "time_pruned_s", "time_saved"):
        assert key in result
    assert result["n_labels"] == 3
    assert result["n_examples"] == 30 and result["n_calibration"] == 30
    assert result["nli_pairs_full"] == 90
    assert 1.0 <= result["avg_set_size"] <= 3.0
    low, high = result["agreement_ci95"]
    assert low <= result["agreement"] <= high and 0.0 <= result["agreement_p_value"] <= 1.0
    assert 0.0 <= result["label_shift_tv"] <= 1.0 and 0.0 <= result["label_mix_p_value"] <= 1.0
    sizes = np.load(tmp_path / "details.npz")["set_sizes"]
    assert sizes.mean() == pytest.approx(result["avg_set_size"])
    # one-label sets are decided without an NLI pass; every other kept label costs one pair
    assert result["nli_pairs_pruned"] == int(sizes[sizes > 1].sum())


def test_evaluate_zeroshot_separate_calibration_file_and_limits(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "test.csv", 20, 0)
    cal = write_csv(tmp_path / "train.csv", 50, 1)
    out = run(
        "evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--calibration", str(cal), "--calibration-limit", "40", "--limit", "10",
        "--base", "token", "--model", str(tiny_nli), "--repeats", "3", "--json",
    )
    result = json.loads(out)
    assert result["n_examples"] == 10 and result["n_calibration"] == 40
    assert result["timing_repeats"] == 3 and result["time_full_s"] > 0 and result["time_pruned_s"] > 0


def test_evaluate_zeroshot_timing_repeats_keep_the_fastest(tiny_nli: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each side is timed ``repeats`` times, alternating, and the minimum is reported."""
    from xlink.classify import evaluate_zeroshot as module
    from xlink.classify.zeroshot import ZeroShotClassifier

    classifier = ZeroShotClassifier(str(tiny_nli))
    calls: list[str] = []
    seconds = iter([5.0, 4.0, 3.0, 1.0, 6.0, 2.0, 0.5])  # full, pruned, full, pruned, full, pruned
    real = classifier.timed_predict

    def fake_timed(texts, labels, label_sets=None, multi_label=False):  # type: ignore[no-untyped-def]
        calls.append("full" if label_sets is None else "pruned")
        return real(texts, labels, label_sets, multi_label)[0], next(seconds)

    monkeypatch.setattr(classifier, "timed_predict", fake_timed)
    rows = [(f"text {i} about {w}", w) for i, w in enumerate(["sports", "politics", "music"] * 10)]
    texts, gold = [t for t, _ in rows], [g for _, g in rows]
    cal = [f"calibration {i} {w}" for i, w in enumerate(["sports", "politics", "music"] * 20)]
    result, _ = module.evaluate_zeroshot(
        classifier, texts, gold, ["sports", "politics", "music"], cal, alpha=0.1, base="tfidf", timing_repeats=3,
    )
    assert calls[-6:] == ["full", "pruned", "full", "pruned", "full", "pruned"]
    assert result.time_full_s == 3.0 and result.timing_repeats == 3
    assert result.time_pruned_s == pytest.approx(1.0 + result.time_base_s)
    with pytest.raises(ValueError, match="timing_repeats"):
        module.evaluate_zeroshot(classifier, texts, gold, ["sports", "politics", "music"], cal, alpha=0.1, base="tfidf", timing_repeats=0)


def test_too_few_calibration_texts_is_one_line_error(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "small.csv", 40, 0)
    result = CliRunner().invoke(
        app, ["evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
              "--alpha", "0.01", "--model", str(tiny_nli)],
    )
    assert result.exit_code != 0
    assert "ceil(1/alpha)" in str(result.exception) or "ceil(1/alpha)" in result.output


def test_missing_column_is_format_error(tiny_nli: Path, tmp_path: Path) -> None:
    from xlink.errors import FormatError

    data = write_csv(tmp_path / "x.csv", 10, 0)
    result = CliRunner().invoke(app, ["evaluate-zeroshot", "--data", str(data), "--text-column", "text",
                                      "--label-column", "intent", "--model", str(tiny_nli)])
    assert isinstance(result.exception, FormatError)
    assert "x.csv:1" in str(result.exception)


def test_calibrate_then_classify_with_pruner(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "texts.csv", 40, 2)
    run("calibrate", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--base", "tfidf", "--model", str(tiny_nli), "--output", str(tmp_path / "pruner"))
    meta = json.loads((tmp_path / "pruner" / "pruner.json").read_text())
    assert meta["nli_model"] == str(tiny_nli)
    rows = json.loads(run("classify", "--pruner", str(tmp_path / "pruner"), "--json", "euro dollar rate", "lost wallet"))
    assert len(rows) == 2
    assert all(1 <= len(r["label_set"]) <= 3 and r["top_label"] in WORDS for r in rows)
    plain = run("classify", "--labels", "a,b", "--model", str(tiny_nli), "some text")
    assert plain.split("\t")[0] in {"a", "b"}
    for r in rows:  # a set of one label is decided without the NLI model, and says so
        assert r["nli_scored"] is (len(r["label_set"]) > 1)
    other = tmp_path / "other_model"
    shutil.copytree(tiny_nli, other)
    for args, message in (
        (["--model", str(other)], "calibrated on the labels of NLI model"),
        (["--template", "About {}."], "calibrated with the template"),
        (["--label-map", '{"lost_card": "a card gone missing"}'], "descriptions differ from the pruner's"),
    ):
        result = CliRunner().invoke(app, ["classify", "--pruner", str(tmp_path / "pruner"), *args, "lost wallet"])
        assert result.exit_code != 0 and message in str(result.exception), (args, result.output)


def test_classify_names_a_missing_model_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["classify", "--labels", "a,b", "-m", "./no_model_here", "text"])
    assert result.exit_code != 0 and "model folder ./no_model_here not found" in str(result.exception)


def test_evaluate_nli(tiny_nli: Path, tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"premise": "a man", "hypothesis": "a man", "label": lab}) + "\n"
                            for lab in ["entailment", "neutral", "contradiction", "entailment"]))
    result = json.loads(run("evaluate-nli", str(path), "--limit", "3", "--model", str(tiny_nli), "--json"))
    assert result["n"] == 3 and 0.0 <= result["accuracy"] <= 1.0
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("premise\thypothesis\tlabel\na\tb\t0\n")
    assert json.loads(run("evaluate-nli", str(tsv), "--model", str(tiny_nli), "--json"))["n"] == 1


def test_train_nli_cli_smoke(tiny_nli: Path, tmp_path: Path) -> None:
    data = tmp_path / "nli"
    data.mkdir()
    (data / "pairs.csv").write_text("premise,hypothesis,label\n" + "a man,a man,entailment\na man,no man,contradiction\n" * 8)
    config = tmp_path / "train.cfg"
    config.write_text(f"""
[paths]
base_model = "{tiny_nli}"
output = "{tmp_path / 'model'}"

[data]
root = "{data}"
eval_path = null

[data.train]

[data.train.toy]
path = "pairs.csv"

[training]
epochs = 1.0
batch_size = 4
threads = 1
""")
    out = run("train", "nli", "--config", str(config), "--quiet", "--set", "training.learning_rate=0.001")
    assert "saved" in out and (tmp_path / "model" / "model.safetensors").exists()


@pytest.mark.slow
def test_evaluate_zeroshot_picks_a_base(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "unseen.csv", 120, 0)
    result = json.loads(run(
        "evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--model", str(tiny_nli), "--json",
    ))
    from xlink.conformal.base import BASES

    assert result["base"] in BASES
    assert sorted(c["base"] for c in result["base_choices"]) == sorted(BASES)


def test_evaluate_zeroshot_training_conditional(tiny_nli: Path, tmp_path: Path) -> None:
    from xlink.errors import XlinkError

    data = write_csv(tmp_path / "unseen.csv", 60, 0)
    args = ["evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
            "--alpha", "0.1", "--calibration-fraction", "0.5", "--base", "tfidf", "--model", str(tiny_nli), "--seed", "1"]
    result = json.loads(run(*args, "--delta", "0.5", "--json"))
    assert result["delta"] == 0.5 and 1.0 <= result["avg_set_size"] <= 3.0
    # 30 calibration texts, 15 after the fit half: too few for coverage 0.9 with probability 0.99 (needs 44)
    with pytest.raises(XlinkError, match="at least log\\(delta\\) / log\\(1 - alpha\\) = 44"):
        run(*args, "--delta", "0.01")


def test_label_shift_tv_is_the_total_variation_of_two_label_mixes() -> None:
    from xlink.classify.evaluate_zeroshot import label_shift_tv

    labels = ["a", "b", "c"]
    assert label_shift_tv(["a", "b"], ["b", "a"], labels) == 0.0
    assert label_shift_tv(["a", "a"], ["c"], labels) == 1.0
    # calibration 3/4 a, 1/4 b; use 1/4 a, 1/4 b, 1/2 c: |0.5| + |0| + |0.5| halved
    assert label_shift_tv(["a", "a", "a", "b"], ["a", "b", "c", "c"], labels) == pytest.approx(0.5)
    assert label_shift_tv([], ["a"], labels) == 0.0


def test_classify_warns_when_texts_mix_labels_unlike_the_calibration_texts(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_csv(tmp_path / "texts.csv", 200, 2)
    run("calibrate", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--base", "tfidf", "--model", str(tiny_nli), "--output", str(tmp_path / "pruner"))
    write_csv(tmp_path / "like.csv", 120, 3)  # the same generator: the same label mix
    with open(tmp_path / "unlike.csv", "w", encoding="utf-8") as handle:  # one topic only
        handle.write("utterance\n" + "".join(f"euro dollar rate {i}\n" for i in range(120)))
    runner = CliRunner()
    for name, warned in (("like.csv", False), ("unlike.csv", True)):
        result = runner.invoke(app, ["classify", "--pruner", str(tmp_path / "pruner"), "--input", str(tmp_path / name),
                                     "--text-column", "utterance", "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)) == 120
        assert ("other proportions" in result.stderr) is warned, (name, result.stderr)


def test_label_mix_check_flags_a_shifted_arg_max_mix() -> None:
    from xlink.conformal import label_mix_check

    rng = np.random.default_rng(0)
    reference = rng.dirichlet(np.ones(4), size=2000)
    same = rng.dirichlet(np.ones(4), size=500)
    assert label_mix_check(reference, same).p_value > 0.001
    shifted = same.copy()
    shifted[:300, 0] += 5.0  # 300 of 500 rows now pick label 0
    check = label_mix_check(reference, shifted)
    assert check.p_value < 1e-6 and check.tv > 0.3 and (check.n_reference, check.n) == (2000, 500)
    assert label_mix_check(reference, same[:0]).p_value == 1.0
    with pytest.raises(ValueError, match="columns"):
        label_mix_check(reference, same[:, :3])


def test_separate_selection_from_the_command_line(tiny_nli: Path, tmp_path: Path) -> None:
    # 120 calibration texts: the bases are compared inside the 60-text fit half (18 to calibrate at alpha 0.1)
    data = write_csv(tmp_path / "unseen.csv", 240, 0)
    result = json.loads(run(
        "evaluate-zeroshot", "--data", str(data), "--text-column", "utterance", "--label-column", "intent",
        "--alpha", "0.1", "--model", str(tiny_nli), "--separate-selection", "--json",
    ))
    assert result["base_choices"] and result["base"] in {c["base"] for c in result["base_choices"]} | {"none"}
    # too few texts to compare inside the fit half: tfidf, said in the log, no crash
    small = write_csv(tmp_path / "small.csv", 60, 1)
    run("calibrate", "--data", str(small), "--text-column", "utterance", "--label-column", "intent", "--alpha", "0.1",
        "--model", str(tiny_nli), "--separate-selection", "--output", str(tmp_path / "pruner"))
    assert json.loads((tmp_path / "pruner" / "pruner.json").read_text())["base"]["kind"] == "tfidf"
