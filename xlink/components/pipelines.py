"""Whole pipelines: assemble and package one, and score one end to end.

:func:`build_pipeline` reads a pipeline build config (``configs/pipeline_*.cfg``),
puts a trained NER model, ``xlink_abbreviations`` and ``xlink_linker``
together, and writes them as a pip-installable package laid out like the
output of ``spacy package`` (``pyproject.toml``; ``<name>/meta.json``;
``<name>/<lang>_<name>-<version>/`` holding ``config.cfg`` and the components).

:func:`evaluate_pipeline` runs a pipeline on the raw text of a corpus and
scores the predicted mentions and ids with
:func:`xlink.evaluation.end_to_end.evaluate_end_to_end`, plus NER with
overlapping spans.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from spacy.language import Language
from spacy.tokens import Doc, Span

from xlink.components.chunking import pipe_texts
from xlink.corpus._common import normalized_from_groups
from xlink.corpus.model import Corpus, Document, Entity, parse_id_groups
from xlink.errors import XlinkError, missing_file
from xlink.evaluation.end_to_end import (
    PRF,
    EndToEndReport,
    EquivalentIds,
    check_unique_documents,
    document_key,
    evaluate_end_to_end,
    minimal_sets,
    predicted_ids,
)
from xlink.evaluation.ids import normalize_concept_id
from xlink.files import FolderKind, atomic_folder, atomic_write_text, check_replaceable_folder

if TYPE_CHECKING:
    from xlink.components.linker import EntityLinkerComponent

logger = logging.getLogger(__name__)

#: the model folder of a built pipeline package (spaCy writes meta.json into every pipeline folder)
PIPELINE_FOLDER = FolderKind("meta.json", "a spaCy pipeline folder")


# -- evaluation -----------------------------------------------------------------
@dataclass
class PipelineEvaluation:
    """End-to-end scores of a pipeline on a corpus, with its speed."""

    report: EndToEndReport
    ner_loose: PRF
    n_docs: int
    n_predicted_mentions: int
    seconds: float
    docs: list[Doc] = field(default_factory=list, repr=False)
    #: whether a predicted id also matched gold through its concept's other ids (a terminology was found)
    equivalent_ids: bool = False
    #: why gold (document, concept) items were missed (:class:`DocumentMisses`)
    misses: DocumentMisses | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.report.to_json())
        out.update(self.ner_loose.to_json("ner_loose"))
        seconds = max(self.seconds, 1e-9)
        out.update(
            {
                "equivalent_ids": self.equivalent_ids,
                **(self.misses.to_json() if self.misses is not None else {}),
                "n_docs": self.n_docs,
                "n_predicted_mentions": self.n_predicted_mentions,
                "seconds": round(self.seconds, 3),
                "docs_per_s": round(self.n_docs / seconds, 2),
                "mentions_per_s": round(self.n_predicted_mentions / seconds, 2),
            }
        )
        return out


def doc_spans(doc: Doc, spans_key: str | None = None) -> list[Span]:
    """The spans a pipeline predicted: ``doc.ents`` or ``doc.spans[spans_key]``."""
    if spans_key is None:
        return list(doc.ents)
    return list(doc.spans[spans_key]) if spans_key in doc.spans else []


def nil_ids_of(nlp: Language) -> frozenset[str]:
    """The ``nil_id`` values of the pipeline's linkers that are not empty ("NIL", "-1").

    A span whose ``kb_id_`` is one of them is unlinked: it is scored and written as a mention
    without an id, not as a concept called "NIL".
    """
    values = (getattr(pipe, "nil_id", None) for pipe in _linkers(nlp))
    return frozenset(value for value in values if isinstance(value, str) and value)


def linked_id(span: Span, nil_ids: Collection[str] = ()) -> str:
    """The span's concept id, ``""`` when it is unlinked (see :func:`nil_ids_of`)."""
    return "" if span.kb_id_ in nil_ids else span.kb_id_


