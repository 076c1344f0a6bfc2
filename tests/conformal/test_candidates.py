"""Conformal candidate pruning: features, coverage, never-empty sets, persistence, stale refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlink.conformal.candidates import (
    FEATURES,
    ConformalCandidatePruner,
    Fingerprints,
    StaleCalibrationError,
    slot_features,
)
from xlink.conformal.core import CalibrationError


def test_slot_features_by_hand() -> None:
    x = slot_features([0.9, 0.5, 0.4], ["tfidf", "dense+tfidf", ""], ["dense", "tfidf"])
    assert x.shape == (3, len(FEATURES) + 2)
    assert x[:, 0].tolist() == [0.9, 0.5, 0.4]
    assert np.allclose(x[:, 1], [0.0, 0.4, 0.5])  # margin to the top
    assert np.isclose(x[:, 2].mean(), 0.0)  # z-score within the list
    assert np.allclose(x[:, 3], np.log1p([0, 1, 2]))
    assert x[:, 4].tolist() == [1, 0, 0] and x[:, 5].tolist() == [0, 1, 0]
    assert np.allclose(x[:, 6], [0.4, 0.1, 0.0])  # gap to the next candidate
    assert x[:, 7].tolist() == [0, 1, 0]  # source=dense
    assert x[:, 8].tolist() == [1, 1, 0]  # source=tfidf
    assert slot_features([], [], []).shape == (0, len(FEATURES))


def synthetic(n: int, k: int, seed: int) -> tuple[list[tuple[list[float], list[str]]], list[int]]:
    """Candidate lists whose 'reranker top' is drawn from a softmax of 8·score: mostly slot 0, not always."""
    rng = np.random.default_rng(seed)
    lists, targets = [], []
    for _ in range(n):
        m = int(rng.integers(1, k + 1))
        scores = np.sort(rng.uniform(0.2, 1.0, m))[::-1]
        p = np.exp(8 * scores)
        p /= p.sum()
        lists.append((scores.tolist(), ["tfidf"] * m))
        targets.append(int(rng.choice(m, p=p)))
    return lists, targets


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.2])
@pytest.mark.parametrize("score", ["lac", "aps"])
def test_coverage_holds_on_synthetic_scores(alpha: float, score: str) -> None:
    lists, targets = synthetic(3000, 8, seed=1)
    pruner = ConformalCandidatePruner(k=8, alpha=alpha, conformity_score=score, seed=0).fit_conformalize(lists, targets)
    test_lists, test_targets = synthetic(3000, 8, seed=2)
    masks = pruner.keep_masks(test_lists)
    covered = np.mean([mask[t] for mask, t in zip(masks, test_targets, strict=True)])
    assert covered >= 1 - alpha - 0.02  # finite-sample slack
    sizes = np.array([mask.sum() for mask in masks])
    lengths = np.array([len(s) for s, _ in test_lists])
    assert sizes.mean() < lengths.mean()  # it prunes something


def test_sets_are_never_empty_and_fit_their_lists() -> None:
    lists, targets = synthetic(400, 8, seed=3)
    pruner = ConformalCandidatePruner(k=8, alpha=0.5).fit_conformalize(lists, targets)  # a loose alpha: small sets
    masks = pruner.keep_masks([*synthetic(300, 8, seed=4)[0], ([0.3], ["tfidf"]), ([], [])])
    assert all(mask.any() for mask in masks[:-1])
    assert masks[-2].tolist() == [True]
    assert masks[-1].shape == (0,)
    longer = pruner.keep_masks([([0.9 - 0.01 * i for i in range(20)], ["tfidf"] * 20)])
    assert longer[0].shape == (8,)  # only the calibrated top-k slots


def test_smaller_alpha_keeps_more() -> None:
    lists, targets = synthetic(2000, 8, seed=5)
    pruner = ConformalCandidatePruner(k=8, alpha=0.2).fit_conformalize(lists, targets)
    test_lists, _ = synthetic(500, 8, seed=6)
    loose = sum(m.sum() for m in pruner.keep_masks(test_lists))
    tight = sum(m.sum() for m in pruner.with_alpha(0.02).keep_masks(test_lists))
    assert tight > loose


def test_too_few_calibration_mentions_is_refused() -> None:
    lists, targets = synthetic(120, 8, seed=7)
    with pytest.raises(CalibrationError, match="too few"):
        ConformalCandidatePruner(k=8, alpha=0.01).fit_conformalize(lists, targets)  # 84 < 100 calibration rows
    with pytest.raises(CalibrationError, match="outside"):
        ConformalCandidatePruner(k=8, alpha=0.2).fit_conformalize([([0.5], [""])] * 30, [1] * 30)


def test_calibrate_linker_refuses_bad_settings_and_too_few_mentions_before_linking_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reranking takes minutes on a real split; what can be checked before it is."""
    from types import SimpleNamespace

    import xlink.conformal.candidates as candidates
    from xlink.conformal.candidates import calibrate_linker

    class Linker:
        reranker = SimpleNamespace(config=SimpleNamespace(k=8))  # a plain reranker

        def link(self, mentions: object) -> object:
            raise AssertionError("linked before the checks")

    monkeypatch.setattr(candidates, "linker_fingerprints", lambda linker: Fingerprints())
    with pytest.raises(CalibrationError, match="50 mentions are too few to calibrate at alpha=0.01"):
        calibrate_linker(Linker(), [object()] * 50, alpha=0.01)  # type: ignore[arg-type, list-item]
    for kwargs, message in (({"alpha": 0.0}, "alpha must be between 0 and 1"), ({"conformity_score": "foo"}, "foo"),
                            ({"fit_fraction": 0.0}, "fit_fraction")):
        with pytest.raises(CalibrationError, match=message):
            calibrate_linker(Linker(), [object()] * 5000, **kwargs)  # type: ignore[arg-type, list-item]


