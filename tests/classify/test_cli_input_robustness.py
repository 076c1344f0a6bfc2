"""Bad input to the zero-shot verbs: one-line errors before any model work, warnings where data is odd.

Where a test must show that a check runs *before* the NLI model is loaded, it passes
``--model`` a folder that does not exist: loading it would fail with another message.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlink.cli import app
from xlink.errors import FormatError, XlinkError

WORDS = {
    "card_arrival": "card arrive arrived post mail",
    "exchange_rate": "rate exchange euro dollar convert",
    "lost_card": "lost stolen card missing wallet",
}
NO_MODEL = "/nonexistent/nli-model"


def write_rows(path: Path, rows: list[tuple[str, str]], header: tuple[str, str] = ("text", "label")) -> Path:
    """A CSV with a header and the given (text, label) rows."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rows(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` random texts of three banking labels (distinct texts: the index is part of each)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        label = rng.choice(sorted(WORDS))
        out.append((f"{' '.join(rng.sample(WORDS[label].split(), 3))} {i}", label))
    return out


def ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def error(*args: str) -> str:
    """The message of the xlink error the command stops with."""
    result = CliRunner().invoke(app, list(args))
    assert isinstance(result.exception, XlinkError), (result.exception, result.output)
    return str(result.exception)


def zs(data: Path, *more: str, model: str = NO_MODEL) -> list[str]:
    return ["evaluate-zeroshot", "--data", str(data), "--text-column", "text", "--label-column", "label", "--model", model, *more]


# 1. empty texts


