"""``xlink prepare-ner``, ``build-vectors``, ``build-pipeline``, ``evaluate-pipeline`` and ``annotate``.

These verbs make, measure and run whole spaCy pipelines: NER training data for
``spacy train``, static word vectors distilled from a sentence encoder for an
NER to read, the ready disease pipeline (NER → abbreviations → linker), the
end-to-end score of any pipeline on the raw text of a corpus, and the
pipeline's mentions and concept ids for any texts.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from xlink.cli._common import check_output, console, print_json
from xlink.errors import XlinkError

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


#: ``evaluate-pipeline --output``: the file extension picks the format of the predicted corpus.
_OUTPUT_SUFFIXES = {".jsonl": "bigbio", ".json": "bigbio", ".txt": "pubtator", ".pubtator": "pubtator"}
#: ``annotate --output``: as above, without ``.json`` (the BigBIO writer writes JSON lines, which a
#: ``.json`` reader would take for one broken document, and ``annotate -i`` for a table).
_ANNOTATE_SUFFIXES = {k: v for k, v in _OUTPUT_SUFFIXES.items() if k != ".json"}

CorpusFormat = Annotated[
    str | None,
    typer.Option("--corpus-format", help="pubtator or bigbio (detected when omitted)."),
]
PipelineOpt = Annotated[
    str | None,
    typer.Option("--pipeline", "-p", help=f"Package name or folder (default: {DEFAULT_PIPELINE})."),
]
SpansKeyOpt = Annotated[
    str | None,
    typer.Option(help="Read the spans from doc.spans[KEY] instead of doc.ents (default: where the pipeline's xlink_linker writes)."),
]
NProcessOpt = Annotated[int, typer.Option(min=1, help="Processes for nlp.pipe.")]
BatchSizeOpt = Annotated[int, typer.Option(min=1, help="Texts per nlp.pipe batch.")]
MaxCharsOpt = Annotated[int, typer.Option(min=1, help="Texts longer than this are processed in chunks.")]


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

    from xlink.corpus.io import detect_corpus_format, load_corpus, names_split
    from xlink.corpus.ner_data import ner_docs, write_docbin

    given = {"train": train, "dev": dev, "test": test}
    if any(given.values()) and not all(given.values()):
        missing = [f"--{split}" for split, path in given.items() if path is None]
        raise XlinkError(
            f"give all three splits or none (none: NCBI Disease's); {', '.join(missing)} missing, which would "
            "otherwise mix NCBI Disease files into your data"
        )
    if train is not None and (names_split(train.name, "test") or names_split(train.name, "dev")):
        raise XlinkError(f"--train {train} looks like a dev or test split (its name); the NER trains on a training split")
    paths = {split: path or shared_data_dir() / "el" / "ncbi_disease" / _NCBI_FILES[split] for split, path in given.items()}
    if output.exists() and not output.is_dir():
        raise XlinkError(f"--output {output} is a file; give a folder for train/dev/test .spacy files")
    for split in paths:
        check_output(output / f"{split}.spacy", *paths.values(), option="--output")
    try:
        nlp = spacy.blank(lang)
    except ImportError as err:
        raise XlinkError(f"--lang {lang!r}: spaCy has no such language ({err}); use a code such as en, de, fr") from None
    # every split is read before any is written: a bad line in one leaves the folder as it was
    corpora = {split: load_corpus(path, corpus_format or detect_corpus_format(path)) for split, path in paths.items()}
    for split, corpus in corpora.items():
        stats = write_docbin(ner_docs(nlp, corpus, label or None), output / f"{split}.spacy")
        console.print(
            f"{split}: {stats.n_docs} docs, {stats.n_entities} entities, "
            f"{stats.n_tokens} tokens → {stats.path}"
        )


# -- evaluate-pipeline ------------------------------------------------------------
def load_pipeline(name_or_path: str | None = None):
    """A spaCy pipeline by package name or folder; the shipped disease pipeline by default.

    The default is looked up as an installed package first, then as the
    folder ``xlink build-pipeline`` writes in this repository. Whatever fails
    is one :class:`XlinkError` that says what to do.
    """
    import spacy

    target = name_or_path or DEFAULT_PIPELINE
    candidates: list[str | Path] = [target]
    if name_or_path is None:
        from xlink.components.pipelines import built_pipeline_path

        built = built_pipeline_path(REPO_ROOT / "configs" / "pipeline_disease_medic.cfg")
        if built is not None and built.exists():
            candidates.append(built)
    problems = []
    for candidate in candidates:
        try:
            return spacy.load(candidate)
        except (OSError, ValueError, AttributeError, ImportError) as err:
            # AttributeError: an installed package that is not a spaCy pipeline (no load())
            problems.append(f"{candidate}: {(str(err) or type(err).__name__).splitlines()[0]}")
    hint = (
        "build it with 'xlink build-pipeline --config configs/pipeline_disease_medic.cfg' and "
        f"pip install ./pipelines/{DEFAULT_PIPELINE}"
        if name_or_path is None
        else "give an installed spaCy package name or a folder written by nlp.to_disk"
    )
    raise XlinkError(f"cannot load pipeline {target!r} ({'; '.join(problems)}); {hint}")


def evaluate_pipeline_cmd(
    corpus: Annotated[Path, typer.Argument(help="PubTator or BigBIO JSONL corpus with gold mentions and ids.")],
    pipeline: PipelineOpt = None,
    corpus_format: CorpusFormat = None,
    spans_key: SpansKeyOpt = None,
    n_process: NProcessOpt = 1,
    batch_size: BatchSizeOpt = 32,
    max_chars: MaxCharsOpt = 100_000,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also write the predicted corpus (format from the extension)."),
    ] = None,
    gold_types: Annotated[
        str,
        typer.Option(help="Gold entity types to score: auto (those the pipeline predicts, when the corpus has others too), all, or a comma list."),
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run a whole pipeline on the raw text of CORPUS and score its mentions and ids against gold."""
    from xlink.components.pipelines import (
        evaluate_pipeline,
        filter_gold_types,
        linker_spans_key,
        nil_ids_of,
        predicted_corpus,
        predicted_labels,
        select_gold_types,
    )
    from xlink.corpus.io import detect_corpus_format, load_corpus, normalize_corpus_format

    if output is not None:
        check_output(output, corpus)
        if output.suffix.lower() not in _OUTPUT_SUFFIXES:
            raise XlinkError(
                f"--output {output}: the extension picks the format; use .jsonl (BigBIO) or .txt / .pubtator (PubTator)"
            )
    # canonical name: "jsonl", "BigBIO" and "bigbio-kb" are bigbio, "biosyn" is biosyn-queries
    fmt = normalize_corpus_format(corpus_format) if corpus_format else detect_corpus_format(corpus)
    if fmt not in ("pubtator", "bigbio"):
        raise XlinkError(
            f"{corpus}: evaluate-pipeline needs whole documents (PubTator or BigBIO), not {fmt}; "
            "score gold mentions with 'xlink evaluate-linking' instead"
        )
    gold = load_corpus(corpus, fmt)
    nlp = load_pipeline(pipeline)
    spans_key = spans_key if spans_key is not None else linker_spans_key(nlp)
    types = select_gold_types(gold, predicted_labels(nlp), gold_types)
    gold = filter_gold_types(gold, types)
    result = evaluate_pipeline(
        nlp, gold, spans_key=spans_key, n_process=n_process, batch_size=batch_size, max_chars=max_chars
    )
    if output is not None:
        from xlink.corpus.io import save_corpus

        out_format = _OUTPUT_SUFFIXES[output.suffix.lower()]
        save_corpus(predicted_corpus(result.docs, gold, spans_key, nil_ids_of(nlp)), output, out_format)
    record = {
        **result.to_json(),
        "pipeline": pipeline or DEFAULT_PIPELINE,
        "pipeline_components": list(nlp.pipe_names),
        "corpus": str(corpus),
        "corpus_format": fmt,
        "gold_types_scored": types.scored,
        "gold_types_left_out": types.left_out,
        "gold_types_requested": gold_types,
    }
    if as_json:
        print_json(record)
        return
    _print_pipeline_report(record, f"{pipeline or DEFAULT_PIPELINE} on {corpus.name}")


