"""The xlink_zeroshot spaCy component end to end, on a tiny random NLI model made here."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import spacy

from xlink.classify.tiny import make_tiny_nli_model
from xlink.classify.zeroshot import ZeroShotError
from xlink.conformal import ConformalLabelPruner
from xlink.errors import XlinkError

LABELS = ["sports", "politics", "weather", "music"]
WORDS = {
    "sports": "goal match team score player",
    "politics": "vote election senate law minister",
    "weather": "rain sun storm cloud forecast",
    "music": "song album guitar band concert",
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = " ".join(WORDS.values()).split()
    return make_tiny_nli_model(tmp_path_factory.mktemp("tiny_zs"), words=words)


@pytest.fixture(scope="module")
def pruner() -> ConformalLabelPruner:
    rng = random.Random(0)
    texts, targets = [], []
    for _ in range(300):
        label = rng.choice(LABELS)
        texts.append(" ".join(rng.sample(WORDS[label].split(), 3)))
        targets.append(label)
    return ConformalLabelPruner(LABELS, base="tfidf", alpha=0.1).fit_conformalize(texts, targets)


def test_cats_hold_every_label(tiny_model: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model)})
    doc = nlp("the team scores a goal")
    assert set(doc.cats) == set(LABELS)
    assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)
    assert set(doc._.xlink_label_set) == set(LABELS)
    assert set(doc._.xlink_nli_scores) == set(LABELS)


def test_pruned_labels_get_zero_and_pipe_matches_call(tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "batch_size": 3})
    component.pruner = pruner
    component.labels = list(LABELS)
    texts = ["rain storm cloud", "vote senate law", "song band", "goal match", "", "sun"]
    docs = list(nlp.pipe(texts))
    for doc in docs:
        kept = set(doc._.xlink_label_set)
        assert 1 <= len(kept) <= len(LABELS) or (not doc.text and not kept)  # an empty text: no label scored
        assert set(doc.cats) == set(LABELS)
        assert all(doc.cats[label] == 0.0 for label in set(LABELS) - kept)
        assert set(doc._.xlink_nli_scores) <= kept
    single = nlp(texts[0])
    assert single.cats == pytest.approx(docs[0].cats, abs=1e-5)
    assert docs[4]._.xlink_nli_scores == {}  # empty text: nothing scored

    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "xlink_zeroshot" / "pruner" / "pruner.json").exists()
    reloaded = spacy.load(tmp_path / "pipeline")
    again = list(reloaded.pipe(texts))
    for a, b in zip(docs, again, strict=True):
        assert a._.xlink_label_set == b._.xlink_label_set
        assert a.cats == pytest.approx(b.cats, abs=1e-5)


def test_pruner_path_in_config_supplies_labels(tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path) -> None:
    pruner.save(tmp_path / "pruner")
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "pruner": str(tmp_path / "pruner")})
    doc = nlp("song album guitar")
    assert set(doc.cats) == set(LABELS)


def test_template_without_placeholder_is_refused(tiny_model: Path) -> None:
    nlp = spacy.blank("en")
    with pytest.raises(ZeroShotError, match=r"\{\}"):
        nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model), "hypothesis_template": "About sports."})


def test_no_labels_is_a_clear_error(tiny_model: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model)})
    with pytest.raises(Exception, match="no labels"):
        nlp("text")


def test_bf16_setting_round_trips(tiny_model: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model), "bf16": True})
    doc = nlp("rain and storm in the forecast")
    assert set(doc.cats) == set(LABELS) and nlp.get_pipe("xlink_zeroshot").classifier.nli.bf16
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe("xlink_zeroshot").bf16
    assert loaded("rain and storm in the forecast").cats.keys() == doc.cats.keys()


@pytest.mark.timeout(180, method="thread")  # a forked worker that waits on the parent's torch threads never returns
def test_n_process_2_after_the_parent_ran_the_model(tiny_model: Path) -> None:
    # spaCy forks its workers; they must not wait on the parent's torch threads (xlink.parallel).
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        nlp = spacy.blank("en")
        nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model)})
        texts = ["rain storm cloud", "vote senate law", "song band", "goal match"] * 2
        expected = [doc.cats for doc in nlp.pipe(texts)]
        docs = list(nlp.pipe(texts, n_process=2, batch_size=2))
    finally:
        torch.set_num_threads(previous)
    assert [set(d.cats) for d in docs] == [set(LABELS)] * len(texts)
    for doc, cats in zip(docs, expected, strict=True):
        assert doc.cats == pytest.approx(cats, abs=1e-5)


def test_a_mistyped_local_model_path_fails_at_add_pipe(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    with pytest.raises(XlinkError, match="model folder /nonexistent/nli-model not found"):
        nlp.add_pipe("xlink_zeroshot", config={"labels": ["a", "b"], "model": "/nonexistent/nli-model"})
    (tmp_path / "empty").mkdir()
    with pytest.raises(XlinkError, match="holds no config.json"):
        nlp.add_pipe("xlink_zeroshot", config={"labels": ["a", "b"], "model": str(tmp_path / "empty")})


def _calibrated_copy(pruner: ConformalLabelPruner, folder: Path, model: Path) -> Path:
    """The fixture pruner saved as `xlink calibrate` saves one: with its NLI model, template and descriptions."""
    pruner.save(folder)
    meta = json.loads((folder / "pruner.json").read_text(encoding="utf-8"))
    meta.update(nli_model=str(model), hypothesis_template="The topic is {}.",
                descriptions=["sport and games" if label == "sports" else label for label in LABELS])
    (folder / "pruner.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_the_pipe_takes_model_template_and_descriptions_from_its_pruner(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    """The 1 - alpha promise holds for the zero-shot model that labelled the calibration texts, so the pipe uses it."""
    folder = _calibrated_copy(pruner, tmp_path / "pruner", tiny_model)
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"pruner": str(folder)})
    assert component.model == str(tiny_model) and component.hypothesis_template == "The topic is {}."
    assert component.label_descriptions == {"sports": "sport and games"}
    other = make_tiny_nli_model(tmp_path / "other", words=["goal"])
    for config, message in (
        ({"model": str(other)}, "calibrated on the labels of NLI model"),
        ({"hypothesis_template": "About {}."}, "calibrated with the template 'The topic is {}.'"),
        ({"label_descriptions": {"sports": "football"}}, "descriptions differ from the pruner's \\(first: 'sports'\\)"),
    ):
        with pytest.raises(XlinkError, match=message):
            spacy.blank("en").add_pipe("xlink_zeroshot", config={"pruner": str(folder), **config})


def test_a_saved_pipeline_needs_neither_the_pruner_folder_nor_the_local_model(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    folder = _calibrated_copy(pruner, tmp_path / "pruner", model)
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"pruner": str(folder)})
    before = nlp("rain storm cloud").cats
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(folder)
    shutil.rmtree(model)
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded("rain storm cloud").cats == pytest.approx(before, abs=1e-5)
    assert (tmp_path / "pipeline" / "xlink_zeroshot" / "nli_model" / "config.json").exists()
    reloaded.to_disk(tmp_path / "pipeline")  # saving a loaded pipeline over itself keeps its model copy
    assert spacy.load(tmp_path / "pipeline")("rain storm cloud").cats == pytest.approx(before, abs=1e-5)


def test_add_pipe_checks_what_classify_checks(tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path) -> None:
    with pytest.raises(XlinkError, match="max_length = 0"):
        spacy.blank("en").add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model), "max_length": 0})
    with pytest.raises(XlinkError, match="same hypothesis"):
        spacy.blank("en").add_pipe("xlink_zeroshot", config={"labels": ["Sports", "sports"], "model": str(tiny_model)})
    pruner.save(tmp_path / "p")
    component = spacy.blank("en").add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "pruner": str(tmp_path / "p")})
    with pytest.raises(XlinkError, match="pruner's labels differ"):
        component.initialize(labels=[*LABELS, "cooking"])


def test_a_pipeline_rebuilt_from_its_config_keeps_its_pruner(tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path) -> None:
    """Only spacy.load of a saved pipeline defers to from_disk; load_model_from_config (spacy assemble) reads the config's paths."""
    pruner.save(tmp_path / "p")
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "pruner": str(tmp_path / "p")})
    rebuilt = spacy.util.load_model_from_config(nlp.config)
    doc = rebuilt("song album guitar")  # the pruner is read at first use (from_disk may follow from_config)
    component = rebuilt.get_pipe("xlink_zeroshot")
    assert component.pruner is not None and component.labels == list(LABELS)
    assert set(doc._.xlink_label_set) == set(component.pruner.predict_set(["song album guitar"])[0].labels)


