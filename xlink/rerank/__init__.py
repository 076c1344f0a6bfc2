"""Second-stage reranking: a cross-encoder over the generator's candidates.

- :class:`~xlink.rerank.cross_encoder.CrossEncoderReranker`: scores (mention, candidate)
  pairs with a one-logit HF encoder and reorders ``LinkedMention.predictions``.
- :class:`~xlink.rerank.loss.RankRegularizedLoss`: xMEN's listwise CE + λ‖z − s‖₂.
- :mod:`xlink.rerank.train`: ``xlink train reranker``.

Modules are imported lazily so that ``import xlink.rerank`` does not load torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CrossEncoderReranker", "RankRegularizedLoss", "RerankerConfig"]


def __getattr__(name: str) -> Any:
    if name in ("CrossEncoderReranker", "RerankerConfig"):
        from xlink.rerank import cross_encoder

        return getattr(cross_encoder, name)
    if name == "RankRegularizedLoss":
        from xlink.rerank.loss import RankRegularizedLoss

        return RankRegularizedLoss
    raise AttributeError(name)
