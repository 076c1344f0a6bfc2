"""spaCy component ``xlink_zeroshot``: zero-shot classification with conformal label pruning.

A thin adapter over :class:`xlink.classify.zeroshot.ZeroShotClassifier` and, optionally,
:class:`xlink.conformal.ConformalLabelPruner` (Choubey et al., EMNLP 2022). For each Doc:

* ``doc.cats`` gets *every* label: the NLI score of the labels that were scored, 0.0 for
  labels the pruner removed (so downstream code sees a fixed label inventory); labels that
  other categorizers wrote stay;
* ``doc._.xlink_label_set`` is the tuple of labels that were scored (all labels without a
  pruner); ``nlp.pipe(n_process=2)`` hands it back as a list (spaCy's worker round trip), so
  compare it as a sequence or a set;
* ``doc._.xlink_nli_scores`` maps each label sent to the NLI model to its entailment logit
  (empty when the pruned set has one label in single-label mode: that label scores 1.0
  without an NLI pass).

``label_set_attr`` and ``scores_attr`` rename the two extensions, so that two zero-shot pipes
(topic and sentiment, say) in one pipeline keep their own.

``pipe`` classifies ``batch_size`` Docs at a time so that NLI pairs are batched across
Docs. ``to_disk`` writes the settings, the pruner when there is one, and a copy of the NLI
model when it is a local folder (a packaged model or a hub id is referenced by name), so that
``spacy.load`` works on another machine.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from xlink.classify.input_checks import (
    check_hypothesis_collisions,
    check_local_model,
    label_map_warning,
    model_max_positions,
)
from xlink.classify.zeroshot import (
    DEFAULT_TEMPLATE,
    ZeroShotClassifier,
    validate_labels,
    validate_template,
)
from xlink.components._persist import (
    bytes_to_folder,
    config_overrides,
    folder_to_bytes,
    inside_from_config,
    loading_from_disk,
    mark_serialized,
    require_packages,
)
from xlink.conformal.pruner import PRUNER_FILE, ConformalLabelPruner
from xlink.errors import XlinkError, is_count
from xlink.files import FolderKind, atomic_folder, atomic_write_text, looks_like_local_path

logger = logging.getLogger(__name__)

#: the folder under the component's own where ``to_disk`` copies a local NLI model
NLI_MODEL_COPY = "nli_model"
_NLI_COPY_KIND = FolderKind("config.json", "a copy of an NLI model")


@Language.factory(
    "xlink_zeroshot",
    default_config={
        "labels": [],
        "model": None,
        "hypothesis_template": DEFAULT_TEMPLATE,
        "label_descriptions": {},
        "multi_label": False,
        "pruner": None,
        "batch_size": 32,
        "nli_batch_size": 64,
        "max_length": 128,
        "bf16": False,
        "label_set_attr": "xlink_label_set",
        "scores_attr": "xlink_nli_scores",
    },
    assigns=["doc.cats", "doc._.xlink_label_set", "doc._.xlink_nli_scores"],
)
def make_zeroshot(
    nlp: Language,
    name: str,
    labels: list[str],
    model: str | None,
    hypothesis_template: str,
    label_descriptions: dict[str, str],
    multi_label: bool,
    pruner: str | None,
    batch_size: int,
    nli_batch_size: int,
    max_length: int,
    bf16: bool,
    label_set_attr: str = "xlink_label_set",
    scores_attr: str = "xlink_nli_scores",
) -> ZeroShotComponent:
    """Build the ``xlink_zeroshot`` component (also the entry point spaCy finds).

    ``model``: an NLI model path or hub id (None: the shipped ``xlink_nli_minilm``);
    ``pruner``: a directory saved by :meth:`ConformalLabelPruner.save` (None: no pruning; the
    pruner's labels are used when ``labels`` is empty); ``bf16``: run the NLI model under
    bfloat16 autocast (2-3x faster on CPUs with AMX; see ``NLIModel``).
    """
    component = ZeroShotComponent(
        nlp,
        name,
        labels=labels,
        model=model,
        hypothesis_template=hypothesis_template,
        label_descriptions=label_descriptions,
        multi_label=multi_label,
        pruner=pruner,
        batch_size=batch_size,
        nli_batch_size=nli_batch_size,
        max_length=max_length,
        bf16=bf16,
        label_set_attr=label_set_attr,
        scores_attr=scores_attr,
        loading=loading_from_disk(nlp, name),
    )
    mark_serialized(nlp, name)
    from xlink.classify.nli_model import PACKAGED_NLI_NAMES

    if model is None or str(model) in PACKAGED_NLI_NAMES:
        require_packages(nlp, ["xlink_nli_minilm"])
    return component


def register_extensions(*attrs: str) -> None:
    """Declare the Doc extensions the component writes, once each (default None).

    ``attrs`` defaults to ``xlink_label_set`` and ``xlink_nli_scores``; two zero-shot pipes in
    one pipeline give each its own names (``label_set_attr``, ``scores_attr``).
    """
    for attr in attrs or ("xlink_label_set", "xlink_nli_scores"):
        if not attr.isidentifier():
            raise XlinkError(f"extension name {attr!r} is not a Python identifier")
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


class ZeroShotComponent:
    """Classifies Docs zero-shot; see the module docstring for what it writes."""

    def __init__(
        self,
        nlp: Language | None,
        name: str = "xlink_zeroshot",
        *,
        labels: list[str] | None = None,
        model: str | None = None,
        hypothesis_template: str = DEFAULT_TEMPLATE,
        label_descriptions: dict[str, str] | None = None,
        multi_label: bool = False,
        pruner: str | Path | ConformalLabelPruner | None = None,
        batch_size: int = 32,
        nli_batch_size: int = 64,
        max_length: int = 128,
        bf16: bool = False,
        label_set_attr: str = "xlink_label_set",
        scores_attr: str = "xlink_nli_scores",
        loading: bool | None = None,
    ) -> None:
        register_extensions(label_set_attr, scores_attr)
        self.name = name
        self.label_set_attr = label_set_attr
        self.scores_attr = scores_attr
        self.multi_label = multi_label
        self.batch_size = batch_size
        self.nli_batch_size = nli_batch_size
        self.max_length = max_length
        self.bf16 = bf16
        self.pruner: ConformalLabelPruner | None = None
        self._classifier: ZeroShotClassifier | None = None
        self._lock = threading.Lock()
        # the component's sources, while their reading is deferred (see below); None once read
        self._pending: tuple[Any, ...] | None = None
        self.model = model
        self.hypothesis_template = validate_template(hypothesis_template)
        self.label_descriptions = dict(label_descriptions or {})
        self.labels = validate_labels(labels) if labels else []
        # what the config gave, to tell spacy.load(..., config=...) overrides (see from_disk)
        self._configured: dict[str, Any] = {
            "labels": list(self.labels), "multi_label": multi_label, "batch_size": batch_size,
            "nli_batch_size": nli_batch_size, "max_length": max_length, "bf16": bf16,
        }
        if loading:  # spacy.load of a saved pipeline: its settings and pruner come from from_disk
            return
        sources = (labels, model, hypothesis_template, label_descriptions, pruner)
        try:
            self._apply_sources(*sources)
        except Exception:
            if not inside_from_config():
                raise
            # built by Language.from_config without the saved-pipeline mark: a pipeline saved by an
            # older xlink, whose config paths may be gone (from_disk then follows and decides), or a
            # `spacy assemble` whose sources are wrong (the first use raises the same error again)
            self._pending = sources

    def _apply_sources(
        self,
        labels: list[str] | None,
        model: str | None,
        hypothesis_template: str,
        label_descriptions: dict[str, str] | None,
        pruner: str | Path | ConformalLabelPruner | None,
    ) -> None:
        """Read the pruner, take the NLI settings it was calibrated for, check everything, then set it all."""
        loaded = ConformalLabelPruner.load(pruner) if isinstance(pruner, str | Path) else pruner
        label_descriptions = dict(label_descriptions or {})
        model_from_pruner = False
        if loaded is not None:  # the zero-shot model the pruner was calibrated for, or an error
            unset = None if hypothesis_template == DEFAULT_TEMPLATE else hypothesis_template
            model_from_pruner = model is None and loaded.nli_model is not None
            model, template, label_descriptions = loaded.nli_settings(model, unset, label_descriptions)
            hypothesis_template = template or hypothesis_template
            if not labels:
                labels = list(loaded.labels)
        if model:
            check_local_model(self.name, model, model_from_pruner)
        template = validate_template(hypothesis_template)
        checked = validate_labels(labels) if labels else []
        self._check_settings(model, template, label_descriptions, checked, loaded)
        self.pruner, self.model, self.hypothesis_template = loaded, model, template
        self.label_descriptions, self.labels = label_descriptions, checked
        self._classifier = None

    def __getstate__(self) -> dict[str, Any]:
        """For pickling (``nlp.pipe(n_process=2)`` under spawn): a lock cannot be pickled, so it is rebuilt."""
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _resolve_pending(self) -> None:
        """Read sources whose reading was deferred at construction and no from_disk replaced.

        Cleared only once they read, so that a wrong path raises at every use instead of
        leaving the pipe to run unpruned after the first error.
        """
        if self._pending is None:
            return
        with self._lock:
            if self._pending is not None:
                self._apply_sources(*self._pending)
                self._pending = None

    def _check_settings(
        self,
        model: str | None = None,
        template: str | None = None,
        descriptions: dict[str, str] | None = None,
        labels: list[str] | None = None,
        pruner: ConformalLabelPruner | None = None,
    ) -> None:
        """What ``xlink classify`` checks, at ``add_pipe`` rather than at the first Doc (defaults: the current settings)."""
        model = self.model if model is None else model
        template = template or self.hypothesis_template
        descriptions = self.label_descriptions if descriptions is None else descriptions
        labels = self.labels if labels is None else labels
        pruner = self.pruner if pruner is None else pruner
        if isinstance(self.max_length, bool) or not isinstance(self.max_length, int) or self.max_length < 1:
            raise XlinkError(f"{self.name}: max_length = {self.max_length!r}; give at least 1 token (the default is 128)")
        limit = model_max_positions(model)
        if limit is not None and self.max_length > limit:
            raise XlinkError(f"{self.name}: max_length = {self.max_length} is more than the model takes ({limit} tokens)")
        if labels:
            check_hypothesis_collisions(labels, template, descriptions)
            unknown = label_map_warning(descriptions, labels)
            if unknown:
                logger.warning("%s: %s", self.name, unknown.replace("--label-map", "label_descriptions"))
        if pruner is not None and set(pruner.labels) != set(labels):
            raise XlinkError(f"{self.name}: the pruner's labels differ from the component's labels")
        if self.multi_label and pruner is not None:
            logger.warning(
                "%s: multi_label with a pruner: the sets keep the zero-shot model's *top* label with probability "
                "1 - alpha, not every label that would pass on its own; a pruned label reads 0.0",
                self.name,
            )

    @property
    def classifier(self) -> ZeroShotClassifier:
        """The NLI classifier, loaded on first use."""
        if self._classifier is None:
            self._classifier = ZeroShotClassifier(
                self.model,
                hypothesis_template=self.hypothesis_template,
                label_descriptions=self.label_descriptions,
                batch_size=self.nli_batch_size,
                max_length=self.max_length,
                bf16=self.bf16,
            )
        return self._classifier

    def __call__(self, doc: Doc) -> Doc:
        self._classify([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        # spaCy passes nlp.pipe's batch size (1,000 by default): the component's own caps it, so
        # that the setting bounds the texts (and NLI pairs) held at once
        size = min(batch_size, self.batch_size) if batch_size else self.batch_size
        for docs in minibatch(stream, size=size):
            self._classify(docs)
            yield from docs

    def _classify(self, docs: list[Doc]) -> None:
        self._resolve_pending()
        if not self.labels:
            raise XlinkError(f"{self.name}: no labels configured (set components.{self.name}.labels)")
        texts = [doc.text for doc in docs]
        label_sets = None
        if self.pruner is not None:
            label_sets = [list(s.labels) for s in self.pruner.predict_set(texts)]
        predictions = self.classifier.predict(texts, self.labels, label_sets, multi_label=self.multi_label)
        for doc, prediction in zip(docs, predictions, strict=True):
            cats = dict.fromkeys(self.labels, 0.0)
            cats.update(prediction.scores)
            doc.cats = {**doc.cats, **cats}  # other categorizers' labels stay, as with spaCy's textcat
            # an empty text is scored on no label (its cats read 0.0)
            doc._.set(self.label_set_attr, tuple(prediction.labels) if prediction.top_label is not None else ())
            doc._.set(self.scores_attr, dict(prediction.entailment_logits))

    # serialization -------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "model": self.model,
            "hypothesis_template": self.hypothesis_template,
            "label_descriptions": self.label_descriptions,
            "multi_label": self.multi_label,
            "batch_size": self.batch_size,
            "nli_batch_size": self.nli_batch_size,
            "max_length": self.max_length,
            "bf16": self.bf16,
            "label_set_attr": self.label_set_attr,
            "scores_attr": self.scores_attr,
        }

    def _local_model(self) -> Path | None:
        """The NLI model's folder when ``model`` names one on this machine (not a packaged name or hub id)."""
        if not self.model:
            return None
        folder = Path(self.model).expanduser()
        return folder if (folder / "config.json").is_file() else None

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the settings, the pruner, and a copy of a local NLI model (a packaged or hub model is named)."""
        self._resolve_pending()  # a pipe built from a config and saved before its first use
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        local = self._local_model()
        target = path / NLI_MODEL_COPY
        if local is not None and local.resolve() != target.resolve():
            with atomic_folder(target, _NLI_COPY_KIND) as tmp:
                shutil.copytree(local, tmp, dirs_exist_ok=True)
        settings = {**self._settings(), "model_saved": local is not None, "pruner_saved": self.pruner is not None}
        if self.pruner is not None:
            self.pruner.save(path / "pruner")
        elif (path / "pruner" / PRUNER_FILE).is_file():  # saved over a pipeline that had one: it must not come back
            shutil.rmtree(path / "pruner")
        atomic_write_text(path / "settings.json", json.dumps(settings, indent=2) + "\n")

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """What :meth:`to_disk` writes, as bytes (``nlp.to_bytes``), a local NLI model included."""
        return folder_to_bytes(lambda folder: self.to_disk(folder, exclude=exclude))

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> ZeroShotComponent:
        """Read what :meth:`to_bytes` wrote (``nlp.from_bytes``)."""
        return self.from_disk(bytes_to_folder(data, self), exclude=exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ZeroShotComponent:
        """Read what :meth:`to_disk` wrote; the component changes only once everything read and fits.

        The saved settings win over ``config.cfg`` (they hold changes made on the live component
        before saving), except where ``spacy.load(path, config={...})`` overrides them
        (:func:`~xlink.components._persist.config_overrides`); an override is checked and applied.
        """
        path = Path(path)
        settings = json.loads((path / "settings.json").read_text(encoding="utf-8"))
        labels = list(settings["labels"])
        model = settings["model"]
        if settings.get("model_saved"):  # the copy travels with the pipeline
            model = str(path / NLI_MODEL_COPY)
        elif model and looks_like_local_path(model) and not Path(model).expanduser().exists():
            raise XlinkError(
                f"{path}: the NLI model folder {model} is not on this machine; copy it to that path, or save "
                "the pipeline again with a newer xlink (which copies a local model into the pipeline)"
            )
        template = validate_template(settings["hypothesis_template"])
        has_pruner = settings.get("pruner_saved")
        if has_pruner is None:  # folders saved before the flag
            has_pruner = (path / "pruner").exists()
        pruner = ConformalLabelPruner.load(path / "pruner") if has_pruner else None
        values = {key: settings[key] for key in ("multi_label", "batch_size", "nli_batch_size", "max_length")}
        values["bf16"] = settings.get("bf16", False)  # folders saved before the option: float32
        values["labels"] = labels
        overridden = config_overrides(path, self._configured)
        for key in overridden:
            values[key] = self._configured[key]
        if overridden:
            logger.info("%s: the config overrides the saved %s", self.name, ", ".join(sorted(overridden)))
        labels = validate_labels(values["labels"]) if values["labels"] else []
        if pruner is not None and set(pruner.labels) != set(labels):
            where = "the labels given in the config differ from" if "labels" in overridden else "the saved labels differ from"
            raise XlinkError(f"{path}: {where} the saved pruner's; give the pruner's labels, or save the pipeline again")
        for key in ("batch_size", "nli_batch_size", "max_length"):
            value = values[key]
            if not is_count(value):
                raise XlinkError(f"{self.name}: {key} = {value!r}; give a whole number of at least 1")
        limit = model_max_positions(model)
        if limit is not None and values["max_length"] > limit:
            raise XlinkError(f"{self.name}: max_length = {values['max_length']} is more than the model takes ({limit} tokens)")
        label_set_attr = str(settings.get("label_set_attr", "xlink_label_set"))
        scores_attr = str(settings.get("scores_attr", "xlink_nli_scores"))
        register_extensions(label_set_attr, scores_attr)
        self.labels, self.model, self.hypothesis_template, self.pruner = labels, model, template, pruner
        self.label_descriptions = dict(settings["label_descriptions"])
        self.multi_label = bool(values["multi_label"])
        self.batch_size = int(values["batch_size"])
        self.nli_batch_size = int(values["nli_batch_size"])
        self.max_length = int(values["max_length"])
        self.bf16 = bool(values["bf16"])
        self.label_set_attr, self.scores_attr = label_set_attr, scores_attr
        self._pending = None  # the saved copy decides
        self._classifier = None
        return self

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Language | None = None, labels: list[str] | None = None) -> None:
        """Optionally set the labels at ``nlp.initialize()`` time."""
        self._resolve_pending()
        if labels:
            checked = validate_labels(labels)
            self._check_settings(labels=checked)  # before the labels change, so a refusal leaves them
            self.labels = checked
