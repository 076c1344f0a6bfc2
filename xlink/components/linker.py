"""spaCy component that links entity spans to terminology concepts.

``xlink_linker`` is a thin adapter over :class:`xlink.linker.Linker`: it turns
the spans of a Doc (``doc.ents`` or ``doc.spans[spans_key]``) into
:class:`~xlink.corpus.model.Mention` records, with the long form of each
abbreviation that the ``xlink_abbreviations`` component (or its own
detection) found, links them in batches that cross document boundaries, and
writes the result back:

- ``span.kb_id_``: the best concept id, or ``nil_id`` when there is no
  candidate or the best score is below ``threshold``; a composite mention
  ("breast and ovarian cancer") gets its concept ids joined by ``|``;
- ``span._.xlink_candidates`` (name configurable): the top ``n_candidates``
  as ``(concept_id, name, score)`` items, best first: a list of tuples as
  set here; a ``DocBin`` round trip or an ``nlp.pipe(n_process=N)`` worker
  hands back the same values as tuples or lists (msgpack), so compare them
  with ``[tuple(c) for c in ...]``;
- ``span._.xlink_candidates_set_size``: with conformal candidate pruning
  (``reranker.conformal_alpha``), how many candidates the reranker scored.

The generator is whatever ``generator`` describes, in the same form as the
``[generator]`` section of a linking config (:mod:`xlink.linking_config`), so
every generator kind that :func:`~xlink.linking_config.build_generator`
knows works here. ``reranker`` is the cross-encoder reranker
(:mod:`xlink.rerank`), as in a linking config's ``[reranker]`` section
(``model``, optional ``k``, ``batch_size``, ``skip_margin``, ``exact_match_guard``, ``device``,
``optional``, and ``conformal_alpha`` with ``calibration`` to rerank only each
mention's conformal candidate set, see :mod:`xlink.conformal.candidates`); null
runs none. With a reranker, ``threshold`` applies to its score (a probability)
and a mention it sends to NIL gets ``nil_id``.

Config (``nlp.add_pipe("xlink_linker", config={...})``):

========================  =================================================================
``terminology``           terminology file to link to (any format; see ``terminology_format``)
``terminology_format``    ctd, biosyn, obo, icd10cm, do, umls or jsonl; detected when null
``index``                 prebuilt index folder (``xlink index build``); built in memory when null
``train_corpus``          training corpus whose mention texts become aliases (never a test split)
``generator``             ``{"kind": "tfidf", ...}``, as in a linking config's ``[generator]``
``k``                     candidates retrieved per mention
``n_candidates``          candidates kept in the span extension
``threshold``             a best score below it gives ``nil_id``
``nil_id``                ``kb_id_`` of an unlinked mention ("" by default; "NIL" or "-1" also common)
``spans_key``             link ``doc.spans[spans_key]`` instead of ``doc.ents``
``abbreviations``         search the long form of abbreviations too
``relaxed_abbreviations`` own detection (when ``xlink_abbreviations`` did not run) accepts permuted initials
``split_composites``      link each conjunct of a coordinated mention that matches weakly as a whole
``composite_threshold``   best whole-mention score above which it is not split
``candidates_attr``       name of the Span extension that holds the candidates
``reranker``              null, or ``{"model": folder or package, ...}`` (see above)
``batch_size``            mentions linked together, across documents
``max_mention_chars``     longer mentions are searched by their first characters only
``cache_dir``             where indexes built in memory are cached (null: ``$XLINK_CACHE``)
========================  =================================================================

Sources (``terminology``, ``index``, ``train_corpus``) are read when the
component is added, so a wrong path or an index built for another
terminology fails there; they may also be given to ``initialize`` (or
``[initialize.components.<name>]``), which keeps them out of ``config.cfg``.
``nlp.to_disk`` saves the terminology, the index, the reranker model and the
settings in the component's folder, and ``spacy.load`` restores them from
there, without the sources and without rebuilding. ``threshold``, ``nil_id``
and ``n_candidates`` may be changed on the live component; ``to_disk`` saves
their current values and ``spacy.load`` restores them over ``config.cfg`` (see
:mod:`xlink.components._persist`); an index that does not fit the saved
terminology is refused there.
"""

from __future__ import annotations

