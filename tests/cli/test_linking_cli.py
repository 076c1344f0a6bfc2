"""The linking verbs, run as a user runs them: through the console entry point."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import run_xlink

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = FIXTURES / "corpus" / "ncbi_sample.txt"
TERM = FIXTURES / "linking" / "mini_medic.jsonl"


def xlink(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_xlink(*args, cache=cache)


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_link_then_evaluate(tmp_path: Path, cache: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    run = xlink("link", str(CORPUS), "--terminology", str(TERM), "-o", str(pred), cache=cache)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in pred.read_text().splitlines()]
    assert len(records) == 9
    run = xlink("evaluate", str(pred), str(CORPUS), "--json", cache=cache)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    for key in ("n_mentions", "acc@1", "acc@5", "acc@64", "recall@64"):
        assert key in report
    assert report["n_mentions"] == 9
    assert report["n_nil_gold"] == 1
    # Hand-checked: every linked gold mention is right at rank 1 except "colorectal
    # adenomas" (D015179+D000236: only D015179 exists, ranked 1 → right) and
    # "autosomal recessive disorder" (D030342, named "inherited disorder" here).
    assert report["acc@1"] >= 75.0
    assert report["recall@64"] >= report["acc@1"]


def test_evaluate_linking_one_step_matches_two_steps(tmp_path: Path, cache: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    xlink("link", str(CORPUS), "-t", str(TERM), "-o", str(pred), cache=cache)
    two = json.loads(xlink("evaluate", str(pred), str(CORPUS), "--json", cache=cache).stdout)
    run = xlink("evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "--json", "--plot", str(tmp_path / "curve.png"), cache=cache)
    assert run.returncode == 0, run.stderr
    one = json.loads(run.stdout)
    assert one["acc@1"] == two["acc@1"] and one["recall@64"] == two["recall@64"]
    assert (tmp_path / "curve.png").stat().st_size > 1000
    # the index was cached by fingerprint: a second run finds it
    assert list((cache / "indexes").iterdir())


def test_biosyn_queries_use_the_lenient_rule_and_report_strict_too(tmp_path: Path, cache: Path) -> None:
    queries = FIXTURES / "corpus" / "biosyn_queries.txt"
    run = xlink("evaluate-linking", "--corpus", str(queries), "-t", str(TERM), "--json", cache=cache)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["corpus_format"] == "biosyn-queries"
    assert report["rule"] == "any"
    assert "strict_acc@1" in report
    assert report["acc@1"] >= report["strict_acc@1"]


def test_a_format_alias_keeps_the_rule_and_the_reported_name(tmp_path: Path, cache: Path) -> None:
    # "biosyn" is an alias of biosyn-queries: it picked the strict rule and was reported as typed
    queries = FIXTURES / "corpus" / "biosyn_queries.txt"
    run = xlink(
        "evaluate-linking", "--corpus", str(queries), "--corpus-format", "BioSyn", "-t", str(TERM), "--json",
        cache=cache,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["corpus_format"] == "biosyn-queries"
    assert report["rule"] == "any"


def test_config_file_is_honoured(tmp_path: Path, cache: Path) -> None:
    cfg = tmp_path / "k1.cfg"
    cfg.write_text("[linker]\nk = 1\n\n[generator]\nkind = \"tfidf\"\n")
    pred = tmp_path / "pred.jsonl"
    run = xlink("link", str(CORPUS), "-t", str(TERM), "-c", str(cfg), "-o", str(pred), cache=cache)
    assert run.returncode == 0, run.stderr
    assert all(len(json.loads(line)["predictions"]) <= 2 for line in pred.read_text().splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["link", "missing.txt", "-t", str(TERM), "-o", "x.jsonl"], "missing.txt: no such file"),
        (["link", str(CORPUS), "-t", "nope.jsonl", "-o", "x.jsonl"], "nope.jsonl: no such file"),
        (["link", str(CORPUS), "-t", str(TERM), "--terminology-format", "xml2", "-o", "x.jsonl"], "xml2"),
        (["evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "--rule", "loose"], "--rule"),
    ],
)
def test_errors_are_one_line(tmp_path: Path, cache: Path, args: list[str], message: str) -> None:
    run = xlink(*args, cache=cache)
    assert run.returncode != 0
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_empty_terminology_is_a_one_line_error(tmp_path: Path, cache: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    run = xlink("link", str(CORPUS), "-t", str(empty), "-o", str(tmp_path / "p.jsonl"), cache=cache)
    assert run.returncode == 2
    assert "no concept" in run.stderr and "Traceback" not in run.stderr


def test_malformed_corpus_line_is_named(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1|t|A title\n1|a|An abstract\n1\tzero\t5\tA tit\tDisease\tD1\n\n")
    run = xlink("evaluate-linking", "--corpus", str(bad), "-t", str(TERM), cache=cache)
    assert run.returncode == 2
    assert "bad.txt:3" in run.stderr and "Traceback" not in run.stderr


def test_predictions_for_another_corpus_are_refused(tmp_path: Path, cache: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"document_id": "zzz", "mention_id": "0", "predictions": []}) + "\n")
    run = xlink("evaluate", str(pred), str(CORPUS), cache=cache)
    assert run.returncode == 2
    assert "not in" in run.stderr


def test_index_build_then_refused_for_other_terminology(tmp_path: Path, cache: Path) -> None:
    from xlink.candidates.tfidf import TfidfGenerator
    from xlink.errors import IndexMismatchError
    from xlink.terminology.model import Concept, Terminology

    out = tmp_path / "idx"
    run = xlink("index", "build", str(TERM), "-o", str(out), cache=cache)
    assert run.returncode == 0, run.stderr
    # the built-in generator is an ensemble: one index folder per member, TF-IDF first
    assert (out / "member_0" / "manifest.json").exists() and (out / "member_1" / "manifest.json").exists()
    with pytest.raises(IndexMismatchError):
        TfidfGenerator.load(out / "member_0", Terminology.from_concepts([Concept("X", "other")]))


def test_demo_runs_offline(cache: Path) -> None:
    run = xlink("demo", "--skip-classification", cache=cache)
    assert run.returncode == 0, run.stderr
    assert "D006527" in run.stdout  # WD → Wilson disease → Hepatolenticular Degeneration


def test_demo_outside_a_checkout_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An installed wheel has no terminologies/ folder: the demo says so instead of a bare missing file."""
    import xlink.cli.demo as demo
    from xlink.errors import XlinkError

    monkeypatch.setattr(demo, "DEFAULT_TERMINOLOGY", tmp_path / "terminologies" / "medic_demo" / "medic_demo.jsonl")
    with pytest.raises(XlinkError, match="source repository.*--terminology"):
        demo.demo(terminology=None, sample=None, skip_classification=True)