def predicted_corpus(
    docs: list[Doc], gold: Corpus, spans_key: str | None = None, nil_ids: Collection[str] = ()
) -> Corpus:
    """The predictions as a :class:`Corpus` whose documents match ``gold``'s, in order.

    ``nil_ids``: the linkers' NIL ids (:func:`nil_ids_of`), written as no id.
    """
    documents = []
    for doc, reference in zip(docs, gold.documents, strict=True):
        entities = []
        for number, span in enumerate(doc_spans(doc, spans_key), start=1):
            groups = parse_id_groups(linked_id(span, nil_ids))
            entities.append(
                Entity(
                    id=f"{reference.id}_P{number}",
                    type=span.label_,
                    text=[span.text],
                    offsets=[(span.start_char, span.end_char)],
                    normalized=normalized_from_groups(groups),  # BigBIO's own field, for other tools
                    id_groups=groups,
                )
            )
        documents.append(
            Document(
                id=reference.id,
                document_id=reference.document_id,
                passages=reference.passages,
                entities=entities,
            )
        )
    return Corpus(documents=documents, name=f"{gold.name}-predicted")


def ner_overlap(predicted: Corpus, gold: Corpus) -> PRF:
    """NER counted with *overlapping* spans: each gold span matches at most one prediction."""
    tp = n_pred = n_gold = 0
    check_unique_documents(gold.documents, gold.name)
    # one list of unmatched gold spans per gold document, kept across predicted documents that
    # share its key, so that a gold span is matched at most once (recall never passes 1.0)
    open_by_doc = {document_key(d): sorted((e.start, e.end) for e in d.entities) for d in gold.documents}
    for doc in predicted.documents:
        open_gold = open_by_doc.get(document_key(doc), [])
        n_pred += len(doc.entities)
        for entity in doc.entities:
            for i, (start, end) in enumerate(open_gold):
                if start < entity.end and entity.start < end:
                    open_gold.pop(i)
                    tp += 1
                    break
    n_gold = sum(len(d.entities) for d in gold.documents)
    return PRF(tp, n_pred, n_gold)


def predicted_labels(nlp: Language) -> set[str]:
    """The entity labels that the components writing ``doc.ents`` or spans can give.

    Read from each component's ``labels`` (spaCy's NER, rulers) or ``label`` (the
    terminology matcher); components that assign neither ``doc.ents`` nor ``doc.spans``
    (a text classifier's labels, say) are left out.
    """
    labels: set[str] = set()
    for name, pipe in nlp.pipeline:
        assigns = nlp.get_pipe_meta(name).assigns
        if not any(a == "doc.ents" or a.startswith("doc.spans") for a in assigns):
            continue
        found = getattr(pipe, "labels", None)
        if isinstance(found, (tuple, list, set, frozenset)):
            labels.update(str(label) for label in found)
        single = getattr(pipe, "label", None)
        if isinstance(single, str) and single:
            labels.add(single)
    return labels


@dataclass
class GoldTypes:
    """Which gold entity types a pipeline evaluation scores, and which it leaves out."""

    scored: list[str]
    left_out: list[str]


def select_gold_types(gold: Corpus, labels: set[str], requested: str = "auto") -> GoldTypes:
    """The gold entity types to score a pipeline that predicts ``labels`` against.

    ``requested`` is ``"all"``, a comma-separated list of types, or ``"auto"``: when some
    gold types equal a predicted label (ignoring case) and others match none, only the
    matching ones are scored (a disease pipeline on a corpus that also annotates chemicals
    is scored on the diseases); otherwise every type is (NCBI Disease's SpecificDisease,
    DiseaseClass... against a DISEASE label). A requested type absent from the corpus is
    an error that lists the types present.
    """
    present = sorted({e.type for d in gold.documents for e in d.entities})
    if requested == "all":
        return GoldTypes(present, [])
    if requested != "auto":
        wanted = [t.strip() for t in requested.split(",") if t.strip()]
        missing = [t for t in wanted if t not in present]
        if not wanted or missing:
            raise XlinkError(
                f"--gold-types {requested!r}: {'no type given' if not wanted else f'not in the corpus: {missing}'}; "
                f"the corpus has {present}, or use 'all' / 'auto'"
            )
        return GoldTypes(wanted, [t for t in present if t not in wanted])
    folded = {label.casefold() for label in labels}
    matching = [t for t in present if t.casefold() in folded]
    if matching and len(matching) < len(present):
        return GoldTypes(matching, [t for t in present if t not in matching])
    related = [t for t in present if any(f in t.casefold() or t.casefold() in f for f in folded)]
    if present and folded and not related:  # SpecificDisease against DISEASE is related; Chemical is not
        logger.warning(
            "%s: none of the gold types %s is related to a label the pipeline predicts (%s); all are "
            "scored, so the scores may say little about the pipeline; choose types with --gold-types",
            gold.name, present, ", ".join(sorted(labels)),
        )
    return GoldTypes(present, [])


