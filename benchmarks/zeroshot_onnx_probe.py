"""Is ONNX Runtime a faster path for the NLI model than torch? A probe, in one process.

Exports the NLI model to ONNX (float32), applies ONNX Runtime's BERT graph fusions, and
quantizes it dynamically to int8; then scores the same Banking77 pairs (``--texts`` texts x
77 labels, length-sorted batches of 64, 2 threads) with xlink's torch loop and with each
ONNX model, interleaved over ``--repeats`` rounds (best of each kept). Prints pairs/s, the
ratio to torch, and the largest logit difference from torch.

    .venv/bin/python benchmarks/zeroshot_onnx_probe.py --texts 16 --repeats 3 \\
        --out benchmarks/zeroshot_results/onnx_probe.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from zeroshot_speed import sample_texts


def export(model: torch.nn.Module, tokenizer: object, folder: Path) -> dict[str, Path]:
    """Write float32, fused float32 and dynamic-int8 ONNX copies of ``model`` into ``folder``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    enc = tokenizer(["a b"] * 2, ["c"] * 2, return_tensors="pt", padding=True)  # type: ignore[operator]
    names = list(enc)

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, args, strict=True))).logits

    previous = model.config._attn_implementation
    model.config._attn_implementation = "eager"  # traceable with dynamic shapes
    paths = {"onnx_fp32": folder / "nli.onnx", "onnx_fp32_fused": folder / "nli.fused.onnx", "onnx_int8": folder / "nli.int8.onnx"}
    with torch.no_grad():
        torch.onnx.export(
            Logits(), tuple(enc[n] for n in names), str(paths["onnx_fp32"]), input_names=names,
            output_names=["logits"], dynamic_axes={**{n: {0: "pairs", 1: "tokens"} for n in names}, "logits": {0: "pairs"}},
            opset_version=17, dynamo=False,
        )
    model.config._attn_implementation = previous
    config = model.config
    fused = optimizer.optimize_model(str(paths["onnx_fp32"]), model_type="bert", num_heads=config.num_attention_heads,
                                     hidden_size=config.hidden_size)
    fused.save_model_to_file(str(paths["onnx_fp32_fused"]))
    quantize_dynamic(str(paths["onnx_fp32"]), str(paths["onnx_int8"]), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="NLI model (default: the shipped xlink_nli_minilm)")
    parser.add_argument("--data", type=Path, default=Path("runs/zeroshot_data/banking77_test.csv"))
    parser.add_argument("--texts", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import onnxruntime as ort

    from xlink.classify.nli_model import NLIModel
    from xlink.classify.zeroshot import DEFAULT_TEMPLATE, default_description

    texts, labels = sample_texts(args.data, args.texts, seed=0)
    hypotheses = [DEFAULT_TEMPLATE.format(default_description(label)) for label in labels]
    premises = [t for t in texts for _ in hypotheses]
    pairs_h = [h for _ in texts for h in hypotheses]
    nli = NLIModel(args.model, device="cpu")
    order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(pairs_h[i]))

    def run_onnx(session: ort.InferenceSession) -> np.ndarray:
        out = np.zeros((len(premises), nli.num_labels), np.float32)
        wanted = {i.name for i in session.get_inputs()}
        for start in range(0, len(order), nli.batch_size):
            idx = order[start : start + nli.batch_size]
            enc = nli.tokenizer([premises[i] for i in idx], [pairs_h[i] for i in idx], truncation=True,
                                max_length=nli.max_length, padding=True, return_tensors="np")
            out[idx] = session.run(None, {k: v.astype(np.int64) for k, v in enc.items() if k in wanted})[0]
        return out

    with tempfile.TemporaryDirectory() as tmp:
        paths = export(nli.model, nli.tokenizer, Path(tmp))
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        sessions = {name: ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"]) for name, p in paths.items()}
        reference = nli.logits(premises, pairs_h)
        times: dict[str, list[float]] = {"torch_fp32": []}
        diffs: dict[str, float] = {}
        for _ in range(args.repeats):
            tick = time.perf_counter()
            nli.logits(premises, pairs_h)
            times["torch_fp32"].append(time.perf_counter() - tick)
            for name, session in sessions.items():
                tick = time.perf_counter()
                logits = run_onnx(session)
                times.setdefault(name, []).append(time.perf_counter() - tick)
                diffs[name] = float(np.abs(logits - reference).max())
    best = {name: min(values) for name, values in times.items()}
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "model": nli.name, "pairs": len(premises), "threads": args.threads,
        "onnxruntime": ort.__version__,
        "rows": [{"configuration": name, "pairs_per_s": round(len(premises) / s, 1),
                  "ratio_to_torch": round(best["torch_fp32"] / s, 2), "max_abs_logit_diff": round(diffs.get(name, 0.0), 6)}
                 for name, s in best.items()],
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
