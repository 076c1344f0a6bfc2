"""Probe: static int8 quantization of the NLI model with ONNX Runtime (accuracy, batch dependence, speed).

xlink's ``--int8`` (dynamic quantization) computes each activation scale from the whole batch, so
a pair's scores depend on its batch-mates and pruned/full-label runs disagree (BENCHMARKS §5).
Static quantization fixes the scales once, from calibration pairs, so scores cannot depend on
the batch. This probe exports the NLI model to ONNX, quantizes its MatMuls statically
(QDQ, per-channel int8 weights, scales from 256 calibration pairs: 128 XNLI-en *validation* pairs
and 128 zero-shot pairs of Banking77 *train* texts) and, in one run, measures:

* accuracy on the first ``--mnli`` MNLI dev-matched pairs (torch float32, ONNX dynamic int8,
  ONNX static int8);
* batch dependence: the largest logit change of 64 zero-shot pairs scored one at a time against
  scored in one padded batch;
* pairs/s on 24 Banking77 test texts x 77 labels, each backend in batches of 32 length-sorted pairs.

    python benchmarks/nli_static_int8_probe.py [--mnli 1000] [--out results.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "This example is about {}."


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnli", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    from xlink.classify.nli_model import NLIModel

    torch.set_num_threads(args.threads)
    nli = NLIModel()
    tok, model = nli.tokenizer, nli.model
    labels = json.loads((data / "classification" / "banking77" / "categories.json").read_text())
    labels = [str(x).replace("_", " ") for x in labels]
    with (data / "classification" / "banking77" / "train.csv").open(encoding="utf-8") as f:
        train_texts = [row["text"] for row in csv.DictReader(f)]
    with (data / "classification" / "banking77" / "test.csv").open(encoding="utf-8") as f:
        test_texts = [row["text"] for row in csv.DictReader(f)]
    with (data / "nli" / "xnli" / "xnli_validation_en.tsv").open(encoding="utf-8") as f:
        xnli = [(r["premise"], r["hypothesis"]) for r in csv.DictReader(f, delimiter="\t")]
    rng = random.Random(0)
    calib = rng.sample(xnli, 128) + [(t, TEMPLATE.format(rng.choice(labels))) for t in rng.sample(train_texts, 128)]
    mnli = [json.loads(line) for line in (data / "nli" / "mnli_dev_matched" / "mnli_dev_matched.jsonl").open()][: args.mnli]

    def encode(pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
        enc = tok([p for p, _ in pairs], [h for _, h in pairs], truncation=True, max_length=128, padding=True,
                  return_tensors="np")
        return {k: v.astype(np.int64) for k, v in enc.items()}

    folder = Path(tempfile.mkdtemp(prefix="xlink_nli_onnx_"))
    fp32 = folder / "model.onnx"
    sample = encode([("a b", "c"), ("d", "e f g")])
    names = list(sample)
    exported = NLIModel().model  # a second copy: tracing with eager attention must not touch the torch baseline
    exported.config._attn_implementation = "eager"

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = exported

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).logits

    with torch.no_grad():
        torch.onnx.export(Logits(), tuple(torch.from_numpy(sample[n]) for n in names), str(fp32), input_names=names,
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "pairs", 1: "tokens"} for n in names}, "logits": {0: "pairs"}})
    dynamic = folder / "model.dynamic.onnx"
    quantize_dynamic(str(fp32), str(dynamic), weight_type=QuantType.QInt8)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter([encode([pair]) for pair in calib])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.items, None)

    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = folder / "model.prep.onnx"  # shape inference and graph optimization, as ORT advises before quantizing
    here = Path.cwd()
    os.chdir(folder)  # quant_pre_process leaves temporary files in the working folder
    try:
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    finally:
        os.chdir(here)
    static = folder / "model.static.onnx"
    quantize_static(str(prepared), str(static), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8, op_types_to_quantize=["MatMul"],
                    calibrate_method=CalibrationMethod.MinMax)

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    sessions = {name: ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                for name, path in (("onnx_dynamic_int8", dynamic), ("onnx_static_int8", static))}

    def run(backend: str, batch: dict[str, np.ndarray]) -> np.ndarray:
        if backend == "torch_fp32":
            with torch.inference_mode():
                return model(**{k: torch.from_numpy(v) for k, v in batch.items()}).logits.numpy()
        session = sessions[backend]
        wanted = {i.name for i in session.get_inputs()}
        return np.asarray(session.run(None, {k: v for k, v in batch.items() if k in wanted})[0])

    def score(backend: str, pairs: list[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), model.config.num_labels), dtype=np.float32)
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            out[rows] = run(backend, encode([pairs[i] for i in rows]))
        return out

    id2label = {int(k): str(v).lower() for k, v in model.config.id2label.items()}
    backends = ["torch_fp32", "onnx_dynamic_int8", "onnx_static_int8"]
    result: dict[str, object] = {"date": time.strftime("%Y-%m-%d %H:%M"), "threads": args.threads, "backends": {}}
    zs_pairs = [(t, TEMPLATE.format(label)) for t in test_texts[:24] for label in labels]
    probe = zs_pairs[:: max(1, len(zs_pairs) // 64)][:64]
    for backend in backends:
        logits = score(backend, [(r["premise"], r["hypothesis"]) for r in mnli])
        accuracy = float(np.mean([id2label[int(i)] == r["label"] for i, r in zip(logits.argmax(1), mnli, strict=True)]))
        alone = np.concatenate([run(backend, encode([pair])) for pair in probe])
        together = run(backend, encode(probe))
        seconds = []
        for _ in range(2):
            start = time.perf_counter()
            score(backend, zs_pairs)
            seconds.append(time.perf_counter() - start)
        record = {"mnli_accuracy": round(100 * accuracy, 2), "max_logit_change_alone_vs_batch": float(np.abs(alone - together).max()),
                  "top_label_flips_alone_vs_batch": int((alone.argmax(1) != together.argmax(1)).sum()),
                  "pairs_per_s": round(len(zs_pairs) / min(seconds), 1)}
        result["backends"][backend] = record  # type: ignore[index]
        print(backend, record, flush=True)
    base = result["backends"]["torch_fp32"]["pairs_per_s"]  # type: ignore[index]
    for backend in backends:
        result["backends"][backend]["speed_vs_torch_fp32"] = round(result["backends"][backend]["pairs_per_s"] / base, 2)  # type: ignore[index]
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
