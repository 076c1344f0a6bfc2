"""Tiny random encoders for the dense-generator and training tests.

A one-layer BERT with hidden size 32 and a word-level vocabulary of a few
dozen pieces: fast, real (the whole HF loading and pooling path runs), and
deterministic per seed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.tiny_bert import write_tiny_bert
from xlink.terminology.model import Concept, Terminology

_WORDS = (
    "disease cancer neoplasms breast ovarian colon colorectal colonic tumor tumors carcinoma wilson s "
    "hepatolenticular degeneration diabetes mellitus hypertension high blood pressure alzheimer cystic "
    "fibrosis polyposis adenomatous coli familial syndrome deficiency type 1 2 a b c of the and x"
).split()


def make_tiny_model(folder: Path, seed: int = 0) -> Path:
    """Save a randomly initialised 1-layer BERT (hidden 32) and its vocab.txt into ``folder``."""
    return write_tiny_bert(folder, _WORDS, seed=seed)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny_bert"), seed=0)


@pytest.fixture(scope="session")
def other_tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny_bert_other"), seed=1)


@pytest.fixture()
def tiny_terminology() -> Terminology:
    return Terminology.from_concepts(
        [
            Concept("D006527", "Hepatolenticular Degeneration", ("Wilson Disease", "Wilson's disease")),
            Concept("D001943", "Breast Neoplasms", ("breast cancer", "breast carcinoma", "Breast Tumors")),
            Concept("D010051", "Ovarian Neoplasms", ("ovarian cancer",)),
            Concept("D003110", "Colonic Neoplasms", ("colon cancer",)),
            Concept("D015179", "Colorectal Neoplasms", ("colorectal cancer",)),
            Concept("D003920", "Diabetes Mellitus", ("diabetes mellitus type 1", "diabetes mellitus type 2")),
            Concept("D006973", "Hypertension", ("high blood pressure",)),
            Concept("D000544", "Alzheimer Disease", ("Alzheimer's disease",)),
            Concept("D003550", "Cystic Fibrosis"),
            Concept("D011125", "Adenomatous Polyposis Coli", ("familial adenomatous polyposis",)),
        ],
        name="tiny",
    )
