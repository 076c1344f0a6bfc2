"""``xlink train ...``: the group of training verbs (``nli`` here; other modules add theirs)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from xlink.cli._common import print_json
from xlink.errors import XlinkError
from xlink.files import check_replaceable_folder, looks_like_local_path

train_app = typer.Typer(help="Train xlink's models.", no_args_is_help=True)


def _parse_overrides(items: list[str]) -> dict[str, object]:
    """Turn ``section.key=value`` strings into confection overrides (values parsed as JSON)."""
    import json

    from xlink.errors import XlinkError

    overrides: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise XlinkError(f"--set {item!r}: expected section.key=value")
        try:
            overrides[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.strip()] = value
    return overrides


def _log_progress(verbose: bool) -> None:
    """Show the trainers' INFO progress lines (through the handler ``run_safely`` set up)."""
    if verbose:
        logging.getLogger("xlink").setLevel(logging.INFO)
        logging.getLogger().setLevel(logging.INFO)


def _check_output_apart(option_output: Path, **inputs: str | None) -> None:
    """Refuse an output folder that is, holds or lies in one of the run's inputs (base model, caches).

    The output is replaced whole when the model is saved (and at each dev selection), so a base
    model there would be lost, and a candidate cache there deleted.
    """
    output = option_output.expanduser().resolve()
    for name, value in inputs.items():
        if not value or (name == "base_model" and not looks_like_local_path(value)):  # a hub id
            continue
        given = Path(value).expanduser().resolve()
        if given == output or output in given.parents or given in output.parents:
            raise XlinkError(
                f"--output {option_output} would replace {name} {value}, which the run reads; give another output folder"
            )


@train_app.command("nli")
def train_nli_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="Training config (INI), e.g. configs/train_nli.cfg.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output directory (overrides paths.output).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a setting, e.g. --set training.epochs=1.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the training report as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose/--quiet", help="Log progress to stderr.")] = True,
) -> None:
    """Fine-tune a 3-way NLI cross-encoder on the configured NLI pool."""
    from dataclasses import asdict

    from xlink.classify.train_nli import NLI_MODEL_FOLDER, NLITrainingConfig, train_nli

    _log_progress(verbose)
    cfg = NLITrainingConfig.from_file(config, _parse_overrides(set_ or []))
    if output is not None:
        cfg.output = str(output)
    check_replaceable_folder(Path(cfg.output), NLI_MODEL_FOLDER)
    _check_output_apart(Path(cfg.output), base_model=cfg.base_model)
    report = train_nli(cfg)
    if json_output:
        print_json(asdict(report))
    else:
        last = report.evaluations[-1]["accuracy"] if report.evaluations else float("nan")
        print(f"saved {cfg.output}: {report.steps} steps, {report.seconds / 60:.1f} min, eval accuracy {last:.4f}")


# -- xlink train biencoder ------------------------------------------------------------
# SapBERT-style bi-encoder training for dense candidate generation (xlink/candidates/).


@train_app.command("biencoder")
def train_biencoder_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="Training config, e.g. configs/train_biencoder.cfg.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder (overrides paths.output).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a setting, e.g. --set training.max_minutes=5.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the training report as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose/--quiet", help="Log progress to stderr.")] = True,
) -> None:
    """Fine-tune a bi-encoder on terminology synonym groups (and training-split mentions)."""
    from dataclasses import asdict

    from xlink.candidates.biencoder_training import (
        BIENCODER_FOLDER,
        BiencoderTrainingConfig,
        train_biencoder,
    )

    _log_progress(verbose)
    cfg = BiencoderTrainingConfig.from_file(config, _parse_overrides(set_ or []))
    if output is not None:
        cfg.output = str(output)
    check_replaceable_folder(Path(cfg.output), BIENCODER_FOLDER)
    _check_output_apart(Path(cfg.output), base_model=cfg.base_model)
    report = train_biencoder(cfg)
    if json_output:
        print_json({k: v for k, v in asdict(report).items() if k != "losses"})
    else:
        print(
            f"saved {cfg.output}: {report.steps} steps, {report.n_pairs} pairs, {report.seconds / 60:.1f} min, "
            f"loss {report.first_loss:.4f} -> {report.last_loss:.4f}"
        )


# -- xlink train reranker -------------------------------------------------------------
# Cross-encoder reranker trained with xMEN's rank-regularized loss (xlink/rerank/).


@train_app.command("reranker")
def train_reranker_command(
    config: Annotated[Path, typer.Option("--config", "-c", help="Training config, e.g. configs/train_reranker.cfg.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder (overrides paths.output).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a setting, e.g. --set training.lam=0.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the training report as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose/--quiet", help="Log progress to stderr.")] = True,
) -> None:
    """Train a cross-encoder reranker on a corpus's training split; keep the best model on dev acc@1."""
    from dataclasses import asdict

    from xlink.rerank.cross_encoder import RERANKER_FOLDER
    from xlink.rerank.train import RerankerTrainingConfig, train_reranker

    _log_progress(verbose)
    cfg = RerankerTrainingConfig.from_file(config, _parse_overrides(set_ or []))
    if output is not None:
        cfg.output = str(output)
    check_replaceable_folder(Path(cfg.output), RERANKER_FOLDER)
    _check_output_apart(
        Path(cfg.output), base_model=cfg.base_model, train_candidates=cfg.train_candidates, dev_candidates=cfg.dev_candidates
    )
    report = train_reranker(cfg)
    if json_output:
        print_json({k: v for k, v in asdict(report).items() if k != "losses"})
    else:  # on stdout, as the other trainers print theirs (and with --quiet)
        print(
            f"saved {cfg.output}: {report.steps} steps, {report.seconds / 60:.1f} min, loss {report.first_loss:.4f} -> "
            f"{report.last_loss:.4f}, best dev acc@1 {report.best_dev_acc1:.2f} "
            f"(generator alone {report.generator_dev.get('acc@1')})"
        )