def test_two_zero_shot_pipes_keep_their_own_labels_and_extensions(tiny_model: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", name="topic", config={"labels": ["sports", "politics"], "model": str(tiny_model)})
    nlp.add_pipe("xlink_zeroshot", name="weather", config={
        "labels": ["weather", "music"], "model": str(tiny_model),
        "label_set_attr": "weather_label_set", "scores_attr": "weather_nli_scores",
    })
    doc = nlp("rain storm and a goal")
    assert set(doc.cats) == {"sports", "politics", "weather", "music"}
    assert set(doc._.xlink_label_set) == {"sports", "politics"} and set(doc._.weather_label_set) == {"weather", "music"}
    nlp.to_disk(tmp_path / "two")
    again = spacy.load(tmp_path / "two")("rain storm and a goal")
    assert again.cats == pytest.approx(doc.cats, abs=1e-5) and set(again._.weather_nli_scores) == {"weather", "music"}


def test_a_pipe_rebuilt_from_its_config_saves_its_pruner_before_any_use(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    pruner.save(tmp_path / "p")
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "pruner": str(tmp_path / "p")})
    rebuilt = spacy.util.load_model_from_config(nlp.config)
    assert rebuilt.get_pipe("xlink_zeroshot").pruner is not None  # read at once, not at first use
    rebuilt.to_disk(tmp_path / "saved")
    assert (tmp_path / "saved" / "xlink_zeroshot" / "pruner" / "pruner.json").exists()
    assert set(spacy.load(tmp_path / "saved")("rain storm cloud").cats) == set(LABELS)


