"""`xlink prepare-ner` and `xlink build-vectors`: splits are never mixed up, outputs never land on inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from xlink.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "ncbi_sample.txt"


def _splits(tmp_path: Path) -> dict[str, Path]:
    paths = {split: tmp_path / f"{split}_corpus.txt" for split in ("train", "dev", "test")}
    for path in paths.values():
        shutil.copy(SAMPLE, path)
    return paths


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, str(result.exception or "") + result.output


def test_prepare_ner_writes_three_docbins(tmp_path: Path) -> None:
    paths = _splits(tmp_path)
    code, text = _run("prepare-ner", "-o", str(tmp_path / "out"), *(f"--{s}={p}" for s, p in paths.items()))
    assert code == 0, text
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev.spacy", "test.spacy", "train.spacy"]


def test_prepare_ner_refuses_mixed_splits_a_test_file_as_training_and_outputs_on_inputs(tmp_path: Path) -> None:
    paths = _splits(tmp_path)
    code, text = _run("prepare-ner", "-o", str(tmp_path / "out"), f"--train={paths['train']}")
    assert code != 0 and "give all three splits or none" in text and "--dev, --test missing" in text
    code, text = _run("prepare-ner", "-o", str(tmp_path / "out"), f"--train={paths['test']}",
                      f"--dev={paths['dev']}", f"--test={paths['test']}")
    assert code != 0 and "looks like a dev or test split" in text
    shutil.copy(SAMPLE, tmp_path / "train.spacy")
    code, text = _run("prepare-ner", "-o", str(tmp_path), f"--train={tmp_path / 'train.spacy'}",
                      f"--dev={paths['dev']}", f"--test={paths['test']}")
    assert code != 0 and "also an input" in text
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    code, text = _run("prepare-ner", "-o", str(tmp_path / "afile"), *(f"--{s}={p}" for s, p in paths.items()))
    assert code != 0 and "is a file" in text


def test_build_vectors_refuses_a_test_split(tmp_path: Path) -> None:
    paths = _splits(tmp_path)
    code, text = _run("build-vectors", "-o", str(tmp_path / "vec"), "--corpus", str(paths["test"]))
    assert code != 0 and "looks like a test split" in text


def test_a_bad_split_leaves_the_output_folder_as_it_was(tmp_path: Path) -> None:
    paths = _splits(tmp_path)
    out = tmp_path / "out"
    assert _run("prepare-ner", "-o", str(out), *(f"--{s}={p}" for s, p in paths.items()))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    paths["train"].write_text(SAMPLE.read_text(encoding="utf-8").replace("Breast", "Lung"), encoding="utf-8")
    lines = paths["dev"].read_text(encoding="utf-8").split("\n")
    lines[3] = "not a pubtator line"
    paths["dev"].write_text("\n".join(lines), encoding="utf-8")
    code, text = _run("prepare-ner", "-o", str(out), *(f"--{s}={p}" for s, p in paths.items()))
    assert code != 0 and "dev_corpus.txt:4" in text
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # not a new train beside the old dev
