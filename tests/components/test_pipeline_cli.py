"""Tests of ``xlink evaluate-pipeline`` and ``xlink build-pipeline`` on tiny pipelines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from xlink.cli import app
from xlink.components.pipelines import PipelineBuildConfig, build_pipeline
from xlink.errors import XlinkError
from xlink.terminology.model import Concept, Terminology

CONCEPTS = [
    Concept("D014883", "Wilson disease", ("hepatolenticular degeneration",)),
    Concept("D001943", "breast cancer", ("breast carcinoma",)),
]
TITLE = "Wilson disease in a family."
ABSTRACT = "Wilson disease (WD) is rare. WD and breast carcinoma were seen."
KEYS = ("ner_strict_f1", "strict_precision", "strict_recall", "strict_f1", "loose_f1")


@pytest.fixture
def terminology_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    Terminology.from_concepts(CONCEPTS, name="tiny").to_jsonl(path)
    return path


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    """One PubTator document with four gold mentions, one of them (WD) unseen by the matcher."""
    text = f"{TITLE} {ABSTRACT}"
    lines = [f"1|t|{TITLE}", f"1|a|{ABSTRACT}"]
    position = 0
    for surface, cid in [("Wilson disease", "D014883"), ("Wilson disease", "D014883"),
                         ("WD", "D014883"), ("breast carcinoma", "D001943")]:
        start = text.index(surface, position)
        end = start + len(surface)
        lines.append(f"1\t{start}\t{end}\t{surface}\tSpecificDisease\t{cid}")
        position = end
    path = tmp_path / "tiny.pubtator"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


@pytest.fixture
def pipeline_path(terminology_path: Path, tmp_path: Path) -> Path:
    """A saved pipeline: dictionary NER → abbreviations → linker."""
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    nlp.to_disk(tmp_path / "pipeline")
    return tmp_path / "pipeline"


def _evaluate(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["evaluate-pipeline", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_evaluate_pipeline_json(corpus_path: Path, pipeline_path: Path) -> None:
    record = _evaluate(str(corpus_path), "--pipeline", str(pipeline_path))
    assert all(key in record for key in KEYS)
    # The matcher finds 3 of 4 mentions (not "WD"), all linked correctly.
    assert record["ner_strict_tp"] == 3 and record["ner_strict_n_gold"] == 4
    assert record["strict_precision"] == 1.0 and record["strict_recall"] == 0.75
    assert record["loose_f1"] == 1.0
    assert record["n_docs"] == 1


def test_evaluate_pipeline_on_bigbio_and_table(corpus_path: Path, pipeline_path: Path, tmp_path: Path) -> None:
    from xlink.corpus.io import load_corpus, save_corpus

    bigbio = tmp_path / "tiny.jsonl"
    save_corpus(load_corpus(corpus_path, "pubtator"), bigbio, "bigbio")
    record = _evaluate(str(bigbio), "--pipeline", str(pipeline_path), "--corpus-format", "bigbio")
    assert record["strict_recall"] == 0.75
    table = CliRunner().invoke(app, ["evaluate-pipeline", str(corpus_path), "--pipeline", str(pipeline_path)])
    assert table.exit_code == 0 and "NER + linking strict" in table.stdout


def test_evaluate_pipeline_with_two_processes_and_output(
    corpus_path: Path, pipeline_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "predicted.pubtator"
    record = _evaluate(str(corpus_path), "--pipeline", str(pipeline_path), "--n-process", "2", "-o", str(out))
    assert record["strict_tp"] == 3
    assert "D001943" in out.read_text(encoding="utf-8")


def test_bigbio_output_fills_normalized(corpus_path: Path, pipeline_path: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "predicted.jsonl"
    _evaluate(str(corpus_path), "--pipeline", str(pipeline_path), "-o", str(out))
    entities = [e for line in out.read_text(encoding="utf-8").splitlines() for e in json.loads(line)["entities"]]
    linked = [e for e in entities if e["normalized"]]
    assert linked and all(n["db_id"] for e in linked for n in e["normalized"])
    assert any(n["db_id"].endswith("D001943") for e in linked for n in e["normalized"])


def test_unknown_pipeline_is_a_clear_error(corpus_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate-pipeline", str(corpus_path), "--pipeline", "no_such_pipeline_xyz"])
    assert isinstance(result.exception, XlinkError)
    assert "cannot load pipeline" in str(result.exception)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["evaluate-pipeline", str(corpus_path), "--pipeline", str(empty)])
    assert isinstance(result.exception, XlinkError)


def _tiny_build_config(terminology_path: Path, tmp_path: Path, version: str = "0.0.1") -> Path:
    """A pipeline build config over a dictionary NER (which stands in for a trained one) in ``tmp_path``."""
    if not (tmp_path / "ner").exists():
        ner = spacy.blank("en")
        ner.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
        ner.to_disk(tmp_path / "ner")
    config = tmp_path / "pipeline_tiny.cfg"
    config.write_text(
        "\n".join(
            [
                "[paths]",
                'data = "."',
                "[package]",
                'name = "xlink_tiny"',
                f'version = "{version}"',
                'output = "package"',
                "[ner]",
                'model = "ner"',
                "[abbreviations]",
                "make_serializable = true",
                "[linker_sources]",
                'terminology = "${paths.data}/tiny.jsonl"',
                "[linker]",
                "k = 4",
                "reranker = null",
                "[linker.generator]",
                'kind = "tfidf"',
            ]
        ),
        encoding="utf-8",
    )
    return config


def test_build_pipeline_writes_a_loadable_package(terminology_path: Path, tmp_path: Path) -> None:
    config = _tiny_build_config(terminology_path, tmp_path)
    assert PipelineBuildConfig.from_disk(config).terminology == terminology_path.resolve()
    built = build_pipeline(config)
    assert built.model_dir == tmp_path / "package" / "xlink_tiny" / "en_xlink_tiny-0.0.1"
    assert (tmp_path / "package" / "xlink_tiny" / "meta.json").exists()
    terminology_path.unlink()
    nlp = spacy.load(built.model_dir)
    assert nlp.pipe_names == ["xlink_terminology_matcher", "xlink_abbreviations", "xlink_linker"]
    doc = nlp("Breast carcinoma and Wilson disease.")
    assert [e.kb_id_ for e in doc.ents] == ["D001943", "D014883"]
    assert nlp.meta["name"] == "xlink_tiny"
    # a new output folder gets the files that make it pip-installable, and its load() works
    import importlib.util

    pyproject = (tmp_path / "package" / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "xlink_tiny"' in pyproject and 'version = "0.0.1"' in pyproject
    assert 'dependencies = ["spacy>=3.8,<3.9", "xlink>=0.1"]' in pyproject
    assert '["meta.json", "**/*"]' in pyproject  # every depth: an ensemble's index is five folders deep
    spec = importlib.util.spec_from_file_location("xlink_tiny", tmp_path / "package" / "xlink_tiny" / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.load().pipe_names == nlp.pipe_names


def test_displacy_html_links_ids(pipeline_path: Path) -> None:
    from xlink.components.pipelines import ctd_disease_url, displacy_html

    nlp = spacy.load(pipeline_path)
    html = displacy_html([nlp("Wilson disease and breast carcinoma.")])
    assert ctd_disease_url("D014883") in html and "MESH:D001943" in html
    assert ctd_disease_url("OMIM:277900").endswith("acc=OMIM:277900")


def test_gold_types_the_pipeline_does_not_predict_are_left_out(
    corpus_path: Path, pipeline_path: Path, tmp_path: Path
) -> None:
    """A corpus that also annotates chemicals: a DISEASE pipeline is scored on its diseases."""
    text = corpus_path.read_text(encoding="utf-8").rstrip("\n").replace("SpecificDisease", "Disease")
    mixed = tmp_path / "mixed.pubtator"
    start = f"{TITLE} {ABSTRACT}".index("family")
    mixed.write_text(text + f"\n1\t{start}\t{start + 6}\tfamily\tChemical\tD000001\n\n", encoding="utf-8")
    auto = _evaluate(str(mixed), "--pipeline", str(pipeline_path))
    assert auto["gold_types_scored"] == ["Disease"] and auto["gold_types_left_out"] == ["Chemical"]
    assert auto["ner_strict_n_gold"] == 4 and auto["strict_recall"] == 0.75
    every = _evaluate(str(mixed), "--pipeline", str(pipeline_path), "--gold-types", "all")
    assert every["ner_strict_n_gold"] == 5 and every["gold_types_left_out"] == []
    chosen = _evaluate(str(mixed), "--pipeline", str(pipeline_path), "--gold-types", "Chemical")
    assert chosen["ner_strict_n_gold"] == 1
    # NCBI-style types that match no label are all scored
    ncbi = _evaluate(str(corpus_path), "--pipeline", str(pipeline_path))
    assert ncbi["gold_types_scored"] == ["SpecificDisease"] and ncbi["gold_types_left_out"] == []
    bad = CliRunner().invoke(app, ["evaluate-pipeline", str(mixed), "--pipeline", str(pipeline_path), "--gold-types", "Gene"])
    assert isinstance(bad.exception, XlinkError) and "not in the corpus: ['Gene']" in str(bad.exception)


def test_report_names_the_gold_types_it_scores(corpus_path: Path, pipeline_path: Path, tmp_path: Path) -> None:
    two_types = tmp_path / "two_types.pubtator"
    text = corpus_path.read_text(encoding="utf-8").replace("\tSpecificDisease\tD001943", "\tDiseaseClass\tD001943")
    two_types.write_text(text, encoding="utf-8")
    table = CliRunner().invoke(app, ["evaluate-pipeline", str(two_types), "--pipeline", str(pipeline_path)])
    assert table.exit_code == 0
    assert "scored every gold type ['DiseaseClass', 'SpecificDisease']" in " ".join(table.output.split())


def test_a_rebuild_deletes_nothing_it_refuses_and_keeps_the_users_folders(terminology_path: Path, tmp_path: Path) -> None:
    build_pipeline(_tiny_build_config(terminology_path, tmp_path, "0.0.1"))
    root = tmp_path / "package" / "xlink_tiny"
    (root / "en_xlink_tiny-backup").mkdir()
    (root / "en_xlink_tiny-backup" / "keep.txt").write_text("mine", encoding="utf-8")
    (root / "en_xlink_tiny-0.0.2").mkdir()
    (root / "en_xlink_tiny-0.0.2" / "notes.txt").write_text("mine", encoding="utf-8")
    config = _tiny_build_config(terminology_path, tmp_path, "0.0.2")
    with pytest.raises(XlinkError, match="not a spaCy pipeline folder"):
        build_pipeline(config)
    assert (root / "en_xlink_tiny-0.0.1" / "meta.json").exists()  # refused before anything was deleted
    (root / "en_xlink_tiny-0.0.2" / "notes.txt").unlink()
    build_pipeline(config)
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["en_xlink_tiny-0.0.2", "en_xlink_tiny-backup"]
    assert 'version = "0.0.2"' in (tmp_path / "package" / "pyproject.toml").read_text(encoding="utf-8")
    with pytest.raises(XlinkError, match="overlaps the NER model"):
        build_pipeline(config, package_dir=tmp_path / "ner")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(XlinkError, match="is a file; give a folder path"):
        build_pipeline(config, package_dir=tmp_path / "file" / "out")


def test_the_shipped_pipeline_config_passes_the_output_check() -> None:
    """Its NER is the xlink-ner-ncbi-disease package's folder, apart from what the build writes."""
    from xlink.components.pipelines import _check_package_output, model_dir_name

    repo = Path(__file__).resolve().parents[2]
    config = PipelineBuildConfig.from_disk(repo / "configs" / "pipeline_disease_medic.cfg")
    _check_package_output(config, config.package_dir / config.name / model_dir_name("en", config.name, config.version))


