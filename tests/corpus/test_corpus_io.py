from __future__ import annotations

from pathlib import Path

import pytest

from xlink.corpus import CORPUS_FORMATS, detect_corpus_format, load_corpus, save_corpus
from xlink.errors import XlinkError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ncbi_sample.txt", "pubtator"),
        ("bc5cdr_sample.txt", "pubtator"),
        ("bigbio_sample.jsonl", "bigbio"),
        ("biosyn_queries.txt", "biosyn-queries"),
        ("biosyn_sample.concept", "biosyn-queries"),
    ],
)
def test_detection(name: str, expected: str) -> None:
    assert detect_corpus_format(FIXTURES / name) == expected


def test_detection_by_content_for_jsonl_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "docs.txt"
    path.write_text(
        (FIXTURES / "bigbio_sample.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert detect_corpus_format(path) == "bigbio"


@pytest.mark.parametrize("content", ["", "\n\n", "plain text\nwith no markers\n"])
def test_undetectable_file_names_the_formats_and_the_option(tmp_path: Path, content: str) -> None:
    path = tmp_path / "mystery.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(XlinkError) as caught:
        detect_corpus_format(path)
    message = str(caught.value)
    assert "mystery.txt" in message and "--corpus-format" in message
    assert all(name in message for name in CORPUS_FORMATS)


@pytest.mark.parametrize("fmt", CORPUS_FORMATS)
def test_save_and_load_every_format(tmp_path: Path, fmt: str) -> None:
    corpus = load_corpus(FIXTURES / "ncbi_sample.txt")
    suffix = ".jsonl" if fmt == "bigbio" else ".txt"
    out = tmp_path / f"out{suffix}"
    save_corpus(corpus, out, fmt)
    assert detect_corpus_format(out) == fmt
    back = load_corpus(out)
    assert len(back.mentions()) == len(corpus.mentions())
    gold = [m.gold for m in corpus.mentions()]
    assert [m.gold for m in back.mentions()] == gold
    if fmt != "biosyn-queries":
        assert back.documents == corpus.documents


def test_explicit_format_overrides_detection_and_aliases_work() -> None:
    corpus = load_corpus(FIXTURES / "biosyn_queries.txt", format="biosyn_queries")
    assert len(corpus) == 4
    with pytest.raises(XlinkError, match="unknown corpus format 'brat'"):
        load_corpus(FIXTURES / "biosyn_queries.txt", format="brat")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(XlinkError, match="nope.txt: no such file"):
        load_corpus(tmp_path / "nope.txt")


def _bigbio_records() -> list[dict[str, object]]:
    import json

    lines = (FIXTURES / "bigbio_sample.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_jsonl_whose_text_holds_double_bars_is_bigbio_not_biosyn_queries(tmp_path: Path) -> None:
    # JSON is recognised before the '||' of BioSyn queries and the 'x|t|' of PubTator
    import json

    record = _bigbio_records()[0]
    record["passages"][0]["text"] = ["A||B and 1|t|x."]  # type: ignore[index]
    path = tmp_path / "docs.txt"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert detect_corpus_format(path) == "bigbio"


@pytest.mark.parametrize("name", ["docs.jsonl.gz", "docs.json.gz", "DOCS.JSONL.GZ"])
def test_gzipped_json_names_are_bigbio_by_extension(tmp_path: Path, name: str) -> None:
    import gzip
    import json

    records = _bigbio_records()
    records[0]["passages"][0]["text"] = ["Cystic||fibrosis in twins."]  # type: ignore[index]
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in records) + "\n")
    assert detect_corpus_format(path) == "bigbio"
    assert len(load_corpus(path)) == 2


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("name", ["list.txt", "list.json.gz", "list.data.gz"])
def test_json_list_of_documents_is_detected_as_bigbio(tmp_path: Path, name: str, indent: int | None) -> None:
    import gzip
    import json

    text = json.dumps(_bigbio_records(), indent=indent)
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    assert detect_corpus_format(path) == "bigbio"
    assert len(load_corpus(path)) == 2
