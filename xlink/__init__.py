"""xlink: link text to terminologies and classify text zero-shot, as spaCy components.

The names most programs need are importable from the package itself::

    from xlink import build_linker, load_terminology, Mention

They are loaded on first use (PEP 562), so ``import xlink`` stays cheap: torch, spaCy and
transformers are imported only by the parts that need them. Everything else lives in its
module (``xlink.candidates``, ``xlink.rerank``, ``xlink.conformal``, ...); the spaCy
components are registered through entry points and need no import at all.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # terminologies and corpora
    "Concept": "xlink.terminology.model",
    "Terminology": "xlink.terminology.model",
    "load_terminology": "xlink.terminology",
    "Mention": "xlink.corpus.model",
    "Corpus": "xlink.corpus.model",
    "Document": "xlink.corpus.model",
    "load_corpus": "xlink.corpus.io",
    "save_corpus": "xlink.corpus.io",
    # linking
    "Linker": "xlink.linker",
    "LinkedMention": "xlink.linker",
    "PredictedConcept": "xlink.linker",
    "LinkingConfig": "xlink.linking_config",
    "build_linker": "xlink.linking_config",
    "CrossEncoderReranker": "xlink.rerank.cross_encoder",
    "evaluate_end_to_end": "xlink.evaluation.end_to_end",
    # zero-shot classification
    "ZeroShotClassifier": "xlink.classify.zeroshot",
    "ZeroShotPrediction": "xlink.classify.zeroshot",
    "ConformalLabelPruner": "xlink.conformal",
    "LabelSet": "xlink.conformal.pruner",
    # errors
    "XlinkError": "xlink.errors",
    "FormatError": "xlink.errors",
    "MissingFileError": "xlink.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'xlink' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
