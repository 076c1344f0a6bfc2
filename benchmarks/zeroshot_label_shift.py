"""Label shift between calibration and evaluated texts, read from `xlink evaluate-zeroshot --details` files.

Split conformal sets keep the zero-shot top label with probability >= 1 - alpha when the
calibration texts and the classified texts are exchangeable. Calibrating on a train split and
classifying a test split breaks that when the two splits mix labels differently. This script
measures, per details file:

* ``tv``: total-variation distance between the zero-shot label mix of the calibration rows and
  that of the evaluated texts;
* ``label_mix_p_value``: the label-free check ``xlink classify`` runs (chi-square test of the base
  classifier's arg-max label mix, evaluated texts against calibration rows; no zero-shot labels);
* ``standard``: coverage and average set size of the LAC sets as calibrated (recomputed from
  the saved rows, with xlink's never-empty fallback);
* ``oracle_weighted``: the same calibration rows reweighted for label shift (Podkopaev &
  Ramdas, UAI 2021: weight w_y = p_use(y) / p_cal(y), one threshold per candidate label) with
  the *true* zero-shot label mix of the evaluated texts. That mix is unknown in use, so this is
  an analysis of what a perfect shift correction would cost in set size, not a method;
* ``flatter_mix``: the same reweighting towards a *guessed* flatter mix (calibration shares to
  the power 0.5, renormalized), which needs no knowledge of the texts in use;
* per label: share in calibration, share in use, and the sets that missed it;
* ``margins``: coverage, set size and share of NLI pairs kept at stricter thresholds taken from
  the same calibration rows (alpha = 0.01 as calibrated; training-conditional ranks with
  delta = 0.1 and 0.05, as ``--delta`` would pick; alpha = 0.005), i.e. what a safety margin
  against a shifted label mix costs.

    python benchmarks/zeroshot_label_shift.py runs/zeroshot_large/*_details.npz \
        --out benchmarks/zeroshot_results/large_n/label_shift.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from xlink.conformal import label_mix_check
from xlink.conformal.core import label_mix_tv


def lac_threshold(scores: np.ndarray, weights: np.ndarray, test_weight: float, alpha: float) -> float:
    """Smallest calibration score whose weighted share, with the test point's weight at +inf, is >= 1 - alpha."""
    order = np.argsort(scores, kind="stable")
    share = np.cumsum(weights[order]) / (weights.sum() + test_weight)
    i = int(np.searchsorted(share, 1.0 - alpha - 1e-12))
    return float(scores[order][i]) if i < len(scores) else float("inf")