def filter_gold_types(gold: Corpus, types: GoldTypes) -> Corpus:
    """``gold`` with only the entities of the scored types (documents and texts unchanged)."""
    if not types.left_out:
        return gold
    from dataclasses import replace

    keep = set(types.scored)
    return Corpus(
        documents=[replace(d, entities=[e for e in d.entities if e.type in keep]) for d in gold.documents],
        name=gold.name,
    )


@dataclass(frozen=True)
class DocumentMisses:
    """Why gold (document, concept) items were missed: a diagnostic beside the loose score.

    Each document's gold items are counted as the loose score counts them (minimal
    alternative sets). ``found``: some predicted id of the document is one of the item's ids
    (equivalent ids included); it can exceed ``loose_tp`` by a few where one predicted concept
    stands for two gold items. A missed item goes to the first cause that applies:

    - ``ner``: no predicted span overlaps any gold mention of the concept;
    - ``under_threshold``: an overlapping span's best candidate is the concept, but the span
      was left unlinked (below the linker's ``threshold``);
    - ``wrong_link_in_candidates``: overlapping spans were linked elsewhere, and the concept is
      among their candidates (what a reranker could fix);
    - ``wrong_link_not_in_candidates``: it is not among them (the generator missed it).
    """

    found: int = 0
    ner: int = 0
    under_threshold: int = 0
    wrong_link_in_candidates: int = 0
    wrong_link_not_in_candidates: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "loose_found": self.found,
            "miss_ner": self.ner,
            "miss_under_threshold": self.under_threshold,
            "miss_wrong_link_in_candidates": self.wrong_link_in_candidates,
            "miss_wrong_link_not_in_candidates": self.wrong_link_not_in_candidates,
        }


def document_misses(
    docs: list[Doc],
    gold: Corpus,
    spans_key: str | None = None,
    equivalent_ids: EquivalentIds | None = None,
    candidates_attr: str | None = None,
    nil_ids: Collection[str] = (),
) -> DocumentMisses:
    """Sort the gold (document, concept) items of ``gold`` by why the pipeline's ``docs`` missed them.

    ``candidates_attr`` names the Span extension with each span's candidates
    (``xlink_linker``'s ``candidates_attr``); without it, wrong links all count as
    ``wrong_link_not_in_candidates`` and none as ``under_threshold``.
    """
    from collections import Counter

    counts: Counter[str] = Counter()
    attr = candidates_attr if candidates_attr is not None and Span.has_extension(candidates_attr) else None
    for doc, reference in zip(docs, gold.documents, strict=True):
        spans = doc_spans(doc, spans_key)
        predicted: set[str] = set()
        for span in spans:
            for part in parse_id_groups(linked_id(span, nil_ids)):
                predicted |= predicted_ids(part[0], equivalent_ids)
        mentions: dict[frozenset[str], list[tuple[int, int]]] = {}
        for entity in reference.entities:
            for part in entity.id_groups:
                mentions.setdefault(frozenset(normalize_concept_id(i) for i in part), []).append(
                    (entity.start, entity.end)
                )
        for alternatives in minimal_sets(set(mentions)):
            if predicted & alternatives:
                counts["found"] += 1
                continue
            where = [m for group, found in mentions.items() if alternatives <= group for m in found]
            over = [s for s in spans if any(s.start_char < end and start < s.end_char for start, end in where)]
            if not over:
                counts["ner"] += 1
                continue
            lists = [list(getattr(s._, attr) or []) for s in over] if attr is not None else []
            if any(c and predicted_ids(str(c[0][0]), equivalent_ids) & alternatives for c in lists):
                counts["under_threshold"] += 1
            elif any(predicted_ids(str(item[0]), equivalent_ids) & alternatives for c in lists for item in c):
                counts["wrong_link_in_candidates"] += 1
            else:
                counts["wrong_link_not_in_candidates"] += 1
    return DocumentMisses(**counts)