def _pipeline(terminology_path: Path, tmp_path: Path, name: str, spans_key: str | None = None, **linker: object) -> Path:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher",
                 config={"terminology": str(terminology_path), "label": "DISEASE", "spans_key": spans_key})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path),
                                         "spans_key": spans_key, **linker})
    nlp.to_disk(tmp_path / name)
    return tmp_path / name


def test_a_named_nil_id_is_scored_and_written_as_no_id(terminology_path: Path, corpus_path: Path, tmp_path: Path) -> None:
    empty = _pipeline(terminology_path, tmp_path, "empty_nil", threshold=1.5)
    named = _pipeline(terminology_path, tmp_path, "named_nil", threshold=1.5, nil_id="NIL")
    assert spacy.load(named)("Wilson disease.").ents[0].kb_id_ == "NIL"
    scores = [_evaluate(str(corpus_path), "--pipeline", str(path)) for path in (empty, named)]
    assert scores[0]["strict_tp"] == 0 and scores[0]["ner_strict_tp"] == 3
    timing = [key for key in scores[0] if "second" in key or key.endswith("_per_s") or key == "pipeline"]
    assert {k: v for k, v in scores[0].items() if k not in timing} == {k: v for k, v in scores[1].items() if k not in timing}
    result = CliRunner().invoke(app, ["annotate", "Wilson disease.", "--pipeline", str(named), "--json"])
    assert result.exit_code == 0, result.output
    (mention,) = json.loads(result.stdout)["mentions"]
    assert mention["concept_id"] == "" and mention["text"] == "Wilson disease"


def test_annotate_and_evaluate_read_the_spans_the_linker_links(
    terminology_path: Path, corpus_path: Path, tmp_path: Path
) -> None:
    keyed = _pipeline(terminology_path, tmp_path, "keyed", spans_key="dict")
    result = CliRunner().invoke(app, ["annotate", "Wilson disease and breast cancer.", "--pipeline", str(keyed), "--json"])
    assert result.exit_code == 0, result.output
    assert [m["concept_id"] for m in json.loads(result.stdout)["mentions"]] == ["D014883", "D001943"]
    assert _evaluate(str(corpus_path), "--pipeline", str(keyed))["strict_tp"] == 3
