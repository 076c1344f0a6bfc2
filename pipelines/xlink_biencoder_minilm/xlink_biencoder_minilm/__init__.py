"""xlink's bi-encoder for disease names, packaged for offline use.

``get_model_path()`` is the folder holding the fp16 safetensors weights,
tokenizer and config; transformers, sentence-transformers and xlink's
``DenseGenerator`` (model name ``"xlink-biencoder-minilm"``) load it from there.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

MODEL_DIR = Path(__file__).resolve().parent / "model"


def get_model_path() -> Path:
    """The model folder (config.json, model.safetensors, tokenizer files)."""
    if not (MODEL_DIR / "config.json").exists():
        raise FileNotFoundError(
            f"{MODEL_DIR} holds no model; reinstall xlink-biencoder-minilm or rebuild it with "
            "'xlink train biencoder --config configs/train_biencoder.cfg' (see its README)"
        )
    return MODEL_DIR
