"""The on-disk index folder: a manifest plus the generator's arrays.

An index is only valid for the terminology and configuration it was built
from. The manifest records both (as fingerprints), and :func:`check_manifest`
refuses a mismatch with a message that says what differs and how to rebuild.
Folders are written atomically: into a temporary sibling, then renamed, so a
crash never leaves a half-written index where a complete one is expected.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xlink import __version__
from xlink.errors import IndexMismatchError, XlinkError
from xlink.files import FolderKind

#: Bumped whenever the layout of an index folder changes.
INDEX_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: an index folder, as xlink.files.atomic_folder writes and checks it
INDEX_FOLDER = FolderKind(MANIFEST, "an xlink index", replaces=("member_0",))  # member_0: an ensemble's


def config_fingerprint(config: dict[str, Any]) -> str:
    """A short, stable hash of a JSON-serializable configuration."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode("utf-8")).hexdigest()[:16]


@dataclass
class IndexManifest:
    """What an index folder was built from."""

    kind: str
    terminology_name: str
    terminology_fingerprint: str
    config: dict[str, Any]
    n_concepts: int
    n_names: int
    model_fingerprint: str | None = None
    format_version: int = INDEX_FORMAT_VERSION
    xlink_version: str = __version__
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def read(cls, folder: str | Path) -> IndexManifest:
        path = Path(folder) / MANIFEST
        if not path.exists():
            raise XlinkError(
                f"{folder}: not an xlink index (no {MANIFEST}); build it with 'xlink index build' "
                "or let 'xlink link' build it"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (json.JSONDecodeError, TypeError) as err:
            raise XlinkError(f"{path}: unreadable index manifest ({err}); delete the folder and rebuild") from None


def check_manifest(
    manifest: IndexManifest,
    folder: str | Path,
    *,
    kind: str,
    terminology_fingerprint: str,
    config: dict[str, Any] | None = None,
    model_fingerprint: str | None = None,
) -> None:
    """Raise :class:`IndexMismatchError` unless the index fits what it is asked to serve."""
    problems = []
    if manifest.format_version != INDEX_FORMAT_VERSION:
        problems.append(f"format version {manifest.format_version}, this xlink reads {INDEX_FORMAT_VERSION}")
    if manifest.kind != kind:
        problems.append(f"it is a {manifest.kind!r} index, not {kind!r}")
    if manifest.terminology_fingerprint != terminology_fingerprint:
        problems.append(
            f"it was built for terminology {manifest.terminology_name!r} "
            f"(fingerprint {manifest.terminology_fingerprint[:12]}), not this one "
            f"(fingerprint {terminology_fingerprint[:12]})"
        )
    if config is not None and manifest.config != config:
        problems.append(f"it was built with config {manifest.config}, not {config}")
    if model_fingerprint is not None and manifest.model_fingerprint != model_fingerprint:
        problems.append(
            f"it was built with model {manifest.model_fingerprint}, not {model_fingerprint}"
        )
    if problems:
        raise IndexMismatchError(
            f"{folder}: refusing to load the index: " + "; ".join(problems) + ". Rebuild it for this terminology."
        )


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def default_cache_dir() -> Path:
    """Where indexes built on the fly are cached (``$XLINK_CACHE`` or ~/.cache/xlink)."""
    root = os.environ.get("XLINK_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "xlink"


def generator_fingerprint(generator: object) -> str:
    """A short hash of what makes a generator's candidate lists what they are.

    The generator kind and its index settings, plus the encoder's weights for a
    dense generator and every member's fingerprint for an ensemble. Calibrations
    that depend on the candidate lists (conformal candidate pruning) store it,
    and refuse to load when it changed.
    """
    record: dict[str, Any] = {"kind": type(generator).__name__}
    config = getattr(generator, "config", None)
    if config is not None and hasattr(config, "index_config"):
        record["config"] = config.index_config()
        search = _search_settings(config)
        if search:
            record["search"] = search
    model = getattr(generator, "model_fingerprint", None)
    if isinstance(model, str):
        record["model"] = model
    members = getattr(generator, "generators", None)
    if members is not None:
        record["members"] = [generator_fingerprint(g) for g in members]
        for key in ("weights", "fusion", "k_per_generator", "rrf_c"):
            if hasattr(generator, key):
                record[key] = getattr(generator, key)
    return config_fingerprint(record)


#: Settings that change candidate lists without changing the index files.
SEARCH_SETTINGS = ("tie_break", "hnsw_ef_search", "ivf_nprobe", "fetch_factor")


def _search_settings(config: object) -> dict[str, Any]:
    """The search-only settings of ``config`` that differ from their defaults.

    Only non-default values enter a fingerprint, so fingerprints of default settings (and the
    calibrations that store them) stay what they were before these settings counted.
    """
    try:
        defaults = type(config)()
    except TypeError:
        return {}
    return {
        key: getattr(config, key)
        for key in SEARCH_SETTINGS
        if hasattr(config, key) and getattr(config, key) != getattr(defaults, key)
    }


@contextmanager
def damaged_index_errors(folder: str | Path) -> Iterator[None]:
    """Turn the errors of reading a damaged or cut-short index file into one that says what to do."""
    try:
        yield
    except (OSError, ValueError, KeyError, IndexError, EOFError, RuntimeError, zipfile.BadZipFile) as err:
        raise XlinkError(
            f"{folder}: the index files are damaged or incomplete ({type(err).__name__}: {err}); delete the "
            "folder and build it again ('xlink index build', or let 'xlink link' rebuild its cache)"
        ) from None


def check_index_sizes(folder: str | Path, manifest: IndexManifest, n_names: tuple[int, ...], n_concepts: int) -> None:
    """Refuse index arrays whose lengths disagree with each other or with the manifest."""
    if len(set(n_names)) != 1 or n_names[0] != manifest.n_names or n_concepts != manifest.n_concepts:
        raise ValueError(
            f"the manifest says {manifest.n_names} names and {manifest.n_concepts} concepts, the files hold "
            f"{'/'.join(map(str, n_names))} names and {n_concepts} concepts"
        )