def equivalent_ids_of(nlp: Language) -> Callable[[str], tuple[str, ...]] | None:
    """Concept id → its other ids (e.g. CTD's AltDiseaseIDs), from the pipeline's terminologies.

    The terminologies are those of its components that hold one (``xlink_linker``,
    ``xlink_terminology_matcher``), so a predicted ``MESH:D020371`` is scored as the same
    concept as a gold ``OMIM:312080`` that the terminology lists among its ids. None when
    no component holds a terminology.
    """
    from xlink.terminology.model import Terminology

    terminologies = [
        t for _, pipe in nlp.pipeline if isinstance(t := getattr(pipe, "terminology", None), Terminology)
    ]
    if not terminologies:
        return None

    def lookup(concept_id: str) -> tuple[str, ...]:
        for terminology in terminologies:
            concept = terminology.get(concept_id)
            if concept is not None:
                return concept.alt_ids
        return ()

    return lookup


def require_components(nlp: Language) -> None:
    """Refuse a pipeline without components: it would find no mention, and score or annotate nothing."""
    if not nlp.pipe_names:
        raise XlinkError(
            "the pipeline has no components, so it finds no mentions; give a pipeline with an NER "
            "(or xlink_terminology_matcher) and xlink_linker, e.g. the shipped xlink_disease_medic"
        )


def _linkers(nlp: Language) -> Iterator[Any]:
    """The pipeline's ``xlink_linker`` components (known by their ``candidates_attr``), in order."""
    return (pipe for _, pipe in nlp.pipeline if isinstance(getattr(pipe, "candidates_attr", None), str))


def linker_spans_key(nlp: Language) -> str | None:
    """The ``doc.spans`` key the pipeline's ``xlink_linker`` links (None: it links ``doc.ents``)."""
    key = getattr(next(_linkers(nlp), None), "spans_key", None)
    return key if isinstance(key, str) else None


def candidates_attribute(nlp: Language) -> str | None:
    """The span extension where the pipeline's ``xlink_linker`` keeps its candidates, if any."""
    linker = next(_linkers(nlp), None)
    return None if linker is None else str(linker.candidates_attr)


def evaluate_pipeline(
    nlp: Language,
    gold: Corpus,
    spans_key: str | None = None,
    n_process: int = 1,
    batch_size: int = 32,
    max_chars: int = 100_000,
) -> PipelineEvaluation:
    """Run ``nlp`` on each gold document's text and score what it predicts.

    A predicted id matches gold through any id its terminology lists for the same concept
    (:func:`equivalent_ids_of`). Refused up front: a corpus without documents, and a
    pipeline without components. Warned
    about (they make scores of 0 that say nothing about the pipeline): gold entities without
    ids, a run that predicted no span at all, and predicted spans of which none has an id.
    """
    if not gold.documents:
        raise XlinkError(f"{gold.name}: no documents to evaluate on; check the file and its format")
    require_components(nlp)
    check_unique_documents(gold.documents, gold.name)
    _warn_gold_without_ids(gold)
    texts = [document.text for document in gold.documents]
    start = time.perf_counter()
    docs = list(pipe_texts(nlp, texts, max_chars=max_chars, batch_size=batch_size, n_process=n_process))
    seconds = time.perf_counter() - start
    nil_ids = nil_ids_of(nlp)
    predicted = predicted_corpus(docs, gold, spans_key, nil_ids)
    _warn_empty_predictions(predicted, gold, spans_key, list(nlp.pipe_names))
    equivalents = equivalent_ids_of(nlp)
    candidates_attr = candidates_attribute(nlp)
    return PipelineEvaluation(
        report=evaluate_end_to_end(predicted.documents, gold.documents, equivalents),
        ner_loose=ner_overlap(predicted, gold),
        n_docs=len(docs),
        n_predicted_mentions=sum(len(d.entities) for d in predicted.documents),
        seconds=seconds,
        docs=docs,
        equivalent_ids=equivalents is not None,
        misses=document_misses(docs, gold, spans_key, equivalents, candidates_attr, nil_ids),
    )


