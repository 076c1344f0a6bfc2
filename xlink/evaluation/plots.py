"""Plots of evaluation results, written as PNG files (matplotlib, no display)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from xlink.files import atomic_file

#: the image formats of matplotlib's Agg, PDF, SVG and PS backends that ``--plot`` accepts
PLOT_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp")


def plot_recall_curve(
    curves: Mapping[str, Sequence[float]], path: str | Path, title: str = "", ylabel: str = "acc@k (%)"
) -> Path:
    """Draw acc@k (or, for a generator alone, recall@k: the same list) in percent against k, one line per curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for name, curve in curves.items():
        ax.plot(range(1, len(curve) + 1), curve, label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("k")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    with atomic_file(path, "wb") as handle:
        fig.savefig(handle, format=Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)
    return path
