"""A tiny random cross-encoder, a tiny terminology and tiny train/dev corpora for the reranker tests.

The model is a one-layer BERT (hidden 32, 2 heads) with a one-logit head and a
word-level vocabulary of a few dozen pieces: the whole HF loading, tokenizing
and training path runs, in well under a second per call.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.tiny_bert import write_tiny_bert
from xlink.terminology.model import Concept, Terminology

_WORDS = (
    "disease cancer neoplasms breast ovarian colon colorectal colonic tumor tumors carcinoma wilson s "
    "hepatolenticular degeneration diabetes mellitus hypertension high blood pressure alzheimer cystic "
    "fibrosis polyposis adenomatous coli familial syndrome type 1 2 of the and with patients in a we "
    "found none listed concepts ; ( ) , ."
).split()


def make_tiny_cross_encoder(folder: Path, seed: int = 0) -> Path:
    """Save a random 1-layer BertForSequenceClassification (num_labels=1) and its vocab.txt."""
    return write_tiny_bert(folder, _WORDS, seed=seed, num_labels=1, max_positions=128)


@pytest.fixture(scope="session")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_cross_encoder(tmp_path_factory.mktemp("tiny_ce"), seed=0)


def tiny_concepts() -> list[Concept]:
    return [
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
    ]


@pytest.fixture()
def tiny_terminology() -> Terminology:
    return Terminology.from_concepts(tiny_concepts(), name="tiny")


_DOCS = [
    ("Wilson disease in patients with breast cancer.", [("Wilson disease", "D006527"), ("breast cancer", "D001943")]),
    ("We found colon cancer and ovarian cancer.", [("colon cancer", "D003110"), ("ovarian cancer", "D010051")]),
    ("High blood pressure in Alzheimer disease.", [("High blood pressure", "D006973"), ("Alzheimer disease", "D000544")]),
    ("Cystic fibrosis with diabetes mellitus.", [("Cystic fibrosis", "D003550"), ("diabetes mellitus", "D003920")]),
    ("Familial adenomatous polyposis and colorectal tumors.",
     [("Familial adenomatous polyposis", "D011125"), ("colorectal tumors", "D015179")]),
]


def write_pubtator(path: Path, docs: list[tuple[str, list[tuple[str, str]]]] | None = None) -> Path:
    """A PubTator file with one title per document and its mentions at their offsets."""
    lines = []
    for n, (title, mentions) in enumerate(docs or _DOCS, start=1):
        pmid = str(1000 + n)
        lines.append(f"{pmid}|t|{title}")
        lines.append(f"{pmid}|a|")
        for text, ids in mentions:
            start = title.index(text)
            lines.append(f"{pmid}\t{start}\t{start + len(text)}\t{text}\tDisease\t{ids}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def tiny_corpora(tmp_path: Path, tiny_terminology: Terminology) -> dict[str, Path]:
    """train/dev PubTator files and the terminology as JSONL, in tmp_path."""
    term = tmp_path / "tiny_terms.jsonl"
    tiny_terminology.to_jsonl(term)
    return {
        "train": write_pubtator(tmp_path / "tiny_train.txt"),
        "dev": write_pubtator(tmp_path / "tiny_dev.txt", _DOCS[:3]),
        "terminology": term,
    }
