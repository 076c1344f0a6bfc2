"""Reading the training configs of ``xlink train nli|biencoder|reranker``.

Each trainer turns the sections it knows into its own dataclass; what they share is how the
file is found, parsed with confection and ``--set`` overrides, and how a bad file is
reported (:class:`~xlink.errors.TrainingConfigError` naming it).
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xlink.errors import TrainingConfigError, missing_file

logger = logging.getLogger(__name__)


def read_training_config(
    path: str | Path, overrides: dict[str, object] | None = None, sections: Iterable[str] | None = None
) -> dict:
    """Read a confection training config with ``--set`` style ``overrides``.

    A missing file raises ``FileNotFoundError`` (the CLI prints it with the path); a file
    confection cannot parse or interpolate raises :class:`TrainingConfigError` naming it.
    ``sections`` are the top-level sections the trainer reads: any other (``[trainig]``) is
    refused, because a misspelt section would silently train on the defaults.
    """
    from confection import Config

    path = Path(path)
    if not path.exists():
        raise missing_file(path)
    try:
        config = dict(Config().from_disk(path, overrides=overrides or {}))
    except Exception as err:  # confection raises several types
        raise TrainingConfigError(f"{path}: unreadable config ({err})") from None
    if sections is not None:
        allowed = tuple(sections)
        unknown = sorted(set(config) - set(allowed))
        if unknown:
            raise TrainingConfigError(
                f"{path}: unknown sections {['[' + name + ']' for name in unknown]}; this trainer reads "
                f"{', '.join('[' + name + ']' for name in allowed)} (a misspelt section would be ignored)"
            )
    return config


def check_keys(section: Mapping[str, Any], name: str, allowed: Iterable[str], *, variables: bool = False) -> None:
    """Refuse keys of ``[name]`` that the trainer does not read (a misspelt key would be ignored).

    With ``variables`` (``[paths]``, which configs also use for ``${paths.x}`` interpolation)
    such keys are warned about instead.
    """
    known = set(allowed)
    unknown = sorted(set(section) - known)
    if unknown and variables:
        logger.warning(
            "[%s] %s: not read by this trainer (fine as variables for ${%s.…}; a misspelt setting is ignored); it reads %s",
            name, ", ".join(unknown), name, ", ".join(sorted(known)),
        )
    elif unknown:
        raise TrainingConfigError(f"unknown keys in [{name}]: {unknown}; allowed: {sorted(known)}")


def check_values(
    config: object,
    *,
    at_least_one: Iterable[str] = (),
    positive: Iterable[str] = (),
    non_negative: Iterable[str] = (),
    fractions: Iterable[str] = (),
) -> None:
    """Refuse settings of the wrong type (read from the dataclass's annotations) or range.

    ``at_least_one``: whole numbers >= 1 (epochs, batch sizes); ``positive``: > 0 (learning
    rates); ``non_negative``: >= 0 (0 often means "no limit"); ``fractions``: in [0, 1).
    ``None`` passes where the annotation allows it. Each error names the key and the value,
    before any data is read or model loaded.
    """
    hints = typing.get_type_hints(type(config))
    for item in dataclasses.fields(config):  # type: ignore[arg-type]
        kinds = _scalar_kinds(hints.get(item.name))
        value = getattr(config, item.name)
        if kinds is not None and not any(_is_kind(value, kind) for kind in kinds):
            wanted = " or ".join(_KIND_NAMES[kind] for kind in kinds)
            raise TrainingConfigError(f"{item.name} = {value!r}: give {wanted}")

    def checked(names: Iterable[str], test: typing.Callable[[Any], bool], what: str) -> None:
        for name in names:
            value = getattr(config, name)
            if value is not None and not test(value):
                raise TrainingConfigError(f"{name} = {value!r}: give {what}")

    checked(at_least_one, lambda v: v >= 1, "a whole number of at least 1")
    checked(positive, lambda v: v > 0, "a number above 0")
    checked(non_negative, lambda v: v >= 0, "a number of at least 0")
    checked(fractions, lambda v: 0 <= v < 1, "a fraction from 0 up to (not including) 1")


_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string", type(None): "null"}


def _scalar_kinds(hint: object) -> tuple[type, ...] | None:
    """The scalar types a field takes (``int | None`` -> (int, NoneType)); None for other fields."""
    args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    return args if args and all(arg in _KIND_NAMES for arg in args) else None


def _is_kind(value: object, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def head_labels(model_config: Any) -> int | None:
    """How many labels a base model's sequence-classification head has; None when it has none.

    A trainer that needs another head (3 NLI labels, 1 reranker logit) replaces a head of another
    size rather than fail to load it.
    """
    architectures = getattr(model_config, "architectures", None) or []
    if not any(str(name).endswith("ForSequenceClassification") for name in architectures):
        return None
    return int(getattr(model_config, "num_labels", 0))
