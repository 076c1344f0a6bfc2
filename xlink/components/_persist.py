"""What the xlink components share about loading their data and saving it.

A component's data (terminology, index) comes from one of two places:

- its *sources*, paths in its config or passed to ``initialize``, read when
  the component is added, so that a wrong path fails at ``add_pipe``;
- its own folder, written by ``nlp.to_disk`` and read back by
  ``spacy.load`` through ``from_disk``.

spaCy builds every component from ``config.cfg`` before it calls
``from_disk``, so the sources of a pipeline saved on one machine would be
read again, and might not exist, on the next. Each component therefore notes
its name in ``nlp.meta["xlink"]["serialized"]``; ``meta.json`` carries the note
into the saved pipeline, and a component built while that pipeline loads
finds its name there and waits for ``from_disk`` instead of reading sources.
"While that pipeline loads" means: inside ``Language.from_config``, which
``spacy.load`` runs before ``from_disk``. A component added later under the
same name (``spacy.load(..., exclude=["xlink_linker"])`` then ``add_pipe``)
also finds its name in the meta, but is outside ``from_config``: it reads its
sources at once, so that a wrong path or a stale calibration fails at
``add_pipe`` as it does on a blank pipeline.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from spacy.language import Language
from spacy.tokens import Span

from xlink.errors import XlinkError
from xlink.terminology.model import Terminology

logger = logging.getLogger(__name__)

META_KEY = "xlink"
TERMINOLOGY_FILE = "terminology.jsonl"
SETTINGS_FILE = "cfg.json"


def loading_from_disk(nlp: Language, name: str) -> bool:
    """True while ``spacy.load`` builds a pipeline that holds this component's saved data."""
    meta = nlp.meta.get(META_KEY)
    return isinstance(meta, dict) and name in (meta.get("serialized") or []) and inside_from_config()


def inside_from_config(max_depth: int = 60) -> bool:
    """Whether ``Language.from_config`` is on the call stack (spaCy builds a pipeline from its config).

    spaCy offers no flag for "being loaded", and a factory cannot tell ``spacy.load`` from a
    user's ``add_pipe`` otherwise: both see the loaded pipeline's meta.
    """
    import sys

    target = Language.from_config.__func__.__code__  # type: ignore[attr-defined]
    frame = sys._getframe(1)
    for _ in range(max_depth):
        if frame is None:
            return False
        if frame.f_code is target:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def mark_serialized(nlp: Language, name: str) -> None:
    """Record in ``nlp.meta`` that this component saves its data with the pipeline."""
    meta = nlp.meta.setdefault(META_KEY, {})
    names = meta.setdefault("serialized", [])
    if name not in names:
        names.append(name)


def register_span_extension(attr: str) -> None:
    """Declare ``Span._.<attr>`` once (default None: no list is shared between spans)."""
    if not attr.isidentifier():
        raise ValueError(f"extension name {attr!r} is not a Python identifier")
    if not Span.has_extension(attr):
        Span.set_extension(attr, default=None)


def load_source_terminology(path: str | Path, fmt: str | None = None) -> Terminology:
    """Load a terminology file named in a component config (any format xlink reads)."""
    from xlink.errors import MissingFileError
    from xlink.terminology.loaders import load_terminology

    if not Path(path).exists():
        raise MissingFileError(
            f"terminology file {path} not found; set the component's 'terminology' to a terminology file "
            "(ctd, biosyn, obo, icd10cm, do, umls or xlink JSONL)"
        )
    return load_terminology(path, fmt).require_nonempty(path)


def write_settings(folder: Path, settings: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(json.dumps(settings, indent=2, ensure_ascii=False), encoding="utf-8")


def read_settings(folder: Path) -> dict[str, Any]:
    path = folder / SETTINGS_FILE
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def config_overrides(path: Path, configured: dict[str, Any]) -> set[str]:
    """The settings that ``spacy.load(..., config=...)`` overrides for the component saved in ``path``.

    ``configured`` holds the settings the component was built from in this process. Where one
    differs from what the saved pipeline's ``config.cfg`` (``path.parent``) gave, the user
    overrode it; elsewhere the component's saved values, which may hold changes made on the
    live component before saving, win. A folder without a ``config.cfg`` beside it (a
    component saved on its own, or read from bytes) has no overrides.
    """
    from spacy.util import load_config

    config_path = path.parent / "config.cfg"
    if not config_path.is_file():
        return set()
    try:
        section = load_config(config_path, interpolate=False).get("components", {}).get(path.name)
    except Exception:  # noqa: BLE001 - a config spaCy itself could not read would have failed spacy.load first
        return set()
    saved = dict(section) if isinstance(section, dict) else {}
    return {key for key, value in configured.items() if key in saved and saved[key] != value}


_BYTES_FORMAT = "xlink-component-folder"


def folder_to_bytes(write: Callable[[Path], None]) -> bytes:
    """``nlp.to_bytes`` for a component that saves a folder: ``write`` fills one, packed with msgpack."""
    import tempfile

    import srsly

    with tempfile.TemporaryDirectory(prefix="xlink-bytes-") as tmp:
        root = Path(tmp) / "component"
        write(root)
        files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    return cast(bytes, srsly.msgpack_dumps({"format": _BYTES_FORMAT, "files": files}))


def bytes_to_folder(data: bytes, owner: object) -> Path:
    """Unpack :func:`folder_to_bytes` into a temporary folder that lives as long as ``owner``.

    The component reads it with its ``from_disk``; what that loads may still read the files
    later (a memory-mapped index), so the folder is removed only when ``owner`` is collected.
    """
    import shutil
    import tempfile
    import weakref

    import srsly

    record = srsly.msgpack_loads(data)
    if not isinstance(record, dict) or record.get("format") != _BYTES_FORMAT:
        raise XlinkError("these bytes were not written by an xlink component's to_bytes")
    root = Path(tempfile.mkdtemp(prefix="xlink-bytes-"))
    weakref.finalize(owner, shutil.rmtree, root, ignore_errors=True)
    for name, content in record["files"].items():
        target = root / name
        if root not in target.resolve().parents:
            raise XlinkError(f"a file name in the bytes leaves their folder: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def require_packages(nlp: Language, modules: list[str]) -> None:
    """Record the pip packages of model modules (``xlink_nli_minilm``) in ``nlp.meta["requirements"]``.

    A pipe that uses a packaged model saves its name, not its weights, so ``spacy package``
    must make the package a requirement: spaCy infers only the packages of the pipeline's
    code (xlink, spaCy). A module that is not installed, or whose distribution cannot be
    told, is left out; loading then fails with the install hint of the model's resolver.
    """
    from importlib import metadata

    if not modules:
        return
    distributions = metadata.packages_distributions()
    requirements = nlp.meta.setdefault("requirements", [])
    named = {_requirement_name(r) for r in requirements}
    for module in modules:
        for dist in distributions.get(module, []):
            if _requirement_name(dist) in named:
                continue
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
            requirements.append(f"{dist}>={version}")
            named.add(_requirement_name(dist))


def _requirement_name(requirement: str) -> str:
    """``"Xlink_NLI-minilm>=0.3"`` → ``"xlink-nli-minilm"`` (PEP 503 normalized)."""
    import re

    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()