def test_plot_and_all_nil_corpora_are_refused_before_linking(tmp_path: Path, cache: Path) -> None:
    """--plot x.txt used to fail after all the linking; an all-NIL corpus printed acc@1 0.0 of nothing."""
    run = xlink("evaluate-linking", "--corpus", str(CORPUS), "-t", str(TERM), "--plot", str(tmp_path / "x.txt"), cache=cache)
    assert run.returncode == 2 and "'.txt' is not an image format" in run.stderr and "Traceback" not in run.stderr
    copy = tmp_path / "corp.png"  # `--plot corp` adds .png, which must not write over this input
    copy.write_bytes(CORPUS.read_bytes())
    run = xlink("evaluate-linking", "--corpus", str(copy), "-t", str(TERM), "--plot", str(tmp_path / "corp"), cache=cache)
    assert run.returncode == 2 and "also an input" in run.stderr
    assert copy.read_bytes() == CORPUS.read_bytes()
    nil = tmp_path / "nil.pubtator"
    nil.write_text(
        "".join(line.rsplit("\t", 1)[0] + "\t-1\n" if line.count("\t") >= 5 else line + "\n"
                for line in CORPUS.read_text(encoding="utf-8").splitlines()),
        encoding="utf-8",
    )
    run = xlink("evaluate-linking", "--corpus", str(nil), "-t", str(TERM), cache=cache)
    assert run.returncode == 2 and "has a concept id (all NIL), so there is nothing to score" in run.stderr


BC5CDR = FIXTURES / "corpus" / "bc5cdr_sample.txt"  # 4 Chemical, 3 Disease mentions
TFIDF = Path(__file__).resolve().parents[2] / "configs" / "linking" / "tfidf.cfg"


@pytest.fixture()
def diseases(tmp_path: Path) -> Path:
    """A disease terminology holding the disease ids of BC5CDR_SAMPLE and none of its chemicals'."""
    path = tmp_path / "diseases.jsonl"
    names = {"D007022": "hypotension", "D001919": "bradycardia", "D008545": "melanoma", "D002277": "carcinoma"}
    path.write_text(
        "".join(json.dumps({"concept_id": cid, "canonical_name": name}) + "\n" for cid, name in names.items()),
        encoding="utf-8",
    )
    return path


def test_gold_types_score_only_the_types_the_terminology_is_for(tmp_path: Path, cache: Path, diseases: Path) -> None:
    base = ["evaluate-linking", "--corpus", str(BC5CDR), "-t", str(diseases), "-c", str(TFIDF), "--json"]
    every = xlink(*base, cache=cache)  # the default scores every type, as before
    assert every.returncode == 0, every.stderr
    report = json.loads(every.stdout)
    assert report["n_mentions"] == 7 and report["gold_types_scored"] == ["Chemical", "Disease"]
    # the warning names the types of the mentions the terminology lacks, and the way out
    assert "by entity type: Chemical 4 of 4" in every.stderr
    assert "--gold-types Disease (or auto)" in every.stderr
    for value in ("auto", "Disease"):
        run = xlink(*base, "--gold-types", value, cache=cache)
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["n_mentions"] == 3
        assert (report["gold_types_scored"], report["gold_types_left_out"]) == (["Disease"], ["Chemical"])
        assert "does not hold" not in run.stderr
    run = xlink(*base, "--gold-types", "Gene", cache=cache)
    assert run.returncode == 2 and "not in the corpus: ['Gene']" in run.stderr and "Traceback" not in run.stderr


def test_link_and_evaluate_take_gold_types_too(tmp_path: Path, cache: Path, diseases: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    run = xlink("link", str(BC5CDR), "-t", str(diseases), "-c", str(TFIDF), "-o", str(pred), "--gold-types", "auto",
                cache=cache)
    assert run.returncode == 0, run.stderr
    assert len(pred.read_text(encoding="utf-8").splitlines()) == 3
    report = json.loads(xlink("evaluate", str(pred), str(BC5CDR), "--gold-types", "Disease", "--json", cache=cache).stdout)
    assert (report["n_mentions"], report["n_missing_predictions"]) == (3, 0)
    every = json.loads(xlink("evaluate", str(pred), str(BC5CDR), "--json", cache=cache).stdout)
    assert (every["n_mentions"], every["n_missing_predictions"]) == (7, 4)
    run = xlink("evaluate", str(pred), str(BC5CDR), "--gold-types", "auto", cache=cache)
    assert run.returncode == 2 and "--gold-types Chemical,Disease" in run.stderr
