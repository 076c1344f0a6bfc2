"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The suite runs offline: every model it loads is a tiny local one or a packaged one, so a test
# that reached for a model hub would be a bug; with these set it fails at once instead of waiting
# on the network. Subprocesses (the CLI tests) inherit them.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only benchmark data folder (``$XLINK_DATA``, else ``../shared/data``).

    Tests marked ``data`` use it; they are skipped, not failed, where it is absent.
    """
    path = Path(
        os.environ.get("XLINK_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
    )
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set XLINK_DATA to run this test")
    return path
