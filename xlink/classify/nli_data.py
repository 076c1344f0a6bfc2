"""Readers for natural-language-inference (NLI) pairs in the formats of the shared NLI pool.

xlink trains its own zero-shot NLI cross-encoder because no NLI model can be installed
with pip here. The pool mixes formats (JSONL, gzipped JSONL, JSON arrays, TSV, CSV) and
label vocabularies (``entailment``/``E``/``0``, ``ENTAILMENT``, ``entailed``/``not-entailed``,
``not_entailment`` ...). This module turns all of them into :class:`NLIExample` records with
one of four labels:

* ``entailment``, ``neutral``, ``contradiction`` -- the usual 3-way labels;
* ``not_entailment`` -- the negative class of the binary sets (RTE, QNLI, SciTail, DNC...),
  which the trainer treats as "neutral or contradiction" (see :mod:`xlink.classify.train_nli`).

Numeric labels follow the XNLI/HF convention ``0 = entailment, 1 = neutral, 2 = contradiction``.
Rows without a gold label (SNLI's ``-``) are skipped; rows with a label outside these
vocabularies raise a :class:`~xlink.errors.FormatError` when ``strict`` is true and are
skipped (and counted in the log) otherwise.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlink.classify.datasets import header_delimiter, text_lines
from xlink.errors import FormatError, missing_file
from xlink.files import require_file

logger = logging.getLogger(__name__)

ENTAILMENT = "entailment"
NEUTRAL = "neutral"
CONTRADICTION = "contradiction"
NOT_ENTAILMENT = "not_entailment"
THREE_WAY: tuple[str, str, str] = (ENTAILMENT, NEUTRAL, CONTRADICTION)
LABELS: tuple[str, ...] = (*THREE_WAY, NOT_ENTAILMENT)

_LABEL_ALIASES: dict[str, str] = {
    "entailment": ENTAILMENT,
    "entailed": ENTAILMENT,
    "entails": ENTAILMENT,
    "e": ENTAILMENT,
    "0": ENTAILMENT,
    "neutral": NEUTRAL,
    "n": NEUTRAL,
    "1": NEUTRAL,
    "contradiction": CONTRADICTION,
    "contradicts": CONTRADICTION,
    "c": CONTRADICTION,
    "2": CONTRADICTION,
    "not_entailment": NOT_ENTAILMENT,
    "not-entailment": NOT_ENTAILMENT,
    "not_entailed": NOT_ENTAILMENT,
    "not-entailed": NOT_ENTAILMENT,
    "non-entailment": NOT_ENTAILMENT,
    "non_entailment": NOT_ENTAILMENT,
}
_NO_GOLD = {"-", "", "none", "null"}

_PREMISE_KEYS = ("premise", "sentence1", "context", "sentence_a", "text_a", "text")
_HYPOTHESIS_KEYS = ("hypothesis", "sentence2", "sentence_b", "text_b", "statement")
_LABEL_KEYS = ("label", "gold_label", "entailment_label", "labels")
_COLUMNS = "columns premise, hypothesis, label (or sentence1, sentence2, gold_label)"

# MPE premises carry Flickr caption ids ("3191828851jpg0A little boy ..."); add-one RTE
# carries HTML emphasis. Both are noise for a cross-encoder.
_CAPTION_ID = re.compile(r"\b\d{6,}jpg\d")
_HTML_TAG = re.compile(r"</?(?:b|u|i|em|strong)>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class NLIExample:
    """One premise/hypothesis pair with a label from :data:`LABELS`."""

    premise: str
    hypothesis: str
    label: str


def normalize_label(raw: object) -> str | None:
    """Map a raw label to one of :data:`LABELS`; ``None`` for "no gold label".

    Raises :class:`KeyError` for a label outside the known vocabularies.
    """
    if isinstance(raw, bool):
        raise KeyError(str(raw))
    text = str(raw).strip().lower()
    if text in _NO_GOLD:
        return None
    return _LABEL_ALIASES[text]


def clean_text(text: str) -> str:
    """Remove caption ids and HTML emphasis tags and collapse white space."""
    text = _CAPTION_ID.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _pick(row: dict[str, object], keys: Iterable[str]) -> str | None:
    lowered = {str(k).strip().lower(): k for k in row}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return None


def _rows_jsonl(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    # text_lines: gzip by its magic bytes, a byte-order mark dropped, non-UTF-8 bytes named with file:line
    for number, line in enumerate(text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise FormatError(path, number, f"invalid JSON ({err.msg})", "one JSON object per line") from err
        if not isinstance(row, dict):
            raise FormatError(path, number, "not a JSON object", "one JSON object per line")
        yield number, row


def _rows_json_array(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    try:
        data = json.loads("".join(text_lines(path)))
    except json.JSONDecodeError as err:
        raise FormatError(path, err.lineno, f"invalid JSON ({err.msg})", "a JSON array of objects") from err
    if not isinstance(data, list):
        raise FormatError(path, 1, "not a JSON array", "a JSON array of objects")
    for index, row in enumerate(data, start=1):
        if isinstance(row, dict):
            yield index, row


def _has_nli_columns(names: Iterable[str]) -> bool:
    row: dict[str, object] = dict.fromkeys(names, "")
    return all(_pick(row, keys) is not None for keys in (_PREMISE_KEYS, _HYPOTHESIS_KEYS, _LABEL_KEYS))


def _nli_delimiter(path: Path, default: str) -> str:
    """``default``, unless only another delimiter splits the header into premise/hypothesis/label.

    SICK's re-annotated corpus, for one, is tab-separated under a ``.csv`` name; a header that
    no delimiter explains keeps ``default``, and :func:`read_nli` then names the columns it saw.
    """
    return header_delimiter(next(text_lines(path), ""), default, _has_nli_columns)


def _rows_delimited(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, object]]]:
    delimiter = _nli_delimiter(path, delimiter)
    lines = text_lines(path)
    if delimiter == "\t":
        # Some TSVs (XNLI, CAD) contain bare quotes: do not treat them as quoting.
        reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.DictReader(lines, delimiter=delimiter)
    if reader.fieldnames is None:
        return
    names = [str(name).strip() for name in reader.fieldnames]
    if not _has_nli_columns(names):  # the header is line 1, whatever row would come next
        raise FormatError(path, 1, f"cannot find premise/hypothesis/label columns in {sorted(names)}", _COLUMNS)
    for row in reader:
        yield reader.line_num, row


def _rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".jsonl"):
        return _rows_jsonl(path)
    if name.endswith(".json"):
        # JSON arrays (DNC) or, rarely, JSONL saved as .json
        first = next((line for line in text_lines(path) if line.strip()), "").lstrip()
        return _rows_json_array(path) if first.startswith("[") else _rows_jsonl(path)
    if name.endswith(".tsv") or name.endswith(".txt"):
        return _rows_delimited(path, "\t")
    if name.endswith(".csv"):
        return _rows_delimited(path, ",")
    raise FormatError(path, None, "unknown NLI file type", ".jsonl, .json, .tsv, .txt or .csv (optionally .gz)")


def read_nli(path: str | Path, limit: int | None = None, strict: bool = False) -> list[NLIExample]:
    """Read NLI pairs from one file of any supported format.

    Columns are found by name: premise/sentence1/context/sentence_A, hypothesis/sentence2/
    sentence_B, label/gold_label/entailment_label. ``limit`` keeps the first N usable pairs.
    """
    path = Path(path)
    if not path.exists():
        raise missing_file(path)
    require_file(path, "a JSONL, JSON, TSV or CSV file of NLI pairs")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    examples: list[NLIExample] = []
    skipped: Counter[str] = Counter()
    keys: tuple[str, str, str] | None = None
    binary = _binary_ids(path)
    if binary:
        (logger.warning if strict else logger.info)(
            "%s: numeric labels are 0 and 1 only, read as 2-way (0 = entailment, 1 = not_entailment, the GLUE "
            "RTE/QNLI convention); 3-way files number contradiction 2", path,
        )
    for number, row in _rows(path):
        if keys is None:
            premise_key = _pick(row, _PREMISE_KEYS)
            hypothesis_key = _pick(row, _HYPOTHESIS_KEYS)
            label_key = _pick(row, _LABEL_KEYS)
            if premise_key is None or hypothesis_key is None or label_key is None:
                raise FormatError(
                    path, number, f"cannot find premise/hypothesis/label columns in {sorted(str(k) for k in row if k is not None)}",
                    _COLUMNS,
                )
            keys = (premise_key, hypothesis_key, label_key)
        if strict:
            _check_fields(path, number, row, keys)
        premise, hypothesis, raw = (row.get(k) for k in keys)
        try:
            label = NOT_ENTAILMENT if binary and str(raw).strip() == "1" else normalize_label(raw)
            label_set = row.get("label-set")
            if isinstance(label_set, list) and str(raw) not in {str(v) for v in label_set}:
                raise KeyError(str(raw))
            if isinstance(label_set, list) and str(raw).strip().isdigit():
                # DNC's kg_relations uses a 1-5 plausibility scale, not NLI ids
                raise KeyError(str(raw))
        except KeyError:
            if strict:
                raise FormatError(path, number, f"unknown NLI label {raw!r}", "entailment/neutral/contradiction, 0/1/2 or not_entailment") from None
            skipped[f"label {raw!r}"] += 1
            continue
        if label is None:
            skipped["no gold label"] += 1
            continue
        premise_text = clean_text(str(premise or ""))
        hypothesis_text = clean_text(str(hypothesis or ""))
        if not premise_text or not hypothesis_text:
            if strict:
                raise FormatError(path, number, "empty premise or hypothesis", "two non-empty texts")
            skipped["empty text"] += 1
            continue
        examples.append(NLIExample(premise_text, hypothesis_text, label))
        if limit is not None and len(examples) >= limit:
            break
    if skipped:
        # strict readers (evaluate-nli) say it where the user sees it: a score over fewer rows than the file has
        (logger.warning if strict else logger.info)(
            "%s: skipped %d rows (%s)", path, sum(skipped.values()), ", ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    return examples


def _binary_ids(path: Path) -> bool:
    """Whether the file's gold labels are numeric ids, all 0 or 1, with at least one 1.

    GLUE's RTE, QNLI and WNLI (and their Hugging Face copies) number ``not_entailment`` 1; the
    3-way sets number ``neutral`` 1 and ``contradiction`` 2. A whole 3-way file without a single
    2 does not occur in practice, so the whole file is read once to tell them apart (a
    ``--limit`` sample of a 3-way file may well hold only 0s and 1s).
    """
    seen: set[str] = set()
    label_key: str | None = None
    for _, row in _rows(path):
        if label_key is None:
            label_key = _pick(row, _LABEL_KEYS)
            if label_key is None:
                return False
        raw = row.get(label_key)
        if isinstance(raw, bool) or raw is None or isinstance(row.get("label-set"), list):
            return False
        text = str(raw).strip().lower()
        if text in _NO_GOLD:
            continue
        if text not in {"0", "1"}:
            return False
        seen.add(text)
    return "1" in seen


def _check_fields(path: Path, number: int, row: Mapping[Any, object], keys: tuple[str, str, str]) -> None:
    """Refuse a delimited row with too few or too many fields, or a JSON row without one of the keys."""
    if None in row:  # csv.DictReader files the fields beyond the header under None
        raise FormatError(path, number, "more fields than the header names", "one field per header column")
    missing = [key for key in keys if key not in row or (row[key] is None and not _is_json(path))]
    if missing:
        raise FormatError(
            path, number, f"no {', '.join(repr(k) for k in missing)} field (a short row?)", "one field per header column"
        )


def _is_json(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith((".jsonl", ".json"))


def label_counts(examples: Iterable[NLIExample]) -> dict[str, int]:
    """Count examples per label, in the order of :data:`LABELS`."""
    counts = Counter(example.label for example in examples)
    return {label: counts[label] for label in LABELS if counts[label]}
