"""Fixtures for the classification tests: a tiny random NLI model made in the test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlink.classify.tiny import make_tiny_nli_model


@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, 32-wide random BERT NLI model with entailment/neutral/contradiction labels."""
    return make_tiny_nli_model(tmp_path_factory.mktemp("tiny_nli"))
