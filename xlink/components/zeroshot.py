"""spaCy component ``xlink_zeroshot``: zero-shot classification with conformal label pruning.

A thin adapter over :class:`xlink.classify.zeroshot.ZeroShotClassifier` and, optionally,
:class:`xlink.conformal.ConformalLabelPruner` (Choubey et al., EMNLP 2022). For each Doc:

* ``doc.cats`` gets *every* label: the NLI score of the labels that were scored, 0.0 for
  labels the pruner removed (so downstream code sees a fixed label inventory);
* ``doc._.xlink_label_set`` is the tuple of labels that were scored (all labels without a
  pruner);
* ``doc._.xlink_nli_scores`` maps each label sent to the NLI model to its entailment logit
  (empty when the pruned set has one label in single-label mode: that label scores 1.0
  without an NLI pass).

``pipe`` classifies ``batch_size`` Docs at a time so that NLI pairs are batched across
Docs. ``to_disk`` writes the settings (and the pruner, when there is one); the NLI model is
referenced by path or hub id, not copied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from xlink.classify.zeroshot import (
    DEFAULT_TEMPLATE,
    ZeroShotClassifier,
    validate_labels,
    validate_template,
)
from xlink.components._persist import inside_from_config
from xlink.conformal.pruner import ConformalLabelPruner
from xlink.errors import XlinkError
from xlink.files import atomic_write_text, looks_like_local_path


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
) -> ZeroShotComponent:
    """Build the ``xlink_zeroshot`` component (also the entry point spaCy finds).

    ``model``: an NLI model path or hub id (None: the shipped ``xlink_nli_minilm``);
    ``pruner``: a directory saved by :meth:`ConformalLabelPruner.save` (None: no pruning; the
    pruner's labels are used when ``labels`` is empty); ``bf16``: run the NLI model under
    bfloat16 autocast (2-3x faster on CPUs with AMX; see ``NLIModel``).
    """
    return ZeroShotComponent(
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
    )


def check_local_model(name: str, model: str) -> None:
    """Refuse, at ``add_pipe``, a ``model`` that reads as a local path but names no model folder.

    The model itself loads at the first Doc; without this, a mistyped path fails only there,
    with the hub's "Repo id must be in the form ..." message. Hub ids ("org/name") and packaged
    names are left to the loader.
    """
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise XlinkError(f"{name}: model {model} holds no config.json, so it is not a model folder")
    elif looks_like_local_path(model):
        raise XlinkError(
            f"{name}: model folder {model} not found; give a folder written by 'xlink train nli', a hub id, "
            "or leave 'model' unset for the shipped xlink-nli-minilm"
        )


def register_extensions() -> None:
    """Declare ``doc._.xlink_label_set`` and ``doc._.xlink_nli_scores`` once (default None)."""
    if not Doc.has_extension("xlink_label_set"):
        Doc.set_extension("xlink_label_set", default=None)
    if not Doc.has_extension("xlink_nli_scores"):
        Doc.set_extension("xlink_nli_scores", default=None)


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
    ) -> None:
        register_extensions()
        self.name = name
        if model and not inside_from_config():  # spacy.load: the saved settings decide (from_disk)
            check_local_model(name, model)
        self.model = model
        self.hypothesis_template = validate_template(hypothesis_template)
        self.label_descriptions = dict(label_descriptions or {})
        self.multi_label = multi_label
        self.batch_size = batch_size
        self.nli_batch_size = nli_batch_size
        self.max_length = max_length
        self.bf16 = bf16
        self.pruner = ConformalLabelPruner.load(pruner) if isinstance(pruner, str | Path) else pruner
        if not labels and self.pruner is not None:
            labels = list(self.pruner.labels)
        self.labels = validate_labels(labels) if labels else []
        if self.pruner is not None:
            self._check_pruner_labels()
        self._classifier: ZeroShotClassifier | None = None

    def _check_pruner_labels(self) -> None:
        assert self.pruner is not None
        if set(self.pruner.labels) != set(self.labels):
            raise XlinkError(f"{self.name}: the pruner's labels differ from the component's labels")

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
        for docs in minibatch(stream, size=batch_size or self.batch_size):
            self._classify(docs)
            yield from docs

    def _classify(self, docs: list[Doc]) -> None:
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
            doc.cats = cats
            doc._.xlink_label_set = tuple(prediction.labels)
            doc._.xlink_nli_scores = dict(prediction.entailment_logits)

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
        }

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path / "settings.json", json.dumps(self._settings(), indent=2) + "\n")
        if self.pruner is not None:
            self.pruner.save(path / "pruner")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ZeroShotComponent:
        path = Path(path)
        settings = json.loads((path / "settings.json").read_text(encoding="utf-8"))
        self.labels = list(settings["labels"])
        self.model = settings["model"]
        self.hypothesis_template = validate_template(settings["hypothesis_template"])
        self.label_descriptions = dict(settings["label_descriptions"])
        self.multi_label = bool(settings["multi_label"])
        self.batch_size = int(settings["batch_size"])
        self.nli_batch_size = int(settings["nli_batch_size"])
        self.max_length = int(settings["max_length"])
        self.bf16 = bool(settings.get("bf16", False))  # folders saved before the option: float32
        self.pruner = ConformalLabelPruner.load(path / "pruner") if (path / "pruner").exists() else None
        if self.pruner is not None:
            self._check_pruner_labels()
        self._classifier = None
        return self

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Language | None = None, labels: list[str] | None = None) -> None:
        """Optionally set the labels at ``nlp.initialize()`` time."""
        if labels:
            self.labels = validate_labels(labels)
