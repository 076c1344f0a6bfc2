"""Average the weights of rerankers fine-tuned from one base model ("model soup").

Every folder must hold a reranker saved by ``xlink train reranker`` from the same base model with
the same settings (``xlink_reranker.json`` and the tensor names and shapes must agree; anything
else is refused). A weighted soup takes one ``--weight`` per folder; the default is uniform. The
soup is written atomically as fp16 safetensors beside the first folder's tokenizer and settings.

    python benchmarks/reranker_soup.py runs/rr_soup/soup4 runs/rr_fold/n_l01_skip --weight 4 --weight 1 -o runs/rr_soup/soup5
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

SETTINGS = "xlink_reranker.json"


def soup(folders: list[Path], weights: list[float], out: Path) -> None:
    settings = [json.loads((f / SETTINGS).read_text()) for f in folders]
    for f, s in zip(folders[1:], settings[1:], strict=True):
        if {k: v for k, v in s.items() if k != "base_model"} != {k: v for k, v in settings[0].items() if k != "base_model"}:
            raise SystemExit(f"{f / SETTINGS}: settings differ from {folders[0] / SETTINGS}; only rerankers trained alike can be averaged")
    total = float(sum(weights))
    mean: dict[str, torch.Tensor] = {}
    for f, w in zip(folders, weights, strict=True):
        tensors = load_file(str(f / "model.safetensors"))
        if mean and set(tensors) != set(mean):
            raise SystemExit(f"{f / 'model.safetensors'}: tensor names differ from {folders[0]}")
        for name, t in tensors.items():
            if name in mean and mean[name].shape != t.shape:
                raise SystemExit(f"{f / 'model.safetensors'}: {name} has shape {tuple(t.shape)}, not {tuple(mean[name].shape)}")
            mean[name] = mean.get(name, torch.zeros(t.shape, dtype=torch.float32)) + t.float() * (w / total)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    for item in folders[0].iterdir():
        if item.name not in ("model.safetensors", "xlink_training.json") and item.is_file():
            shutil.copy(item, tmp / item.name)
    save_file({k: v.half().contiguous() for k, v in mean.items()}, str(tmp / "model.safetensors"))
    (tmp / "soup.json").write_text(json.dumps({"members": [str(f) for f in folders], "weights": weights}, indent=1) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--weight", type=float, action="append", help="one per folder (default: uniform)")
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    weights = args.weight or [1.0] * len(args.folders)
    if len(weights) != len(args.folders):
        raise SystemExit(f"{len(weights)} --weight values for {len(args.folders)} folders; give one per folder or none")
    soup(args.folders, weights, args.out)
    print(f"wrote {args.out}: the mean of {len(args.folders)} rerankers, weights {weights}")


if __name__ == "__main__":
    main()
