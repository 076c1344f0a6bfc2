"""Rebuild sections 2-6 of BENCHMARKS.md from the per-capability reports in benchmarks/*.md.

Section 1 (TF-IDF linking) is written in BENCHMARKS.md itself; everything after the marker
below is regenerated, so running this twice gives the same file.

    python benchmarks/merge_benchmarks.py
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- merged sections below: copied from benchmarks/*.md by benchmarks/merge_benchmarks.py -->"
OLD_MARKERS = ("<!-- merged sections below: copied from benchmarks/*.md -->",
               "<!-- merged sections below: generated from benchmarks/*.md -->")
PARTS = [
    ("2. Candidate generators", "generators.md"),
    ("3. Cross-encoder reranker", "reranker.md"),
    ("4. spaCy pipeline end to end", "pipeline.md"),
    ("5. Zero-shot classification with conformal label pruning", "zeroshot.md"),
    ("6. Conformal candidate pruning for the reranker", "conformal_candidates.md"),
]


def section(title: str, name: str) -> str:
    path = ROOT / "benchmarks" / name
    if not path.exists():
        return f"\n## {title}\n\nNot measured yet.\n"
    lines = path.read_text(encoding="utf-8").splitlines()
    fence, levels = False, []
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#+ ", line):
            levels.append(len(line.split(" ")[0]))
    shift = 3 - min(levels) if levels else 0
    out, fence = [], False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence:
            m = re.match(r"^(#+) ", line)
            if m:
                line = "#" * (len(m.group(1)) + shift) + line[len(m.group(1)):]
            line = re.sub(r"\]\((?!http)(?!benchmarks/)(?!#)([^)]+)\)", r"](benchmarks/\1)", line)
        out.append(line)
    return f"\n## {title}\n\n(From `benchmarks/{name}`.)\n\n" + "\n".join(out).strip() + "\n"


def main() -> None:
    import argparse

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help prints, writes nothing
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    head = text
    for marker in (MARKER, *OLD_MARKERS):
        head = head.split(marker)[0]
    head = head.split("\n## 2. ")[0].rstrip() + "\n\n" + MARKER + "\n"
    path.write_text(head + "".join(section(t, n) for t, n in PARTS), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
