"""``xlink link``, ``xlink evaluate``, ``xlink evaluate-linking`` and ``xlink index build``.

These verbs link the *gold* mentions of a corpus (PubTator, BigBIO JSONL or
BioSyn queries) to any terminology file, and score the result. Scripts outside
the repository call them on corpora xlink has never seen, so every option is
explicit and every failure is one line.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from xlink.cli._common import check_output, console, print_json
from xlink.errors import XlinkError

if TYPE_CHECKING:
    from xlink.corpus.model import Corpus
    from xlink.evaluation.linking import GoldCoverage
    from xlink.terminology.model import Terminology

logger = logging.getLogger(__name__)

CorpusFormat = Annotated[
    str | None,
    typer.Option("--corpus-format", help="pubtator, bigbio or biosyn-queries (detected when omitted)."),
]
TermFormat = Annotated[
    str | None,
    typer.Option(
        "--terminology-format",
        help="ctd, biosyn, obo, icd10cm, do, umls or jsonl (detected when omitted).",
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="A linking config (see configs/linking/).")
]
TrainOpt = Annotated[
    Path | None,
    typer.Option(
        "--train-corpus",
        help="A TRAINING corpus whose mention texts are added as aliases of their gold concepts "
        "(never pass the corpus you evaluate on).",
    ),
]
AlphaOpt = Annotated[
    float | None,
    typer.Option(
        "--conformal-alpha",
        help="Rerank only each mention's conformal candidate set, which keeps the reranker's full-list "
        "top candidate with probability >= 1 - alpha (needs a reranker and --calibration; without it, "
        "--calibration uses the alpha saved by calibrate-linker).",
    ),
]
CalibrationOpt = Annotated[
    Path | None,
    typer.Option("--calibration", help="A candidate calibration folder from 'xlink calibrate-linker'."),
]
RuleOpt = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="strict (every part of a composite id) or any (BioSyn's check_label). "
        "Default: any for biosyn-queries, strict otherwise.",
    ),
]

GoldTypesOpt = Annotated[
    str,
    typer.Option(
        "--gold-types",
        help="Gold entity types to link and score: all (every mention), a comma list (Disease,Chemical), or auto "
        "(the types whose gold ids the terminology mostly holds, when the corpus has others too).",
    ),
]


def _load_terminology(path: Path, fmt: str | None):
    from xlink.terminology.loaders import load_terminology

    return load_terminology(path, fmt).require_nonempty(path)


def _load_corpus(path: Path, fmt: str | None):
    """The corpus and its format's canonical name (``biosyn`` → ``biosyn-queries``).

    The canonical name is what picks the default ``--rule`` and what the report shows,
    so an alias must not change either.
    """
    from xlink.corpus.io import detect_corpus_format, load_corpus, normalize_corpus_format

    fmt = normalize_corpus_format(fmt) if fmt else detect_corpus_format(path)
    return load_corpus(path, fmt), fmt


def _linker(
    terminology,
    config_path: Path | None,
    k: int | None,
    no_cache: bool,
    train_corpus: Path | None = None,
    conformal_alpha: float | None = None,
    calibration: Path | None = None,
    evaluated: Path | None = None,
):
    from xlink.linking_config import LinkingConfig, build_linker

    config = LinkingConfig.from_disk(config_path) if config_path else LinkingConfig()
    if k is not None:
        config.k = k
    if conformal_alpha is not None or calibration is not None:
        if not config.reranker.get("model"):
            raise XlinkError(
                "--conformal-alpha/--calibration prune the reranker's candidates, but this linking config has no "
                "reranker; pass --config configs/linking/tfidf_rerank.cfg (or another config with [reranker])"
            )
        if conformal_alpha is not None:
            from xlink.conformal.candidates import check_alpha

            check_alpha(conformal_alpha, "--conformal-alpha")
            config.reranker["conformal_alpha"] = conformal_alpha
        if calibration is not None:
            if not calibration.exists():
                raise FileNotFoundError(2, "no such calibration folder", str(calibration))
            config.reranker["calibration"] = str(calibration)
    if train_corpus is not None:
        if not train_corpus.exists():
            raise FileNotFoundError(2, "no such file", str(train_corpus))
        if evaluated is not None and evaluated.exists() and train_corpus.resolve() == evaluated.resolve():
            raise XlinkError(
                f"--train-corpus {train_corpus} is the corpus being linked; its mentions would become their own "
                "aliases. Pass the training split, never the one you evaluate on"
            )
        config.train_corpus = str(train_corpus)
    return build_linker(terminology, config, use_cache=not no_cache), config


def _gold_types(
    corpus: Corpus, requested: str, terminology: Terminology | None = None
) -> tuple[Corpus, list[str], list[str]]:
    """The corpus with only the gold entity types ``--gold-types`` asks for, the types kept and those left out.

    ``all`` keeps every mention (a corpus of one type is unchanged by any value). ``auto`` keeps the
    types whose gold ids ``terminology`` mostly holds when other types are there too: on BC5CDR
    (Chemical and Disease) linked to MEDIC, the diseases, instead of counting every chemical as a
    miss. A comma list keeps those types; one the corpus lacks is an error that lists the types.
    """
    present = sorted({e.type for d in corpus.documents for e in d.entities})
    if requested == "all":
        return corpus, present, []
    from xlink.components.pipelines import filter_gold_types, select_gold_types

    held: set[str] = set()
    if requested == "auto":
        if terminology is None:
            raise XlinkError(
                "--gold-types auto picks the types whose gold ids the terminology holds, and 'xlink evaluate' has "
                f"no terminology; name the types (--gold-types {','.join(present) or 'Disease'}) or use all"
            )
        from xlink.evaluation.linking import gold_coverage

        held = gold_coverage(corpus, terminology).held_types
    types = select_gold_types(corpus, held, requested)
    if types.left_out:
        logger.info("--gold-types %s: scoring %s, leaving out %s", requested, types.scored, types.left_out)
    return filter_gold_types(corpus, types), types.scored, types.left_out


def _require_mentions(corpus, path: Path) -> None:
    """Refuse a corpus without gold mentions: there is nothing to link or score."""
    if not corpus.documents:
        raise XlinkError(f"{path}: no documents; check the file and its format (--corpus-format)")
    if not any(doc.entities for doc in corpus.documents):
        raise XlinkError(f"{path}: {len(corpus.documents)} documents but no mention to link")


def refuse_all_nil(n_mentions: int, n_nil: int, path: Path) -> None:
    """Refuse a gold corpus none of whose mentions has a concept id: acc@k would read 0.0 of nothing."""
    if n_mentions and n_nil == n_mentions:
        raise XlinkError(
            f"{path}: none of its {n_mentions} gold mentions has a concept id (all NIL), so there is nothing to "
            "score; give a corpus with ids (PubTator's last column, BigBIO's normalized), or use 'xlink link' to "
            "link it without scoring"
        )


def _warn_gold_coverage(corpus, terminology, path: Path) -> None:
    """Warn when gold mentions lack ids or name ids the terminology does not hold (a ceiling on acc@k)."""
    from xlink.evaluation.linking import gold_coverage

    coverage = gold_coverage(corpus, terminology)
    if coverage.n_nil:
        logger.warning(
            "%s: %d of %d gold mentions have no concept id (NIL); acc@k leaves them out (n_nil_gold), and "
            "nil_predicted counts those left without a prediction",
            path,
            coverage.n_nil,
            coverage.n_mentions,
        )
    if coverage.n_not_in_terminology:
        logger.warning(
            "%s: %d of %d gold mentions have an id that the terminology does not hold (e.g. %s), so acc@k "
            "is at most %.1f%% under the strict rule; by entity type: %s. %s",
            path,
            coverage.n_not_in_terminology,
            coverage.n_mentions,
            ", ".join(coverage.examples),
            coverage.ceiling,
            ", ".join(
                f"{t.type or '(no type)'} {t.n_not_in_terminology} of {t.n_with_ids}"
                for t in coverage.types_not_in_terminology
            ),
            _coverage_hint(coverage),
        )


def _coverage_hint(coverage: GoldCoverage) -> str:
    """What to do about gold ids the terminology lacks: score only the types it holds, or check the terminology.

    A corpus with a type that the terminology mostly lacks (BC5CDR's chemicals against MEDIC) is
    pointed to ``--gold-types``; otherwise the terminology itself is in question.
    """
    held = sorted(coverage.held_types)
    foreign = [t.type for t in coverage.types_not_in_terminology if not t.mostly_held]
    if held and foreign:
        return (
            f"The terminology lacks most {', '.join(foreign)} ids: --gold-types {','.join(held)} (or auto) "
            "links and scores only the types it holds"
        )
    return (
        "Is this the terminology the corpus was annotated with? (--gold-types T1,T2 links and scores only "
        "some entity types)"
    )


def _run_linking(corpus, fmt: str, linker, config, abbreviations: bool):
    from xlink.cli._common import progress
    from xlink.linker import corpus_mentions

    # BioSyn queries carry a context window, not whole documents; abbreviation
    # detection still runs on that window.
    mentions = corpus_mentions(
        corpus,
        expand_abbreviations=abbreviations and linker.use_abbreviations,
        relaxed_abbreviations=config.relaxed_abbreviations,
    )
    start = time.perf_counter()
    linked = list(progress(linker.link(mentions), total=len(mentions), description="linking"))
    return linked, time.perf_counter() - start


def _print_report(report, title: str, extra: dict[str, object]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in {**report.to_json(), **extra}.items():
        table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    from rich.console import Console

    Console().print(table)


def _rule_for(fmt: str, rule: str | None) -> str:
    if rule is None:
        return "any" if fmt == "biosyn-queries" else "strict"
    _check_rule(rule)
    return rule


def _check_rule(rule: str | None) -> None:
    """Refuse an unknown ``--rule`` before any linking."""
    if rule is not None and rule not in ("strict", "any"):
        raise XlinkError(f"--rule must be 'strict' or 'any', not {rule!r}")


def link(
    corpus: Annotated[Path, typer.Argument(help="PubTator, BigBIO JSONL or BioSyn queries file.")],
    terminology: Annotated[Path, typer.Option("--terminology", "-t", help="Terminology file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Predictions JSONL to write.")],
    config: ConfigOpt = None,
    corpus_format: CorpusFormat = None,
    terminology_format: TermFormat = None,
    k: Annotated[int | None, typer.Option("--k", "-k", min=1, help="Candidates per mention.")] = None,
    no_abbreviations: Annotated[bool, typer.Option("--no-abbreviations", help="Do not expand abbreviations.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild the index instead of using the cache.")] = False,
    train_corpus: TrainOpt = None,
    conformal_alpha: AlphaOpt = None,
    calibration: CalibrationOpt = None,
    gold_types: GoldTypesOpt = "all",
) -> None:
    """Link the gold mentions of CORPUS to a terminology and write ranked predictions."""
    from xlink.linker import write_predictions

    check_output(output, corpus, terminology, train_corpus, config)
    term = _load_terminology(terminology, terminology_format)
    docs, fmt = _load_corpus(corpus, corpus_format)
    _require_mentions(docs, corpus)
    docs, _, _ = _gold_types(docs, gold_types, term)
    linker, cfg = _linker(term, config, k, no_cache, train_corpus, conformal_alpha, calibration, corpus)
    linked, seconds = _run_linking(docs, fmt, linker, cfg, not no_abbreviations)
    n = write_predictions(linked, output)
    extra = _reranker_extra(linker)
    pruning = f", {extra['avg_set_size']:.2f} candidates reranked per mention" if "avg_set_size" in extra else ""
    console.print(f"linked {n} mentions in {seconds:.1f} s ({n / max(seconds, 1e-9):.0f}/s){pruning} → {output}")


def _reranker_extra(linker) -> dict[str, object]:
    """Reranker pairs scored and, with conformal pruning, the average set size."""
    reranker = linker.reranker
    if reranker is None:
        return {}
    totals = reranker.totals
    extra: dict[str, object] = {"reranker_pairs": totals.pairs, "reranked_mentions": totals.mentions}
    stats: Any = getattr(reranker, "stats", None)
    if hasattr(stats, "avg_set_size"):
        extra["conformal_alpha"] = reranker.pruner.alpha
        extra["avg_set_size"] = round(stats.avg_set_size, 3)
        extra["avg_full_size"] = round(stats.avg_full_size, 3)
    return extra


def evaluate(
    predictions: Annotated[Path, typer.Argument(help="Predictions JSONL from 'xlink link'.")],
    gold: Annotated[Path, typer.Argument(help="The gold corpus the predictions were made on.")],
    corpus_format: CorpusFormat = None,
    rule: RuleOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of acc@k against k (k = 1..64) here.")] = None,
    gold_types: Annotated[
        str,
        typer.Option(
            "--gold-types",
            help="Gold entity types to score: all (every mention) or a comma list (Disease,Chemical); "
            "predictions of the other types are left out.",
        ),
    ] = "all",
) -> None:
    """Score a predictions file against a gold corpus (acc@k, recall@k)."""
    from dataclasses import replace

    from xlink.evaluation.linking import evaluate_linking
    from xlink.linker import read_predictions

    _check_rule(rule)
    plot = _plot_path(plot, predictions, gold)
    preds = read_predictions(predictions)
    if not preds:
        raise XlinkError(f"{predictions}: no predictions; write them with 'xlink link CORPUS -t TERMINOLOGY -o FILE'")
    docs, fmt = _load_corpus(gold, corpus_format)
    all_keys = {m.key for m in docs.mentions()}
    docs, scored_types, left_out_types = _gold_types(docs, gold_types)
    gold_mentions = {m.key: m for m in docs.mentions()}
    left_out = all_keys - gold_mentions.keys()  # mentions of the types --gold-types leaves out
    joined = []
    missing = 0
    seen: set[tuple[str, str]] = set()
    for lm in preds:
        if lm.mention.key in left_out:
            continue
        g = gold_mentions.pop(lm.mention.key, None)
        if g is None and lm.mention.key in seen:
            raise XlinkError(
                f"{predictions}: mention {lm.mention.key} is predicted twice; was the file written twice into one "
                "(cat a b)? Link the corpus again into a new file"
            )
        seen.add(lm.mention.key)
        if g is None:
            raise XlinkError(
                f"{predictions}: mention {lm.mention.key} is not in {gold}; "
                "were the predictions made on this corpus?"
            )
        p = lm.mention
        if (p.start, p.end, p.text) != (g.start, g.end, g.text):
            raise XlinkError(
                f"{predictions}: mention {p.key} is {p.text!r} at {p.start}-{p.end} there but {g.text!r} at "
                f"{g.start}-{g.end} in {gold}; the predictions were made on another version of this corpus "
                "(mention ids follow the order of the mention lines), so link this file again"
            )
        lm.mention = replace(lm.mention, gold=g.gold)
        joined.append(lm)
    if gold_mentions:
        missing = len(gold_mentions)
        logger.warning(
            "%s: %d of %d gold mentions of %s have no prediction; they count as wrong",
            predictions,
            missing,
            missing + len(joined),
            gold,
        )
        from xlink.linker import LinkedMention

        joined.extend(LinkedMention(mention=m, candidates=[]) for m in gold_mentions.values())
    refuse_all_nil(len(joined), sum(1 for lm in joined if not lm.mention.gold), gold)
    report = evaluate_linking(joined, rule=_rule_for(fmt, rule))
    extra: dict[str, object] = {
        "n_missing_predictions": missing,
        "gold_types_scored": scored_types,
        "gold_types_left_out": left_out_types,
    }
    _emit(report, extra, as_json, plot, f"{predictions.name} vs {gold.name}")


def _plot_path(plot: Path | None, *inputs: Path | None) -> Path | None:
    """The ``--plot`` file (``.png`` added to a name without a suffix), checked before any work is done."""
    from xlink.evaluation.plots import PLOT_FORMATS

    if plot is None:
        return None
    plot = plot if plot.suffix else plot.with_suffix(".png")
    if plot.suffix.lstrip(".").lower() not in PLOT_FORMATS:
        raise XlinkError(f"--plot {plot}: {plot.suffix!r} is not an image format; end the name in .png, .pdf or .svg")
    check_output(plot, *inputs, option="--plot")
    return plot


def _emit(report, extra: dict[str, object], as_json: bool, plot: Path | None, title: str) -> None:
    if plot is not None:
        from xlink.evaluation.plots import plot_recall_curve

        plot_recall_curve({title: report.curve}, plot, title=title)
        extra = {**extra, "plot": str(plot)}
    if as_json:
        print_json({**report.to_json(), **extra})
    else:
        _print_report(report, title, extra)


def evaluate_linking_cmd(
    corpus: Annotated[Path, typer.Option("--corpus", help="PubTator, BigBIO JSONL or BioSyn queries file.")],
    terminology: Annotated[Path, typer.Option("--terminology", "-t", help="Terminology file.")],
    config: ConfigOpt = None,
    corpus_format: CorpusFormat = None,
    terminology_format: TermFormat = None,
    rule: RuleOpt = None,
    k: Annotated[int | None, typer.Option("--k", "-k", min=1, help="Candidates per mention.")] = None,
    no_abbreviations: Annotated[bool, typer.Option("--no-abbreviations", help="Do not expand abbreviations.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild the index instead of using the cache.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write predictions.")] = None,
    train_corpus: TrainOpt = None,
    conformal_alpha: AlphaOpt = None,
    calibration: CalibrationOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of acc@k against k (k = 1..64) here.")] = None,
    gold_types: GoldTypesOpt = "all",
) -> None:
    """Link the gold mentions of a corpus and score them, in one step."""
    from xlink.evaluation.linking import evaluate_linking
    from xlink.linker import write_predictions

    if output is not None:
        check_output(output, corpus, terminology, train_corpus, config)
    _check_rule(rule)
    plot = _plot_path(plot, corpus, terminology)
    t0 = time.perf_counter()
    term = _load_terminology(terminology, terminology_format)
    t1 = time.perf_counter()
    docs, fmt = _load_corpus(corpus, corpus_format)
    _require_mentions(docs, corpus)
    docs, scored_types, left_out_types = _gold_types(docs, gold_types, term)
    mentions = docs.mentions()
    refuse_all_nil(len(mentions), sum(1 for m in mentions if not m.gold), corpus)  # before the index is built
    linker, cfg = _linker(term, config, k, no_cache, train_corpus, conformal_alpha, calibration, corpus)
    _warn_gold_coverage(docs, term, corpus)
    t2 = time.perf_counter()
    linked, seconds = _run_linking(docs, fmt, linker, cfg, not no_abbreviations)
    if output is not None:
        write_predictions(linked, output)
    report = evaluate_linking(linked, rule=_rule_for(fmt, rule))
    extra: dict[str, object] = {
        "corpus_format": fmt,
        "gold_types_scored": scored_types,
        "gold_types_left_out": left_out_types,
        "terminology": str(terminology),
        "n_concepts": len(term),
        "train_corpus": cfg.train_corpus,
        "terminology_load_s": round(t1 - t0, 2),
        "index_s": round(t2 - t1, 2),
        "link_s": round(seconds, 2),
        "mentions_per_s": round(len(linked) / max(seconds, 1e-9), 1),
        **_reranker_extra(linker),
    }
    _emit(report, extra, as_json, plot, f"{corpus.name} → {terminology.name}")


def calibrate_linker_cmd(
    corpus: Annotated[
        Path, typer.Option("--corpus", help="A TRAINING or DEV corpus (PubTator, BigBIO, BioSyn queries); never test.")
    ],
    terminology: Annotated[Path, typer.Option("--terminology", "-t", help="Terminology file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Calibration folder to write (atomically).")],
    config: ConfigOpt = None,
    corpus_format: CorpusFormat = None,
    terminology_format: TermFormat = None,
    alpha: Annotated[float, typer.Option(help="Default miscoverage level saved with the calibration.")] = 0.01,
    score: Annotated[str, typer.Option("--score", help="Conformity score: lac or aps.")] = "lac",
    fit_fraction: Annotated[float, typer.Option(help="Share of mentions that fit the slot scorer.")] = 0.3,
    limit: Annotated[int | None, typer.Option(help="Use at most N mentions (seeded sample).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the fit/calibration split and the sample.")] = 0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild the index instead of using the cache.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Calibrate conformal candidate pruning: rerank CORPUS fully and learn which slots the reranker picks.

    The saved folder is what --calibration (and \\[reranker] calibration) takes; with
    --conformal-alpha the reranker then scores only each mention's conformal set.
    """
    import random

    from xlink.conformal.candidates import CALIBRATION_FOLDER, calibrate_linker
    from xlink.files import check_replaceable_folder
    from xlink.linker import corpus_mentions

    check_replaceable_folder(output, CALIBRATION_FOLDER)
    term = _load_terminology(terminology, terminology_format)
    docs, fmt = _load_corpus(corpus, corpus_format)
    linker, cfg = _linker(term, config, None, no_cache)
    if linker.reranker is None:
        raise XlinkError(
            f"{config or 'the default linking config'} has no [reranker]; calibration needs one, e.g. "
            "--config configs/linking/tfidf_rerank.cfg"
        )
    mentions = corpus_mentions(
        docs, expand_abbreviations=linker.use_abbreviations, relaxed_abbreviations=cfg.relaxed_abbreviations
    )
    if limit is not None and limit < len(mentions):
        mentions = sorted(random.Random(seed).sample(mentions, limit), key=lambda m: (m.document_id, m.start))
    pruner, report = calibrate_linker(linker, mentions, alpha, score, seed, fit_fraction)
    pruner.save(output)
    result = {**report.to_json(), "output": str(output), "corpus": str(corpus), "corpus_format": fmt}
    if as_json:
        print_json(result)
    else:
        console.print(
            f"calibrated on {report.n_calibration} mentions (slot scorer fitted on {report.n_fit}) in "
            f"{report.seconds:.0f} s → {output}"
        )


def index_build(
    terminology: Annotated[Path, typer.Argument(help="Terminology file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Index folder to write.")],
    config: ConfigOpt = None,
    terminology_format: TermFormat = None,
) -> None:
    """Build the candidate index of a linking config (default: the built-in generator) into a folder.

    Any generator kind: TF-IDF, dense (encodes every name) or an ensemble (one sub-folder per
    member). The folder is written atomically, with a manifest naming the terminology and
    model fingerprints; the ``index`` setting of ``xlink_linker`` loads it.
    """
    from xlink.candidates.index_store import INDEX_FOLDER
    from xlink.files import check_replaceable_folder
    from xlink.linking_config import (
        ENSEMBLE_INDEX_FOLDER,
        LinkingConfig,
        build_generator,
        save_generator,
    )

    cfg = LinkingConfig.from_disk(config) if config else LinkingConfig()
    kind = cfg.generator.get("kind", "tfidf")
    check_replaceable_folder(output, ENSEMBLE_INDEX_FOLDER if kind == "ensemble" else INDEX_FOLDER)
    term = _load_terminology(terminology, terminology_format)
    start = time.perf_counter()
    generator = build_generator(term, cfg.generator, use_cache=False)
    save_generator(generator, output, "xlink index build")
    console.print(
        f"built {type(generator).__name__} index of {len(term)} concepts ({kind} config) in "
        f"{time.perf_counter() - start:.1f} s → {output}"
    )


def register(app: typer.Typer) -> None:
    """Add the linking verbs to the root app."""
    app.command("link")(link)
    app.command("evaluate")(evaluate)
    app.command("evaluate-linking")(evaluate_linking_cmd)
    app.command("calibrate-linker")(calibrate_linker_cmd)
    index_app = typer.Typer(help="Build candidate indexes.", no_args_is_help=True)
    index_app.command("build")(index_build)
    app.add_typer(index_app, name="index")
