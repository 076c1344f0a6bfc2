"""Load each real terminology of ``../shared/data/terminologies`` and check its counts.

These catch what tiny fixtures cannot: a column the real release adds, a
quoting quirk, a slow path. Counts are checked roughly, so that a newer
release of a file does not fail the suite for the wrong reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from xlink.terminology import Terminology, detect_format, load_terminology

pytestmark = pytest.mark.data

# (path under shared data, format, expected concepts, tolerance, a concept id that must be there)
REAL_FILES = [
    ("terminologies/medic/CTD_diseases_2017.tsv.gz", "ctd", 11_865, 0, "D006527"),
    ("terminologies/medic/medic_06Jul2012_BioSyn.txt", "biosyn", 11_915, 0, "D006527"),
    ("el/ncbi_disease_biosyn/test_dictionary.txt", "biosyn", 13_545, 100, "D006527"),
    ("terminologies/hpo/hp.obo", "obo", 19_034, 500, "HP:0000118"),
    ("terminologies/icd10cm/icd10c-tabular-April-1-2026.xml", "icd10cm", 46_881, 0, "E11.9"),
    ("terminologies/disease_ontology/HumanDO.tsv", "do", 12_246, 100, "DOID:893"),
]


Loader = Callable[[str], tuple[Terminology, float]]


@pytest.fixture(scope="module")
def load(shared_data: Path) -> Loader:
    """Load a real file once per module: (terminology, seconds the load took)."""
    cache: dict[str, tuple[Terminology, float]] = {}

    def get(relative: str) -> tuple[Terminology, float]:
        if relative not in cache:
            path = shared_data / relative
            if not path.is_file():
                pytest.skip(f"{path} not found")
            started = time.perf_counter()
            term = load_terminology(path)
            cache[relative] = term, time.perf_counter() - started
        return cache[relative]

    return get


@pytest.mark.parametrize(("relative", "fmt", "expected", "tolerance", "known_id"), REAL_FILES)
def test_real_file(
    shared_data: Path,
    load: Loader,
    relative: str,
    fmt: str,
    expected: int,
    tolerance: int,
    known_id: str,
) -> None:
    term, seconds = load(relative)
    assert detect_format(shared_data / relative) == fmt
    stats = term.stats()
    assert abs(stats.n_concepts - expected) <= tolerance, stats
    assert known_id in term
    assert stats.n_names >= stats.n_concepts
    assert seconds < 10, f"{relative} took {seconds:.1f}s to load"


def test_ctd_details(load: Loader) -> None:
    term, _ = load("terminologies/medic/CTD_diseases_2017.tsv.gz")
    wilson = term["D006527"]
    assert wilson.canonical_name == "Hepatolenticular Degeneration"
    assert {"OMIM:277900", "DO:DOID:893"} <= set(wilson.alt_ids)
    assert "D006527" in term.lookup("Wilson disease")
    assert term.stats().n_names > 70_000


def test_biosyn_medic_covers_ctd_ids(load: Loader) -> None:
    biosyn, _ = load("terminologies/medic/medic_06Jul2012_BioSyn.txt")
    wilson = biosyn["D006527"]
    assert wilson.alt_ids == ("277900",)
    assert "Wilson's Disease" in wilson.aliases


def test_hpo_details(load: Loader) -> None:
    hpo, _ = load("terminologies/hpo/hp.obo")
    assert not any(c.canonical_name.startswith("obsolete ") for c in hpo)
    assert sum(len(c.alt_ids) for c in hpo) > 3_000
    assert sum(1 for c in hpo for x in c.xrefs if x.startswith("UMLS:")) > 12_000


def test_icd10cm_details(load: Loader) -> None:
    icd, _ = load("terminologies/icd10cm/icd10c-tabular-April-1-2026.xml")
    assert icd["A00.0"].aliases == ("Classical cholera",)
    assert icd.stats().n_names > 55_000


def test_do_xrefs(load: Loader) -> None:
    do, _ = load("terminologies/disease_ontology/HumanDO.tsv")
    assert "MESH:D006527" in do["DOID:893"].xrefs
    assert sum(1 for c in do if c.xrefs) > 10_000
