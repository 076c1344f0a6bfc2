"""Render the tables of benchmarks/zeroshot.md from the JSON files in benchmarks/zeroshot_results/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from xlink.conformal.core import coverage_check

SETS = ["banking77", "snips", "atis", "ag_news"]


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/zeroshot_results")
    rows = []
    for name in ("nli_mnli_dev_matched", "nli_anli_test", "nli_anli_test_r1_first400"):
        path = folder / f"{name}.json"
        if (path.exists() and path.stat().st_size > 0):
            r = json.loads(path.read_text())
            rows.append(f"| {name.removeprefix('nli_')} | {r['n']} | {100 * r['accuracy']:.1f} | {r['pairs_per_second']:.0f} |")
    if rows:
        print("| NLI set | pairs | accuracy | pairs/s |\n|---|---|---|---|")
        print("\n".join(rows))
        print()
    print("| data set | examples | calib. texts | labels | base | acc. full | acc. pruned | agreement (95% CI; p) | avg set | NLI pairs full → pruned | time full → pruned (s) | time saved |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    saved = []
    for name in SETS:
        path = folder / f"{name}.json"
        if not (path.exists() and path.stat().st_size > 0):
            continue
        r = json.loads(path.read_text())
        saved.append(r["time_saved"])
        # recomputed from the counts, so results written before the CLI reported it render too
        check = coverage_check(round(r["agreement"] * r["n_examples"]), r["n_examples"], r.get("alpha", 0.01))
        agreement = f"{100 * r['agreement']:.1f} ({100 * check.low:.1f}–{100 * check.high:.1f}; p = {check.p_value:.2f})"
        print(
            f"| {name} | {r['n_examples']} | {r['n_calibration']} | {r['n_labels']} | {r['base']} | {100 * r['accuracy_full']:.1f} | "
            f"{100 * r['accuracy_pruned']:.1f} | {agreement} | {r['avg_set_size']:.1f} | "
            f"{r['nli_pairs_full']} → {r['nli_pairs_pruned']} | {r['time_full_s']:.1f} → {r['time_pruned_s']:.1f} | {100 * r['time_saved']:.1f}% |"
        )
    if saved:
        print(f"\nAverage NLI time saved: {100 * sum(saved) / len(saved):.1f}% over {len(saved)} data sets.")
    for name in SETS:
        path = folder / f"{name}.json"
        if (path.exists() and path.stat().st_size > 0):
            r = json.loads(path.read_text())
            choices = ", ".join(f"{c['base']} {c['avg_set_size']:.1f} (cov. {100 * c['coverage']:.0f}%)" for c in r["base_choices"])
            print(f"- {name}: held-out average set size per base: {choices}")
    speed = folder / "speed.json"
    if speed.exists() and speed.stat().st_size > 0:
        s = json.loads(speed.read_text())
        print(f"\nSpeed ({s['texts']} Banking77 texts x {s['labels']} labels = {s['pairs']} pairs, {s['threads']} threads, best of repeats):\n")
        print("| configuration | pairs/s | ratio to the pipeline's best |\n|---|---|---|")
        best = max(s["pairs_per_second"]["hf_pipeline_bs1"], s["pairs_per_second"]["hf_pipeline_bs32"])
        for name, rate in s["pairs_per_second"].items():
            print(f"| {name} | {rate:.0f} | {rate / best:.2f} |")


if __name__ == "__main__":
    main()