def _warn_gold_without_ids(gold: Corpus) -> None:
    entities = [e for d in gold.documents for e in d.entities]
    missing = sum(1 for e in entities if not e.id_groups)
    if not entities:
        logger.warning(
            "%s: no document has a gold mention, so recall and F1 are 0 and every predicted span counts as "
            "a false positive; check the file, or the gold types chosen",
            gold.name,
        )
    elif missing == len(entities):
        logger.warning(
            "%s: no gold entity has a concept id, so only the NER scores mean anything (linking scores are 0)",
            gold.name,
        )
    elif missing:
        logger.warning(
            "%s: %d of %d gold entities have no concept id; they count for NER only", gold.name, missing, len(entities)
        )


#: Component names that set doc.ents in spaCy and xlink pipelines.
_SPAN_SETTERS = ("ner", "entity_ruler", "xlink_terminology_matcher")


def _warn_empty_predictions(predicted: Corpus, gold: Corpus, spans_key: str | None, components: list[str]) -> None:
    n_gold = sum(len(d.entities) for d in gold.documents)
    spans = [e for d in predicted.documents for e in d.entities]
    where = f"doc.spans[{spans_key!r}]" if spans_key is not None else "doc.ents"
    setters = [c for c in components if c in _SPAN_SETTERS]
    if n_gold and not spans and setters and spans_key is None:
        logger.warning(
            "the pipeline's %s found no entity in any of the %d documents, so every score is 0",
            " and ".join(setters), len(predicted.documents),
        )
    elif n_gold and not spans:
        logger.warning(
            "the pipeline (%s) left %s empty on every document; does it have a component that sets %s%s?",
            ", ".join(components),
            where,
            where,
            "" if spans_key is None else " (or is the spans key misspelt?)",
        )
    elif spans and not any(e.id_groups for e in spans):
        logger.warning(
            "none of the %d predicted spans has a kb_id, so every linking score is 0; does the pipeline (%s) "
            "end with xlink_linker?",
            len(spans),
            ", ".join(components),
        )


# -- display ------------------------------------------------------------------------
def ctd_disease_url(concept_id: str) -> str:
    """The CTD page of a MEDIC id (CTD's terms ask applications to link to it)."""
    first = concept_id.split("|")[0]
    accession = first if ":" in first else f"MESH:{first}"
    return f"http://ctdbase.org/detail.go?type=disease&acc={accession}"


def displacy_html(docs: list[Doc], url_for: Callable[[str], str] = ctd_disease_url, page: bool = True) -> str:
    """displaCy entity HTML in which each linked entity shows its id as a link (``url_for(kb_id)``)."""
    from spacy import displacy

    data = []
    for doc in docs:
        ents = [
            {
                "start": e.start_char,
                "end": e.end_char,
                "label": e.label_,
                "kb_id": e.kb_id_,
                "kb_url": url_for(e.kb_id_) if e.kb_id_ else "#",
            }
            for e in doc.ents
        ]
        data.append({"text": doc.text, "ents": ents, "title": None})
    return str(displacy.render(data, style="ent", manual=True, page=page, jupyter=False))


