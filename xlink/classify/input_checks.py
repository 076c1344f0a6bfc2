"""Checks of the zero-shot commands' inputs, run before any model is loaded.

``xlink classify``, ``xlink calibrate``, ``xlink evaluate-zeroshot`` and ``xlink evaluate-nli``
are called by scripts on data sets xlink has never seen. An option out of range, a label
column with one value or labels that read the same to the NLI model otherwise surface only
after minutes of labelling -- as a traceback, or as figures that look fine but mean nothing.
Each check here either raises an :class:`~xlink.errors.XlinkError` whose message names the
option that fixes it, or returns the text of a warning for the caller to log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from xlink.classify.zeroshot import default_description
from xlink.conformal.base import BASES
from xlink.conformal.core import CONFORMITY_SCORES
from xlink.errors import XlinkError
from xlink.files import looks_like_local_path

#: line numbers shown in a warning about skipped rows
SHOWN_LINES = 10


def check_open_unit(value: float | None, option: str) -> None:
    """Refuse a ``--alpha``/``--delta`` outside (0, 1): 0 and 1 have no conformal meaning (and divide by zero)."""
    if value is not None and not 0.0 < value < 1.0:
        raise XlinkError(f"{option} must be between 0 and 1 (exclusive), got {value:g}; e.g. {option} 0.05")


def check_choice(value: str | None, option: str, choices: Sequence[str]) -> None:
    """Refuse a ``--score``/``--base`` value that is not one of ``choices``."""
    if value is not None and value not in choices:
        raise XlinkError(f"unknown {option} {value!r}; use one of {', '.join(choices)}")


def check_conformal_options(alpha: float, delta: float | None, score: str, base: str | None) -> None:
    """The conformal options of ``calibrate`` and ``evaluate-zeroshot``."""
    check_open_unit(alpha, "--alpha")
    check_open_unit(delta, "--delta")
    check_choice(score, "--score", CONFORMITY_SCORES)
    check_choice(base, "--base", sorted(BASES))


def check_batch_size(batch_size: int) -> None:
    """Refuse ``--batch-size`` below 1 (no pair would ever be scored)."""
    if batch_size < 1:
        raise XlinkError(f"--batch-size must be at least 1, got {batch_size}")


def model_max_positions(model: str | None) -> int | None:
    """The longest input (tokens) a local NLI model takes, from its config files; None when unknown.

    Reads ``config.json`` (``max_position_embeddings``) and, where present, the tokenizer's
    ``model_max_length`` -- no weights are loaded. A hub id (no local folder) gives None.
    """
    from xlink.classify.nli_model import PACKAGED_NLI_NAMES, default_nli_model
    from xlink.pairs import position_limit

    folder = Path(default_nli_model() if model is None or model in PACKAGED_NLI_NAMES else model)
    values: list[object] = []
    for name, key in (("config.json", "max_position_embeddings"), ("tokenizer_config.json", "model_max_length")):
        try:
            values.append(json.loads((folder / name).read_text(encoding="utf-8")).get(key))
        except (OSError, ValueError, AttributeError):
            continue
    return position_limit(*values)


def check_max_length(max_length: int, model: str | None) -> None:
    """Refuse ``--max-length`` below 1 or above the model's position limit (it would fail mid-run)."""
    if max_length < 1:
        raise XlinkError(f"--max-length must be at least 1 token, got {max_length}; the default is 128")
    limit = model_max_positions(model)
    if limit is not None and max_length > limit:
        raise XlinkError(f"--max-length {max_length} is more than the model takes ({limit} tokens); use --max-length {limit} or less")


def check_columns(text_column: str, label_column: str | None) -> None:
    """Refuse a label column that is the text column: every text would be its own label."""
    if label_column is not None and text_column == label_column:
        raise XlinkError(f"--text-column and --label-column are both {text_column!r}; give the column of gold labels to --label-column")


def check_label_values(path: Path, label_column: str, values: Sequence[str]) -> str | None:
    """Refuse a label column with fewer than 2 labels; warn when it looks like free text.

    One label makes zero-shot classification trivial (and pruning pointless); more distinct
    values than half the rows is what a text or id column looks like.
    """
    distinct = set(values)
    if len(distinct) < 2:
        shown = f" ({next(iter(distinct))!r})" if distinct else ""
        raise XlinkError(
            f"{path}: --label-column {label_column!r} has {len(distinct)} distinct label{shown}; "
            "zero-shot needs at least 2 labels: check --label-column"
        )
    if len(distinct) > len(values) / 2:
        return (
            f"{path}: --label-column {label_column!r} has {len(distinct)} distinct values in {len(values)} rows; "
            "it looks like free text, not labels: check --label-column"
        )
    return None


