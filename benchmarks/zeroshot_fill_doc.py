"""Refresh the generated tables of benchmarks/zeroshot.md (between <!-- table --> / <!-- coverage --> markers)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def main() -> None:
    doc_path = Path("benchmarks/zeroshot.md")
    doc = doc_path.read_text(encoding="utf-8")
    report = subprocess.run([sys.executable, "benchmarks/zeroshot_report.py"], capture_output=True, text=True, check=True).stdout
    report = report[report.index("| data set"):]
    curves = json.loads(Path("benchmarks/zeroshot_results/coverage_vs_alpha.json").read_text(encoding="utf-8"))
    alphas = next(iter(curves.values()))["alpha"]
    lines = ["| data set | " + " | ".join(f"α={a:g}" for a in alphas) + " |", "|---|" + "---|" * len(alphas)]
    for name, c in curves.items():
        lines.append(f"| {name} | " + " | ".join(f"{100 * v:.1f}% / {s:.1f}" for v, s in zip(c["coverage"], c["avg_set_size"], strict=True)) + " |")
    coverage = "coverage of the full-label top label / average set size:\n\n" + "\n".join(lines)
    for name, text in (("table", report.strip()), ("coverage", coverage)):
        block = f"<!-- {name} -->\n{text}\n<!-- /{name} -->"
        placeholder = f"{name.upper()}_PLACEHOLDER"
        if placeholder in doc:
            doc = doc.replace(placeholder, block)
        else:
            doc = re.sub(rf"<!-- {name} -->.*?<!-- /{name} -->", lambda _m, b=block: b, doc, flags=re.S)
    doc_path.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    main()
