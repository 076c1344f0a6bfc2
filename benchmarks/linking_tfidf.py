"""Reproduce the TF-IDF linking figures of BENCHMARKS.md.

Runs ``xlink evaluate-linking --json`` for each row and prints a Markdown
table; the raw JSON of every run goes to ``benchmarks/results/``. The data
folder is ``$XLINK_DATA`` or ``../shared/data``.

    python benchmarks/linking_tfidf.py [--split dev|test|both]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
NCBI = DATA / "el" / "ncbi_disease"
BIOSYN = DATA / "el" / "ncbi_disease_biosyn"
TERMS = {
    "MEDIC 2012 (BioSyn copy)": DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt",
    "CTD MEDIC 2017": DATA / "terminologies" / "medic" / "CTD_diseases_2017.tsv.gz",
}
SPLITS = {"dev": NCBI / "NCBIdevelopset_corpus.txt", "test": NCBI / "NCBItestset_corpus.txt"}
TRAIN = NCBI / "NCBItrainset_corpus.txt"
BASELINE = ROOT / "configs" / "linking" / "baseline_char3.cfg"
DEFAULT = ROOT / "configs" / "linking" / "tfidf.cfg"


def run(args: list[str], cache: Path) -> dict[str, object]:
    env = dict(os.environ, XLINK_CACHE=str(cache))
    cmd = [str(Path(sys.executable).parent / "xlink"), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    result = json.loads(out.stdout)
    result["command"] = " ".join(["xlink", *(str(a).replace(str(DATA), "$DATA").replace(str(ROOT) + "/", "") for a in args)])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "linking_tfidf.json")
    args = parser.parse_args()
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        for split in splits:
            corpus = SPLITS[split]
            for term_name, term in TERMS.items():
                for system, extra in (
                    ("baseline char-3", ["--config", str(BASELINE)]),
                    ("xlink TF-IDF", ["--config", str(DEFAULT)]),
                    ("xlink TF-IDF + train mentions", ["--config", str(DEFAULT), "--train-corpus", str(TRAIN)]),
                ):
                    # each configuration twice: the first run builds and caches the index,
                    # the second measures linking with the cached index
                    first = run(["evaluate-linking", "--corpus", str(corpus), "-t", str(term), *extra, "--json"], cache)
                    second = run(["evaluate-linking", "--corpus", str(corpus), "-t", str(term), *extra, "--json"], cache)
                    second["index_build_s"] = first["index_s"]
                    rows.append({"protocol": "raw", "split": split, "terminology": term_name, "system": system, **second})
        if "test" in splits:
            for system, extra in (("baseline char-3", ["--config", str(BASELINE)]), ("xlink TF-IDF", ["--config", str(DEFAULT)])):
                common = ["evaluate-linking", "--corpus", str(BIOSYN / "test_queries.txt"), "--corpus-format", "biosyn-queries",
                          "-t", str(BIOSYN / "test_dictionary.txt"), *extra, "--json"]
                first = run(common, cache)
                second = run(common, cache)
                second["index_build_s"] = first["index_s"]
                rows.append({"protocol": "biosyn", "split": "test", "terminology": "test_dictionary.txt", "system": system, **second})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    stamp = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores", "rows": rows}
    args.out.write_text(json.dumps(stamp, indent=1))
    print("| protocol | split | terminology | system | acc@1 | acc@5 | recall@64 | strict acc@1 | index build s | mentions/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['protocol']} | {r['split']} | {r['terminology']} | {r['system']} | {r['acc@1']:.1f} | {r['acc@5']:.1f} | "
            f"{r['recall@64']:.1f} | {r.get('strict_acc@1', r['acc@1']):.1f} | {r['index_build_s']:.1f} | {r['mentions_per_s']:.0f} |"
        )
    for r in rows:
        print(f"- `{r['command']}`")


if __name__ == "__main__":
    main()