# -- building -----------------------------------------------------------------------
@dataclass
class PipelineBuildConfig:
    """What a ``configs/pipeline_*.cfg`` file says; relative paths are relative to that file."""

    name: str
    version: str
    package_dir: Path
    ner_model: Path
    linker: dict[str, Any]
    terminology: Path
    terminology_format: str | None = None
    train_corpus: Path | None = None
    abbreviations: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_disk(cls, path: str | Path, data_dir: str | Path | None = None) -> PipelineBuildConfig:
        from confection import Config

        path = Path(path)
        if not path.exists():
            raise missing_file(path)
        overrides = {"paths.data": str(Path(data_dir).resolve())} if data_dir is not None else {}
        try:
            config = Config().from_disk(path, overrides=overrides, interpolate=True)
        except Exception as err:  # confection raises several types on syntax errors
            raise XlinkError(f"{path}: unreadable pipeline config ({err})") from None
        base = path.resolve().parent

        def where(value: str | None) -> Path | None:
            if value in (None, ""):
                return None
            p = Path(str(value))
            return p if p.is_absolute() else (base / p).resolve()

        for section in ("package", "ner", "linker", "linker_sources"):
            if section not in config:
                raise XlinkError(f"{path}: missing section [{section}]")
        package = dict(config["package"])
        sources = dict(config["linker_sources"])
        if not sources.get("terminology"):
            raise XlinkError(f"{path}: [linker_sources] needs 'terminology'")
        meta_keys = ("description", "author", "email", "url", "license")
        return cls(
            name=str(package["name"]),
            version=str(package.get("version", "0.1.0")),
            package_dir=where(package.get("output")) or base / str(package["name"]),
            ner_model=where(config["ner"]["model"]),  # type: ignore[arg-type]
            linker=dict(config["linker"]),
            terminology=where(sources["terminology"]),  # type: ignore[arg-type]
            terminology_format=sources.get("terminology_format"),
            train_corpus=where(sources.get("train_corpus")),
            abbreviations=dict(config["abbreviations"]) if "abbreviations" in config else None,
            meta={k: package[k] for k in meta_keys if k in package},
        )


@dataclass
class BuiltPipeline:
    name: str
    version: str
    components: list[str]
    package_dir: Path
    model_dir: Path


def model_dir_name(lang: str, name: str, version: str) -> str:
    """The data folder name that ``spacy.util.load_model_from_init_py`` looks for."""
    return f"{lang}_{name}-{version}"


def built_pipeline_path(config_path: str | Path) -> Path | None:
    """Where :func:`build_pipeline` writes the pipeline data for ``config_path``, if it was built."""
    try:
        config = PipelineBuildConfig.from_disk(config_path)
    except (XlinkError, FileNotFoundError):
        return None
    meta_path = config.package_dir / config.name / "meta.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return config.package_dir / config.name / model_dir_name(meta["lang"], config.name, config.version)


def build_pipeline(
    config_path: str | Path,
    data_dir: str | Path | None = None,
    package_dir: str | Path | None = None,
    ner_model: str | Path | None = None,
) -> BuiltPipeline:
    """Assemble the pipeline a build config describes and write its package folder.

    ``package_dir`` and ``ner_model`` replace the config's ``[package] output``
    and ``[ner] model``.
    """
    import spacy

    config = PipelineBuildConfig.from_disk(config_path, data_dir)
    if package_dir is not None:
        config.package_dir = Path(package_dir)
    if ner_model is not None:
        config.ner_model = Path(ner_model)
    if not (config.ner_model / "config.cfg").exists():
        raise XlinkError(
            f"{config.ner_model}: no trained NER model there; train it with 'spacy train' "
            "(see configs/ner_ncbi_disease.cfg)"
        )
    nlp = spacy.load(config.ner_model)
    assert nlp.lang is not None  # a loaded pipeline always has its language
    package_root = config.package_dir / config.name
    target = package_root / model_dir_name(nlp.lang, config.name, config.version)
    _check_package_output(config, target)  # before the linker's minutes of work, and before anything is deleted
    nlp.add_pipe("xlink_abbreviations", config=config.abbreviations or {})
    linker_settings = {
        k: v
        for k, v in config.linker.items()
        if k not in ("terminology", "terminology_format", "index", "train_corpus")
    }
    linker = cast("EntityLinkerComponent", nlp.add_pipe("xlink_linker", config=linker_settings))
    start = time.perf_counter()
    linker.initialize(
        terminology=str(config.terminology),
        terminology_format=config.terminology_format,
        train_corpus=str(config.train_corpus) if config.train_corpus else None,
    )
    logger.info("linker ready in %.1f s", time.perf_counter() - start)
    term = linker.terminology
    nlp.meta.update(
        {
            "name": config.name,
            "version": config.version,
            **config.meta,
            # xlink, and the packaged models the pipes recorded (a dense index's query encoder)
            "requirements": list(dict.fromkeys(["xlink>=0.1", *nlp.meta.get("requirements", [])])),
            # spacy package wants every value of a source to be a string.
            "sources": [
                {"name": "NCBI Disease corpus (NER training)", "url": "https://www.ncbi.nlm.nih.gov/CBBresearch/Dogan/DISEASE/"},
                {
                    "name": f"terminology {config.terminology.name}",
                    "concepts": str(len(term) if term else 0),
                    "url": str(config.meta.get("url", "")),
                },
            ],
        }
    )
    package_root.mkdir(parents=True, exist_ok=True)
    with atomic_folder(target, PIPELINE_FOLDER) as tmp:
        nlp.to_disk(tmp)
    atomic_write_text(package_root / "meta.json", json.dumps(nlp.meta, indent=2, ensure_ascii=False))
    # earlier versions that this command wrote (a version folder with its meta.json), now that the new one is in place
    version_folder = re.compile(rf"{re.escape(nlp.lang)}_{re.escape(config.name)}-\d[\w.+-]*")
    for old in package_root.iterdir():
        if old != target and old.is_dir() and version_folder.fullmatch(old.name) and (old / PIPELINE_FOLDER.marker).exists():
            shutil.rmtree(old)
    _write_package_files(config, list(nlp.meta["requirements"]))
    _check_sizes(target)
    return BuiltPipeline(config.name, config.version, list(nlp.pipe_names), config.package_dir, target)