def test_empty_texts_are_skipped_counted_and_warned_once(tiny_nli: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = write_rows(tmp_path / "d.csv", [("", "lost_card"), ("   ", "card_arrival"), *rows(40)])
    cal = write_rows(tmp_path / "cal.csv", [("", "x"), *rows(40, seed=1)])
    with caplog.at_level(logging.WARNING):
        out = ok(*zs(data, "--alpha", "0.1", "--base", "tfidf", "--calibration", str(cal), "--json", model=str(tiny_nli)))
    result = json.loads(out)
    assert result["n_skipped_empty"] == 2 and result["n_skipped_empty_calibration"] == 1
    assert result["n_examples"] == 40 and result["n_calibration"] == 40
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2 and "skipped 2 empty texts (lines 2, 3)" in skipped[0]


def test_classify_prints_an_empty_text_as_empty_not_none(tiny_nli: Path) -> None:
    out = ok("classify", "", "a lost card", "-l", "lost_card,card_arrival", "--model", str(tiny_nli))
    first = out.splitlines()[0]
    assert first.startswith("(empty text)\t-") and "None" not in out


# 2-4. label column, counts, columns


def test_one_distinct_label_is_refused_before_any_work(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", [(f"text {i}", "only") for i in range(10)])
    assert "zero-shot needs at least 2 labels" in error(*zs(data))


def test_nothing_left_to_evaluate_names_calibration_fraction(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(3))
    assert "no texts left to evaluate: lower --calibration-fraction" in error(*zs(data, "--calibration-fraction", "0.9"))


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate-zeroshot", "--data", "d.csv", "--text-column", "text", "--label-column", "label", "--limit", "0"],
        ["evaluate-zeroshot", "--data", "d.csv", "--text-column", "text", "--label-column", "label", "--calibration-limit", "-1"],
        ["calibrate", "--data", "d.csv", "-o", "out", "--limit", "-2"],
        ["evaluate-nli", "pairs.jsonl", "--limit", "0"],
    ],
)
def test_limits_below_range_are_usage_errors(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "limit" in result.output


def test_text_column_as_label_column_is_refused(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(10))
    message = error("evaluate-zeroshot", "--data", str(data), "--text-column", "text", "--label-column", "text", "--model", NO_MODEL)
    assert "--text-column and --label-column are both 'text'" in message


def test_free_text_label_column_warns(tiny_nli: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = write_rows(tmp_path / "d.csv", [(text, f"{label} {i % 30}") for i, (text, label) in enumerate(rows(40))])
    with caplog.at_level(logging.WARNING):
        CliRunner().invoke(app, zs(data, "--alpha", "0.1"))
    assert any("looks like free text" in r.getMessage() for r in caplog.records)


# 5. labels that read the same


def test_colliding_hypotheses_are_refused_in_every_command(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", [(t, "Card" if i % 2 else "card") for i, (t, _) in enumerate(rows(20))])
    assert "'Card' = 'card'" in error(*zs(data))
    assert "same hypothesis" in error("calibrate", "--data", str(data), "-o", str(tmp_path / "p"), "-l", "lost_card,lost card", "--model", NO_MODEL)
    assert "'lost_card' = 'Lost Card'" in error("classify", "x", "-l", "lost_card,Lost Card,other", "--model", NO_MODEL)


# 6-8. duplicates, leaks, numeric labels, label maps


def test_duplicates_and_calibration_overlap_warn(tiny_nli: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = rows(30)
    data = write_rows(tmp_path / "d.csv", base[:10] + base[:3])
    cal = write_rows(tmp_path / "cal.csv", base[5:30])
    with caplog.at_level(logging.WARNING):
        ok(*zs(data, "--alpha", "0.2", "--base", "tfidf", "--calibration", str(cal), model=str(tiny_nli)))
    messages = [r.getMessage() for r in caplog.records]
    assert any("3 of 13 texts repeat an earlier text" in m for m in messages)
    assert any("5 of the evaluated texts are also calibration texts; the figures will be optimistic" in m for m in messages)


def test_numeric_labels_and_stray_label_map_keys_warn(tiny_nli: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        ok("classify", "a text", "-l", "0,1,2.0", "--model", str(tiny_nli))
        ok("classify", "a text", "-l", "sports,music", "--label-map", '{"sport": "sports", "music": "music"}', "--model", str(tiny_nli))
    messages = [r.getMessage() for r in caplog.records]
    assert any("the labels are numbers" in m and "--label-map" in m for m in messages)
    assert any("--label-map keys that are not labels (ignored): ['sport']" in m for m in messages)


def test_missing_label_map_file_is_no_such_file(tmp_path: Path) -> None:
    message = error("classify", "x", "-l", "a,b", "--label-map", str(tmp_path / "map.json"), "--model", NO_MODEL)
    assert "no such file" in message and "invalid JSON" not in message


# 9-10. file contents


def test_null_or_number_text_in_jsonl_names_the_line(tmp_path: Path) -> None:
    for value in ("null", "12345"):
        path = tmp_path / "t.jsonl"
        path.write_text(f'{{"text": "fine"}}\n{{"text": {value}}}\n', encoding="utf-8")
        result = CliRunner().invoke(app, ["classify", "--input", str(path), "-l", "a,b", "--model", NO_MODEL])
        assert isinstance(result.exception, FormatError) and "t.jsonl:2" in str(result.exception)


def test_latin1_files_are_one_line_errors_with_the_fix(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes("text,label\ncaf\u00e9 au lait,drink\n".encode("latin-1"))
    message = error(*zs(data))
    assert "d.csv:2: not UTF-8" in message and "iconv" in message
    pairs = tmp_path / "p.csv"
    pairs.write_bytes("premise,hypothesis,label\nune caf\u00e9,x,entailment\n".encode("latin-1"))
    message = error("evaluate-nli", str(pairs), "--model", NO_MODEL)
    assert "p.csv:2: not UTF-8" in message and "iconv" in message


# 11. option ranges, before any model is loaded


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--alpha", "0", "--alpha must be between 0 and 1"),
        ("--alpha", "1", "--alpha must be between 0 and 1"),
        ("--delta", "0", "--delta must be between 0 and 1"),
        ("--score", "foo", "unknown --score 'foo'"),
        ("--base", "nope", "unknown --base 'nope'"),
        ("--batch-size", "0", "--batch-size must be at least 1"),
        ("--max-length", "0", "--max-length must be at least 1"),
    ],
)
def test_option_out_of_range_is_refused_before_loading(tmp_path: Path, option: str, value: str, expected: str) -> None:
    data = write_rows(tmp_path / "d.csv", rows(10))
    assert expected in error(*zs(data, option, value))


def test_max_length_above_the_models_positions(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(10))
    assert "more than the model takes (128 tokens)" in error(*zs(data, "--max-length", "5000", model=str(tiny_nli)))
    assert "--max-length" in error("classify", "x", "-l", "a,b", "--max-length", "0", "--model", NO_MODEL)


def test_calibrate_options_are_checked_first(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(10))
    base = ["calibrate", "--data", str(data), "-o", str(tmp_path / "p"), "--label-column", "label", "--model", NO_MODEL]
    assert "--alpha" in error(*base, "--alpha", "0")
    assert "--delta" in error(*base, "--delta", "1")
    assert "raise --limit" in error(*base, "--alpha", "0.1", "--limit", "5")
    assert "--batch-size" in error("evaluate-nli", "x.jsonl", "--batch-size", "0")


# 12. messages that name the fix


def test_too_small_calibration_limit_is_named(tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(100))
    message = error(*zs(data, "--alpha", "0.1", "--calibration-limit", "5"))
    assert "ceil(1/alpha)" in message and "raise --calibration-limit" in message


def test_header_only_missing_column_and_directory(tmp_path: Path) -> None:
    header_only = write_rows(tmp_path / "h.csv", [])
    assert "h.csv has a header but no data rows" in error(*zs(header_only))
    data = write_rows(tmp_path / "d.csv", rows(10))
    message = error("evaluate-zeroshot", "--data", str(data), "--text-column", "txt", "--label-column", "label", "--model", NO_MODEL)
    assert "d.csv:1: no column 'txt'" in message and "use --text-column with one of ['text', 'label']" in message
    assert "is a directory" in error(*zs(tmp_path))


def test_nli_tsv_header_error_is_line_1(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text("id\tpremise\tlabel\n1\tA man.\tneutral\n", encoding="utf-8")
    assert "x.tsv:1: cannot find premise/hypothesis/label" in error("evaluate-nli", str(path), "--model", NO_MODEL)


def test_pruner_label_mismatch_lists_both_sets(tiny_nli: Path, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "d.csv", rows(40))
    ok("calibrate", "--data", str(data), "--label-column", "label", "--alpha", "0.2", "--base", "tfidf",
       "--model", str(tiny_nli), "--output", str(tmp_path / "pruner"))
    message = error("classify", "x", "--pruner", str(tmp_path / "pruner"), "-l", "lost_card,other")
    assert "['lost_card', 'other']" in message and "['card_arrival', 'exchange_rate', 'lost_card']" in message


# 13-14. warnings as log lines; time_saved documented


def test_python_warnings_become_one_log_line_within_the_command(caplog: pytest.LogCaptureFixture) -> None:
    from xlink.cli.classify import one_line_warnings

    before = warnings.showwarning
    with caplog.at_level(logging.WARNING), one_line_warnings(), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("the least populated class\nhas only 1 member", UserWarning, stacklevel=1)
    assert warnings.showwarning is before
    assert [r.getMessage() for r in caplog.records] == ["UserWarning: the least populated class has only 1 member"]


def test_errors_print_as_one_line_with_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from xlink.cli import app as root
    from xlink.cli._common import run_safely

    data = write_rows(tmp_path / "d.csv", rows(10))
    monkeypatch.setattr(sys, "argv", ["xlink", *zs(data, "--alpha", "0")])
    assert run_safely(root) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["xlink: error: --alpha must be between 0 and 1 (exclusive), got 0; e.g. --alpha 0.05"]


def test_time_saved_is_documented_as_wall_clock() -> None:
    from xlink.cli.classify import evaluate_zeroshot_command

    doc = " ".join((evaluate_zeroshot_command.__doc__ or "").split())
    assert "wall-clock" in doc and "base classifier's own time" in doc and "noisy" in doc


def test_label_map_with_a_non_string_description_names_the_label() -> None:
    message = error("classify", "x", "-l", "a,b", "--label-map", '{"a": "first", "b": 3}', "--model", NO_MODEL)
    assert "the description of 'b' is not a string (3)" in message
    message = error("classify", "x", "-l", "a,b", "--label-map", '["a", "b"]', "--model", NO_MODEL)
    assert "not a JSON object but a list" in message


def test_empty_labels_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "labels.txt").write_text("\n  \n")
    message = error("classify", "x", "--labels-file", str(tmp_path / "labels.txt"), "--model", NO_MODEL)
    assert f"--labels-file {tmp_path / 'labels.txt'} holds no labels" in message


def test_one_label_in_single_label_mode_warns(tiny_nli: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"):
        ok("classify", "a text", "-l", "sports", "--model", str(tiny_nli))
    assert any("one label ('sports')" in r.getMessage() and "--multi-label" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING"):
        ok("classify", "a text", "-l", "sports", "--multi-label", "--model", str(tiny_nli))
    assert not any("one label" in r.getMessage() for r in caplog.records)


def test_calibration_file_without_the_text_column_names_both_files(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("text,label\nhello,a\nbye,b\n", encoding="utf-8")
    calibration = tmp_path / "cal.csv"
    calibration.write_text("sentence\nhello there\n", encoding="utf-8")
    message = error(*zs(data, "--calibration", str(calibration)))
    assert "the --calibration file is read with the same --text-column as --data" in message
    jsonl = tmp_path / "cal.jsonl"
    jsonl.write_text('{"sentence": "hello there"}\n', encoding="utf-8")
    message = error(*zs(data, "--calibration", str(jsonl)))
    assert "the --calibration file is read with the same --text-column as --data" in message