def test_save_load_round_trip_without_pickle(tmp_path: Path) -> None:
    lists, targets = synthetic(800, 8, seed=8)
    fps = Fingerprints("term1", "gen1", "rr1")
    pruner = ConformalCandidatePruner(k=8, alpha=0.1, fingerprints=fps).fit_conformalize(lists, targets)
    folder = pruner.save(tmp_path / "cal")
    assert sorted(p.name for p in folder.iterdir()) == ["calibration.npz", "candidate_pruner.json"]
    loaded = ConformalCandidatePruner.load(folder, expect=fps)
    test_lists, _ = synthetic(200, 8, seed=9)
    assert all((a == b).all() for a, b in zip(pruner.keep_masks(test_lists), loaded.keep_masks(test_lists), strict=True))
    tighter = ConformalCandidatePruner.load(folder, alpha=0.02)
    assert tighter.alpha == 0.02
    assert sum(m.sum() for m in tighter.keep_masks(test_lists)) >= sum(m.sum() for m in loaded.keep_masks(test_lists))


@pytest.mark.parametrize("field", ["terminology", "generator", "reranker"])
def test_stale_calibration_is_refused(tmp_path: Path, field: str) -> None:
    lists, targets = synthetic(300, 8, seed=10)
    fps = Fingerprints("term1", "gen1", "rr1")
    ConformalCandidatePruner(k=8, alpha=0.1, fingerprints=fps).fit_conformalize(lists, targets).save(tmp_path / "c")
    other = Fingerprints(**{**fps.__dict__, field: "changed"})
    with pytest.raises(StaleCalibrationError, match=f"another {field}"):
        ConformalCandidatePruner.load(tmp_path / "c", expect=other)


def test_not_a_calibration_folder(tmp_path: Path) -> None:
    from xlink.errors import XlinkError

    with pytest.raises(XlinkError, match="calibrate-linker"):
        ConformalCandidatePruner.load(tmp_path)


def test_malformed_calibration_names_the_file(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    lists, targets = synthetic(300, 8, seed=11)
    folder = ConformalCandidatePruner(k=8, alpha=0.1).fit_conformalize(lists, targets).save(tmp_path / "c")
    meta = folder / "candidate_pruner.json"
    meta.write_text(meta.read_text().replace('"k"', '"kk"'), encoding="utf-8")
    with pytest.raises(FormatError, match="candidate_pruner.json"):
        ConformalCandidatePruner.load(folder)
    meta.write_text("{not json", encoding="utf-8")
    with pytest.raises(FormatError, match="candidate_pruner.json"):
        ConformalCandidatePruner.load(folder)



def test_a_damaged_calibration_or_a_bad_alpha_is_named(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    lists, targets = synthetic(800, 8, seed=8)
    folder = ConformalCandidatePruner(k=8, alpha=0.1).fit_conformalize(lists, targets).save(tmp_path / "cal")
    with pytest.raises(CalibrationError, match="conformal alpha must be between 0 and 1"):
        ConformalCandidatePruner.load(folder, alpha=1.5)
    assert ConformalCandidatePruner.load(folder).alpha == 0.1  # the level saved with the calibration
    (folder / "calibration.npz").write_bytes((folder / "calibration.npz").read_bytes()[:40])
    with pytest.raises(FormatError, match=r"calibration\.npz: cannot use the calibration arrays"):
        ConformalCandidatePruner.load(folder)
