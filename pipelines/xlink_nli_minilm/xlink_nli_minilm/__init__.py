"""xlink's NLI cross-encoder for zero-shot classification, packaged for offline use.

``get_model_path()`` is the folder holding the fp16 safetensors weights, tokenizer and
config (``id2label``: 0 entailment, 1 neutral, 2 contradiction). transformers'
``AutoModelForSequenceClassification`` and xlink's ``ZeroShotClassifier`` (its default
model) load it from there. Research use only: see the README for the training data licences.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.3.0"

MODEL_DIR = Path(__file__).resolve().parent / "model"


def get_model_path() -> Path:
    """The model folder (config.json, model.safetensors, tokenizer files)."""
    if not (MODEL_DIR / "config.json").exists():
        raise FileNotFoundError(
            f"{MODEL_DIR} holds no model; reinstall xlink-nli-minilm or rebuild it with "
            "'xlink train nli --config configs/train_nli.cfg' (see its README)"
        )
    return MODEL_DIR