def check_enough_labels(labels: Sequence[str]) -> None:
    """Refuse fewer than 2 labels where a pruner is to be fitted."""
    if len(labels) < 2:
        raise XlinkError(f"{len(labels)} label ({', '.join(labels)}); zero-shot needs at least 2 labels to calibrate a pruner")


def hypothesis_key(hypothesis: str) -> str:
    """What the NLI model sees of a hypothesis: its lower-cased words (the tokenizers lower-case)."""
    return " ".join(hypothesis.casefold().split())


def check_hypothesis_collisions(labels: Sequence[str], template: str, descriptions: Mapping[str, str]) -> None:
    """Refuse labels whose hypotheses read the same (``Card``/``card``, ``lost_card``/``lost card``).

    Such labels get identical scores, so the top label between them is a coin toss and the
    probability mass is split; the fix is to merge them or to tell them apart in ``--label-map``.
    """
    groups: dict[str, list[str]] = {}
    for label in labels:
        hypothesis = template.format(descriptions.get(label) or default_description(label))
        groups.setdefault(hypothesis_key(hypothesis), []).append(label)
    clashes = [group for group in groups.values() if len(group) > 1]
    if clashes:
        shown = "; ".join(" = ".join(repr(label) for label in group) for group in clashes[:5])
        raise XlinkError(
            f"labels that give the same hypothesis (case and '_' are not told apart): {shown}; "
            "merge them, or give each its own description with --label-map"
        )


def numeric_labels_warning(labels: Sequence[str], descriptions: Mapping[str, str]) -> str | None:
    """A warning when every label is a number without a description: "This example is about 2." means nothing."""
    bare = [label for label in labels if label not in descriptions]
    if not bare or not all(_is_number(label) for label in labels):
        return None
    return (
        f"the labels are numbers ({', '.join(bare[:5])}{', ...' if len(bare) > 5 else ''}); the NLI model reads "
        "'This example is about 2.', so give each a description with --label-map '{\"0\": \"sports\", ...}'"
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def label_map_warning(mapping: Mapping[str, str], labels: Sequence[str]) -> str | None:
    """A warning listing ``--label-map`` keys that are not labels (a typo leaves a label undescribed)."""
    unknown = sorted(set(mapping) - set(labels))
    if not unknown:
        return None
    return f"--label-map keys that are not labels (ignored): {unknown[:10]}; the labels are {sorted(labels)[:10]}"


def empty_text_indices(texts: Sequence[str]) -> list[int]:
    """Positions of the empty or whitespace-only texts."""
    return [i for i, text in enumerate(texts) if not text.strip()]


def skipped_warning(path: Path, what: str, positions: Sequence[int], lines: Sequence[int]) -> str:
    """A one-line warning that ``positions`` (rows of ``path``) were skipped, with their first line numbers."""
    shown = [str(lines[i]) if i < len(lines) else f"row {i + 1}" for i in positions[:SHOWN_LINES]]
    more = ", ..." if len(positions) > SHOWN_LINES else ""
    return f"{path}: skipped {len(positions)} {what} (lines {', '.join(shown)}{more})"


def duplicates_warning(path: Path, texts: Sequence[str]) -> str | None:
    """A warning with the number of texts that repeat an earlier one."""
    repeats = len(texts) - len(set(texts))
    if not repeats:
        return None
    return f"{path}: {repeats} of {len(texts)} texts repeat an earlier text; duplicates weigh more in the figures"


def overlap_warning(texts: Sequence[str], calibration_texts: Sequence[str]) -> str | None:
    """A warning when evaluated texts are also calibration texts (a leak that flatters the figures)."""
    seen = set(calibration_texts)
    shared = sum(text in seen for text in texts)
    if not shared:
        return None
    return f"{shared} of the evaluated texts are also calibration texts; the figures will be optimistic"


def check_local_model(name: str, model: str, from_pruner: bool = False) -> None:
    """Refuse, at ``add_pipe``, a ``model`` that reads as a local path but names no model folder.

    The model itself loads at the first Doc; without this, a mistyped path fails only there,
    with the hub's "Repo id must be in the form ..." message. Hub ids ("org/name") and packaged
    names are left to the loader. ``from_pruner``: the model is the one a pruner was calibrated
    with, not one the user named, and the message says so.
    """
    path = Path(model).expanduser()
    if path.exists() and (path / "config.json").exists():
        return
    if from_pruner and (path.exists() or looks_like_local_path(model)):
        raise XlinkError(
            f"{name}: the pruner was calibrated with NLI model {model}, which is not on this machine; copy the "
            "model to that path, or calibrate a pruner here (xlink calibrate)"
        )
    if path.exists():
        raise XlinkError(f"{name}: model {model} holds no config.json, so it is not a model folder")
    if looks_like_local_path(model):
        raise XlinkError(
            f"{name}: model folder {model} not found; give a folder written by 'xlink train nli', a hub id, "
            "or leave 'model' unset for the shipped xlink-nli-minilm"
        )
