"""Throughput of a spaCy pipeline on a corpus's raw text, with n_process 1 and 2, in one run.

Usage (from the repository root):

    python benchmarks/pipeline_throughput.py [--pipeline xlink_disease_medic]
        [--corpus ../shared/data/el/ncbi_disease/NCBItestset_corpus.txt] [--repeat 3]
        [--reranker xlink-reranker-minilm]

It times ``nlp.pipe`` over the corpus texts (repeated ``--repeat`` times) for
the whole pipeline and for the pipeline without ``xlink_linker`` (NER and
abbreviations only), each with ``n_process`` 1 and 2, after one warm-up pass,
and prints one JSON object: docs/s and predicted mentions/s for each setting.
With ``--reranker MODEL`` it also times the same pipeline with that cross-encoder
reranking the linker's candidates (``[reranker] model = MODEL``), in the same run.
Process start-up is included in the n_process=2 figures, as a user would see.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path

logger = logging.getLogger("pipeline_throughput")
ROOT = Path(__file__).resolve().parents[1]


def _time(nlp, texts: list[str], n_process: int, batch_size: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    n_mentions = sum(len(doc.ents) for doc in nlp.pipe(texts, n_process=n_process, batch_size=batch_size))
    seconds = time.perf_counter() - start
    return {
        "n_process": n_process,
        "seconds": round(seconds, 2),
        "docs_per_s": round(len(texts) / seconds, 2),
        "mentions_per_s": round(n_mentions / seconds, 1),
        "n_docs": len(texts),
        "n_mentions": n_mentions,
    }


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=None, help="package name or folder (default: the disease pipeline)")
    parser.add_argument("--corpus", type=Path, default=data / "el" / "ncbi_disease" / "NCBItestset_corpus.txt")
    parser.add_argument("--corpus-format", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--reranker", default=None, help="also time the pipeline with this reranker (package, folder or HF id)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from xlink.cli.pipeline import load_pipeline
    from xlink.corpus.io import detect_corpus_format, load_corpus

    corpus = load_corpus(args.corpus, args.corpus_format or detect_corpus_format(args.corpus))
    texts = [d.text for d in corpus.documents] * args.repeat
    nlp = load_pipeline(args.pipeline)
    list(nlp.pipe(texts[:20]))  # warm-up: lazy loading, caches
    variants = {"full": nlp}
    if args.reranker:
        reranked = load_pipeline(args.pipeline)
        reranked.get_pipe("xlink_linker").set_reranker({"model": args.reranker})
        list(reranked.pipe(texts[:20]))
        variants["full_with_reranker"] = reranked
    results: dict[str, list[dict[str, float]]] = {name: [] for name in [*variants, "without_linker"]}
    for n_process in (1, 2):
        for name, pipeline in variants.items():
            results[name].append(_time(pipeline, texts, n_process, args.batch_size))
        with nlp.select_pipes(disable=["xlink_linker"]):
            results["without_linker"].append(_time(nlp, texts, n_process, args.batch_size))
    print(
        json.dumps(
            {
                "pipeline": args.pipeline or "xlink_disease_medic",
                "reranker": args.reranker,
                "components": nlp.pipe_names,
                "corpus": str(args.corpus),
                "repeat": args.repeat,
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
                "date": time.strftime("%Y-%m-%d %H:%M"),
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