def sets_for(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """LAC membership (1 - p_y <= q_y), never empty: an empty row keeps its arg-max."""
    members = (1.0 - probs) <= thresholds[None, :]
    empty = ~members.any(axis=1)
    members[np.flatnonzero(empty), probs[empty].argmax(axis=1)] = True
    return members


def margins(scores: np.ndarray, probs: np.ndarray, top: np.ndarray, alpha: float) -> dict[str, dict[str, float]]:
    """Coverage / set size / share of NLI pairs kept at several calibration ranks."""
    from xlink.conformal.core import pac_rank

    ordered = np.sort(scores)
    n = len(ordered)
    ranks = {
        f"alpha_{alpha:g}": int(np.ceil((n + 1) * (1 - alpha))),
        "pac_delta_0.1": pac_rank(n, alpha, 0.1),
        "pac_delta_0.05": pac_rank(n, alpha, 0.05),
        f"alpha_{alpha / 2:g}": int(np.ceil((n + 1) * (1 - alpha / 2))),
    }
    out = {}
    for name, rank in ranks.items():
        q = float(ordered[rank - 1]) if rank <= n else float("inf")
        members = sets_for(probs, np.full(probs.shape[1], q))
        sizes = members.sum(axis=1)
        pairs = float(np.where(sizes > 1, sizes, 0).sum() / members.size)  # a one-label set needs no NLI pass
        out[name] = {"coverage": round(float(members[np.arange(len(top)), top].mean()), 4),
                     "avg_set": round(float(sizes.mean()), 3), "pairs_kept": round(pairs, 4)}
    return out


def analyse(path: Path) -> dict[str, object]:
    d = np.load(path)
    cal_probs, cal_y = d["calibration_probs"], d["calibration_targets"]
    probs, top, alpha = d["eval_probs"], d["eval_full_top"], float(d["alpha"])
    k = cal_probs.shape[1]
    scores = 1.0 - cal_probs[np.arange(len(cal_y)), cal_y]
    p_cal = np.bincount(cal_y, minlength=k) / len(cal_y)
    p_use = np.bincount(top, minlength=k) / len(top)
    rows = np.arange(len(top))

    ones = np.ones(len(scores))
    standard = sets_for(probs, np.full(k, lac_threshold(scores, ones, 1.0, alpha)))
    # smoothed ratio: a label never seen in calibration gets the largest weight instead of inf
    ratio = (p_use + 1e-3) / (p_cal + 1e-3)
    weights = ratio[cal_y]
    oracle = sets_for(probs, np.array([lac_threshold(scores, weights, ratio[y], alpha) for y in range(k)]))
    # prior-free: calibrate for a flatter label mix than calibration's, p_cal^0.5 (renormalized),
    # which raises the weight of rare labels without knowing the mix in use
    flat = np.sqrt(p_cal + 1e-3)
    flat_ratio = (flat / flat.sum()) / (p_cal + 1e-3)
    flatter = sets_for(probs, np.array([lac_threshold(scores, flat_ratio[cal_y], flat_ratio[y], alpha) for y in range(k)]))
    missed = ~standard[rows, top]
    per_label = [
        {"label": y, "calibration_share": round(float(p_cal[y]), 4), "use_share": round(float(p_use[y]), 4),
         "misses": int(missed[top == y].sum())}
        for y in range(k) if p_cal[y] > 0 or p_use[y] > 0
    ]
    return {
        "file": path.name, "n_calibration": int(len(cal_y)), "n_evaluated": int(len(top)), "n_labels": k,
        "alpha": alpha, "tv": round(label_mix_tv(cal_y, top, k), 4),
        "label_mix_p_value": float(f"{label_mix_check(cal_probs, probs).p_value:.3g}"),
        "standard": {"coverage": round(float(standard[rows, top].mean()), 4), "avg_set": round(float(standard.sum(1).mean()), 3)},
        "oracle_weighted": {"coverage": round(float(oracle[rows, top].mean()), 4), "avg_set": round(float(oracle.sum(1).mean()), 3)},
        "flatter_mix": {"coverage": round(float(flatter[rows, top].mean()), 4), "avg_set": round(float(flatter.sum(1).mean()), 3)},
        "margins": margins(scores, probs, top, alpha),
        "per_label": per_label,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("details", nargs="+", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = [analyse(p) for p in args.details]
    for r in results:
        s, o = r["standard"], r["oracle_weighted"]
        print(f"{Path(str(r['file'])).name:26} n={r['n_evaluated']:5} tv {r['tv']:.3f} mix p {r['label_mix_p_value']:.2g}  standard {100 * s['coverage']:6.2f}% "  # type: ignore[index]
              f"set {s['avg_set']:6.2f}  oracle-weighted {100 * o['coverage']:6.2f}% set {o['avg_set']:6.2f}  "  # type: ignore[index]
              f"flatter {100 * r['flatter_mix']['coverage']:6.2f}% set {r['flatter_mix']['avg_set']:6.2f}")  # type: ignore[index]
        print("    " + " | ".join(f"{k}: {100 * v['coverage']:.2f}% set {v['avg_set']:.2f} pairs {100 * v['pairs_kept']:.1f}%"
                                for k, v in r["margins"].items()))  # type: ignore[attr-defined]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
