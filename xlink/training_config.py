"""Reading the training configs of ``xlink train nli|biencoder|reranker``.

Each trainer turns the sections it knows into its own dataclass; what they share is how the
file is found, parsed with confection and ``--set`` overrides, and how a bad file is
reported (:class:`~xlink.errors.TrainingConfigError` naming it).
"""

from __future__ import annotations

from pathlib import Path

from xlink.errors import TrainingConfigError, missing_file


def read_training_config(path: str | Path, overrides: dict[str, object] | None = None) -> dict:
    """Read a confection training config with ``--set`` style ``overrides``.

    A missing file raises ``FileNotFoundError`` (the CLI prints it with the path); a file
    confection cannot parse or interpolate raises :class:`TrainingConfigError` naming it.
    """
    from confection import Config

    path = Path(path)
    if not path.exists():
        raise missing_file(path)
    try:
        return dict(Config().from_disk(path, overrides=overrides or {}))
    except Exception as err:  # confection raises several types
        raise TrainingConfigError(f"{path}: unreadable config ({err})") from None
