"""ONNX Runtime inference for a trained reranker, optionally with dynamic int8 quantization.

On CPU most of a cross-encoder's time goes to the dense layers; dynamic int8
quantization (weights int8, activations quantized per batch) speeds those up
at a small cost in score precision. :func:`export_onnx` writes the model as
ONNX (and, with ``quantize``, an int8 copy); :func:`attach_onnx` makes an
existing :class:`CrossEncoderReranker` score through ONNX Runtime instead of
torch, with the same tokenization, batching and reranking. Needs the
``onnx`` and ``onnxruntime`` packages.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from xlink.errors import XlinkError
from xlink.pairs import collate, pad_id
from xlink.rerank.cross_encoder import CrossEncoderReranker

logger = logging.getLogger(__name__)


def export_onnx(reranker: CrossEncoderReranker, folder: str | Path, quantize: bool = True, opset: int = 17) -> Path:
    """Write ``model.onnx`` (and ``model.int8.onnx`` with ``quantize``) into ``folder``; return the one to use."""

    try:  # before anything is written: the export needs onnx, the int8 copy onnxruntime
        import onnx  # noqa: F401

        if quantize:
            import onnxruntime  # noqa: F401
    except ImportError:
        raise XlinkError("ONNX export needs onnx and onnxruntime: pip install 'xlink[onnx]'") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / "model.onnx", folder / "model.int8.onnx"
    # Both files are written under temporary names and renamed at the end, the stale int8 copy of an
    # earlier export removed first: a failed or interrupted export never leaves one model's fp32 file
    # beside another's int8 file.
    tmp32, tmp8 = folder / f".model.onnx.{os.getpid()}.tmp", folder / f".model.int8.onnx.{os.getpid()}.tmp"
    try:
        _export(reranker, tmp32, opset)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(tmp32), str(tmp8), weight_type=QuantType.QInt8)
        int8.unlink(missing_ok=True)
        os.replace(tmp32, fp32)
        if quantize:
            os.replace(tmp8, int8)
    finally:
        tmp32.unlink(missing_ok=True)
        tmp8.unlink(missing_ok=True)
    if not quantize:
        return fp32
    logger.info("exported %s (%.1f MB) and %s (%.1f MB)", fp32, fp32.stat().st_size / 1e6, int8,
                int8.stat().st_size / 1e6)
    return int8


def _export(reranker: CrossEncoderReranker, path: Path, opset: int) -> None:
    """Trace the reranker on the CPU into ``path``; its device, attention and mode are restored after."""
    import torch

    model = reranker.model
    was_training = model.training
    device = reranker.device
    previous = getattr(model.config, "_attn_implementation", None)
    try:
        model.config._attn_implementation = "eager"  # traceable with dynamic shapes
    except (AttributeError, ValueError):
        previous = None
    try:
        model.to("cpu")
        model.eval()
        encoded = reranker.encode_pairs(["[START] a [END]"] * 2, ["b", "c"])
        sample = collate(encoded, [0, 1], pad_id(reranker.tokenizer))
        names = list(sample)
        axes = {name: {0: "pairs", 1: "tokens"} for name in names}
        axes["logits"] = {0: "pairs"}

        class _Logits(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *args: Any) -> Any:
                return self.model(**dict(zip(names, args, strict=True))).logits

        wrapper = _Logits().eval()
        with torch.no_grad():
            torch.onnx.export(
                wrapper, tuple(sample[n] for n in names), str(path), input_names=names,
                output_names=["logits"], dynamic_axes=axes, opset_version=opset, dynamo=False,
            )
    finally:
        if previous is not None:
            model.config._attn_implementation = previous
        model.to(device)
        model.train(was_training)


class OnnxRunner:
    """Scores padded batches with an ONNX Runtime session (CPU by default)."""

    def __init__(self, path: str | Path, threads: int = 0, providers: list[str] | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise XlinkError("ONNX inference needs onnx and onnxruntime: pip install 'xlink[onnx]'") from None
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=providers or ["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feed = {k: v.astype(np.int64) for k, v in batch.items() if k in self.inputs}
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32).reshape(-1)


def attach_onnx(reranker: CrossEncoderReranker, path: str | Path, threads: int = 0) -> CrossEncoderReranker:
    """Make ``reranker`` score through the ONNX model at ``path`` (torch stays loaded for training)."""
    reranker.runner = OnnxRunner(path, threads)
    return reranker
