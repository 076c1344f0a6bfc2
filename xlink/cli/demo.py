"""``xlink demo``: the main job on embedded defaults, offline.

It links the disease mentions of a bundled clinical sample to a bundled MEDIC
excerpt and prints mention → id → name → score. When a zero-shot classifier
is installed, it also classifies bundled sample texts with label pruning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TERMINOLOGY = REPO_ROOT / "terminologies" / "medic_demo" / "medic_demo.jsonl"
SAMPLE = RESOURCES / "sample_clinical.pubtator"


def demo(
    terminology: Annotated[
        Path | None, typer.Option("--terminology", "-t", help="Terminology to link to.")
    ] = None,
    sample: Annotated[Path | None, typer.Option(help="PubTator file with the mentions to link.")] = None,
    skip_classification: Annotated[bool, typer.Option(help="Only run the linking part.")] = False,
) -> None:
    """Link the bundled clinical sample, then classify bundled texts zero-shot."""
    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions
    from xlink.linking_config import build_linker
    from xlink.terminology.loaders import load_terminology

    console = Console(width=max(Console().width, 132))
    term_path = terminology or DEFAULT_TERMINOLOGY
    if terminology is None and not term_path.exists():
        from xlink.errors import XlinkError

        raise XlinkError(
            f"{term_path}: the demo's MEDIC excerpt ships with the xlink source repository "
            "(terminologies/medic_demo/), not with an installed wheel; run the demo from a checkout "
            "(make demo), or give a terminology with --terminology FILE"
        )
    term = load_terminology(term_path).require_nonempty(term_path)
    corpus = load_corpus(sample or SAMPLE, "pubtator")
    linker = build_linker(term, use_cache=False)  # the built-in default, as 'xlink link' uses it
    table = Table(title=f"Disease mentions linked to {term_path.name} ({len(term)} concepts)")
    for column in ("mention", "long form", "concept id", "name", "score", "runner-up"):
        table.add_column(column)
    for doc in corpus:
        console.print(f"[bold]{doc.document_id}[/bold]: {doc.text}\n")
    for linked in linker.link(corpus_mentions(corpus)):
        best = linked.predictions[0] if linked.predictions else None
        second = linked.predictions[1] if len(linked.predictions) > 1 else None
        table.add_row(
            linked.mention.text,
            linked.mention.expansion or "",
            best.concept_id if best else "NIL",
            best.name if best else "",
            f"{best.score:.3f}" if best else "",
            f"{second.concept_id} {second.score:.3f}" if second else "",
        )
    console.print(table)
    _pipeline_demo(console, corpus)
    if not skip_classification:
        _classification_demo(console)


def _pipeline_demo(console: Console, corpus) -> None:
    """Run the shipped disease pipeline (NER → abbreviations → linker) on the raw sample text."""
    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import displacy_html
    from xlink.errors import XlinkError

    console.print("\n[bold]The disease pipeline on the raw text[/bold] (NER → abbreviations → xlink_linker)")
    try:
        nlp = load_pipeline()
    except XlinkError as err:
        console.print(f"[yellow]skipped: {err}[/yellow]")
        return
    docs = list(nlp.pipe(doc.text for doc in corpus))
    table = Table(title=f"{nlp.meta.get('name', 'pipeline')} {nlp.meta.get('version', '')}")
    for column in ("mention", "MEDIC id", "name", "score"):
        table.add_column(column)
    for doc in docs:
        for ent in doc.ents:
            candidates = getattr(ent._, "xlink_candidates", None) or []
            best = candidates[0] if candidates else None
            if ent.kb_id_ or best is None:
                table.add_row(ent.text, ent.kb_id_ or "NIL", best[1] if best else "", f"{best[2]:.3f}" if best else "")
            else:  # left unlinked: its best candidate scored under the linker's threshold
                table.add_row(ent.text, "NIL", f"[dim](best: {best[1]})[/dim]", f"[dim]{best[2]:.3f}[/dim]")
    console.print(table)
    from xlink.files import atomic_write_text

    out = Path("demo_output") / "disease_pipeline.html"
    atomic_write_text(out, displacy_html(docs))
    console.print(f"displaCy HTML with the ids linked to CTD: {out}")


def _classification_demo(console: Console) -> None:
    """Classify the bundled sample texts zero-shot, with conformal label pruning."""
    from xlink.classify.demo import LABELS, run_demo

    console.print(f"\n[bold]Zero-shot classification with label pruning[/bold] ({len(LABELS)} labels)")
    from xlink.errors import XlinkError

    try:
        # progress lines only: the table below shows each text's labels once
        rows = run_demo(say=lambda message: console.print(message, highlight=False), per_text=False)
    except XlinkError as err:
        console.print(f"[yellow]skipped: {err}[/yellow]")
        return
    table = Table(title="Zero-shot labels (the NLI model scores only the labels kept)")
    for column in ("text", "labels kept", "top label", "score"):
        table.add_column(column)
    for row in rows:
        # a set of one label is decided without the NLI model: its 1.0 is no confidence
        score = f"{row.score:.3f}" if len(row.label_set) > 1 else "[dim]only label kept[/dim]"
        table.add_row(row.text, f"{len(row.label_set)}/{len(LABELS)}", row.top_label or "", score)
    console.print(table)


def register(app: typer.Typer) -> None:
    from xlink.cli.classify import with_one_line_warnings

    app.command("demo")(with_one_line_warnings(demo))
