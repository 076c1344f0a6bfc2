"""xlink's disease NER, packaged for offline use: a spaCy pipeline (tok2vec → ner, label DISEASE).

``spacy.load("xlink_ner_ncbi_disease")`` loads it; ``get_model_path()`` is its folder, which
``xlink build-pipeline`` (``configs/pipeline_disease_medic.cfg``) sources the NER from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.2.0"

MODEL_DIR = Path(__file__).resolve().parent / "model"


def get_model_path() -> Path:
    """The spaCy pipeline folder (config.cfg, meta.json, tok2vec/, ner/, vocab/)."""
    if not (MODEL_DIR / "config.cfg").exists():
        raise FileNotFoundError(
            f"{MODEL_DIR} holds no model; reinstall xlink-ner-ncbi-disease or retrain it (see its README)"
        )
    return MODEL_DIR


def load(**overrides: Any) -> Any:
    """The pipeline, as ``spacy.load`` gives it (``overrides``: disable, exclude, config, ...)."""
    import spacy

    return spacy.load(get_model_path(), **overrides)