import bisect
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from xlink.candidates.base import CandidateGenerator
from xlink.components._persist import (
    SETTINGS_FILE,
    TERMINOLOGY_FILE,
    bytes_to_folder,
    config_overrides,
    folder_to_bytes,
    inside_from_config,
    load_source_terminology,
    loading_from_disk,
    mark_serialized,
    read_settings,
    register_span_extension,
    require_packages,
    write_settings,
)
from xlink.corpus.model import Mention
from xlink.errors import XlinkError
from xlink.linker import LinkedMention, Linker, MentionReranker
from xlink.linking_config import load_generator, save_generator
from xlink.terminology.model import Terminology
from xlink.text.abbreviations import (
    Abbreviation,
    expand_mention,
    find_abbreviation_uses,
    find_abbreviations,
)

logger = logging.getLogger(__name__)

INDEX_FOLDER = "index"
DEFAULT_CANDIDATES_ATTR = "xlink_candidates"
#: With conformal candidate pruning, ``span._.<candidates_attr>_set_size`` holds the number of
#: candidates the reranker scored for the span (None where it did not rerank).
SET_SIZE_SUFFIX = "_set_size"
#: Attributes that may be tuned on a live component and that ``to_disk`` saves and ``from_disk`` restores.
DECISION_SETTINGS = ("threshold", "nil_id", "n_candidates")

#: A candidate as stored on a span: (concept_id, name, score).
CandidateTuple = tuple[str, str, float]

DEFAULT_CONFIG: dict[str, Any] = {
    "terminology": None,
    "terminology_format": None,
    "index": None,
    "train_corpus": None,
    "generator": {"kind": "tfidf"},
    "k": 16,
    "n_candidates": 5,
    "threshold": 0.0,
    "nil_id": "",
    "spans_key": None,
    "abbreviations": True,
    "relaxed_abbreviations": True,
    "split_composites": True,
    "composite_threshold": 0.9,
    "candidates_attr": DEFAULT_CANDIDATES_ATTR,
    "reranker": None,
    "batch_size": 1024,
    "max_mention_chars": 256,
    "cache_dir": None,
}


@Language.factory(
    "xlink_linker",
    default_config=DEFAULT_CONFIG,
    assigns=["doc.ents", "token.ent_kb_id", f"span._.{DEFAULT_CANDIDATES_ATTR}"],
)
def make_linker(
    nlp: Language,
    name: str,
    terminology: str | None,
    terminology_format: str | None,
    index: str | None,
    train_corpus: str | None,
    generator: dict[str, Any],
    k: int,
    n_candidates: int,
    threshold: float,
    nil_id: str,
    spans_key: str | None,
    abbreviations: bool,
    relaxed_abbreviations: bool,
    split_composites: bool,
    composite_threshold: float,
    candidates_attr: str,
    reranker: dict[str, Any] | None,
    batch_size: int,
    max_mention_chars: int,
    cache_dir: str | None,
) -> EntityLinkerComponent:
    """Build the ``xlink_linker`` component (also the entry point spaCy finds)."""
    component = EntityLinkerComponent(
        name=name,
        generator=dict(generator),
        k=k,
        n_candidates=n_candidates,
        threshold=threshold,
        nil_id=nil_id,
        spans_key=spans_key,
        abbreviations=abbreviations,
        relaxed_abbreviations=relaxed_abbreviations,
        split_composites=split_composites,
        composite_threshold=composite_threshold,
        candidates_attr=candidates_attr,
        reranker=reranker,
        batch_size=batch_size,
        max_mention_chars=max_mention_chars,
        cache_dir=cache_dir,
    )
    if loading_from_disk(nlp, name):
        logger.debug("%s: data will come from the saved pipeline, not from sources", name)
        if terminology is not None:
            # Used only if no from_disk follows (a component re-added to a loaded pipeline).
            component.pending_sources = (terminology, terminology_format, index, train_corpus)
    elif terminology is not None:
        try:
            component.load_sources(terminology, terminology_format, index, train_corpus)
        except (XlinkError, OSError):
            if not inside_from_config():
                raise
            # spacy.load of a pipeline whose mark names this component otherwise (nlp.rename_pipe,
            # add_pipe(source=...)), on a machine without its sources: from_disk follows with the
            # saved data; if none does, the first use reads the sources and raises the same error
            component.pending_sources = (terminology, terminology_format, index, train_corpus)
    elif index is not None or train_corpus is not None:
        raise XlinkError(f"{name}: 'index' and 'train_corpus' need 'terminology' to be set too")
    mark_serialized(nlp, name)
    require_packages(nlp, packaged_model_modules(generator, reranker))
    return component


