"""xMEN's rank-regularized listwise loss for cross-encoder rerankers."""

from __future__ import annotations

import torch
from torch import Tensor, nn

#: How the generator scores ``s`` are put on a scale before they regularize the logits.
SCORE_NORMS = ("raw", "zscore", "rank")


def normalize_scores(scores: Tensor, mask: Tensor, norm: str = "zscore", eps: float = 1e-6) -> Tensor:
    """Put each row of generator scores on the scale named by ``norm``, ignoring masked slots.

    - ``raw``: the scores as the generator gave them (xMEN's choice; TF-IDF
      and cosine scores lie in [0, 1]).
    - ``zscore``: per mention, minus the mean and over the standard deviation of
      the valid slots. This keeps the generator's order and relative gaps but lets
      the logits spread as far as a softmax needs; raw [0, 1] scores pull the
      logits into a band where the softmax stays almost uniform.
    - ``rank``: ``(n - rank) / (n - 1)`` for the ``n`` valid slots, 1 for the
      generator's first candidate and 0 for its last; ties share the better rank.
      This ignores how confident the generator was.

    Masked slots come back as 0.
    """
    if norm not in SCORE_NORMS:
        raise ValueError(f"unknown score norm {norm!r}; choose one of {SCORE_NORMS}")
    maskf = mask.to(scores.dtype)
    scores = scores * maskf
    if norm == "raw":
        return scores
    count = maskf.sum(dim=-1, keepdim=True).clamp(min=1.0)
    if norm == "zscore":
        mean = scores.sum(dim=-1, keepdim=True) / count
        var = (((scores - mean) * maskf) ** 2).sum(dim=-1, keepdim=True) / count
        return (scores - mean) / (var.sqrt() + eps) * maskf
    # rank: the number of valid slots that score strictly higher, per slot
    higher = (scores.unsqueeze(-1) < scores.unsqueeze(-2)) & mask.unsqueeze(-2) & mask.unsqueeze(-1)
    rank = higher.sum(dim=-1).to(scores.dtype)
    span = (count - 1.0).clamp(min=1.0)
    return (count - 1.0 - rank) / span * maskf


class RankRegularizedLoss(nn.Module):
    """Listwise cross-entropy plus a pull towards the candidate generator's scores.

    For one mention with ``k`` candidates, reranker logits ``z``, a gold
    indicator ``y`` and generator scores ``s``::

        L = CE(softmax(z), y) + λ · ‖z − s‖₂

    The cross-entropy is the listwise softmax over the mention's candidates;
    when several slots are gold (alternative ids, two concepts that are both
    right) it is the negative log of the probability mass on all of them,
    ``-log Σ_{i: y_i = 1} softmax(z)_i``, which is plain CE for one gold slot.
    The second term is the Euclidean distance between the logits and the
    (normalized, see :func:`normalize_scores`) generator scores. It keeps the
    reranker from straying far from the generator's ranking, which matters
    when the training set is small (xMEN; Borchert et al., 2024). ``λ = 0``
    gives plain listwise CE.

    Both terms are computed per mention and averaged over the mentions of
    the batch (as xMEN's ``PairwiseDistance`` does), so the loss does not
    grow with the batch size.

    Reference:
        Borchert F., Llorca I., Roller R., Arnrich B., Schapranow M.-P.
        "xMEN: a modular toolkit for cross-lingual medical entity
        normalization". JAMIA Open 8(1), 2025 (online 2024).
        https://doi.org/10.1093/jamiaopen/ooae147

    Args:
        lam: λ, the weight of the regularizer (xMEN uses 1).
        score_norm: ``"raw"``, ``"zscore"`` or ``"rank"``, how ``s`` is scaled
            before the distance is taken.

    Inputs (``forward``):
        logits: ``(batch, k)`` float, the reranker's scores ``z``.
        labels: ``(batch, k)`` bool or 0/1, the gold slots ``y``; a row with
            no gold slot contributes only its regularizer.
        scores: ``(batch, k)`` float, the generator's scores ``s``.
        mask: ``(batch, k)`` bool, True for real candidate slots; padded
            slots (mentions with fewer than ``k`` candidates) are excluded
            from the softmax and from the distance. Default: all True.
        reg_mask: ``(batch, k)`` bool, the slots that enter the distance;
            default ``mask``. The reranker leaves its NIL slot out here,
            because the generator has no score for "none of these".

    Returns:
        A scalar tensor.
    """

    def __init__(self, lam: float = 1.0, score_norm: str = "zscore") -> None:
        super().__init__()
        if score_norm not in SCORE_NORMS:
            raise ValueError(f"unknown score norm {score_norm!r}; choose one of {SCORE_NORMS}")
        if lam < 0:
            raise ValueError(f"lam must be >= 0, not {lam}")
        self.lam = float(lam)
        self.score_norm = score_norm

    def forward(
        self,
        logits: Tensor,
        labels: Tensor,
        scores: Tensor,
        mask: Tensor | None = None,
        reg_mask: Tensor | None = None,
    ) -> Tensor:
        if logits.dim() != 2:
            raise ValueError(f"logits must be (batch, k), got shape {tuple(logits.shape)}")
        mask = torch.ones_like(logits, dtype=torch.bool) if mask is None else mask.bool()
        reg_mask = mask if reg_mask is None else reg_mask.bool() & mask
        gold = labels.bool() & mask
        neg_inf = torch.finfo(logits.dtype).min
        log_z = torch.logsumexp(logits.masked_fill(~mask, neg_inf), dim=-1)
        log_gold = torch.logsumexp(logits.masked_fill(~gold, neg_inf), dim=-1)
        has_gold = gold.any(dim=-1)
        ce = torch.where(has_gold, log_z - log_gold, torch.zeros_like(log_z))
        loss = ce.mean()
        if self.lam > 0:
            target = normalize_scores(scores.to(logits.dtype), reg_mask, self.score_norm)
            diff = (logits - target) * reg_mask.to(logits.dtype)
            # sqrt of a sum of squares, with a floor so that the gradient at 0 stays finite
            dist = (diff.pow(2).sum(dim=-1) + 1e-12).sqrt()
            loss = loss + self.lam * dist.mean()
        return loss

    def extra_repr(self) -> str:
        return f"lam={self.lam}, score_norm={self.score_norm!r}"
