"""RankRegularizedLoss on tensors small enough to check by hand."""

from __future__ import annotations

import math

import pytest
import torch

from xlink.rerank.loss import RankRegularizedLoss, normalize_scores


def test_lambda_zero_is_plain_cross_entropy() -> None:
    logits = torch.tensor([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])
    labels = torch.tensor([[0, 1, 0], [1, 0, 0]])
    scores = torch.tensor([[0.9, 0.1, 0.3], [0.2, 0.2, 0.2]])
    loss = RankRegularizedLoss(lam=0.0)(logits, labels, scores)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([1, 0]))
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)


def test_hand_computed_with_raw_scores() -> None:
    # one mention, k = 2: z = (0, 0), y = (1, 0), s = (1, 0)
    # CE = log 2; ||z - s|| = 1; L = log 2 + 0.5 * 1
    loss = RankRegularizedLoss(lam=0.5, score_norm="raw")(
        torch.tensor([[0.0, 0.0]]), torch.tensor([[1, 0]]), torch.tensor([[1.0, 0.0]])
    )
    assert loss.item() == pytest.approx(math.log(2) + 0.5, abs=1e-5)


def test_padded_slots_are_ignored() -> None:
    loss_fn = RankRegularizedLoss(lam=1.0, score_norm="raw")
    short = loss_fn(torch.tensor([[1.0, 2.0]]), torch.tensor([[0, 1]]), torch.tensor([[0.5, 0.7]]))
    padded = loss_fn(
        torch.tensor([[1.0, 2.0, 50.0, -7.0]]),
        torch.tensor([[0, 1, 1, 0]]),  # a label on a padded slot must not count either
        torch.tensor([[0.5, 0.7, 9.0, 9.0]]),
        mask=torch.tensor([[True, True, False, False]]),
    )
    assert padded.item() == pytest.approx(short.item(), abs=1e-5)


def test_several_gold_slots_share_the_probability_mass() -> None:
    # z = (0, 0, 0, 0), gold = slots 0 and 1: -log(2/4) = log 2
    loss = RankRegularizedLoss(lam=0.0)(torch.zeros(1, 4), torch.tensor([[1, 1, 0, 0]]), torch.zeros(1, 4))
    assert loss.item() == pytest.approx(math.log(2), abs=1e-6)


def test_a_row_without_gold_contributes_only_its_regularizer() -> None:
    loss = RankRegularizedLoss(lam=1.0, score_norm="raw")(
        torch.tensor([[3.0, 4.0]]), torch.tensor([[0, 0]]), torch.tensor([[3.0, 4.0]])
    )
    assert loss.item() == pytest.approx(0.0, abs=1e-5)


def test_reg_mask_leaves_the_nil_slot_out_of_the_distance() -> None:
    loss_fn = RankRegularizedLoss(lam=1.0, score_norm="raw")
    logits = torch.tensor([[0.0, 0.0, 5.0]])  # last slot: NIL
    labels = torch.tensor([[0, 0, 1]])
    scores = torch.tensor([[0.0, 0.0, 0.0]])
    ce = torch.logsumexp(logits, -1) - 5.0
    with_nil_outside = loss_fn(logits, labels, scores, reg_mask=torch.tensor([[True, True, False]]))
    assert with_nil_outside.item() == pytest.approx(ce.item(), abs=1e-5)
    with_nil_inside = loss_fn(logits, labels, scores)
    assert with_nil_inside.item() == pytest.approx(ce.item() + 5.0, abs=1e-5)


def test_distance_is_averaged_over_mentions() -> None:
    loss_fn = RankRegularizedLoss(lam=1.0, score_norm="raw")
    # row 1: distance 3 (z - s = (3, 0)); row 2: distance 5 (z - s = (3, 4)); no gold → no CE
    loss = loss_fn(torch.tensor([[3.0, 0.0], [3.0, 4.0]]), torch.zeros(2, 2), torch.zeros(2, 2))
    assert loss.item() == pytest.approx(4.0, abs=1e-5)


def test_score_norms() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.1, 7.0]])
    mask = torch.tensor([[True, True, True, False]])
    z = normalize_scores(scores, mask, "zscore")
    std = math.sqrt(((0.4**2) + 0 + (0.4**2)) / 3)
    assert z[0, :3].tolist() == pytest.approx([0.4 / std, 0.0, -0.4 / std], abs=1e-4)
    assert z[0, 3].item() == 0.0
    ranks = normalize_scores(torch.tensor([[0.9, 0.5, 0.5, 0.1]]), torch.ones(1, 4, dtype=torch.bool), "rank")
    assert ranks[0].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])  # ties share the better rank
    assert normalize_scores(scores, mask, "raw")[0].tolist() == pytest.approx([0.9, 0.5, 0.1, 0.0])


def test_gradients_are_finite_at_zero_distance() -> None:
    logits = torch.tensor([[0.2, 0.8]], requires_grad=True)
    loss = RankRegularizedLoss(lam=1.0, score_norm="raw")(logits, torch.tensor([[0, 1]]), torch.tensor([[0.2, 0.8]]))
    loss.backward()
    assert torch.isfinite(logits.grad).all()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="score norm"):
        RankRegularizedLoss(score_norm="minmax")
    with pytest.raises(ValueError, match="lam"):
        RankRegularizedLoss(lam=-1)