def packaged_model_modules(generator: dict[str, Any], reranker: dict[str, Any] | None = None) -> list[str]:
    """The modules of the packaged encoders a linker's generator config names.

    A dense index names its query encoder rather than holding it, so the encoder's package must
    be installed where the pipeline is loaded; a dense generator without ``model`` uses the
    packaged all-MiniLM-L6-v2. The reranker is copied into the saved pipeline, so its package is
    not needed there (``reranker`` is accepted for symmetry and ignored).
    """
    from xlink.candidates.encoder import DEFAULT_MODEL, PACKAGED_MODELS

    modules: list[str] = []

    def visit(options: Any) -> None:
        if isinstance(options, dict):
            model = options.get("model") or (DEFAULT_MODEL if options.get("kind") == "dense" else None)
            if isinstance(model, str) and model in PACKAGED_MODELS:
                modules.append(PACKAGED_MODELS[model][0])
            for value in options.values():
                visit(value)

    visit(generator)
    return list(dict.fromkeys(modules))


RERANKER_FOLDER = "reranker"
#: Characters of text each side of a mention given to the reranker as context.
CONTEXT_CHARS = 256


CALIBRATION_FOLDER = "candidate_calibration"
#: the [reranker] settings of conformal candidate pruning
_PRUNING_OPTIONS = ("calibration", "conformal_alpha")


def _build_reranker(
    options: dict[str, Any] | None, terminology: Terminology, saved: Path | None = None, use_calibration: bool = True
) -> MentionReranker | None:
    """The cross-encoder that ``options`` names (or the copy saved in ``saved``), or None.

    ``options`` is a linking config's ``[reranker]`` section
    (:func:`xlink.linking_config.build_reranker`), including ``conformal_alpha`` and
    ``calibration`` for conformal candidate pruning; a saved pipeline's calibration folder
    replaces ``calibration``.
    """
    from xlink.linking_config import build_reranker

    options = dict(options or {})
    if saved is not None and saved.is_dir():
        options["model"] = str(saved)
        calibration = saved.parent / CALIBRATION_FOLDER
        if calibration.is_dir():
            options["calibration"] = str(calibration)
    if not use_calibration:
        for key in _PRUNING_OPTIONS:
            options.pop(key, None)
    return build_reranker(terminology, options)