def annotate_cmd(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to annotate (or use --input / --file).")] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input", "-i", help="A PubTator or BigBIO corpus (its text; gold ignored), or a CSV/TSV/JSONL/JSON table."
        ),
    ] = None,
    text_files: Annotated[
        list[Path] | None, typer.Option("--file", "-f", help="A plain UTF-8 text file, one document (repeatable).")
    ] = None,
    text_column: Annotated[str, typer.Option(help="Text column of a table given with --input.")] = "text",
    id_column: Annotated[
        str | None, typer.Option(help="Id column of a table given with --input (default: the row number).")
    ] = None,
    pipeline: PipelineOpt = None,
    spans_key: SpansKeyOpt = None,
    n_process: NProcessOpt = 1,
    batch_size: BatchSizeOpt = 32,
    max_chars: MaxCharsOpt = 100_000,
    candidates: Annotated[
        int, typer.Option(min=0, help="Also give each mention's best N candidates (--json only).")
    ] = 0,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the annotated corpus: .jsonl (BigBIO) or .txt / .pubtator (PubTator)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per text (JSON lines).")] = False,
) -> None:
    """Find and link the mentions of raw texts with a pipeline; print them, or write a corpus.

    Without --json, prints one tab-separated line per mention: doc_id, start, end, text, label,
    concept_id (empty: left unlinked), name, score.
    """
    import json

    from xlink.components.annotation import (
        TSV_COLUMNS,
        from_texts,
        iter_annotations,
        read_input,
        read_text_files,
        tsv_lines,
    )
    from xlink.components.pipelines import (
        candidates_attribute,
        linker_spans_key,
        nil_ids_of,
        predicted_corpus,
    )
    from xlink.corpus.model import Corpus

    out_format = None
    if output is not None:
        check_output(output, input_file, *(text_files or []))
        out_format = _ANNOTATE_SUFFIXES.get(output.suffix.lower())
        if out_format is None:
            raise XlinkError(
                f"--output {output}: the extension picks the format; use .jsonl (BigBIO) or .txt / .pubtator (PubTator)"
            )
    if candidates and not as_json:
        raise XlinkError("--candidates lists candidates in the JSON output only; add --json")
    inputs = from_texts(texts or [])
    if input_file is not None:
        inputs = inputs + read_input(input_file, text_column, id_column)
    if text_files:
        inputs = inputs + read_text_files(text_files)
    if not inputs.documents:
        raise XlinkError("no texts: give TEXT arguments, --input FILE or --file FILE")
    if not inputs.from_table and (id_column is not None or text_column != "text"):
        logger.warning("--text-column and --id-column apply to a table given with --input; ignored here")
    inputs.check(pubtator_ids=out_format == "pubtator")
    corpus = Corpus(documents=inputs.documents, name="input")
    nlp = load_pipeline(pipeline)
    spans_key = spans_key if spans_key is not None else linker_spans_key(nlp)
    nil_ids = nil_ids_of(nlp)
    if candidates and candidates_attribute(nlp) is None:
        logger.warning("pipeline %s has no xlink_linker, so there are no candidates to list", pipeline or DEFAULT_PIPELINE)
    predicted = []
    keys_seen: set[str] = set()
    n_texts = n_mentions = 0
    if not as_json and output is None:
        print("\t".join(TSV_COLUMNS))
    annotations = iter_annotations(
        nlp, corpus, spans_key=spans_key, n_process=n_process, batch_size=batch_size, max_chars=max_chars
    )
    try:
        for document, annotation in zip(corpus.documents, annotations, strict=True):
            n_texts += 1
            n_mentions += len(annotation.text.mentions)
            keys_seen.update(annotation.doc.spans)
            if output is not None:
                predicted.extend(predicted_corpus([annotation.doc], Corpus([document]), spans_key, nil_ids).documents)
            if as_json:
                print(json.dumps(annotation.text.to_json(candidates), ensure_ascii=False))
            elif output is None:
                for line in tsv_lines([annotation.text], header=False):
                    print(line)
    except XlinkError as err:
        raise XlinkError(f"pipeline {pipeline or DEFAULT_PIPELINE}: {err}") from None
    if spans_key is not None and spans_key not in keys_seen:
        logger.warning(
            "no text has doc.spans[%r]; the pipeline's span keys here: %s", spans_key, sorted(keys_seen) or "none"
        )
    if output is not None:
        from xlink.corpus.io import save_corpus

        assert out_format is not None
        save_corpus(Corpus(documents=predicted, name="annotated"), output, out_format)
        console.print(f"{n_texts} texts, {n_mentions} mentions → {output}")