_PYPROJECT = """[build-system]
requires = ["setuptools>=77", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = {description}
requires-python = ">=3.10"
dependencies = {dependencies}

[tool.setuptools]
packages = ["{name}"]
include-package-data = false

[tool.setuptools.package-data]
{name} = ["meta.json", "**/*"]
"""

_INIT = '''"""The ``{name}`` spaCy pipeline, written by ``xlink build-pipeline``; ``spacy.load("{name}")`` calls load()."""

from typing import Any

from spacy.language import Language
from spacy.util import load_model_from_init_py


def load(**overrides: Any) -> Language:
    return load_model_from_init_py(__file__, **overrides)
'''


def _check_package_output(config: PipelineBuildConfig, target: Path) -> None:
    """Refuse a package folder that cannot or must not be written, before any work or deletion."""
    out = config.package_dir.resolve()
    blocking = next((p for p in [out, *out.parents] if p.is_file()), None)
    if blocking is not None:
        raise XlinkError(f"package output {config.package_dir}: {blocking} is a file; give a folder path")
    ner, written = config.ner_model.resolve(), (out / config.name).resolve()
    if written == ner or ner in written.parents or written in ner.parents:  # the NER must lie apart from the output
        raise XlinkError(
            f"package output {config.package_dir} overlaps the NER model {config.ner_model}, an input; "
            "give another --output folder"
        )
    check_replaceable_folder(target, PIPELINE_FOLDER)


def _write_package_files(config: PipelineBuildConfig, requirements: list[str]) -> None:
    """Make the package folder pip-installable where it is not yet (a new ``--output`` folder).

    The repository's own package folders keep their hand-written ``pyproject.toml``,
    ``__init__.py`` and README; only missing files are written, and the version of an
    existing ``pyproject.toml`` is set to the config's, so that pip installs what meta.json says.
    ``requirements`` (meta.json's) become a new ``pyproject.toml``'s dependencies besides spaCy.
    """
    root = config.package_dir
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        description = json.dumps(str(config.meta.get("description", f"spaCy pipeline {config.name}")))
        dependencies = json.dumps(["spacy>=3.8,<3.9", *requirements])
        atomic_write_text(
            pyproject,
            _PYPROJECT.format(name=config.name, version=config.version, description=description, dependencies=dependencies),
        )
    else:
        text = pyproject.read_text(encoding="utf-8")
        updated = re.sub(r'(?m)^version = "[^"]*"$', f'version = "{config.version}"', text, count=1)
        if updated != text:
            atomic_write_text(pyproject, updated)
    init = root / config.name / "__init__.py"
    if not init.exists():
        atomic_write_text(init, _INIT.format(name=config.name))


def _check_sizes(folder: Path, limit_mb: float = 60.0) -> None:
    """Refuse a package with a file over ``limit_mb`` (wheels and repositories choke on them)."""
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size > limit_mb * 1e6:
            raise XlinkError(f"{path}: {path.stat().st_size / 1e6:.1f} MB, over the {limit_mb:.0f} MB limit")
