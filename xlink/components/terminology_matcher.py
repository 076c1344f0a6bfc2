"""spaCy component that finds a terminology's names in text (dictionary NER).

``xlink_terminology_matcher`` is for terminologies with no trained NER (HPO,
ICD-10-CM): it matches every name of every concept with spaCy's
``PhraseMatcher`` (case-insensitive on ``LOWER`` by default, or on ``NORM``),
keeps the longest of overlapping matches, and writes them to ``doc.ents`` or
``doc.spans[spans_key]``. A span matched by the names of exactly one concept
gets that concept as ``kb_id_`` (when ``assign_kb_id``); the ``xlink_linker``
placed after it ranks candidates for every span either way.

Names shorter than ``min_length`` characters, names that are only digits or
punctuation, and names shared by more than ``max_ambiguity`` concepts are
skipped: short names ("ALL", "MS", "CAT") match ordinary words far more
often than they name a concept.

Inverted names, as MeSH and HPO write them ("Disease, Breast", "Microcephaly,
progressive"), would match across the commas of a list ("heart disease, breast
cancer and ...") and push out the right, shorter mentions. ``inverted_names``
says what to do with a name holding ", ": ``"uninvert"`` (the default) matches
its parts in reverse order ("Breast Disease", "progressive Microcephaly"),
``"skip"`` leaves it out, ``"keep"`` matches it as written.

Config: ``terminology`` (path), ``terminology_format``, ``label``
("ENTITY"), ``attr`` ("LOWER" or "NORM"), ``min_length`` (4),
``max_ambiguity`` (3), ``inverted_names`` ("uninvert"), ``spans_key`` (null: ``doc.ents``), ``assign_kb_id``
(true), ``overwrite`` (false: entities already in ``doc.ents`` are kept and
matches that overlap them are dropped; true: matches replace them).
``nlp.to_disk`` saves the terminology; ``from_disk`` rebuilds the patterns
from it, so a loaded pipeline needs no source files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from xlink.components._persist import (
    TERMINOLOGY_FILE,
    bytes_to_folder,
    folder_to_bytes,
    inside_from_config,
    load_source_terminology,
    loading_from_disk,
    mark_serialized,
    read_settings,
    write_settings,
)
from xlink.errors import XlinkError
from xlink.terminology.model import Terminology
from xlink.text.normalize import normalize_text

logger = logging.getLogger(__name__)

ATTRS = ("LOWER", "NORM", "ORTH")
INVERTED_NAMES = ("uninvert", "skip", "keep")


@Language.factory(
    "xlink_terminology_matcher",
    default_config={
        "terminology": None,
        "terminology_format": None,
        "label": "ENTITY",
        "attr": "LOWER",
        "min_length": 4,
        "max_ambiguity": 3,
        "inverted_names": "uninvert",
        "spans_key": None,
        "assign_kb_id": True,
        "overwrite": False,
    },
    assigns=["doc.ents", "token.ent_type", "token.ent_kb_id"],
)
def make_terminology_matcher(
    nlp: Language,
    name: str,
    terminology: str | None,
    terminology_format: str | None,
    label: str,
    attr: str,
    min_length: int,
    max_ambiguity: int,
    spans_key: str | None,
    assign_kb_id: bool,
    overwrite: bool,
    inverted_names: str = "uninvert",
) -> TerminologyMatcher:
    """Build the ``xlink_terminology_matcher`` component (also the entry point spaCy finds)."""
    component = TerminologyMatcher(
        nlp,
        name=name,
        label=label,
        attr=attr,
        min_length=min_length,
        max_ambiguity=max_ambiguity,
        spans_key=spans_key,
        assign_kb_id=assign_kb_id,
        overwrite=overwrite,
        inverted_names=inverted_names,
    )
    if terminology is not None:
        if loading_from_disk(nlp, name):
            # Used only if no from_disk follows (a component re-added to a loaded pipeline).
            component.pending_source = (terminology, terminology_format)
        else:
            try:
                component.set_terminology(load_source_terminology(terminology, terminology_format))
            except (XlinkError, OSError):
                if not inside_from_config():
                    raise
                # a renamed or sourced component of a saved pipeline, its source gone (see xlink_linker)
                component.pending_source = (terminology, terminology_format)
    mark_serialized(nlp, name)
    return component


class TerminologyMatcher:
    """Marks the names of a terminology's concepts in Docs (see the module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "xlink_terminology_matcher",
        *,
        label: str = "ENTITY",
        attr: str = "LOWER",
        min_length: int = 4,
        max_ambiguity: int = 3,
        spans_key: str | None = None,
        assign_kb_id: bool = True,
        overwrite: bool = False,
        inverted_names: str = "uninvert",
    ) -> None:
        if inverted_names not in INVERTED_NAMES:
            raise XlinkError(f"{name}: inverted_names must be one of {INVERTED_NAMES}, not {inverted_names!r}")
        if attr.upper() not in ATTRS:
            raise XlinkError(f"{name}: attr must be one of {ATTRS}, not {attr!r}")
        if not label:
            raise XlinkError(f"{name}: label must not be empty")
        self.name = name
        self.nlp = nlp
        self.label = label
        self.attr = attr.upper()
        self.min_length = min_length
        self.max_ambiguity = max_ambiguity
        self.spans_key = spans_key
        self.assign_kb_id = assign_kb_id
        self.overwrite = overwrite
        self.inverted_names = inverted_names
        self.terminology: Terminology | None = None
        self.matcher = PhraseMatcher(nlp.vocab, attr=self.attr)
        self.n_patterns = 0
        #: A terminology whose loading waits for a ``from_disk`` that may not come.
        self.pending_source: tuple[str, str | None] | None = None

    def set_terminology(self, terminology: Terminology) -> None:
        """Build the patterns of ``terminology``'s usable names (see the module docstring)."""
        by_name: dict[str, dict[str, None]] = {}
        surfaces: dict[str, str] = {}
        for concept_id, written in terminology.names():
            name = self._form(written)
            if name is None:
                continue
            key = normalize_text(name)
            if not self._usable(name, key):
                continue
            by_name.setdefault(key, {})[concept_id] = None
            surfaces.setdefault(name, key)
            if self.attr == "LOWER":
                # spaCy may split a name by its case ("T2DM" is one token, "t2dm" two): the name as
                # written and in lower case are tokenized each, so that either spelling matches
                surfaces.setdefault(name.lower(), key)
        matcher = PhraseMatcher(self.nlp.vocab, attr=self.attr)
        patterns: dict[str, list[Doc]] = {}
        texts = list(surfaces)
        # spaCy types Language.tokenizer as a plain callable; its Tokenizer has pipe()
        tokenizer = cast(Tokenizer, self.nlp.tokenizer)
        for text, doc in zip(texts, tokenizer.pipe(texts), strict=True):
            ids = by_name[surfaces[text]]
            if len(ids) > self.max_ambiguity:
                continue
            # One match key per concept set: a single concept id, or "" for
            # names shared by several concepts.
            match_key = next(iter(ids)) if len(ids) == 1 else ""
            patterns.setdefault(match_key, []).append(doc)
        for match_key, docs in patterns.items():
            matcher.add(match_key or f"{self.name}:ambiguous", docs)
        self.matcher = matcher
        self.terminology = terminology
        self.n_patterns = sum(len(d) for d in patterns.values())
        logger.info("%s: %d patterns for %d concepts", self.name, self.n_patterns, len(terminology))

    def _form(self, name: str) -> str | None:
        """The form of ``name`` to match (see ``inverted_names``), None to leave it out."""
        if ", " not in name or self.inverted_names == "keep":
            return name
        if self.inverted_names == "skip":
            return None
        parts = [part.strip() for part in name.split(", ")]
        return " ".join(reversed(parts)) if all(parts) else None

    def _usable(self, name: str, key: str) -> bool:
        stripped = name.strip()
        return (
            len(stripped) >= self.min_length
            and any(ch.isalpha() for ch in stripped)
            and bool(key)
        )

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        terminology: str | None = None,
        terminology_format: str | None = None,
    ) -> None:
        """Load a terminology given in ``[initialize.components.<name>]`` (never saved in the config)."""
        if terminology is not None:
            self.set_terminology(load_source_terminology(terminology, terminology_format))
        elif self.terminology is None:
            raise XlinkError(f"{self.name}: no terminology; set 'terminology' in its config")

    def __call__(self, doc: Doc) -> Doc:
        if self.terminology is None and self.pending_source is not None:
            source, self.pending_source = self.pending_source, None
            self.set_terminology(load_source_terminology(*source))
        if self.terminology is None:
            raise XlinkError(
                f"{self.name}: no terminology loaded; set 'terminology' in its config or load a saved pipeline"
            )
        ambiguous = self.nlp.vocab.strings.add(f"{self.name}:ambiguous")
        spans: list[Span] = []
        for match_id, start, end in self.matcher(doc):
            kb_id = "" if match_id == ambiguous or not self.assign_kb_id else self.nlp.vocab.strings[match_id]
            spans.append(Span(doc, start, end, label=self.label, kb_id=kb_id))
        spans = filter_spans(spans)
        if self.spans_key is not None:
            doc.spans[self.spans_key] = spans
        elif self.overwrite:
            doc.ents = spans
        else:
            existing = list(doc.ents)
            taken = {i for e in existing for i in range(e.start, e.end)}
            added = [s for s in spans if not taken.intersection(range(s.start, s.end))]
            doc.ents = sorted([*existing, *added], key=lambda s: s.start) if existing else added
        return doc

    # -- serialization ----------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.terminology is None:
            raise XlinkError(f"{self.name}: nothing to save, no terminology loaded")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.terminology.to_jsonl(path / TERMINOLOGY_FILE)
        write_settings(path, {"terminology_name": self.terminology.name, "n_patterns": self.n_patterns})

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """What :meth:`to_disk` writes, as bytes (``nlp.to_bytes``)."""
        return folder_to_bytes(lambda folder: self.to_disk(folder, exclude=exclude))

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> TerminologyMatcher:
        """Read what :meth:`to_bytes` wrote (``nlp.from_bytes``)."""
        return self.from_disk(bytes_to_folder(data, self), exclude=exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TerminologyMatcher:
        path = Path(path)
        term_path = path / TERMINOLOGY_FILE
        if not term_path.exists():
            raise XlinkError(f"{path}: no {TERMINOLOGY_FILE}; this folder was not written by {self.name}")
        saved = read_settings(path)
        self.pending_source = None
        self.set_terminology(
            Terminology.from_jsonl(term_path, name=saved.get("terminology_name") or None).require_nonempty(term_path)
        )
        return self
