"""Fixtures of the conformal tests."""

from __future__ import annotations

import pytest

from tests.conformal.synthetic import fake_encode
from xlink.conformal.base import EmbeddingLogisticBase


@pytest.fixture
def fake_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the sentence encoder of every embedding-based base by :func:`fake_encode`."""
    monkeypatch.setattr(EmbeddingLogisticBase, "encode", fake_encode)
