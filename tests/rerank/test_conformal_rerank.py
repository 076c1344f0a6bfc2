"""Conformal candidate pruning with a real (tiny, random) cross-encoder: exactness, linker, CLI, stale refusal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.rerank.conftest import _DOCS, write_pubtator
from xlink.conformal.candidates import (
    ConformalCandidatePruner,
    ConformalReranker,
    StaleCalibrationError,
    calibrate_linker,
)
from xlink.corpus.model import Mention
from xlink.linker import LinkedMention, PredictedConcept
from xlink.rerank.cross_encoder import CrossEncoderReranker, RerankerConfig
from xlink.terminology.model import Terminology

IDS = ["D001943", "D010051", "D003110", "D015179", "D006527", "D003550"]


def _linked(term: Terminology, text: str) -> LinkedMention:
    preds = [PredictedConcept(i, term[i].canonical_name, 1.0 - 0.1 * n, (i,), term[i].canonical_name) for n, i in enumerate(IDS)]
    return LinkedMention(mention=Mention("d", text, text), candidates=preds)


@pytest.fixture()
def reranker(tiny_cross_encoder: Path, tiny_terminology: Terminology) -> CrossEncoderReranker:
    config = RerankerConfig(k=4, prior_weight=1.0)
    return CrossEncoderReranker.from_base(tiny_cross_encoder, config, tiny_terminology, device="cpu")


def test_kept_candidates_get_their_full_list_logits(reranker: CrossEncoderReranker, tiny_terminology: Terminology) -> None:
    lm = _linked(tiny_terminology, "breast cancer")
    (full,) = reranker.rerank([lm])
    top_slot = IDS.index(full.predictions[0].concept_id)
    mask = np.zeros(4, dtype=bool)
    mask[[top_slot, (top_slot + 1) % 4]] = True
    (pruned,) = reranker.rerank([lm], keep=[mask])
    assert reranker.stats.pairs == 2
    assert pruned.predictions[0].concept_id == full.predictions[0].concept_id  # same top-1 when the set holds it
    kept = [p.concept_id for p in pruned.predictions[:2]]
    assert sorted(kept) == sorted(IDS[j] for j in np.flatnonzero(mask))
    # the unscored slots follow in generator order with score 0, then the tail beyond k
    rest = [p.concept_id for p in pruned.predictions[2:]]
    assert rest == [IDS[j] for j in range(4) if not mask[j]] + IDS[4:]
    assert all(p.score == 0.0 for p in pruned.predictions[2:])
    # logits of kept pairs equal those of the full list: their probability ratio is unchanged
    full_scores = {p.concept_id: p.score for p in full.predictions[:4]}
    a, b = (pruned.predictions[0], pruned.predictions[1])
    assert np.isclose(a.score / b.score, full_scores[a.concept_id] / full_scores[b.concept_id], rtol=1e-4)
    assert reranker.totals.pairs == 4 + 2


def _tiny_setup(tmp_path: Path, tiny_cross_encoder: Path, tiny_terminology: Terminology) -> dict[str, Path]:
    model = CrossEncoderReranker.from_base(tiny_cross_encoder, RerankerConfig(k=4, prior_weight=1.0), device="cpu")
    model.save(tmp_path / "rr")
    docs = [(title, mentions) for _ in range(4) for title, mentions in _DOCS]  # 40 mentions
    term = tmp_path / "terms.jsonl"
    tiny_terminology.to_jsonl(term)
    config = tmp_path / "link.cfg"
    config.write_text(
        "[linker]\nk = 8\n\n[generator]\nkind = \"tfidf\"\n\n"
        f"[reranker]\nmodel = \"{tmp_path / 'rr'}\"\n",
        encoding="utf-8",
    )
    return {"corpus": write_pubtator(tmp_path / "dev.txt", docs), "terminology": term, "config": config}


def test_calibrate_then_link_with_pruning(tmp_path: Path, tiny_cross_encoder: Path, tiny_terminology: Terminology) -> None:
    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions, read_predictions, write_predictions
    from xlink.linking_config import LinkingConfig, build_linker

    paths = _tiny_setup(tmp_path, tiny_cross_encoder, tiny_terminology)
    config = LinkingConfig.from_disk(paths["config"])
    linker = build_linker(tiny_terminology, config, use_cache=False)
    mentions = corpus_mentions(load_corpus(paths["corpus"]))
    pruner, report = calibrate_linker(linker, mentions, alpha=0.2, fit_fraction=0.4)
    assert report.n_mentions == 40 and report.n_fit + report.n_calibration == report.n_reranked
    assert sum(report.reference_slot_counts) == report.n_reranked
    pruner.save(tmp_path / "cal")

    config.reranker.update(conformal_alpha=0.2, calibration=str(tmp_path / "cal"))
    pruned_linker = build_linker(tiny_terminology, config, use_cache=False)
    assert isinstance(pruned_linker.reranker, ConformalReranker)
    linked = list(pruned_linker.link(mentions))
    reranked = [lm for lm in linked if lm.set_size is not None]
    assert reranked and all(1 <= lm.set_size <= 4 for lm in reranked)
    assert pruned_linker.reranker.totals.pairs == sum(lm.set_size for lm in reranked)
    write_predictions(linked, tmp_path / "p.jsonl")
    assert [lm.set_size for lm in read_predictions(tmp_path / "p.jsonl")] == [lm.set_size for lm in linked]


def test_stale_calibration_refused_when_the_linker_is_built(
    tmp_path: Path, tiny_cross_encoder: Path, tiny_terminology: Terminology
) -> None:
    from xlink.linking_config import LinkingConfig, build_linker
    from xlink.terminology.model import Concept

    paths = _tiny_setup(tmp_path, tiny_cross_encoder, tiny_terminology)
    config = LinkingConfig.from_disk(paths["config"])
    linker = build_linker(tiny_terminology, config, use_cache=False)
    from xlink.conformal.candidates import linker_fingerprints

    lists = [([0.9, 0.5, 0.4, 0.1], ["", "", "", ""])] * 40
    ConformalCandidatePruner(4, 0.2, fingerprints=linker_fingerprints(linker)).fit_conformalize(lists, [0, 1] * 20).save(
        tmp_path / "cal"
    )
    config.reranker.update(conformal_alpha=0.2, calibration=str(tmp_path / "cal"))
    build_linker(tiny_terminology, config, use_cache=False)  # same terminology: accepted
    other = Terminology.from_concepts([*tiny_terminology, Concept("D999", "Another Disease")], name="tiny2")
    with pytest.raises(StaleCalibrationError, match="another terminology"):
        build_linker(other, config, use_cache=False)


def test_cli_calibrate_and_evaluate_with_pruning(tmp_path: Path, tiny_cross_encoder: Path, tiny_terminology: Terminology) -> None:
    from xlink.cli import app

    paths = _tiny_setup(tmp_path, tiny_cross_encoder, tiny_terminology)
    common = ["--terminology", str(paths["terminology"]), "--config", str(paths["config"]), "--no-cache"]
    runner = CliRunner()
    result = runner.invoke(
        app, ["calibrate-linker", "--corpus", str(paths["corpus"]), "--output", str(tmp_path / "cal"),
              "--alpha", "0.2", "--fit-fraction", "0.4", "--json", *common],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_calibration"] > 0
    result = runner.invoke(
        app, ["evaluate-linking", "--corpus", str(paths["corpus"]), "--conformal-alpha", "0.2",
              "--calibration", str(tmp_path / "cal"), "--json", *common],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert 1.0 <= out["avg_set_size"] <= out["avg_full_size"] <= 4.0
    assert out["reranker_pairs"] > 0 and out["conformal_alpha"] == 0.2
    # pruning without a reranker in the config is refused with the fix
    plain = tmp_path / "plain.cfg"
    plain.write_text("[generator]\nkind = \"tfidf\"\n", encoding="utf-8")
    result = runner.invoke(
        app, ["evaluate-linking", "--corpus", str(paths["corpus"]), "--terminology", str(paths["terminology"]),
              "--config", str(plain), "--conformal-alpha", "0.2", "--calibration", str(tmp_path / "cal")],
    )
    assert result.exit_code != 0 and "no reranker" in str(result.exception)


def test_spacy_component_prunes_and_round_trips(tmp_path: Path, tiny_cross_encoder: Path, tiny_terminology: Terminology) -> None:
    import spacy
    from spacy.tokens import DocBin, Span

    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions
    from xlink.linking_config import LinkingConfig, build_linker

    paths = _tiny_setup(tmp_path, tiny_cross_encoder, tiny_terminology)
    config = LinkingConfig.from_disk(paths["config"])
    linker = build_linker(tiny_terminology, config, use_cache=False)
    pruner, _ = calibrate_linker(linker, corpus_mentions(load_corpus(paths["corpus"])), alpha=0.2, fit_fraction=0.4)
    pruner.save(tmp_path / "cal")

    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_linker", config={
        "terminology": str(paths["terminology"]), "generator": {"kind": "tfidf"}, "k": 8, "cache_dir": str(tmp_path / "cache"),
        "reranker": {"model": str(tmp_path / "rr"), "conformal_alpha": 0.2, "calibration": str(tmp_path / "cal")},
    })
    doc = nlp.make_doc("We found colon cancer and ovarian cancer.")
    doc.ents = [Span(doc, 2, 4, label="Disease"), Span(doc, 5, 7, label="Disease")]
    doc = nlp(doc)
    sizes = [ent._.xlink_candidates_set_size for ent in doc.ents]
    assert all(isinstance(n, int) and 1 <= n <= 4 for n in sizes)
    kb_ids = [ent.kb_id_ for ent in doc.ents]

    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "xlink_linker" / "candidate_calibration" / "candidate_pruner.json").exists()
    loaded = spacy.load(tmp_path / "pipe")
    again = nlp.make_doc(doc.text)
    again.ents = [Span(again, 2, 4, label="Disease"), Span(again, 5, 7, label="Disease")]
    again = loaded(again)
    assert [e.kb_id_ for e in again.ents] == kb_ids
    assert [e._.xlink_candidates_set_size for e in again.ents] == sizes
    restored = list(DocBin(docs=[again], store_user_data=True).get_docs(loaded.vocab))[0]
    assert [e._.xlink_candidates_set_size for e in restored.ents] == sizes