def test_sources_that_cannot_be_read_inside_from_config_raise_at_every_use(tiny_model: Path, tmp_path: Path) -> None:
    """A pipeline saved by an older xlink may name paths that are gone; without from_disk they must not pass silently."""
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model)})
    config = nlp.config.copy()
    config["components"]["xlink_zeroshot"]["pruner"] = str(tmp_path / "gone")
    rebuilt = spacy.util.load_model_from_config(config)
    for _ in range(2):  # the first error does not leave the pipe to run unpruned
        with pytest.raises(FileNotFoundError):
            rebuilt("rain storm cloud")


def test_a_pruner_object_given_inside_from_config_is_kept(tiny_model: Path, pruner: ConformalLabelPruner) -> None:
    from spacy.language import Language

    from xlink.components.zeroshot import ZeroShotComponent

    @Language.factory("xlink_test_zeroshot_with_pruner")
    def make(nlp: Language, name: str) -> ZeroShotComponent:
        return ZeroShotComponent(nlp, name, model=str(tiny_model), pruner=pruner)

    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_test_zeroshot_with_pruner")
    rebuilt = spacy.util.load_model_from_config(nlp.config)
    component = rebuilt.get_pipe("xlink_test_zeroshot_with_pruner")
    assert component.pruner is pruner and component.labels == list(LABELS)


def test_the_component_pickles_for_spawned_workers(tiny_model: Path, pruner: ConformalLabelPruner) -> None:
    """nlp.pipe(n_process=2) pickles the pipeline where workers are spawned (macOS, Windows, Python 3.14 Linux)."""
    import pickle

    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"labels": LABELS, "model": str(tiny_model)})
    nlp.get_pipe("xlink_zeroshot").pruner = pruner
    copy = pickle.loads(pickle.dumps(nlp.get_pipe("xlink_zeroshot")))
    assert copy.labels == LABELS and copy.pruner is not None
    with copy._lock:  # rebuilt, not shared with the original
        assert copy._lock is not nlp.get_pipe("xlink_zeroshot")._lock


