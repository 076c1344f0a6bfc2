"""``xlink classify``, ``xlink calibrate``, ``xlink evaluate-nli``, ``xlink evaluate-zeroshot``, ``xlink train nli``."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from xlink.cli._common import console, print_json
from xlink.errors import XlinkError
from xlink.files import atomic_file, check_replaceable_folder

if TYPE_CHECKING:
    from xlink.classify.datasets import LabelledTexts

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_MODEL_HELP = "NLI model: a local path or a Hugging Face id (default: the shipped xlink_nli_minilm)."
_TEMPLATE_HELP = "Hypothesis template with one {} for the label."
_DEFAULT_TEMPLATE = "This example is about {}."
#: ``xlink classify`` compares the label mix of this many texts or more with the pruner's calibration texts ...
MIX_CHECK_MIN_TEXTS = 100
#: ... and warns below this chi-square p-value (ATIS test against ATIS train reads 2e-8; same-split draws 0.04-0.9)
MIX_CHECK_P = 1e-3
_INT8_HELP = "Quantize the NLI model to int8 (CPU; faster, but scores depend on batching, which breaks full/pruned agreement)."
_BF16_HELP = "Run the NLI model in bfloat16 autocast (2-3x faster on CPUs with AMX/AVX512-BF16; logits move by rounding only)."
_MAXLEN_HELP = "Truncate NLI pairs to this many tokens."
_ALPHA_HELP = "Tolerated rate of sets missing the zero-shot top label."
_SEPARATE_HELP = (
    "Compare the base classifiers inside the fit half only, so the texts that set the threshold play no part "
    "in the choice (exact split-conformal guarantee; each base is compared after fitting on half as many texts)."
)
_DELTA_HELP = (
    "Training-conditional calibration: coverage >= 1-alpha for all but this share of calibration draws "
    "(larger sets; needs >= log(delta)/log(1-alpha) calibration texts)."
)
_BASE_HELP = "tfidf, embedding, similarity, token, distil, knn, blend, static, nli_blend or dual (default: the smallest held-out cost)."


@contextmanager
def one_line_warnings() -> Iterator[None]:
    """Route Python warnings (sklearn's, :class:`PartialCoverageWarning`) to the log, one line each.

    The default ``warnings.showwarning`` prints the warning's source file and line of code,
    which a command-line user can do nothing with; the override lasts for the command only.
    """
    shown = warnings.showwarning

    def to_log(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        logger.warning("%s: %s", category.__name__, " ".join(str(message).split()))

    warnings.showwarning = to_log
    try:
        yield
    finally:
        warnings.showwarning = shown


def with_one_line_warnings(command: F) -> F:
    """Run ``command`` inside :func:`one_line_warnings` (Typer reads the wrapped signature)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_line_warnings():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _warn(message: str | None) -> None:
    """Log a check's warning, if it has one."""
    if message:
        logger.warning(message)


def _check_labels(labels: Sequence[str], template: str, mapping: dict[str, str]) -> None:
    """The label checks every zero-shot command runs before loading a model.

    Labels that read the same to the NLI model are an error; numeric labels without
    descriptions and ``--label-map`` keys that are no label are warnings.
    """
    from xlink.classify.input_checks import (
        check_hypothesis_collisions,
        label_map_warning,
        numeric_labels_warning,
    )
    from xlink.classify.zeroshot import validate_labels, validate_template

    validate_labels(labels)
    check_hypothesis_collisions(labels, validate_template(template), mapping)
    _warn(numeric_labels_warning(labels, mapping))
    _warn(label_map_warning(mapping, labels))


def _without_empty(table: LabelledTexts, path: Path, what: str) -> int:
    """Drop ``table``'s empty or whitespace-only texts in place, warn once, return how many went.

    An empty text has no zero-shot label; kept, it would be counted as the first label in
    fitting and in accuracy.
    """
    from xlink.classify.input_checks import empty_text_indices, skipped_warning

    empty = empty_text_indices(table.texts)
    if not empty:
        return 0
    _warn(skipped_warning(path, what, empty, table.lines))
    drop = set(empty)
    keep = [i for i in range(len(table.texts)) if i not in drop]
    table.texts = [table.texts[i] for i in keep]
    table.lines = [table.lines[i] for i in keep if i < len(table.lines)]
    if table.labels is not None:
        table.labels = [table.labels[i] for i in keep]
    if not table.texts:
        raise XlinkError(f"{path}: every text is empty; check --text-column")
    return len(empty)


def _labels_from(labels: str | None, labels_file: Path | None) -> list[str]:
    from xlink.files import numbered_lines

    if labels_file is not None:
        found = [line.strip() for _, line in numbered_lines(labels_file, "one label per line") if line.strip()]
        if not found:
            raise XlinkError(f"--labels-file {labels_file} holds no labels; write one label per line")
        return found
    if labels:
        return [label.strip() for label in labels.split(",") if label.strip()]
    return []


def _descriptions(labels: list[str], label_map: dict[str, str]) -> list[str]:
    from xlink.classify.zeroshot import default_description

    return [label_map.get(label) or default_description(label) for label in labels]


def _sample(n: int, limit: int | None, seed: int) -> list[int]:
    """A seeded subsample of ``range(n)``, kept in file order."""
    import numpy as np

    if limit is None or limit >= n:
        return list(range(n))
    return sorted(np.random.default_rng(seed).choice(n, size=limit, replace=False).tolist())


def classify_command(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to classify (or use --input).")] = None,
    labels: Annotated[str | None, typer.Option("--labels", "-l", help="Comma-separated candidate labels.")] = None,
    labels_file: Annotated[Path | None, typer.Option("--labels-file", help="One label per line.")] = None,
    input_file: Annotated[Path | None, typer.Option("--input", "-i", help="CSV/TSV/JSONL file of texts.")] = None,
    text_column: Annotated[str, typer.Option("--text-column", help="Text column of --input.")] = "text",
    pruner: Annotated[Path | None, typer.Option("--pruner", help="A calibrated pruner (xlink calibrate); its labels are used by default.")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    template: Annotated[str, typer.Option("--template", help=_TEMPLATE_HELP)] = _DEFAULT_TEMPLATE,
    label_map: Annotated[str | None, typer.Option("--label-map", help="JSON {label: description} (inline or file).")] = None,
    multi_label: Annotated[bool, typer.Option("--multi-label", help="Score each label independently (entailment vs contradiction).")] = False,
    int8: Annotated[bool, typer.Option("--int8", help=_INT8_HELP)] = False,
    bf16: Annotated[bool, typer.Option("--bf16", help=_BF16_HELP)] = False,
    max_length: Annotated[int, typer.Option("--max-length", help=_MAXLEN_HELP)] = 128,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Classify texts zero-shot, optionally pruning the labels with a calibrated pruner.

    An empty text gets no label: ``(empty text)`` in the text output, ``top_label: null`` in JSON.
    """
    from xlink.classify.datasets import read_label_map, read_texts
    from xlink.classify.input_checks import check_max_length
    from xlink.classify.zeroshot import ZeroShotClassifier
    from xlink.conformal.pruner import ConformalLabelPruner

    if max_length < 1:
        check_max_length(max_length, None)
    items = list(texts or [])
    if input_file is not None:
        items.extend(read_texts(input_file, text_column).texts)
    if not items:
        raise XlinkError("no texts: give TEXT arguments or --input FILE")
    cp = ConformalLabelPruner.load(pruner) if pruner is not None else None
    label_list = _labels_from(labels, labels_file) or (cp.labels if cp is not None else [])
    if not label_list:
        raise XlinkError("no labels: give --labels, --labels-file or --pruner")
    if cp is not None and set(label_list) != set(cp.labels):
        raise XlinkError(
            f"the labels differ from the pruner's: given {sorted(label_list)}, pruner {sorted(cp.labels)}; "
            "leave out --labels/--labels-file to use the pruner's labels"
        )
    mapping = read_label_map(label_map)
    model_from_pruner = cp is not None and model is None and cp.nli_model is not None
    if cp is not None:  # the zero-shot model the pruner was calibrated for: its defaults, or an error
        model, pruner_template, mapping = cp.nli_settings(model, None if template == _DEFAULT_TEMPLATE else template, mapping)
        template = pruner_template or template
        if multi_label:
            _warn(
                "--multi-label with --pruner: the sets keep the zero-shot model's top label with probability "
                f"{1 - cp.alpha:g}, not every label that would pass on its own; a label outside a text's set is not scored"
            )
    _check_labels(label_list, template, mapping)
    if model:
        from xlink.classify.input_checks import check_local_model

        check_local_model(f"--pruner {pruner}" if model_from_pruner else "--model", model, model_from_pruner)
    if len(label_list) == 1 and not multi_label:
        _warn(
            f"one label ({label_list[0]!r}): in single-label mode its score is a softmax over one label, always "
            "1.0; use --multi-label for its entailment-against-contradiction probability"
        )
    check_max_length(max_length, model)
    classifier = ZeroShotClassifier(model, hypothesis_template=template, label_descriptions=mapping, int8=int8, bf16=bf16, max_length=max_length)
    sets = None
    if cp is not None:
        probs = cp.predict_proba(items)  # one base pass: the sets and the label-mix check
        sets = cp.sets_from_proba(probs)
        mix = cp.label_mix_check(probs=probs) if len(items) >= MIX_CHECK_MIN_TEXTS else None
        if mix is not None and mix.p_value < MIX_CHECK_P:
            console.print(
                f"[yellow]warning:[/yellow] the pruner's base classifier picks labels in other proportions on these "
                f"{mix.n} texts than on its {mix.n_reference} calibration texts (total variation {mix.tv:.3f}, "
                f"chi-square p = {mix.p_value:.1g}); the {1 - cp.alpha:g} coverage is promised for texts like the "
                "calibration texts, so calibrate on a sample of these (xlink calibrate)"
            )
    predictions = classifier.predict(items, label_list, [list(s.labels) for s in sets] if sets else None, multi_label)
    rows: list[dict[str, Any]] = [
        {"text": p.text, "top_label": p.top_label, "label_set": p.labels, "scores": p.scores,
         "nli_scored": bool(p.entailment_logits)}
        for p in predictions
    ]
    if json_output:
        print_json(rows)
        return
    for row in rows:
        kept = f" [{len(row['label_set'])}/{len(label_list)} labels]" if cp is not None else ""
        top = row["top_label"]
        if top is None:  # an empty text: nothing to classify
            print(f"(empty text)\t-{kept}\t{row['text']}")
            continue
        # a set of one label in single-label mode is decided without an NLI pass: its 1.0 is no confidence
        score = f"{row['scores'].get(top, 0.0):.3f}" if row["nli_scored"] else "(only label kept; not scored)"
        print(f"{top}\t{score}{kept}\t{row['text']}")


def calibrate_command(
    data: Annotated[Path, typer.Option("--data", help="CSV/TSV/JSONL file of unlabelled texts.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write the pruner to.")],
    text_column: Annotated[str, typer.Option("--text-column", help="Text column.")] = "text",
    labels: Annotated[str | None, typer.Option("--labels", "-l", help="Comma-separated labels.")] = None,
    labels_file: Annotated[Path | None, typer.Option("--labels-file", help="One label per line.")] = None,
    label_column: Annotated[str | None, typer.Option("--label-column", help="Take the labels as the distinct values of this column (the values themselves are not used).")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help=_ALPHA_HELP)] = 0.01,
    delta: Annotated[float | None, typer.Option("--delta", help=_DELTA_HELP)] = None,
    base: Annotated[str | None, typer.Option("--base", help=_BASE_HELP)] = None,
    separate_selection: Annotated[bool, typer.Option("--separate-selection", help=_SEPARATE_HELP)] = False,
    score: Annotated[str, typer.Option("--score", help="MAPIE conformity score: lac or aps.")] = "lac",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use a seeded sample of N texts.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    template: Annotated[str, typer.Option("--template", help=_TEMPLATE_HELP)] = _DEFAULT_TEMPLATE,
    label_map: Annotated[str | None, typer.Option("--label-map", help="JSON {label: description} (inline or file).")] = None,
) -> None:
    """Label texts zero-shot, then fit and conformally calibrate a label pruner.

    Empty texts are skipped (with a warning): they have no zero-shot label to fit on.
    """
    import time

    from xlink.classify.datasets import read_label_map, read_texts
    from xlink.classify.evaluate_zeroshot import (
        calibration_shortfall,
        choose_pruner,
        pruning_pays,
        score_matrix,
        top_labels,
    )
    from xlink.classify.input_checks import (
        check_columns,
        check_conformal_options,
        check_enough_labels,
        check_label_values,
        duplicates_warning,
    )
    from xlink.classify.zeroshot import ZeroShotClassifier
    from xlink.conformal.pruner import PRUNER_FOLDER

    check_replaceable_folder(output, PRUNER_FOLDER)
    check_conformal_options(alpha, delta, score, base)
    check_columns(text_column, label_column)
    table = read_texts(data, text_column, label_column)
    _without_empty(table, data, "empty texts")
    if label_column is not None and table.labels is not None:
        _warn(check_label_values(data, label_column, table.labels))
    label_list = _labels_from(labels, labels_file) or (sorted(set(table.labels)) if table.labels else [])
    if not label_list:
        raise XlinkError("no labels: give --labels, --labels-file or --label-column")
    check_enough_labels(label_list)
    mapping = read_label_map(label_map)
    _check_labels(label_list, template, mapping)
    texts = [table.texts[i] for i in _sample(len(table.texts), limit, seed)]
    _warn(duplicates_warning(data, texts))
    shortfall = calibration_shortfall(len(texts), alpha, delta)
    if shortfall is not None:
        by_limit = limit is not None and limit < len(table.texts)
        fix = f"raise --limit (now {limit}; {len(table.texts)} texts in --data)" if by_limit else "give more texts in --data"
        raise XlinkError(f"{shortfall}; {fix}, or a larger --alpha" + (" or --delta" if delta is not None else ""))
    classifier = ZeroShotClassifier(model, hypothesis_template=template, label_descriptions=mapping)
    console.print(f"labelling {len(texts)} texts zero-shot ({len(texts) * len(label_list)} NLI pairs)")
    tick = time.perf_counter()
    predictions = classifier.predict(texts, label_list)
    pairs = sum(p.n_pairs for p in predictions)
    seconds_per_pair = (time.perf_counter() - tick) / pairs if pairs else None
    zero_shot = top_labels(predictions, label_list[0])
    pruner, choices = choose_pruner(
        texts, zero_shot, label_list, alpha=alpha, conformity_score=score, base=base, delta=delta,
        descriptions=_descriptions(label_list, mapping), seed=seed, zero_shot_scores=score_matrix(predictions, label_list),
        seconds_per_pair=seconds_per_pair, nli_model=classifier.model_name, separate_selection=separate_selection,
    )
    pruner.hypothesis_template = template
    pruner.save(output)
    for choice in choices:
        console.print(
            f"base {choice.base}: held-out avg set size {choice.avg_set_size:.2f}, coverage {choice.coverage:.3f}, "
            f"{choice.base_ms_per_text:.1f} ms/text, {choice.expected_pairs:.2f} NLI-pair equivalents per text"
        )
    if not pruning_pays(choices, len(label_list)):
        console.print(
            f"[yellow]warning:[/] with {len(label_list)} labels no base classifier is expected to save NLI time "
            "(it costs at least what it prunes); classify without a pruner"
        )
    print(f"saved pruner ({pruner.base_kind}, alpha={alpha}) to {output}")


def evaluate_nli_command(
    file: Annotated[Path, typer.Argument(help="NLI pairs: JSONL, TSV or CSV with premise/hypothesis/label columns.")],
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Evaluate the first N pairs.")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="NLI pairs per batch.")] = 64,
    int8: Annotated[bool, typer.Option("--int8", help=_INT8_HELP)] = False,
    bf16: Annotated[bool, typer.Option("--bf16", help=_BF16_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Accuracy of an NLI model on labelled pairs (binary labels: any non-entailment is right)."""
    from xlink.classify.input_checks import check_batch_size
    from xlink.classify.nli_data import read_nli
    from xlink.classify.nli_eval import evaluate_nli
    from xlink.classify.nli_model import NLIModel

    check_batch_size(batch_size)
    examples = read_nli(file, limit=limit, strict=True)
    if not examples:
        raise XlinkError(f"{file}: no labelled NLI pairs")
    nli = NLIModel(model, batch_size=batch_size, int8=int8, bf16=bf16)
    result = evaluate_nli(nli, examples)
    payload = {"accuracy": result.accuracy, "n": result.n, "per_label": result.per_label, "model": nli.name,
               "file": str(file), "seconds": result.seconds, "pairs_per_second": result.pairs_per_second}
    if json_output:
        print_json(payload)
    else:
        print(f"accuracy {result.accuracy:.4f} on {result.n} pairs ({result.pairs_per_second:.0f} pairs/s)")


def evaluate_zeroshot_command(
    data: Annotated[Path, typer.Option("--data", help="CSV/TSV/JSONL file with texts and gold labels.")],
    text_column: Annotated[str, typer.Option("--text-column", help="Text column (name, or 0-based index for header-less files).")],
    label_column: Annotated[str, typer.Option("--label-column", help="Gold label column; its distinct values are the labels.")],
    alpha: Annotated[float, typer.Option("--alpha", help=_ALPHA_HELP)] = 0.01,
    delta: Annotated[float | None, typer.Option("--delta", help=_DELTA_HELP)] = None,
    calibration: Annotated[Path | None, typer.Option("--calibration", help="File whose texts (only) are used for calibration.")] = None,
    calibration_fraction: Annotated[float, typer.Option("--calibration-fraction", help="Without --calibration: the share of --data held out for calibration.")] = 0.5,
    calibration_limit: Annotated[int | None, typer.Option("--calibration-limit", min=0, help="Use a seeded sample of N calibration texts.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Evaluate a seeded sample of N examples.")] = None,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Time full and pruned classification N times each, alternating, and keep the fastest (steadier time_saved on a busy machine).")] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    base: Annotated[str | None, typer.Option("--base", help=_BASE_HELP)] = None,
    separate_selection: Annotated[bool, typer.Option("--separate-selection", help=_SEPARATE_HELP)] = False,
    score: Annotated[str, typer.Option("--score", help="MAPIE conformity score: lac or aps.")] = "lac",
    label_map: Annotated[str | None, typer.Option("--label-map", help="JSON {label: description} (inline or file).")] = None,
    template: Annotated[str, typer.Option("--template", help=_TEMPLATE_HELP)] = _DEFAULT_TEMPLATE,
    details: Annotated[Path | None, typer.Option("--details", help="Write arrays for plots (npz).")] = None,
    int8: Annotated[bool, typer.Option("--int8", help=_INT8_HELP)] = False,
    bf16: Annotated[bool, typer.Option("--bf16", help=_BF16_HELP)] = False,
    max_length: Annotated[int, typer.Option("--max-length", help=_MAXLEN_HELP)] = 128,
    batch_size: Annotated[int, typer.Option("--batch-size", help="NLI pairs per batch.")] = 64,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare full-label and conformally pruned zero-shot classification on the same examples.

    Empty texts are skipped with a warning and counted as n_skipped_empty (n_skipped_empty_calibration
    for --calibration). time_saved is 1 - pruned/full wall-clock time: the pruned time includes the
    base classifier's own time, and wall clock on a shared machine is noisy (use --repeats).
    """
    import numpy as np

    from xlink.classify.datasets import MissingColumnError, read_label_map, read_texts
    from xlink.classify.evaluate_zeroshot import evaluate_zeroshot
    from xlink.classify.input_checks import (
        check_batch_size,
        check_columns,
        check_conformal_options,
        check_label_values,
        check_max_length,
        duplicates_warning,
        overlap_warning,
    )
    from xlink.classify.zeroshot import ZeroShotClassifier

    logging.getLogger("xlink").setLevel(logging.INFO)
    check_conformal_options(alpha, delta, score, base)
    check_batch_size(batch_size)
    check_columns(text_column, label_column)
    if calibration is None and not 0.0 < calibration_fraction < 1.0:
        raise XlinkError(f"--calibration-fraction must be in (0, 1), got {calibration_fraction}")
    check_max_length(max_length, model)
    table = read_texts(data, text_column, label_column)
    n_skipped = _without_empty(table, data, "empty texts")
    assert table.labels is not None
    _warn(check_label_values(data, label_column, table.labels))
    labels = sorted(set(table.labels))
    mapping = read_label_map(label_map)
    _check_labels(labels, template, mapping)
    _warn(duplicates_warning(data, table.texts))
    n_skipped_calibration = 0
    if calibration is not None:
        try:
            cal_table = read_texts(calibration, text_column)
        except MissingColumnError as err:
            if err.column != text_column:
                raise
            raise XlinkError(
                f"{calibration}: no column {text_column!r}; the --calibration file is read with the same "
                f"--text-column as --data, so give it a {text_column!r} column ({err})"
            ) from None
        n_skipped_calibration = _without_empty(cal_table, calibration, "empty calibration texts")
        cal_texts = cal_table.texts
        eval_idx = list(range(len(table.texts)))
    else:
        cal_texts, eval_idx = _split(table.texts, calibration_fraction, seed)
    n_available = len(cal_texts)
    cal_texts = [cal_texts[i] for i in _sample(len(cal_texts), calibration_limit, seed)]
    eval_idx = [eval_idx[i] for i in _sample(len(eval_idx), limit, seed)]
    if not eval_idx:
        raise XlinkError(f"no texts left to evaluate: lower --calibration-fraction ({calibration_fraction} of {len(table.texts)} texts)")
    _check_calibration_size(len(cal_texts), n_available, alpha, delta, calibration_limit, calibration)
    texts = [table.texts[i] for i in eval_idx]
    gold = [table.labels[i] for i in eval_idx]
    if calibration is not None:
        _warn(overlap_warning(texts, cal_texts))
    classifier = ZeroShotClassifier(
        model, hypothesis_template=template, label_descriptions=mapping, int8=int8, bf16=bf16, max_length=max_length, batch_size=batch_size
    )
    result, arrays = evaluate_zeroshot(
        classifier, texts, gold, labels, cal_texts, alpha=alpha, conformity_score=score, base=base, delta=delta,
        seed=seed, descriptions=_descriptions(labels, mapping), progress=lambda m: console.print(m),
        timing_repeats=repeats, separate_selection=separate_selection,
    )
    if details is not None:
        if not details.name.endswith(".npz"):  # as np.savez_compressed names a path it is given
            details = details.with_name(details.name + ".npz")
        with atomic_file(details, "wb") as handle:
            np.savez_compressed(handle, **asdict(arrays), alpha=np.array(alpha))
    payload = asdict(result)
    payload["data"] = str(data)
    payload["n_skipped_empty"] = n_skipped
    payload["n_skipped_empty_calibration"] = n_skipped_calibration
    if json_output:
        print_json(payload)
        return
    print(f"examples {result.n_examples}, labels {result.n_labels}, calibration texts {result.n_calibration}, base {result.base}, alpha {alpha}")
    low, high = result.agreement_ci95
    print(f"accuracy full {result.accuracy_full:.4f}  pruned {result.accuracy_pruned:.4f}  agreement {result.agreement:.4f}"
          f" (95% CI {low:.4f}-{high:.4f}; p = {result.agreement_p_value:.3f}: the chance that sets with exactly"
          f" {1 - alpha:g} coverage disagree at least this often)")
    print(f"avg set size {result.avg_set_size:.2f} of {result.n_labels}; NLI pairs {result.nli_pairs_full} -> {result.nli_pairs_pruned}")
    print(f"time full {result.time_full_s:.1f}s  pruned {result.time_pruned_s:.1f}s  saved {100 * result.time_saved:.1f}%")
    if result.label_shift_tv > 0.05:
        print(f"note: the zero-shot label mix of the calibration texts differs from the evaluated texts' "
              f"(total variation {result.label_shift_tv:.3f}); coverage is promised for exchangeable texts, so "
              "calibrate on texts like the ones you classify")


def _split(texts: Sequence[str], fraction: float, seed: int) -> tuple[list[str], list[int]]:
    """A seeded cut of ``texts``: the calibration texts (``fraction`` of them) and the indices left to evaluate."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(texts))
    cut = int(round(len(texts) * fraction))
    return [texts[i] for i in sorted(order[:cut].tolist())], sorted(order[cut:].tolist())


def _check_calibration_size(
    n_cal: int, n_available: int, alpha: float, delta: float | None, calibration_limit: int | None, calibration: Path | None
) -> None:
    """Refuse too few calibration texts before any labelling, naming the options that caused it."""
    from xlink.classify.evaluate_zeroshot import calibration_shortfall

    shortfall = calibration_shortfall(n_cal, alpha, delta)
    if shortfall is None:
        return
    fixes = []
    if calibration_limit is not None and calibration_limit < n_available:
        fixes.append(f"raise --calibration-limit (now {calibration_limit}; {n_available} calibration texts are available)")
    fixes.append("give a larger --calibration FILE" if calibration is not None else "raise --calibration-fraction or give --calibration FILE")
    fixes.append("or a larger --alpha" + (" or --delta" if delta is not None else ""))
    raise XlinkError(f"{shortfall}; {', '.join(fixes)}")


def register(app: typer.Typer) -> None:
    """Add the classification verbs, and the ``train`` group, to the root app."""
    from xlink.cli.train import train_app

    app.command("classify")(with_one_line_warnings(classify_command))
    app.command("calibrate")(with_one_line_warnings(calibrate_command))
    app.command("evaluate-nli")(with_one_line_warnings(evaluate_nli_command))
    app.command("evaluate-zeroshot")(with_one_line_warnings(evaluate_zeroshot_command))
    app.add_typer(train_app, name="train")
