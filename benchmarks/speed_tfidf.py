"""Speed of the TF-IDF generator: index build time and mentions/s, against a
plain character 3-gram baseline measured in the same process, and a scale
run over a terminology of N names (real names plus realistic variants).

    python benchmarks/speed_tfidf.py [--repeats 3] [--scale 1000000]

Times on a shared machine are noisy: read the ratio, measured in one run
with the two systems interleaved, rather than the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
from pathlib import Path

from xlink.candidates.tfidf import TfidfConfig, TfidfGenerator
from xlink.corpus.io import load_corpus
from xlink.linker import Linker, corpus_mentions
from xlink.terminology.loaders import load_terminology
from xlink.terminology.model import Concept, Terminology

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
BASELINE = TfidfConfig(analyzer="char", ngram_min=3, ngram_max=3, sublinear_tf=False, tie_break="order")


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def compare(repeats: int) -> None:
    term = load_terminology(DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt")
    test = load_corpus(DATA / "el" / "ncbi_disease" / "NCBItestset_corpus.txt")
    rows: dict[str, dict[str, list[float]]] = {"baseline char-3": {"build": [], "link": []}, "xlink TF-IDF": {"build": [], "link": []}}
    n = 0
    for _ in range(repeats):
        for name, config, full in (("baseline char-3", BASELINE, False), ("xlink TF-IDF", TfidfConfig(), True)):
            gen, build_s = timed(lambda config=config: TfidfGenerator(term, config).build())
            linker = Linker(term, gen, k=64, use_abbreviations=full, split_composites=full)
            mentions, prep_s = timed(lambda full=full: corpus_mentions(test, full, full))
            linked, link_s = timed(lambda linker=linker, mentions=mentions: list(linker.link(mentions)))
            n = len(linked)
            rows[name]["build"].append(build_s)
            rows[name]["link"].append(link_s + prep_s)
    print(f"NCBI Disease test ({n} mentions) against MEDIC 2012 ({len(term)} concepts), k=64, median of {repeats}")
    print("| system | index build s | link s | mentions/s |")
    print("|---|---|---|---|")
    for name, r in rows.items():
        link = statistics.median(r["link"])
        print(f"| {name} | {statistics.median(r['build']):.2f} | {link:.2f} | {n / link:.0f} |")
    ratio = statistics.median(rows["xlink TF-IDF"]["link"]) / statistics.median(rows["baseline char-3"]["link"])
    print(f"xlink / baseline link time ratio: {ratio:.2f}")


def variants(name: str, rng: random.Random) -> str:
    words = name.split()
    kind = rng.randrange(3)
    if kind == 0 and len(words) > 1:  # word order
        rng.shuffle(words)
        return " ".join(words)
    if kind == 1 and len(words) > 1:  # abbreviation of one word
        i = rng.randrange(len(words))
        words[i] = words[i][:3] + "."
        return " ".join(words)
    chars = list(name)  # a typo
    if len(chars) > 3:
        i = rng.randrange(1, len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def scale(n_names: int) -> None:
    rng = random.Random(13)
    sources = [
        load_terminology(DATA / "terminologies" / "medic" / "CTD_diseases_2017.tsv.gz"),
        load_terminology(DATA / "terminologies" / "hpo" / "hp.obo"),
        load_terminology(DATA / "terminologies" / "icd10cm" / "icd10c-tabular-April-1-2026.xml"),
        load_terminology(DATA / "terminologies" / "disease_ontology" / "HumanDO.tsv", "do"),
    ]
    base = [(f"{i}:{c.concept_id}", list(c.names)) for i, t in enumerate(sources) for c in t]
    total = sum(len(names) for _, names in base)
    while total < n_names:
        cid, names = base[rng.randrange(len(base))]
        names.append(variants(rng.choice(names), rng))
        total += 1
    term = Terminology.from_concepts((Concept(cid, names[0], tuple(names[1:])) for cid, names in base), name="scale")
    gen, build_s = timed(lambda: TfidfGenerator(term).build())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    test = load_corpus(DATA / "el" / "ncbi_disease" / "NCBItestset_corpus.txt")
    queries = [m.text for m in test.mentions()][:200]
    latencies = []
    for q in queries[:50]:
        _, s = timed(lambda q=q: gen.generate([q], 10))
        latencies.append(s * 1000)
    _, batch_s = timed(lambda: gen.generate(queries, 10))
    latencies.sort()
    print(f"scale: {term.stats().n_names} names, {len(term)} concepts: build {build_s:.1f} s, peak RSS {peak_mb:.0f} MB, "
          f"single-query p50 {latencies[len(latencies) // 2]:.0f} ms p95 {latencies[int(len(latencies) * 0.95)]:.0f} ms, "
          f"batched {len(queries) / batch_s:.0f} mentions/s (exact search)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0, help="also build an index over this many names")
    parser.add_argument("--skip-compare", action="store_true", help="only run the scale part")
    args = parser.parse_args()
    if not args.skip_compare:
        compare(args.repeats)
    if args.scale:
        scale(args.scale)


if __name__ == "__main__":
    main()
