"""Readers for the NLI formats of the shared pool, and the training-data guard."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from xlink.classify.nli_data import NLIExample, clean_text, normalize_label, read_nli
from xlink.classify.train_nli import (
    DataSetSpec,
    NLITrainingConfig,
    TrainingConfigError,
    load_training_data,
)
from xlink.errors import FormatError


def test_normalize_label_vocabularies() -> None:
    assert normalize_label("ENTAILMENT") == "entailment"
    assert normalize_label("e") == "entailment"
    assert normalize_label(2) == "contradiction"
    assert normalize_label("not-entailed") == "not_entailment"
    assert normalize_label("-") is None
    with pytest.raises(KeyError):
        normalize_label("maybe")


def test_jsonl_gz_snli_style(tmp_path: Path) -> None:
    path = tmp_path / "snli.jsonl.gz"
    rows = [
        {"sentence1": "A man sleeps.", "sentence2": "A man is awake.", "gold_label": "contradiction"},
        {"sentence1": "A dog.", "sentence2": "An animal.", "gold_label": "-"},
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in rows) + "\n")
    assert read_nli(path) == [NLIExample("A man sleeps.", "A man is awake.", "contradiction")]


def test_tsv_with_numeric_labels_and_bare_quotes(tmp_path: Path) -> None:
    path = tmp_path / "xnli_test_en.tsv"
    path.write_text(
        'id\tpremise\thypothesis\tlabel\n0\tHe said "hi\tHe spoke.\t0\n1\tA\tB\t1\n2\tC\tD\t2\n', encoding="utf-8"
    )
    examples = read_nli(path)
    assert [e.label for e in examples] == ["entailment", "neutral", "contradiction"]
    assert examples[0].premise == 'He said "hi'


def test_csv_binary_and_html_cleanup(tmp_path: Path) -> None:
    path = tmp_path / "rte.csv"
    path.write_text('premise,hypothesis,label\n"A <b><u>red</u></b> car.",A car.,not_entailment\n', encoding="utf-8")
    assert read_nli(path) == [NLIExample("A red car.", "A car.", "not_entailment")]
    assert clean_text("3191828851jpg0A boy  runs") == "A boy runs"


def test_json_array_skips_scales(tmp_path: Path) -> None:
    path = tmp_path / "dnc.json"
    rows = [
        {"context": "P", "hypothesis": "H", "label": "entailed", "label-set": ["entailed", "not-entailed"]},
        {"context": "P", "hypothesis": "H", "label": 2, "label-set": [1, 2, 3, 4, 5]},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert [e.label for e in read_nli(path)] == ["entailment"]


def test_strict_unknown_label_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"premise": "a", "hypothesis": "b", "label": "entailment"}\n{"premise": "a", "hypothesis": "b", "label": "maybe"}\n')
    with pytest.raises(FormatError, match=r"bad.jsonl:2"):
        read_nli(path, strict=True)
    assert len(read_nli(path)) == 1


def test_missing_columns_is_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FormatError, match="premise"):
        read_nli(path)


def test_tab_separated_file_named_csv(tmp_path: Path) -> None:
    # SICK's re-annotated corpus: tabs under a .csv name, with a byte-order mark
    path = tmp_path / "sick.csv"
    path.write_text("\ufeffpair_ID\tsentence_A\tsentence_B\tentailment_label\n1\tA, b.\tC.\tNEUTRAL\n", encoding="utf-8")
    assert read_nli(path, strict=True) == [NLIExample("A, b.", "C.", "neutral")]


def test_missing_columns_with_ragged_rows_is_format_error(tmp_path: Path) -> None:
    # more fields than header names: csv puts them under a None key, which the message must survive
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2,3\n")
    with pytest.raises(FormatError, match=r"x.csv:1: .*\['a', 'b'\]"):
        read_nli(path)


def test_evaluation_sets_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mnli_dev_matched"
    folder.mkdir()
    (folder / "mnli_dev_matched.jsonl").write_text('{"premise": "a", "hypothesis": "b", "label": "neutral"}\n')
    config = NLITrainingConfig(data_root=str(tmp_path), train_sets=[DataSetSpec("mnli", ["mnli_dev_matched/*.jsonl"])])
    with pytest.raises(TrainingConfigError, match="evaluation-only"):
        load_training_data(config)


def test_gzipped_copy_of_a_source_is_found(tmp_path: Path) -> None:
    import gzip

    folder = tmp_path / "sick"
    folder.mkdir()
    with gzip.open(folder / "pairs.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write('{"premise": "a man runs", "hypothesis": "a person moves", "label": "entailment"}\n')
    config = NLITrainingConfig(data_root=str(tmp_path), train_sets=[DataSetSpec("sick", ["sick/*.jsonl"])])
    examples, summary = load_training_data(config)
    assert len(examples) == 1 and summary["sick"] == {"entailment": 1}


@pytest.mark.data
def test_shared_pool_config_reads(shared_data: Path) -> None:
    config = NLITrainingConfig.from_file(Path(__file__).resolve().parents[2] / "configs" / "train_nli.cfg")
    config.data_root = str(shared_data / "nli")
    config.train_sets = [s for s in config.train_sets if s.name in {"anli_dev", "xnli_en"}]
    examples, summary = load_training_data(config)
    assert len(examples) == 3198 + 7500
    assert set(summary) == {"anli_dev", "xnli_en"}


@pytest.mark.parametrize("name", ["train_nli.cfg", "train_nli_gpu.cfg"])
def test_shipped_nli_configs_parse(name: str) -> None:
    config = NLITrainingConfig.from_file(Path(__file__).resolve().parents[2] / "configs" / name)
    assert config.train_sets and config.epochs >= 1
    assert not any("mnli_dev_matched" in p or "anli_test" in p for s in config.train_sets for p in s.paths)


def test_strict_refuses_short_and_long_rows_and_reports_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    short = tmp_path / "short.tsv"
    short.write_text("premise\thypothesis\tlabel\na\tb\tentailment\nc\td\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"short.tsv:3: no 'label' field"):
        read_nli(short, strict=True)
    long = tmp_path / "long.tsv"
    long.write_text("premise\thypothesis\tlabel\na\tb\tentailment\textra\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"long.tsv:2: more fields than the header names"):
        read_nli(long, strict=True)
    unlabelled = tmp_path / "snli.tsv"
    unlabelled.write_text("premise\thypothesis\tlabel\na\tb\tentailment\nc\td\t-\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert len(read_nli(unlabelled, strict=True)) == 1
    assert "skipped 1 rows (no gold label: 1)" in caplog.text


def test_binary_numeric_ids_follow_the_glue_convention(tmp_path: Path) -> None:
    rte = tmp_path / "rte.jsonl"
    rows = [{"sentence1": "A", "sentence2": "B", "label": i} for i in (0, 1, 1, 0)]
    rte.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [e.label for e in read_nli(rte, strict=True)] == ["entailment", "not_entailment", "not_entailment", "entailment"]
    three = tmp_path / "mnli.jsonl"
    rows = [{"premise": "A", "hypothesis": "B", "label": i} for i in (0, 1, 1, 0, 2)]
    three.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    # a sample of the first rows holds only 0 and 1, but the file numbers contradiction 2
    assert [e.label for e in read_nli(three, limit=3)] == ["entailment", "neutral", "neutral"]
