"""Run xlink's console entry point in a fresh interpreter, as a user's shell does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_xlink(*args: str, cache: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """``xlink ARGS`` with its own index cache, offline, capturing stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-c", "from xlink.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={"XLINK_CACHE": str(cache), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        timeout=timeout,
    )
