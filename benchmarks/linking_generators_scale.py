"""Dense-index scale benchmark: flat vs HNSW vs IVF-PQ over many real-looking names.

Names come from the real terminologies (MEDIC 2012 and 2017, HPO, ICD-10-CM,
Disease Ontology); realistic variants are added until there are ``--n-names``:
word-order inversions ("cancer, breast"), initialisms ("... (ALS)"), typos
(swapped, dropped or doubled letters), plurals and clinical modifiers
("familial", "chronic", ...). Every name is encoded by the model, no
synthetic vectors. Queries are NCBI Disease *dev* mention texts plus
held-out variants. For each index type: build time, index size, RSS growth,
p50/p95 single-query latency (1 thread) and recall@k of the names found
against exact search.

    python benchmarks/linking_generators_scale.py --n-names 1000000 --model xlink-biencoder-minilm

Embeddings are cached in runs/scale_embeddings_<n>.npy, so the index part can be rerun cheaply.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import time
from pathlib import Path

import numpy as np

from xlink.candidates.dense import DenseConfig, build_faiss_index
from xlink.candidates.encoder import TextEncoder
from xlink.corpus.io import load_corpus
from xlink.terminology.loaders import load_terminology
from xlink.text.normalize import normalize_text

logger = logging.getLogger("benchmarks.scale")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
TERMINOLOGIES = (
    ("terminologies/medic/medic_06Jul2012_BioSyn.txt", "biosyn"),
    ("terminologies/medic/CTD_diseases_2017.tsv.gz", "ctd"),
    ("terminologies/hpo/hp.obo", "obo"),
    ("terminologies/icd10cm/icd10c-tabular-April-1-2026.xml", "icd10cm"),
    ("terminologies/disease_ontology/HumanDO.tsv", "do"),
)
MODIFIERS = ("familial", "hereditary", "congenital", "chronic", "acute", "severe", "juvenile", "adult onset", "recurrent")


def real_names() -> list[str]:
    names: dict[str, None] = {}
    for path, fmt in TERMINOLOGIES:
        for concept in load_terminology(DATA / path, fmt):
            for name in concept.names:
                key = normalize_text(name)
                if key:
                    names.setdefault(key, None)
    return list(names)


def variant(name: str, rng: random.Random) -> str:
    words = name.split()
    kind = rng.randrange(5)
    if kind == 0 and len(words) > 1:  # word order: "breast cancer" -> "cancer breast" / "cancer of breast"
        cut = rng.randrange(1, len(words))
        words = words[cut:] + (["of"] if rng.random() < 0.5 else []) + words[:cut]
    elif kind == 1 and len(words) > 1:  # initialism
        words = [*words, "".join(w[0] for w in words if w[0].isalnum())]
    elif kind == 2:  # typo
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(len(w) - 1)
            op = rng.randrange(3)
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if op == 0 else w[:j] + w[j + 1 :] if op == 1 else w[:j] + w[j] + w[j:]
        words[i] = w
    elif kind == 3:  # number
        words[-1] = words[-1][:-1] if words[-1].endswith("s") else words[-1] + "s"
    else:
        words = [rng.choice(MODIFIERS), *words]
    return " ".join(words)


def make_names(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    base = real_names()
    logger.info("%d distinct real names", len(base))
    names = dict.fromkeys(base[:n])
    while len(names) < n:
        names.setdefault(variant(rng.choice(base), rng), None)
    held_out: list[str] = []
    while len(held_out) < 500:
        v = variant(rng.choice(base), rng)
        if v not in names:
            held_out.append(v)
    return list(names), held_out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-names", type=int, default=1_000_000)
    parser.add_argument("--model", default="xlink-biencoder-minilm")
    parser.add_argument("--max-length", type=int, default=25)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/linking_generators_scale.json")
    parser.add_argument(
        "--from-index", type=Path, default=None,
        help="take the name vectors from a dense index folder built by xlink (same model) instead of encoding",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    import faiss

    names, held_out = make_names(args.n_names, args.seed)
    dev = load_corpus(DATA / "el/ncbi_disease/NCBIdevelopset_corpus.txt")
    queries = list(dict.fromkeys(normalize_text(m.text) for m in dev.mentions()))[:500] + held_out
    encoder = TextEncoder(args.model, max_length=args.max_length)
    cache = ROOT / "runs" / f"scale_embeddings_{args.n_names}_{encoder.fingerprint}.npy"
    if args.from_index is not None:
        from xlink.candidates.index_store import IndexManifest

        manifest = IndexManifest.read(args.from_index)
        if manifest.model_fingerprint != encoder.fingerprint:
            raise SystemExit(f"{args.from_index} was built with another model than {args.model}")
        stored = faiss.read_index(str(args.from_index / "names.faiss"))
        vectors = stored.reconstruct_n(0, stored.ntotal)
        names = json.loads((args.from_index / "names.json").read_text())["names"]
        encode_info = {"source": f"{manifest.terminology_name} index, {manifest.n_names} names",
                       "names_per_s": manifest.extra.get("encode_names_per_s")}
    elif cache.exists():
        vectors = np.load(cache)
        encode_info = json.loads(cache.with_suffix(".json").read_text())
    else:
        start = time.perf_counter()
        vectors = encoder.encode(names, batch_size=256, description="encoding scale names")
        encode_info = {"encode_s": round(time.perf_counter() - start, 1), "names_per_s": round(encoder.stats.texts_per_s, 1),
                       "n_truncated": encoder.stats.n_truncated}
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
        cache.with_suffix(".json").write_text(json.dumps(encode_info))
    q = encoder.encode(queries)
    faiss.omp_set_num_threads(1)
    rows: list[dict[str, object]] = []
    exact_ids = None
    for kind in ("flat", "hnsw", "ivfpq"):
        config = DenseConfig(index=kind)
        before = rss_mb()
        start = time.perf_counter()
        index = build_faiss_index(vectors, config)
        build_s = time.perf_counter() - start
        size_mb = len(faiss.serialize_index(index)) / 1e6
        latencies = []
        for i in range(len(q)):
            t = time.perf_counter()
            index.search(q[i : i + 1], args.k)
            latencies.append((time.perf_counter() - t) * 1000)
        _, ids = index.search(q, args.k)
        if exact_ids is None:
            exact_ids = ids
        recall = float(np.mean([len(set(a) & set(b)) / args.k for a, b in zip(ids, exact_ids, strict=True)]))
        top1 = float(np.mean(ids[:, 0] == exact_ids[:, 0]))
        row = {
            "index": type(index).__name__, "build_s": round(build_s, 1), "index_mb": round(size_mb, 1),
            "rss_growth_mb": round(rss_mb() - before, 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 3), "p95_ms": round(float(np.percentile(latencies, 95)), 3),
            f"recall@{args.k}_vs_exact": round(100 * recall, 2), "top1_agreement": round(100 * top1, 2),
            "params": {k: v for k, v in config.__dict__.items() if k.startswith(("hnsw", "ivf", "pq"))} if kind != "flat" else {},
        }
        rows.append(row)
        logger.info("%s", row)
        del index
    payload = {"date": time.strftime("%Y-%m-%d"), "n_names": len(names), "n_queries": len(queries), "model": args.model,
               "encoding": encode_info, "dimension": int(vectors.shape[1]), "rows": rows, "search_threads": 1}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    print(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
