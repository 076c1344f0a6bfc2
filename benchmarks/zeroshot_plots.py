"""Coverage against alpha and set-size histograms from ``xlink evaluate-zeroshot --details`` files.

For each details file (calibration scores + evaluated scores + the full-label zero-shot top
label), the pruner's conformal step is re-run for a grid of alpha values: empirical
coverage of the zero-shot top label (= agreement of pruned and full top labels) against
the target 1 - alpha, and the average set size. The histogram shows the set sizes at the
alpha of the run.

    .venv/bin/python benchmarks/zeroshot_plots.py runs/zeroshot/*_details.npz --out benchmarks/zeroshot_results
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from xlink.conformal.core import SplitConformalSets, min_calibration_size  # noqa: E402

ALPHAS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]


def curve(path: Path) -> dict[str, list[float]]:
    arrays = np.load(path, allow_pickle=False)
    n_cal = len(arrays["calibration_targets"])
    out: dict[str, list[float]] = {"alpha": [], "coverage": [], "avg_set_size": []}
    for alpha in ALPHAS:
        if n_cal < min_calibration_size(alpha):
            continue
        sets = SplitConformalSets(alpha, "lac").conformalize(arrays["calibration_probs"], arrays["calibration_targets"])
        members = sets.predict_sets(arrays["eval_probs"]).members
        top = arrays["eval_full_top"]
        out["alpha"].append(alpha)
        out["coverage"].append(float(members[np.arange(len(top)), top].mean()))
        out["avg_set_size"].append(float(members.sum(axis=1).mean()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("details", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/zeroshot_results"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    curves = {p.name.removesuffix("_details.npz"): curve(p) for p in args.details}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for name, c in curves.items():
        ax1.plot([1 - a for a in c["alpha"]], c["coverage"], marker="o", label=name)
        ax2.plot(c["alpha"], c["avg_set_size"], marker="o", label=name)
    ax1.plot([0.7, 1.0], [0.7, 1.0], "k--", label="target 1 - alpha")
    ax1.set_xlabel("target coverage 1 - alpha")
    ax1.set_ylabel("coverage of the zero-shot top label")
    ax1.legend(fontsize=8)
    ax2.set_xlabel("alpha")
    ax2.set_ylabel("average set size")
    ax2.set_xscale("log")
    fig.tight_layout()
    fig.savefig(args.out / "zeroshot_coverage_vs_alpha.png", dpi=120)
    fig, axes = plt.subplots(1, len(args.details), figsize=(3.2 * len(args.details), 3), squeeze=False)
    for ax, path in zip(axes[0], args.details, strict=True):
        arrays = np.load(path, allow_pickle=False)
        sizes = arrays["set_sizes"]
        ax.hist(sizes, bins=np.arange(1, sizes.max() + 2) - 0.5)
        ax.set_title(f"{path.name.removesuffix('_details.npz')} (alpha={float(arrays['alpha']):g})", fontsize=9)
        ax.set_xlabel("set size")
    axes[0][0].set_ylabel("texts")
    fig.tight_layout()
    fig.savefig(args.out / "zeroshot_set_sizes.png", dpi=120)
    (args.out / "coverage_vs_alpha.json").write_text(json.dumps(curves, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(curves, indent=2))


if __name__ == "__main__":
    main()