class EntityLinkerComponent:
    """Links the entity spans of Docs to concepts (see the module docstring)."""

    def __init__(
        self,
        name: str = "xlink_linker",
        *,
        generator: dict[str, Any] | None = None,
        k: int = 16,
        n_candidates: int = 5,
        threshold: float = 0.0,
        nil_id: str = "",
        spans_key: str | None = None,
        abbreviations: bool = True,
        relaxed_abbreviations: bool = True,
        split_composites: bool = True,
        composite_threshold: float = 0.9,
        candidates_attr: str = DEFAULT_CANDIDATES_ATTR,
        reranker: dict[str, Any] | None = None,
        batch_size: int = 1024,
        max_mention_chars: int = 256,
        cache_dir: str | None = None,
    ) -> None:
        if k < 1 or n_candidates < 0 or batch_size < 1 or max_mention_chars < 1:
            raise XlinkError(
                f"{name}: k, batch_size and max_mention_chars must be positive and "
                f"n_candidates not negative (got k={k}, batch_size={batch_size}, "
                f"max_mention_chars={max_mention_chars}, n_candidates={n_candidates})"
            )
        # both extensions exist from construction on, in this process and in every process that
        # loads the pipeline (nlp.pipe workers, a DocBin read elsewhere), set or not
        register_span_extension(candidates_attr)
        register_span_extension(candidates_attr + SET_SIZE_SUFFIX)
        self.name = name
        self.generator_options = dict(generator or {"kind": "tfidf"})
        self.k = k
        self.n_candidates = n_candidates
        self.threshold = threshold
        self.nil_id = nil_id
        # the decision settings as the config gave them, to tell spacy.load overrides (see from_disk)
        self._configured_decision = {"threshold": threshold, "nil_id": nil_id, "n_candidates": n_candidates}
        self.spans_key = spans_key
        self.abbreviations = abbreviations
        self.relaxed_abbreviations = relaxed_abbreviations
        self.split_composites = split_composites
        self.composite_threshold = composite_threshold
        self.candidates_attr = candidates_attr
        if reranker is not None and not isinstance(reranker, dict):
            raise XlinkError(f"{name}: reranker must be null or a table of settings, not {reranker!r}")
        self.reranker_options = dict(reranker) if reranker else None
        self.batch_size = batch_size
        self.max_mention_chars = max_mention_chars
        self.cache_dir = cache_dir
        self.linker: Linker | None = None
        #: Sources whose loading waits for a ``from_disk`` that may not come (see make_linker).
        self.pending_sources: tuple[str, str | None, str | None, str | None] | None = None

    # -- data ---------------------------------------------------------------
    @property
    def terminology(self) -> Terminology | None:
        return self.linker.terminology if self.linker is not None else None

    def load_sources(
        self,
        terminology: str | Path,
        terminology_format: str | None = None,
        index: str | Path | None = None,
        train_corpus: str | Path | None = None,
    ) -> None:
        """Load the terminology and build (or load) its index now, so that errors surface here."""
        term = load_source_terminology(terminology, terminology_format)
        if train_corpus is not None:
            from xlink.corpus.io import load_corpus
            from xlink.terminology.augment import augment_with_mentions

            term = augment_with_mentions(term, load_corpus(train_corpus).mentions())
        if index is not None:
            generator = load_generator(Path(index), term, self.generator_options)
        else:
            from xlink.linking_config import build_generator

            generator = build_generator(
                term, self.generator_options, Path(self.cache_dir) if self.cache_dir else None
            )
        self.set_generator(term, generator)

    def set_generator(
        self,
        terminology: Terminology,
        generator: CandidateGenerator,
        saved_reranker: Path | None = None,
        use_calibration: bool = True,
    ) -> None:
        """Use ``generator`` (built for ``terminology``) and the configured reranker from now on.

        The new linker replaces the current one only once its calibration is checked, so a
        refused one is never used, not even by a concurrent ``pipe``.
        """
        from xlink.linking_config import check_calibration

        linker = Linker(
            terminology,
            generator,
            k=self.k,
            use_abbreviations=self.abbreviations,
            split_composites=self.split_composites,
            composite_threshold=self.composite_threshold,
            reranker=_build_reranker(self.reranker_options, terminology, saved_reranker, use_calibration),
        )
        check_calibration(linker, f"{self.name}: candidate calibration")
        self.linker = linker

    def set_reranker(self, reranker: dict[str, Any] | None) -> None:
        """Rerank with ``reranker`` (a ``[reranker]`` table, or None for none) from now on.

        Keeps the terminology and the generator, so a loaded pipeline can be compared with
        and without a reranker without rebuilding its index; ``nlp.to_disk`` then saves the
        new reranker. A model that cannot be loaded fails here, as at ``add_pipe``, and
        leaves the previous reranker in place.
        """
        if reranker is not None and not isinstance(reranker, dict):
            raise XlinkError(f"{self.name}: reranker must be None or a table of settings, not {reranker!r}")
        linker = self._require_linker()
        previous, self.reranker_options = self.reranker_options, (dict(reranker) if reranker else None)
        try:
            self.set_generator(linker.terminology, linker.generator)
        except Exception:
            self.reranker_options = previous  # set_generator replaces the linker only on success
            raise

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        terminology: str | None = None,
        terminology_format: str | None = None,
        index: str | None = None,
        train_corpus: str | None = None,
    ) -> None:
        """Load sources given here (``[initialize.components.<name>]``), which are never saved in the config.

        This is the way to build a pipeline that moves between machines: the
        paths are used once, and the data travels in the component's folder.
        """
        if terminology is not None:
            self.load_sources(terminology, terminology_format, index, train_corpus)
        elif self.linker is None:
            raise XlinkError(
                f"{self.name}: no terminology to link to; set 'terminology' in the component "
                f"config or in [initialize.components.{self.name}]"
            )

    def _require_linker(self) -> Linker:
        if self.linker is None and self.pending_sources is not None:
            sources, self.pending_sources = self.pending_sources, None
            self.load_sources(*sources)
        if self.linker is None:
            raise XlinkError(
                f"{self.name}: no terminology loaded; set 'terminology' in its config, call "
                "initialize(terminology=...), or load a pipeline saved with nlp.to_disk"
            )
        return self.linker

    # -- processing -----------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        return next(self._link_docs([doc]))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Link Docs, gathering mentions across Docs until ``self.batch_size`` are waiting."""
        buffer: list[Doc] = []
        spans: list[list[Span]] = []
        waiting = 0
        for doc in stream:
            buffer.append(doc)
            spans.append(self._spans(doc))
            waiting += len(spans[-1])
            if waiting >= self.batch_size or len(buffer) >= max(batch_size, 1):
                yield from self._link_docs(buffer, spans)
                buffer, spans, waiting = [], [], 0
        if buffer:
            yield from self._link_docs(buffer, spans)

    def _spans(self, doc: Doc) -> list[Span]:
        if self.spans_key is None:
            return list(doc.ents)
        group = doc.spans.get(self.spans_key)
        return list(group) if group is not None else []

    def _link_docs(self, docs: Sequence[Doc], per_doc: Sequence[list[Span]] | None = None) -> Iterator[Doc]:
        register_span_extension(self.candidates_attr)  # also in worker processes
        if per_doc is None:
            per_doc = [self._spans(doc) for doc in docs]
        mentions: list[Mention] = []
        for number, (doc, spans) in enumerate(zip(docs, per_doc, strict=True)):
            if spans:
                mentions.extend(self._mentions(doc, spans, number))
        if not mentions:
            yield from docs
            return
        linker = self._require_linker()
        linked = list(linker.link(mentions, batch_size=self.batch_size))  # reranked there
        results = iter(linked)
        for doc, spans in zip(docs, per_doc, strict=True):
            if spans:
                self._annotate(doc, spans, [next(results) for _ in spans])
            yield doc

    def _mentions(self, doc: Doc, spans: Sequence[Span], number: int) -> list[Mention]:
        text = doc.text
        found = _AbbreviationIndex(self._abbreviations(doc)) if self.abbreviations else None
        out = []
        for i, span in enumerate(spans):
            surface = span.text[: self.max_mention_chars]
            expansion = (
                expand_mention(text, span.start_char, span.end_char, found.near(span, surface))
                if found
                else None
            )
            out.append(
                Mention(
                    document_id=str(number),
                    mention_id=str(i),
                    text=surface,
                    start=span.start_char,
                    end=span.end_char,
                    type=span.label_,
                    left_context=text[max(0, span.start_char - CONTEXT_CHARS) : span.start_char],
                    right_context=text[span.end_char : span.end_char + CONTEXT_CHARS],
                    expansion=expansion[: self.max_mention_chars] if expansion else None,
                )
            )
        return out

    def _abbreviations(self, doc: Doc) -> list[Abbreviation]:
        """The ``xlink_abbreviations`` output when it ran, else this component's own detection."""
        text = doc.text
        offsets = doc._.abbreviation_offsets if Doc.has_extension("abbreviation_offsets") else None
        if offsets is not None:
            return [
                Abbreviation(text[s:e], s, e, text[ls:le], ls, le)
                for s, e, ls, le in offsets
                if 0 <= s < e <= len(text) and 0 <= ls < le <= len(text)
            ]
        definitions = find_abbreviations(text, relaxed=self.relaxed_abbreviations)
        return find_abbreviation_uses(text, definitions) + definitions if definitions else []

    def _annotate(self, doc: Doc, spans: Sequence[Span], linked: Sequence[LinkedMention]) -> None:
        new_spans = []
        values = []
        for span, item in zip(spans, linked, strict=True):
            best = item.predictions[0] if item.predictions else None
            kb_id = best.concept_id if best is not None and best.score >= self.threshold else self.nil_id
            new_spans.append(Span(doc, span.start, span.end, label=span.label, kb_id=kb_id, span_id=span.id))
            values.append(
                [(p.concept_id, p.name, round(float(p.score), 6)) for p in item.predictions[: self.n_candidates]]
            )
        if self.spans_key is None:
            doc.ents = new_spans
        else:
            group = doc.spans[self.spans_key]
            doc.spans[self.spans_key] = type(group)(doc, name=group.name, attrs=group.attrs, spans=new_spans)
        # Extension values live in doc.user_data, keyed by the span's character offsets (spaCy
        # 3.8), so they are set on the final spans; two linkers writing the same attribute on
        # the same offsets overwrite each other: give each its own candidates_attr.
        for span, value in zip(new_spans, values, strict=True):
            setattr(span._, self.candidates_attr, value)
        if any(item.set_size is not None for item in linked):
            size_attr = self.candidates_attr + SET_SIZE_SUFFIX
            for span, item in zip(new_spans, linked, strict=True):
                setattr(span._, size_attr, item.set_size)

    # -- serialization ----------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """What ``cfg.json`` records beside the data.

        Most of it is for people and checks. ``decision`` (``threshold``, ``nil_id``,
        ``n_candidates``) is read back by :meth:`from_disk`: these attributes may be tuned on
        a live component (``nlp.get_pipe("xlink_linker").threshold = 0.8``) after the
        pipeline was built, and a saved copy must decide as the component did, not as its
        ``config.cfg`` said at construction.
        """
        term = self.terminology
        return {
            "decision": {name: getattr(self, name) for name in DECISION_SETTINGS},
            "generator": self.generator_options,
            "k": self.k,
            "terminology_name": term.name if term is not None else None,
            "terminology_fingerprint": term.fingerprint if term is not None else None,
            "n_concepts": len(term) if term is not None else 0,
            "reranker": self.reranker_options,
            "reranker_saved": self.linker is not None and self.linker.reranker is not None,
        }

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the terminology (JSONL), the index folder and the settings under ``path``."""
        path = Path(path)
        linker = self._require_linker()
        path.mkdir(parents=True, exist_ok=True)
        linker.terminology.to_jsonl(path / TERMINOLOGY_FILE)
        save_generator(linker.generator, path / INDEX_FOLDER, self.name)
        for stale, keep in ((RERANKER_FOLDER, linker.reranker is not None),
                            (CALIBRATION_FOLDER, getattr(linker.reranker, "pruner", None) is not None)):
            if not keep and (path / stale).is_dir():  # a copy saved here before set_reranker removed it
                shutil.rmtree(path / stale)
        if linker.reranker is not None:
            linker.reranker.save(path / RERANKER_FOLDER)  # type: ignore[attr-defined]
        pruner = getattr(linker.reranker, "pruner", None)
        if pruner is not None:  # the calibration travels with the copy of its reranker
            from dataclasses import replace

            from xlink.candidates.encoder import model_fingerprint

            saved = replace(pruner.fingerprints, reranker=model_fingerprint(str(path / RERANKER_FOLDER)))
            pruner.save(path / CALIBRATION_FOLDER, fingerprints=saved)
        write_settings(path, self.settings())

    def _restore_decision(self, decision: dict[str, Any], path: Path) -> None:
        """Set the saved ``threshold`` / ``nil_id`` / ``n_candidates``, checking their types.

        A value that ``spacy.load(path, config=...)`` overrides is kept instead: one where the
        config this component was built from differs from the saved pipeline's ``config.cfg``.
        """
        overridden = config_overrides(path, self._configured_decision)
        if overridden:
            logger.info("%s: the config overrides the saved %s", self.name, ", ".join(sorted(overridden)))
        checks: dict[str, tuple[type | tuple[type, ...], str]] = {
            "threshold": ((int, float), "a number"),
            "nil_id": (str, "a string"),
            "n_candidates": (int, "a non-negative integer"),
        }
        for key, value in decision.items():
            if key not in checks or key in overridden:
                continue  # written by a newer xlink (ignored rather than guessed), or overridden
            kind, what = checks[key]
            bad = isinstance(value, bool) or not isinstance(value, kind)
            if bad or (key == "n_candidates" and int(value) < 0):
                raise XlinkError(
                    f"{path / SETTINGS_FILE}: decision.{key} must be {what}, not {value!r}; "
                    f"fix the file or save the pipeline again"
                )
            setattr(self, key, float(value) if key == "threshold" else value)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """What :meth:`to_disk` writes, as bytes (``nlp.to_bytes``)."""
        return folder_to_bytes(lambda folder: self.to_disk(folder, exclude=exclude))

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> EntityLinkerComponent:
        """Read what :meth:`to_bytes` wrote (``nlp.from_bytes``)."""
        return self.from_disk(bytes_to_folder(data, self), exclude=exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EntityLinkerComponent:
        """Read what :meth:`to_disk` wrote; refuse an index that does not fit the terminology."""
        path = Path(path)
        term_path = path / TERMINOLOGY_FILE
        if not term_path.exists():
            raise XlinkError(f"{path}: no {TERMINOLOGY_FILE}; this folder was not written by {self.name}")
        saved = read_settings(path)
        self._restore_decision(saved.get("decision") or {}, path)
        term = Terminology.from_jsonl(term_path, name=saved.get("terminology_name") or None)
        term.require_nonempty(term_path)
        self.pending_sources = None
        if "reranker" in saved:  # what set_reranker chose, which config.cfg does not record
            self.reranker_options = dict(saved["reranker"]) if saved["reranker"] else None
        # a saved copy is used when the settings say one was saved (older settings: when options name one)
        has_reranker = bool(saved.get("reranker_saved", self.reranker_options is not None))
        from xlink.conformal.candidates import StaleCalibrationError

        generator = load_generator(path / INDEX_FOLDER, term, self.generator_options)
        saved_reranker = path / RERANKER_FOLDER if has_reranker else None
        try:
            self.set_generator(term, generator, saved_reranker)
        except StaleCalibrationError as err:  # e.g. saved before the reranker fingerprint read xlink_reranker.json
            logger.warning(
                "%s: the saved candidate calibration does not fit its reranker (%s); the pipeline loads without "
                "conformal pruning: recalibrate with 'xlink calibrate-linker' and set it with set_reranker()",
                path, err,
            )
            self.set_generator(term, generator, saved_reranker, use_calibration=False)
            if self.reranker_options:  # so that saving this pipeline again records what it does: no pruning
                self.reranker_options = {
                    k: v for k, v in self.reranker_options.items() if k not in _PRUNING_OPTIONS
                }
        return self


class _AbbreviationIndex:
    """A Doc's abbreviations, queried per mention in logarithmic time.

    :func:`expand_mention` looks at every abbreviation of the document, which
    is quadratic on a long Doc. :meth:`near` hands it only those that can
    change its answer: the ones overlapping the mention (rules 1 and 2) and,
    for each short form written in the mention, its first occurrence and its
    last one before the mention (rule 3).
    """

    def __init__(self, abbreviations: Sequence[Abbreviation]) -> None:
        self.by_short_start = sorted(abbreviations, key=lambda a: a.short_start)
        self.short_starts = [a.short_start for a in self.by_short_start]
        self.by_long_start = sorted(abbreviations, key=lambda a: a.long_start)
        self.long_starts = [a.long_start for a in self.by_long_start]
        self.max_short = max((a.short_end - a.short_start for a in abbreviations), default=0)
        self.max_long = max((a.long_end - a.long_start for a in abbreviations), default=0)
        self.by_short: dict[str, list[Abbreviation]] = {}
        for a in self.by_short_start:
            self.by_short.setdefault(a.short_form, []).append(a)
        self.starts_by_short = {k: [a.short_start for a in v] for k, v in self.by_short.items()}

    def __bool__(self) -> bool:
        return bool(self.by_short_start)

    def near(self, span: Span, surface: str) -> list[Abbreviation]:
        start, end = span.start_char, span.end_char
        picked: dict[int, Abbreviation] = {}
        lo = bisect.bisect_left(self.short_starts, start - self.max_short)
        hi = bisect.bisect_left(self.short_starts, end)
        for a in self.by_short_start[lo:hi]:
            if a.short_start < end and start < a.short_end:
                picked[id(a)] = a
        lo = bisect.bisect_left(self.long_starts, start - self.max_long)
        hi = bisect.bisect_left(self.long_starts, end)
        for a in self.by_long_start[lo:hi]:
            if a.long_start < end and start < a.long_end:
                picked[id(a)] = a
        for short, group in self.by_short.items():
            if short not in surface:
                continue
            picked[id(group[0])] = group[0]
            before = bisect.bisect_left(self.starts_by_short[short], start) - 1
            if before >= 0:
                picked[id(group[before])] = group[before]
        return list(picked.values())
