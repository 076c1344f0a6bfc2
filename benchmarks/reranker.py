"""Reproduce the reranker linking figures (benchmarks/reranker.md).

For each row, runs ``xlink evaluate-linking --json`` with the generator alone
(``configs/linking/<generator>.cfg``) and with generator + reranker (the same
config plus a ``[reranker]`` section naming ``--reranker``).
The data folder is ``$XLINK_DATA`` or ``../shared/data``.

    python benchmarks/reranker.py --reranker runs/reranker_l1 [--generator tfidf|dense|ensemble] [--split dev|test|both] [--k 8] [--exact-match-guard on|off]
        [--protocols raw,raw+train,biosyn,biosyn-dev]

Protocols: ``raw`` (the PubTator corpus against MEDIC 2012), ``raw+train`` (the same plus the training
mentions as aliases), ``biosyn`` (BioSyn's test queries and test dictionary; test only) and
``biosyn-dev`` (BioSyn's dev queries against its MEDIC dictionary plus the training mentions as
aliases: a dev analogue of the ``biosyn`` setting, for choosing on dev; dev only).
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
MEDIC = DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt"
SPLITS = {"dev": NCBI / "NCBIdevelopset_corpus.txt", "test": NCBI / "NCBItestset_corpus.txt"}
BIOSYN_SPLITS = {"dev": BIOSYN / "dev_queries.txt", "test": BIOSYN / "test_queries.txt"}
TRAIN = NCBI / "NCBItrainset_corpus.txt"
LINKING = ROOT / "configs" / "linking"


def rerank_config(generator: Path, model: str, k: int | None, folder: Path, guard: bool | None = None) -> Path:
    """The generator's linking config plus a ``[reranker]`` section for ``model``.

    ``guard`` sets ``exact_match_guard`` (None: the model's saved setting).
    """
    text = generator.read_text(encoding="utf-8")
    if "[reranker]" in text:
        raise SystemExit(f"{generator} already has a [reranker] section; name a generator-only config")
    name = Path(model).resolve() if Path(model).exists() else model
    text += (f'\n[reranker]\nmodel = "{name}"\nk = {"null" if k is None else k}\nbatch_size = 128\n'
             "skip_margin = null\n")
    if guard is not None:
        text += f"exact_match_guard = {'true' if guard else 'false'}\n"
    path = folder / "rerank.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str], cache: Path) -> dict[str, object]:
    env = dict(os.environ, XLINK_CACHE=str(cache))
    cmd = [str(Path(sys.executable).parent / "xlink"), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout)
    result["command"] = " ".join(["xlink", *(str(a).replace(str(DATA), "$DATA").replace(str(ROOT) + "/", "") for a in args)])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reranker", default="xlink-reranker-minilm", help="folder, packaged name or hub id")
    parser.add_argument("--generator", default="tfidf", help="configs/linking/<name>.cfg: tfidf, dense or ensemble")
    parser.add_argument("--split", choices=["dev", "test", "both"], default="test")
    parser.add_argument("--k", type=int, default=None, help="candidates reranked (default: the model's)")
    parser.add_argument("--protocols", default="raw,raw+train,biosyn")
    parser.add_argument("--exact-match-guard", choices=["on", "off", "model"], default="model",
                        help="keep a mention's unique exact alias hit (default: the model's setting)")
    parser.add_argument("--no-generator", action="store_true", help="skip the generator-alone rows")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "reranker.json")
    args = parser.parse_args()
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    protocols = args.protocols.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        generator = LINKING / f"{args.generator}.cfg"
        guard = {"on": True, "off": False, "model": None}[args.exact_match_guard]
        rerank = rerank_config(generator, args.reranker, args.k, cache, guard)
        label = f"{args.generator} + reranker" + {"on": " (exact-match guard)", "off": " (no guard)", "model": ""}[args.exact_match_guard]
        systems = [(label, ["--config", str(rerank)])]
        if not args.no_generator:
            systems.insert(0, (f"{args.generator} alone", ["--config", str(generator)]))
        for split in splits:
            for protocol in protocols:
                if protocol == "biosyn":
                    if split != "test":
                        continue  # BioSyn ships no dev dictionary; its test dictionary holds the dev names
                    base = ["--corpus", str(BIOSYN_SPLITS[split]), "--corpus-format", "biosyn-queries",
                            "-t", str(BIOSYN / "test_dictionary.txt")]
                elif protocol == "biosyn-dev":
                    if split != "dev":
                        continue
                    # the dev analogue of BioSyn's test setting: dev queries against its MEDIC dictionary
                    # (test2_dictionary.txt) plus the training mentions as aliases, as its test dictionary
                    # holds MEDIC plus the training and dev mentions
                    base = ["--corpus", str(BIOSYN_SPLITS[split]), "--corpus-format", "biosyn-queries",
                            "-t", str(BIOSYN / "test2_dictionary.txt"), "--train-corpus", str(TRAIN)]
                else:
                    base = ["--corpus", str(SPLITS[split]), "-t", str(MEDIC)]
                    if protocol == "raw+train":
                        base += ["--train-corpus", str(TRAIN)]
                for system, extra in systems:
                    result = run(["evaluate-linking", *base, *extra, "--json"], cache)
                    rows.append({"protocol": protocol, "split": split, "system": system, **result})
                    print(f"{protocol:10} {split:5} {system:22} acc@1 {result['acc@1']:6.2f} acc@5 {result['acc@5']:6.2f} "
                          f"recall@64 {result.get('recall@64')}  {result['link_s']} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    stamp = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores", "reranker": args.reranker,
             "generator": args.generator, "k": args.k, "exact_match_guard": args.exact_match_guard, "rows": rows}
    args.out.write_text(json.dumps(stamp, indent=1))


if __name__ == "__main__":
    main()