def test_from_disk_changes_nothing_when_the_saved_pruner_does_not_fit(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS})
    component.pruner = pruner
    component.to_disk(tmp_path / "zs")
    settings = json.loads((tmp_path / "zs" / "settings.json").read_text(encoding="utf-8"))
    settings["labels"] = ["a", "b"]
    (tmp_path / "zs" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    fresh = spacy.blank("en").add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": ["x", "y"]})
    with pytest.raises(XlinkError, match="differ from the saved pruner's"):
        fresh.from_disk(tmp_path / "zs")
    assert fresh.labels == ["x", "y"] and fresh.pruner is None


def test_saving_without_a_pruner_over_a_folder_that_had_one_drops_it(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    target = tmp_path / "pipeline"
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model)}).pruner = pruner
    nlp.get_pipe("xlink_zeroshot").labels = list(LABELS)
    nlp.to_disk(target)
    assert (target / "xlink_zeroshot" / "pruner" / "pruner.json").is_file()
    plain = spacy.blank("en")
    plain.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": ["sports", "music"]})
    plain.to_disk(target)  # spaCy does not clear the folder
    assert not (target / "xlink_zeroshot" / "pruner").exists()
    reloaded = spacy.load(target).get_pipe("xlink_zeroshot")
    assert reloaded.pruner is None and reloaded.labels == ["sports", "music"]


def test_a_folder_saved_before_the_pruner_flag_still_loads_its_pruner(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    component = spacy.blank("en").add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS})
    component.pruner = pruner
    component.to_disk(tmp_path / "zs")
    settings = json.loads((tmp_path / "zs" / "settings.json").read_text(encoding="utf-8"))
    del settings["pruner_saved"]
    (tmp_path / "zs" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    fresh = spacy.blank("en").add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS})
    assert fresh.from_disk(tmp_path / "zs").pruner is not None


def test_config_overrides_at_load_apply_and_live_changes_survive_saving(tiny_model: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS})
    component.batch_size = 5  # a change on the live component: saved, and restored over config.cfg
    nlp.to_disk(tmp_path / "p")
    plain = spacy.load(tmp_path / "p").get_pipe("xlink_zeroshot")
    assert plain.batch_size == 5 and plain.multi_label is False and plain.max_length == 128
    overrides = {"multi_label": True, "max_length": 64, "labels": ["sports", "music"]}
    loaded = spacy.load(tmp_path / "p", config={"components": {"xlink_zeroshot": overrides}})
    pipe = loaded.get_pipe("xlink_zeroshot")
    assert (pipe.multi_label, pipe.max_length, pipe.labels, pipe.batch_size) == (True, 64, ["sports", "music"], 5)
    assert set(loaded("the team scores a goal").cats) == {"sports", "music"}
    with pytest.raises(XlinkError, match="max_length = 100000"):
        spacy.load(tmp_path / "p", config={"components": {"xlink_zeroshot": {"max_length": 100_000}}})


def test_config_labels_that_differ_from_the_saved_pruner_are_refused_at_load(
    tiny_model: Path, pruner: ConformalLabelPruner, tmp_path: Path
) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS}).pruner = pruner
    nlp.to_disk(tmp_path / "p")
    with pytest.raises(XlinkError, match="labels given in the config differ"):
        spacy.load(tmp_path / "p", config={"components": {"xlink_zeroshot": {"labels": ["sports", "music"]}}})


def test_an_empty_doc_is_scored_on_no_label(tiny_model: Path, pruner: ConformalLabelPruner) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS})
    assert nlp("")._.xlink_label_set == ()
    component.pruner = pruner
    doc = nlp("   ")
    assert doc._.xlink_label_set == () and set(doc.cats.values()) == {0.0}


def test_the_component_batch_size_caps_nlp_pipe_batches(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS, "batch_size": 4})
    sizes: list[int] = []
    classify = component._classify
    monkeypatch.setattr(component, "_classify", lambda docs: (sizes.append(len(docs)), classify(docs))[1])
    list(nlp.pipe(["the team scores"] * 10, batch_size=1000))
    assert sizes == [4, 4, 2]
    sizes.clear()
    list(nlp.pipe(["the team scores"] * 5, batch_size=2))
    assert sizes == [2, 2, 1]


def test_to_bytes_round_trips_the_pipe_with_its_pruner_and_local_model(
    tiny_model: Path, pruner: ConformalLabelPruner
) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_zeroshot", config={"model": str(tiny_model), "labels": LABELS}).pruner = pruner
    data = nlp.to_bytes()
    fresh = spacy.util.get_lang_class("en").from_config(nlp.config)  # the same config, no data yet
    assert fresh.get_pipe("xlink_zeroshot").pruner is None
    fresh.from_bytes(data)
    pipe = fresh.get_pipe("xlink_zeroshot")
    assert pipe.labels == LABELS and pipe.pruner is not None
    text = "rain storm cloud"
    assert fresh(text).cats == pytest.approx(nlp(text).cats, abs=1e-5)
