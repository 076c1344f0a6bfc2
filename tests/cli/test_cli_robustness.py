"""Bad input to the linking and pipeline verbs: one clear line and exit code 2, never a traceback.

Each case here was a traceback, a silently wrong score or a destroyed input file before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import run_xlink

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = FIXTURES / "corpus" / "ncbi_sample.txt"
TERM = FIXTURES / "linking" / "mini_medic.jsonl"
TFIDF = Path(__file__).resolve().parents[2] / "configs" / "linking" / "tfidf.cfg"


def xlink(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_xlink(*args, cache=cache)


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def assert_clear_error(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


def test_usage_errors_are_one_message_not_a_traceback(cache: Path) -> None:
    run = xlink("evaluate-linking", cache=cache)
    assert_clear_error(run, "Missing option '--corpus'")
    run = xlink("evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "-k", "0", cache=cache)
    assert_clear_error(run, "--k")


def test_output_over_an_input_is_refused_and_the_input_survives(tmp_path: Path, cache: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(CORPUS.read_bytes())
    run = xlink("link", str(corpus), "-t", str(TERM), "-c", str(TFIDF), "-o", str(corpus), cache=cache)
    assert_clear_error(run, "is also an input")
    assert corpus.read_bytes() == CORPUS.read_bytes()
    run = xlink("link", str(corpus), "-t", str(TERM), "-c", str(TFIDF), "-o", str(tmp_path), cache=cache)
    assert_clear_error(run, "is a folder")


def test_train_corpus_equal_to_the_evaluated_corpus_is_refused(cache: Path) -> None:
    run = xlink(
        "evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "-c", str(TFIDF),
        "--train-corpus", str(CORPUS), cache=cache,
    )
    assert_clear_error(run, "--train-corpus", "never the one you evaluate on")


def test_evaluate_refuses_predictions_of_another_corpus_version(tmp_path: Path, cache: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    assert xlink("link", str(CORPUS), "-t", str(TERM), "-c", str(TFIDF), "-o", str(pred), cache=cache).returncode == 0
    # the same mentions with the mention lines of the first document in another order
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    lines[2], lines[3] = lines[3], lines[2]
    reordered = tmp_path / "reordered.txt"
    reordered.write_text("\n".join(lines), encoding="utf-8")
    run = xlink("evaluate", str(pred), str(reordered), "--json", cache=cache)
    assert_clear_error(run, "another version of this corpus")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert_clear_error(xlink("evaluate", str(empty), str(CORPUS), cache=cache), "no predictions")


def test_gold_ids_missing_from_the_terminology_are_warned_with_the_ceiling(tmp_path: Path, cache: Path) -> None:
    corpus = tmp_path / "unknown_ids.txt"
    corpus.write_text(
        "1|t|Wilson disease and a rare syndrome.\n1|a|None.\n"
        "1\t0\t14\tWilson disease\tSpecificDisease\tD006527\n"
        "1\t21\t34\trare syndrome\tSpecificDisease\tD999999\n",
        encoding="utf-8",
    )
    run = xlink("evaluate-linking", "--corpus", str(corpus), "-t", str(TERM), "-c", str(TFIDF), "--json", cache=cache)
    assert run.returncode == 0, run.stderr
    assert "1 of 2 gold mentions have an id that the terminology does not hold (e.g. D999999)" in run.stderr
    assert "at most 50.0%" in run.stderr
    assert json.loads(run.stdout)["acc@1"] <= 50.0


def test_empty_corpus_and_bad_config_values(tmp_path: Path, cache: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("1|t|No mention here.\n1|a|None.\n", encoding="utf-8")
    run = xlink("evaluate-linking", "--corpus", str(empty), "-t", str(TERM), "-c", str(TFIDF), cache=cache)
    assert_clear_error(run, "no mention to link")
    bad = tmp_path / "bad.cfg"
    bad.write_text(TFIDF.read_text(encoding="utf-8").replace("k = 64", 'k = "abc"'), encoding="utf-8")
    assert 'k = "abc"' in bad.read_text(encoding="utf-8")
    run = xlink("evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "-c", str(bad), cache=cache)
    assert_clear_error(run, "[linker] k = 'abc' is not a int")
    run = xlink("evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "-c", str(CORPUS), cache=cache)
    assert_clear_error(run, "not a readable linking config")
    assert len(run.stderr.strip().splitlines()) == 1


def test_index_build_refuses_a_file_as_output(tmp_path: Path, cache: Path) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("keep me", encoding="utf-8")
    assert_clear_error(xlink("index", "build", str(TERM), "-o", str(target), "-c", str(TFIDF), cache=cache), "is a file")
    assert target.read_text(encoding="utf-8") == "keep me"


def test_evaluate_pipeline_refuses_what_it_cannot_score(tmp_path: Path, cache: Path) -> None:
    queries = FIXTURES / "corpus" / "biosyn_queries.txt"
    assert_clear_error(xlink("evaluate-pipeline", str(queries), cache=cache), "needs whole documents")
    assert_clear_error(xlink("evaluate-pipeline", str(CORPUS), "--batch-size", "0", cache=cache), "--batch-size")
    blank = tmp_path / "blank"
    subprocess.run(
        [sys.executable, "-c", f"import spacy; spacy.blank('en').to_disk({str(blank)!r})"], check=True, timeout=60
    )
    assert_clear_error(xlink("evaluate-pipeline", str(CORPUS), "--pipeline", str(blank), cache=cache), "no components")
    # an installed package that is not a spaCy pipeline
    run = xlink("evaluate-pipeline", str(CORPUS), "--pipeline", "json", cache=cache)
    assert_clear_error(run, "cannot load pipeline 'json'")


def test_evaluate_pipeline_takes_format_aliases(tmp_path: Path, cache: Path) -> None:
    # "jsonl" and "BigBIO" name bigbio: they were refused as "not whole documents"
    bigbio = FIXTURES / "corpus" / "bigbio_sample.jsonl"
    for alias in ("jsonl", "BigBIO"):
        run = xlink("evaluate-pipeline", str(bigbio), "--corpus-format", alias, "--pipeline", "json", cache=cache)
        assert_clear_error(run, "cannot load pipeline 'json'")
    queries = FIXTURES / "corpus" / "biosyn_queries.txt"
    run = xlink("evaluate-pipeline", str(queries), "--corpus-format", "biosyn", cache=cache)
    assert_clear_error(run, "needs whole documents (PubTator or BigBIO), not biosyn-queries")


def test_evaluate_pipeline_output_extension_must_name_a_format(tmp_path: Path, cache: Path) -> None:
    run = xlink("evaluate-pipeline", str(CORPUS), "-o", str(tmp_path / "predicted.csv"), cache=cache)
    assert_clear_error(run, "the extension picks the format")


def test_ctrl_c_exits_130_not_0() -> None:
    """A script that runs `xlink train ...` must see an interrupted run as a failure."""
    import signal
    import sys
    import time

    # A shell starts background jobs with SIGINT ignored, and Python keeps that; restore the
    # terminal's default so the test does not depend on how the suite was launched.
    code = (
        "import signal, time\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from xlink.cli import app, main\n"
        "@app.command('sleepy')\ndef sleepy() -> None:\n    print('ready', flush=True)\n    time.sleep(60)\nmain()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, "sleepy"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "xlink: interrupted" in err


def test_predictions_written_twice_and_a_path_through_a_file_are_named(tmp_path: Path, cache: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    assert xlink("link", str(CORPUS), "-t", str(TERM), "-c", str(TFIDF), "-o", str(pred), cache=cache).returncode == 0
    twice = tmp_path / "twice.jsonl"
    twice.write_text(pred.read_text(encoding="utf-8") * 2, encoding="utf-8")
    assert_clear_error(xlink("evaluate", str(twice), str(CORPUS), cache=cache), "predicted twice")
    through = tmp_path / "pred.jsonl" / "corpus.txt"  # an input under a file
    run = xlink("link", str(through), "-t", str(TERM), "-c", str(TFIDF), "-o", str(tmp_path / "o.jsonl"), cache=cache)
    assert_clear_error(run, "is a file, not a folder")