def _print_pipeline_report(record: dict[str, object], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("", "precision", "recall", "F1", "tp", "predicted", "gold"):
        table.add_column(column, justify="right")
    rows = (
        ("NER strict (exact span)", "ner_strict"),
        ("NER loose (overlapping span)", "ner_loose"),
        ("NER + linking strict (span and id)", "strict"),
        ("NER + linking loose (id in document)", "loose"),
    )
    for label, prefix in rows:
        table.add_row(
            label,
            *(f"{record[f'{prefix}_{m}']:.4f}" for m in ("precision", "recall", "f1")),
            *(str(record[f"{prefix}_{m}"]) for m in ("tp", "n_predicted", "n_gold")),
        )
    Console().print(table)
    console.print(
        f"{record['n_docs']} docs, {record['n_predicted_mentions']} predicted mentions in "
        f"{record['seconds']:.1f} s ({record['docs_per_s']:.1f} docs/s, "
        f"{record['mentions_per_s']:.1f} mentions/s)"
    )
    if "miss_ner" in record:
        console.print(
            f"gold (document, concept) items: {record['loose_found']} found; missed: {record['miss_ner']} never "
            f"found by the NER, {record['miss_wrong_link_in_candidates']} linked elsewhere with the right concept "
            f"among the candidates, {record['miss_wrong_link_not_in_candidates']} linked elsewhere without it, "
            f"{record['miss_under_threshold']} right but under the NIL threshold"
        )
    if record.get("equivalent_ids"):
        console.print("a predicted id also counts through its concept's other ids in the linker's terminology (e.g. CTD's AltDiseaseIDs)")
    left_out = record.get("gold_types_left_out") or []
    scored = record.get("gold_types_scored")
    if left_out and record.get("gold_types_requested", "auto") != "auto":
        console.print(
            f"scored gold types {record['gold_types_scored']}; left out {left_out}, which --gold-types "
            "does not name (--gold-types all scores every mention)"
        )
    elif left_out:
        console.print(
            f"scored gold types {record['gold_types_scored']}; left out {left_out}, which the pipeline "
            "does not predict (--gold-types all scores every mention)"
        )
    elif isinstance(scored, list) and len(scored) > 1:
        console.print(
            f"scored every gold type {scored} against the pipeline's spans "
            "(--gold-types T1,T2 scores only those)"
        )


# -- build-vectors ----------------------------------------------------------------
def build_vectors_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the spaCy pipeline with vectors.")],
    terminology: Annotated[
        list[Path] | None,
        typer.Option(help="Terminology whose names and synonyms join the vocabulary (repeatable; format detected)."),
    ] = None,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(help="Corpus whose texts join the vocabulary (repeatable). Never give a test split."),
    ] = None,
    model: Annotated[
        str, typer.Option(help="Sentence encoder: a packaged name, local folder or hub id.")
    ] = "xlink-biencoder-minilm",
    dims: Annotated[int, typer.Option(min=1, help="Vector size after PCA.")] = 128,
    max_words: Annotated[int, typer.Option(min=1, help="Keep this many most frequent words.")] = 80_000,
    encoder_vocab: Annotated[
        bool, typer.Option(help="Also add the encoder tokenizer's whole-word entries.")
    ] = True,
    case_variants: Annotated[
        bool, typer.Option(help="Key each word also by its capitalised and upper-case forms (same row).")
    ] = True,
) -> None:
    """Distil static word vectors from a sentence encoder, for an NER config's \\[initialize] vectors."""
    from xlink.candidates.encoder import resolve_model
    from xlink.components.static_vectors import (
        VECTORS_FOLDER,
        distil,
        encoder_words,
        save_vectors_pipeline,
        vocabulary,
    )
    from xlink.corpus.io import load_corpus
    from xlink.files import check_replaceable_folder
    from xlink.terminology import load_terminology

    if not terminology and not corpus:
        raise XlinkError("give at least one --terminology or --corpus: the vocabulary comes from their texts")
    check_replaceable_folder(output, VECTORS_FOLDER)
    from xlink.corpus.io import names_split

    test = next((path for path in corpus or [] if names_split(path.name, "test")), None)
    if test is not None:
        raise XlinkError(f"--corpus {test} looks like a test split (its name): its words would leak into the model")
    texts: list[str] = []
    for path in terminology or []:
        for concept in load_terminology(path):
            texts.extend(concept.names)
    for path in corpus or []:
        texts.extend(doc.text for doc in load_corpus(path).documents)
    model_path = resolve_model(model)
    words = vocabulary(texts, extra_words=encoder_words(model_path) if encoder_vocab else (), max_words=max_words)
    table = distil(words, model_path, dims=dims)
    sources = [str(p) for p in (*(terminology or []), *(corpus or []))]
    save_vectors_pipeline(table, output, sources=sources, case_variants=case_variants)
    console.print(
        f"{len(table.words)} words × {table.vectors.shape[1]} dims from {model} "
        f"(PCA keeps {table.pca_variance_kept:.1%} of the variance) → {output}"
    )


