"""The ``xlink_disease_medic`` spaCy pipeline: disease NER → abbreviations → MEDIC linker.

``spacy.load("xlink_disease_medic")`` calls :func:`load`. The pipeline data
folder is written by ``xlink build-pipeline --config
configs/pipeline_disease_medic.cfg`` before the package is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.util import get_model_meta, load_model_from_init_py

__all__ = ["load"]


def load(**overrides: Any) -> Language:
    """Load the pipeline (keyword arguments go to ``spacy.util.load_model_from_init_py``)."""
    here = Path(__file__).parent
    meta_path = here / "meta.json"
    data = None
    if meta_path.exists():
        m = get_model_meta(here)
        data = here / f"{m['lang']}_{m['name']}-{m['version']}"
    if data is None or not (data / "config.cfg").exists():
        raise OSError(
            f"{here}: the pipeline data is missing; run 'xlink build-pipeline --config "
            "configs/pipeline_disease_medic.cfg' in the xlink repository, then reinstall this package"
        )
    return load_model_from_init_py(__file__, **overrides)


def meta() -> dict[str, Any]:
    """The pipeline's meta.json."""
    return dict(get_model_meta(Path(__file__).parent))
