"""A larger selection set for the reranker: NCBI dev plus a document-level fifth of NCBI train.

NCBI Disease dev has 787 mentions in 100 abstracts, and its errors come in document-sized
clusters, so a model chosen on dev alone can gain 4 points there and lose 6 on test
(benchmarks/reranker.md). This script splits the cached generator output of the training
split by document (every 5th abstract in document-id order is held out), and writes

* ``<out>/train_fold.jsonl``: the other four fifths, to train on;
* ``<out>/select.jsonl``: dev plus the held-out fifth, to select on (about 1,800 mentions in
  about 220 abstracts).

The candidates come from a generator over the terminology alone (no training mentions as
aliases), so a held-out abstract's candidates do not depend on the abstracts trained on.
Test is never read.

    python benchmarks/reranker_selection_set.py runs/cache/ncbi_train_ensemble_k16.jsonl \
        runs/cache/ncbi_dev_ensemble_k16.jsonl --out runs/cache/fold5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from xlink.files import atomic_write_lines


def document_ids(path: Path) -> list[tuple[str, str]]:
    """(document id, line) per line of a candidates file; a bad line is named by file and line."""
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((str(json.loads(line)["document_id"]), line))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise SystemExit(f"{path}:{lineno}: not a linked-mention JSON object with a 'document_id' ({err}); "
                             "write the file with `xlink link -o` or a reranker training run's candidate cache") from None
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train", type=Path, help="cached generator output of the training split (JSONL)")
    parser.add_argument("dev", type=Path, help="cached generator output of the dev split (JSONL)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--every", type=int, default=5, help="hold out every n-th training abstract")
    args = parser.parse_args()
    train = document_ids(args.train)
    docs = sorted({doc for doc, _ in train})
    held = set(docs[:: args.every])
    kept = [line for doc, line in train if doc not in held]
    out = [line for doc, line in train if doc in held]
    dev = [line for _, line in document_ids(args.dev)]
    atomic_write_lines(args.out / "train_fold.jsonl", kept)
    atomic_write_lines(args.out / "select.jsonl", dev + out)
    summary = {"train_documents": len(docs) - len(held), "train_mentions": len(kept),
               "held_out_documents": len(held), "held_out_mentions": len(out), "dev_mentions": len(dev),
               "select_mentions": len(dev) + len(out)}
    atomic_write_lines(args.out / "split.json", [json.dumps(summary, indent=1)])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
