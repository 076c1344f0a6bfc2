"""``xlink prepare-ner``, ``xlink build-pipeline`` and ``xlink evaluate-pipeline``.

These verbs make and measure whole spaCy pipelines: NER training data for
``spacy train``, the ready disease pipeline (NER → abbreviations → linker),
and the end-to-end score of any pipeline on the raw text of a corpus.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from xlink.cli._common import console

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The pipeline `evaluate-pipeline` runs when --pipeline is not given.
DEFAULT_PIPELINE = "xlink_disease_medic"
_NCBI_FILES = {
    "train": "NCBItrainset_corpus.txt",
    "dev": "NCBIdevelopset_corpus.txt",
    "test": "NCBItestset_corpus.txt",
}


def shared_data_dir() -> Path:
    """The benchmark data folder: ``$XLINK_DATA``, else ``../shared/data`` beside the repository."""
    return Path(os.environ.get("XLINK_DATA", REPO_ROOT.parent / "shared" / "data"))


CorpusFormat = Annotated[
    str | None,
    typer.Option("--corpus-format", help="pubtator or bigbio (detected when omitted)."),
]


def prepare_ner(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for train/dev/test .spacy files.")],
    train: Annotated[Path | None, typer.Option(help="Training corpus (default: NCBI Disease train).")] = None,
    dev: Annotated[Path | None, typer.Option(help="Dev corpus (default: NCBI Disease dev).")] = None,
    test: Annotated[Path | None, typer.Option(help="Test corpus (default: NCBI Disease test).")] = None,
    corpus_format: CorpusFormat = None,
    label: Annotated[
        str, typer.Option(help="One label for every entity; '' keeps the corpus's types.")
    ] = "DISEASE",
    lang: Annotated[str, typer.Option(help="spaCy language whose tokenizer splits the text.")] = "en",
) -> None:
    """Convert corpus splits to .spacy DocBin files for `spacy train`."""
    import spacy

    from xlink.corpus.io import detect_corpus_format, load_corpus
    from xlink.corpus.ner_data import ner_docs, write_docbin

    nlp = spacy.blank(lang)
    base = shared_data_dir() / "el" / "ncbi_disease"
    given = {"train": train, "dev": dev, "test": test}
    for split, path in given.items():
        path = path or base / _NCBI_FILES[split]
        corpus = load_corpus(path, corpus_format or detect_corpus_format(path))
        stats = write_docbin(ner_docs(nlp, corpus, label or None), output / f"{split}.spacy")
        console.print(
            f"{split}: {stats.n_docs} docs, {stats.n_entities} entities, "
            f"{stats.n_tokens} tokens → {stats.path}"
        )


def register(app: typer.Typer) -> None:
    """Add the pipeline verbs to the root app."""
    app.command("prepare-ner")(prepare_ner)
