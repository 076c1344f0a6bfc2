"""Write a PubTator corpus without every n-th document (in document-id order), for learning-curve probes.

The documents held out are those that ``benchmarks/reranker_selection_set.py`` holds out, so the
probes of the reranker and of the pipeline share one split.

    python benchmarks/corpus_fold.py CORPUS.txt --every 5 --out kept.txt [--held-out held.txt]
"""

from __future__ import annotations

import argparse
from pathlib import Path


def split_documents(text: str) -> list[str]:
    """PubTator documents: blocks of lines separated by blank lines."""
    return [block for block in text.replace("\r\n", "\n").strip("\n").split("\n\n") if block.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--every", type=int, default=5, help="hold out every n-th document")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--held-out", type=Path, default=None, help="write the held-out documents here too")
    args = parser.parse_args()

    from xlink.files import atomic_write_lines

    blocks = split_documents(args.corpus.read_text(encoding="utf-8"))
    ids = sorted({block.split("|", 1)[0] for block in blocks})
    held = set(ids[:: args.every])
    kept = [b for b in blocks if b.split("|", 1)[0] not in held]
    atomic_write_lines(args.out, [b + "\n" for b in kept])
    if args.held_out is not None:
        atomic_write_lines(args.held_out, [b + "\n" for b in blocks if b.split("|", 1)[0] in held])
    print(f"{args.corpus}: {len(blocks)} documents, {len(kept)} kept → {args.out}, {len(blocks) - len(kept)} held out")


if __name__ == "__main__":
    main()
