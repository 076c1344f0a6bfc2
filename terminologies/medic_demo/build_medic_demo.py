"""Rebuild ``medic_demo.jsonl``: a small excerpt of CTD MEDIC for demos and quick tests.

The excerpt keeps diseases that biomedical abstracts mention often (the
``SEEDS``), their parents, a few of their children and siblings, and a fixed
random sample of other diseases, so that a demo linker meets both the right
answer and plausible wrong ones. The selection is deterministic: the same
CTD file gives the same bytes.

    python terminologies/medic_demo/build_medic_demo.py \\
        --ctd ../shared/data/terminologies/medic/CTD_diseases_2017.tsv.gz
"""

from __future__ import annotations

import argparse
import logging
import os
import random
from dataclasses import dataclass
from pathlib import Path

from xlink.terminology._reading import NameCleaner
from xlink.terminology.ctd import CtdDisease, ctd_concept, iter_ctd_diseases
from xlink.terminology.model import Concept, Terminology

logger = logging.getLogger("build_medic_demo")

HERE = Path(__file__).resolve().parent
DEFAULT_CTD = (
    Path(os.environ.get("XLINK_DATA", HERE.parents[1].parent / "shared" / "data"))
    / "terminologies/medic/CTD_diseases_2017.tsv.gz"
)

#: MeSH id → the CTD name it must have (checked, so that a wrong id fails loudly).
SEEDS = {
    "D006527": "Hepatolenticular Degeneration",  # Wilson disease
    "D001943": "Breast Neoplasms",
    "D010051": "Ovarian Neoplasms",
    "D061325": "Hereditary Breast and Ovarian Cancer Syndrome",
    "D015179": "Colorectal Neoplasms",
    "D003924": "Diabetes Mellitus, Type 2",
    "D006973": "Hypertension",
    "D000544": "Alzheimer Disease",
    "D010300": "Parkinson Disease",
    "D001249": "Asthma",
    "D009203": "Myocardial Infarction",
    "D003550": "Cystic Fibrosis",
    "D006816": "Huntington Disease",
    "D020388": "Muscular Dystrophy, Duchenne",
    "D001260": "Ataxia Telangiectasia",
    "D011125": "Adenomatous Polyposis Coli",
    "D006467": "Hemophilia A",
    "D010661": "Phenylketonurias",
    "D009369": "Neoplasms",
    "D008103": "Liver Cirrhosis",
    "D009386": "Neoplastic Syndromes, Hereditary",
    "D014202": "Tremor",
}


@dataclass(frozen=True)
class Selection:
    """How many relatives and others to keep; the defaults give about 300 concepts."""

    children_per_seed: int = 4
    siblings_per_parent: int = 2
    n_random: int = 50
    seed: int = 2017


def select(diseases: dict[str, CtdDisease], selection: Selection) -> set[str]:
    """The CTD ids (``MESH:...``, ``OMIM:...``) of the excerpt."""
    rng = random.Random(selection.seed)
    children: dict[str, list[str]] = {}
    for disease in diseases.values():
        for parent in disease.parent_ids:
            children.setdefault(parent, []).append(disease.disease_id)
    chosen: set[str] = set()
    for mesh_id, name in SEEDS.items():
        ctd_id = f"MESH:{mesh_id}"
        if ctd_id not in diseases or diseases[ctd_id].name != name:
            raise SystemExit(f"{ctd_id} is not {name!r} in this CTD file")
        chosen.add(ctd_id)
        kids = sorted(children.get(ctd_id, []))
        chosen.update(kids[: selection.children_per_seed])
        for parent in diseases[ctd_id].parent_ids:
            chosen.add(parent)
            siblings = sorted(set(children.get(parent, [])) - {ctd_id})
            chosen.update(rng.sample(siblings, min(selection.siblings_per_parent, len(siblings))))
    others = sorted(set(diseases) - chosen)
    chosen.update(rng.sample(others, selection.n_random))
    return {i for i in chosen if i in diseases}


def build(ctd: Path, output: Path, selection: Selection) -> Terminology:
    """Select the excerpt from ``ctd`` and write it to ``output`` as JSONL."""
    diseases = {d.disease_id: d for d in iter_ctd_diseases(ctd)}
    chosen = select(diseases, selection)
    cleaner = NameCleaner()
    concepts: list[Concept | None] = [
        ctd_concept(d, cleaner) for d in diseases.values() if d.disease_id in chosen
    ]
    terminology = Terminology.from_concepts(
        [c for c in concepts if c is not None],
        name="medic_demo",
        n_skipped_empty_names=cleaner.n_skipped,
    )
    terminology.to_jsonl(output)
    logger.info(
        "%s: %d concepts, %d bytes, fingerprint %s",
        output,
        len(terminology),
        output.stat().st_size,
        terminology.fingerprint[:16],
    )
    return terminology


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ctd", type=Path, default=DEFAULT_CTD, help="CTD_diseases.tsv(.gz)")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "medic_demo.jsonl")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.ctd, args.output, Selection())


if __name__ == "__main__":
    main()