# -- build-pipeline ---------------------------------------------------------------
def build_pipeline_cmd(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="A pipeline build config (configs/pipeline_*.cfg).")
    ],
    data: Annotated[
        Path | None,
        typer.Option(help="Benchmark data folder for ${paths.data} (default: $XLINK_DATA, else the config's own [paths] data)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Package folder (default: \\[package] output).")
    ] = None,
    ner_model: Annotated[
        Path | None, typer.Option(help="Trained NER pipeline folder (default: \\[ner] model).")
    ] = None,
) -> None:
    """Assemble a pipeline (NER → abbreviations → linker) and write it as a pip-installable package."""
    from xlink.components.pipelines import build_pipeline

    env = os.environ.get("XLINK_DATA")
    built = build_pipeline(
        config, data_dir=data or (Path(env) if env else None), package_dir=output, ner_model=ner_model
    )
    console.print(f"built {built.name} {built.version}: {', '.join(built.components)} → {built.model_dir}")
    console.print(f"install it with: pip install {built.package_dir}")


def register(app: typer.Typer) -> None:
    """Add the pipeline verbs to the root app."""
    app.command("prepare-ner")(prepare_ner)
    app.command("build-vectors")(build_vectors_cmd)
    app.command("evaluate-pipeline")(evaluate_pipeline_cmd)
    app.command("build-pipeline")(build_pipeline_cmd)
    app.command("annotate")(annotate_cmd)
