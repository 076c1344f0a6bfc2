"""Metric-learning losses for training a bi-encoder on synonym groups.

Both take a batch of L2-normalized embeddings and an integer label per row
(the synonym group, i.e. the concept); rows with equal labels are positives
of each other, every other row is a negative.
"""

from __future__ import annotations

import torch
from torch import nn


class MultiSimilarityLoss(nn.Module):
    """Multi-similarity loss with online hard-pair mining, as SapBERT trains it.

    For anchor i with mined positives P_i and negatives N_i (S = cosine)::

        L_i = 1/α · log(1 + Σ_{p∈P_i} exp(-α (S_ip - λ)))
            + 1/β · log(1 + Σ_{n∈N_i} exp( β (S_in - λ)))

    Mining (Wang et al., CVPR 2019) keeps a negative only if it is closer than
    the anchor's hardest positive minus ε, and a positive only if it is
    farther than the hardest negative plus ε; easy pairs carry no gradient.
    SapBERT (Liu et al., NAACL 2021) uses this loss over in-batch synonym
    pairs with α=1, β=60, λ=0.5, the defaults here.
    """

    def __init__(self, alpha: float = 1.0, beta: float = 60.0, base: float = 0.5, epsilon: float = 0.1) -> None:
        super().__init__()
        self.alpha, self.beta, self.base, self.epsilon = alpha, beta, base, epsilon

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        sim = embeddings @ embeddings.T
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
        pos_mask = same & ~eye
        neg_mask = ~same
        with torch.no_grad():
            inf = torch.tensor(float("inf"), device=sim.device, dtype=sim.dtype)
            hardest_pos = torch.where(pos_mask, sim, inf).min(dim=1, keepdim=True).values
            hardest_neg = torch.where(neg_mask, sim, -inf).max(dim=1, keepdim=True).values
            neg_mask = neg_mask & (sim + self.epsilon > hardest_pos)
            pos_mask = pos_mask & (sim - self.epsilon < hardest_neg)
        pos_term = torch.where(pos_mask, torch.exp(-self.alpha * (sim - self.base)), torch.zeros_like(sim))
        neg_term = torch.where(neg_mask, torch.exp(self.beta * (sim - self.base)), torch.zeros_like(sim))
        loss = torch.log1p(pos_term.sum(1)) / self.alpha + torch.log1p(neg_term.sum(1)) / self.beta
        return loss.mean()


class InBatchInfoNCELoss(nn.Module):
    """Symmetric in-batch InfoNCE over (a, b) pairs, other groups as negatives.

    ``embeddings`` holds the a-side then the b-side (2n rows). For pair i the
    target of a_i is b_i among all b_j (and vice versa), at temperature
    1/scale; b_j of the *same* group as a_i are masked out instead of being
    pushed away (they are synonyms, not negatives). This is the
    MultipleNegativesRankingLoss that all-MiniLM-L6-v2 itself was trained with.
    """

    def __init__(self, scale: float = 20.0) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        n = len(labels) // 2
        a, b = embeddings[:n], embeddings[n:]
        la = labels[:n]
        logits = self.scale * (a @ b.T)
        same = (la.unsqueeze(0) == la.unsqueeze(1)) & ~torch.eye(n, dtype=torch.bool, device=labels.device)
        logits = logits.masked_fill(same, float("-inf"))
        target = torch.arange(n, device=labels.device)
        return (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target)) / 2
