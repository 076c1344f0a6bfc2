"""End-to-end scores of a pipeline on a corpus for several NIL thresholds of its linker.

The linker's ``threshold`` leaves a mention unlinked when its best score is below it. This
runs the whole pipeline once per threshold on a corpus's raw text (use a dev split: the
threshold is a setting to choose) and prints one JSON object with NER strict F1 and strict
and loose precision/recall/F1 for each, as ``xlink evaluate-pipeline --json`` reports them.

    python benchmarks/pipeline_threshold_sweep.py --thresholds 0,0.5,0.8 \\
        --corpus ../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt [--pipeline NAME_OR_FOLDER]
        [--reranker xlink-reranker-minilm]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=None, help="package name or folder (default: the disease pipeline)")
    parser.add_argument("--corpus", type=Path, default=data / "el" / "ncbi_disease" / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--thresholds", default="0,0.5,0.7,0.8,0.9")
    parser.add_argument("--reranker", default=None, help="rerank with this model (package, folder or HF id); the threshold then applies to its probability")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import evaluate_pipeline
    from xlink.corpus.io import detect_corpus_format, load_corpus

    gold = load_corpus(args.corpus, detect_corpus_format(args.corpus))
    nlp = load_pipeline(args.pipeline)
    linker = nlp.get_pipe("xlink_linker")
    if args.reranker:
        linker.set_reranker({"model": args.reranker})
    runs = []
    for threshold in (float(t) for t in args.thresholds.split(",")):
        linker.threshold = threshold
        result = evaluate_pipeline(nlp, gold).to_json()
        result.pop("docs", None)
        runs.append({"threshold": threshold, **result})
        print(f"threshold {threshold:g}: strict F1 {result.get('strict_f1')}, loose F1 {result.get('loose_f1')}", flush=True)
    report = {"pipeline": args.pipeline or "xlink_disease_medic", "reranker": args.reranker, "components": nlp.pipe_names,
              "corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs}
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
