"""xlink's cross-encoder reranker for disease mentions, packaged for offline use.

``get_model_path()`` is the folder holding the fp16 safetensors weights, the
tokenizer, the HF config and ``xlink_reranker.json``; xlink loads it as the
reranker named ``"xlink-reranker-minilm"`` (``[reranker] model`` in a linking
config), or directly with ``CrossEncoderReranker.load(get_model_path())``.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.2.0"

MODEL_DIR = Path(__file__).resolve().parent / "model"


def get_model_path() -> Path:
    """The model folder (config.json, model.safetensors, tokenizer files, xlink_reranker.json)."""
    if not (MODEL_DIR / "xlink_reranker.json").exists():
        raise FileNotFoundError(
            f"{MODEL_DIR} holds no reranker; reinstall xlink-reranker-minilm or rebuild it with "
            "'xlink train reranker --config configs/train_reranker.cfg' (see its README)"
        )
    return MODEL_DIR
