"""Tests of the xlink_linker spaCy component."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from xlink.candidates.base import Candidate
from xlink.candidates.tfidf import TfidfGenerator
from xlink.components.chunking import pipe_texts, split_text
from xlink.components.linker import EntityLinkerComponent
from xlink.errors import IndexMismatchError, XlinkError
from xlink.terminology.model import Concept, Terminology

CONCEPTS = [
    Concept("D014883", "Wilson disease", ("hepatolenticular degeneration",)),
    Concept("D001943", "breast cancer", ("breast carcinoma", "breast neoplasms")),
    Concept("D010051", "ovarian cancer", ("ovarian neoplasms",)),
    Concept("D003920", "diabetes mellitus", ("diabetes",)),
]
TEXT = "Wilson disease (WD) is rare. Patients with WD and diabetes were seen."


@pytest.fixture
def terminology_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    Terminology.from_concepts(CONCEPTS, name="tiny").to_jsonl(path)
    return path


def _nlp(terminology_path: Path, cache: Path, **config: object) -> Language:
    nlp = spacy.blank("en")
    # Serializable, so that DocBin and n_process > 1 can carry the Docs.
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    nlp.add_pipe(
        "xlink_linker",
        config={"terminology": str(terminology_path), "cache_dir": str(cache), **config},
    )
    return nlp


def _with_ents(nlp: Language, text: str, phrases: Sequence[str], key: str | None = None) -> Doc:
    """A Doc whose entities are the first occurrence of each phrase at or after the previous one."""
    doc = nlp.make_doc(text)
    spans, position = [], 0
    for phrase in phrases:
        start = text.index(phrase, position)
        spans.append(doc.char_span(start, start + len(phrase), label="DISEASE"))
        position = start + len(phrase)
    if key is None:
        doc.ents = spans
    else:
        doc.spans[key] = spans
    return doc


def _run(nlp: Language, doc: Doc) -> Doc:
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def test_links_entities_and_abbreviations(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    doc = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "WD", "diabetes"]))
    assert [e.kb_id_ for e in doc.ents] == ["D014883", "D014883", "D003920"]
    best = doc.ents[1]._.xlink_candidates[0]
    assert best[0] == "D014883" and best[1] == "Wilson disease" and best[2] == pytest.approx(1.0)
    assert len(doc.ents[0]._.xlink_candidates) <= 5


def test_without_the_abbreviation_component_it_detects_them_itself(
    terminology_path: Path, tmp_path: Path
) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    doc = _run(nlp, _with_ents(nlp, TEXT, ["WD"]))
    assert doc.ents[0].kb_id_ == "D014883"


def test_threshold_gives_the_nil_id(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path, threshold=0.99, nil_id="NIL")
    doc = _run(nlp, _with_ents(nlp, "A case of Wilsons illness.", ["Wilsons illness"]))
    assert doc.ents[0].kb_id_ == "NIL"
    assert doc.ents[0]._.xlink_candidates[0][0] == "D014883"  # candidates are kept


def test_composite_mention_gets_joined_ids(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path)
    doc = _run(nlp, _with_ents(nlp, "Risk of breast and ovarian cancer.", ["breast and ovarian cancer"]))
    assert doc.ents[0].kb_id_ == "D001943|D010051"


def test_links_a_span_group_and_custom_extension(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path, spans_key="sc", candidates_attr="my_candidates")
    doc = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "diabetes"], key="sc"))
    assert [s.kb_id_ for s in doc.spans["sc"]] == ["D014883", "D003920"]
    assert doc.spans["sc"][1]._.my_candidates[0][0] == "D003920"
    assert not doc.ents


def test_empty_doc_and_doc_without_entities(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path)
    assert len(nlp("")) == 0
    doc = nlp("No disease is named here.")
    assert not doc.ents
    docs = list(nlp.pipe(["", "nothing", "   "]))
    assert [len(d.ents) for d in docs] == [0, 0, 0]


def test_pipe_batches_mentions_across_documents(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path, split_composites=False, abbreviations=False)
    linker = nlp.get_pipe("xlink_linker")
    assert isinstance(linker, EntityLinkerComponent) and linker.linker is not None
    inner = linker.linker.generator
    calls: list[int] = []

    class Counting:
        def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
            calls.append(len(mentions))
            return inner.generate(mentions, k)

    linker.linker.generator = Counting()
    docs = [_with_ents(nlp, TEXT, ["Wilson disease", "diabetes"]) for _ in range(10)]
    out = list(linker.pipe(docs))
    assert calls == [20]
    assert all(d.ents[1].kb_id_ == "D003920" for d in out)


def test_n_process_2(terminology_path: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    texts = [TEXT, "Breast carcinoma.", "", "Diabetes and ovarian neoplasms."] * 3
    docs = list(nlp.pipe(texts, n_process=2, batch_size=2))
    assert [[e.kb_id_ for e in d.ents] for d in docs] == [
        ["D014883", "D003920"],
        ["D001943"],
        [],
        ["D003920", "D010051"],
    ] * 3
    assert docs[1].ents[0]._.xlink_candidates[0][0] == "D001943"


def test_to_disk_and_load_restores_without_sources_or_rebuild(
    terminology_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    expected = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "WD", "diabetes"]))
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "xlink_linker" / "terminology.jsonl").exists()
    assert (tmp_path / "model" / "xlink_linker" / "index" / "manifest.json").exists()
    terminology_path.unlink()
    shutil.rmtree(tmp_path / "cache")

    def no_build(self: TfidfGenerator) -> TfidfGenerator:
        raise AssertionError("the index was rebuilt on load")

    monkeypatch.setattr(TfidfGenerator, "build", no_build)
    loaded = spacy.load(tmp_path / "model")
    assert loaded.pipe_names == ["xlink_abbreviations", "xlink_linker"]
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease", "WD", "diabetes"]))
    assert [e.kb_id_ for e in doc.ents] == [e.kb_id_ for e in expected.ents]
    assert doc.ents[2]._.xlink_candidates == expected.ents[2]._.xlink_candidates


def test_a_linker_re_added_to_a_loaded_pipeline_reads_its_sources_at_add_pipe(
    terminology_path: Path, tmp_path: Path
) -> None:
    _nlp(terminology_path, tmp_path / "cache").to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model", exclude=["xlink_linker"])
    with pytest.raises(FileNotFoundError, match="missing.jsonl not found"):
        loaded.add_pipe("xlink_linker", config={"terminology": str(tmp_path / "missing.jsonl")})
    component = loaded.add_pipe(
        "xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path / "cache")}
    )
    assert component.terminology is not None  # read now, not at the first Doc
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease"]))
    assert doc.ents[0].kb_id_ == "D014883"


def test_misspelt_reranker_settings_and_set_size_extension(terminology_path: Path, tmp_path: Path) -> None:
    from spacy.tokens import Span

    with pytest.raises(XlinkError, match=r"reranker settings \['modle'\] have no 'model'"):
        _nlp(terminology_path, tmp_path / "cache", reranker={"modle": "xlink-reranker-minilm"})
    _nlp(terminology_path, tmp_path / "cache", reranker={"model": ""}, candidates_attr="other_candidates")
    # declared at construction, so worker processes and DocBin readers know it too
    assert Span.has_extension("other_candidates_set_size")


def test_decision_settings_changed_at_run_time_survive_to_disk(terminology_path: Path, tmp_path: Path) -> None:
    import json

    from xlink.errors import XlinkError

    nlp = _nlp(terminology_path, tmp_path / "cache")
    pipe = nlp.get_pipe("xlink_linker")
    pipe.threshold, pipe.nil_id, pipe.n_candidates = 1.01, "NIL", 2  # no score reaches 1.01: every span is NIL
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    restored = loaded.get_pipe("xlink_linker")
    assert (restored.threshold, restored.nil_id, restored.n_candidates) == (1.01, "NIL", 2)
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease", "diabetes"]))
    assert [e.kb_id_ for e in doc.ents] == ["NIL", "NIL"]
    assert all(len(e._.xlink_candidates) == 2 for e in doc.ents)
    # a hand-edited value of the wrong type is refused with the file and the fix
    cfg = tmp_path / "model" / "xlink_linker" / "cfg.json"
    record = json.loads(cfg.read_text(encoding="utf-8"))
    record["decision"]["threshold"] = "high"
    cfg.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(XlinkError, match=r"cfg\.json: decision\.threshold must be a number"):
        spacy.load(tmp_path / "model")


def test_docbin_round_trip_keeps_ids_and_candidates(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path)
    doc = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "WD", "diabetes"]))
    data = DocBin(docs=[doc], store_user_data=True).to_bytes()
    (back,) = DocBin().from_bytes(data).get_docs(nlp.vocab)
    assert [e.kb_id_ for e in back.ents] == ["D014883", "D014883", "D003920"]
    assert [tuple(c) for c in back.ents[2]._.xlink_candidates] == doc.ents[2]._.xlink_candidates


def test_missing_index_is_refused_at_add_pipe(terminology_path: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    with pytest.raises(XlinkError, match="index folder not found"):
        nlp.add_pipe(
            "xlink_linker", config={"terminology": str(terminology_path), "index": str(tmp_path / "nope")}
        )
    with pytest.raises(XlinkError, match="missing.jsonl not found; set the component's 'terminology'"):
        nlp.add_pipe("xlink_linker", config={"terminology": str(tmp_path / "missing.jsonl")})
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(XlinkError, match="a_file is a file; 'index' names the folder"):
        nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "index": str(tmp_path / "a_file")})


def test_index_of_another_terminology_is_refused_at_add_pipe(terminology_path: Path, tmp_path: Path) -> None:
    other = Terminology.from_concepts([Concept("X1", "something else entirely")], name="other")
    TfidfGenerator(other).build().save(tmp_path / "other_index")
    nlp = spacy.blank("en")
    with pytest.raises(IndexMismatchError, match="built for terminology 'other'"):
        nlp.add_pipe(
            "xlink_linker",
            config={"terminology": str(terminology_path), "index": str(tmp_path / "other_index")},
        )


def test_prebuilt_index_is_used(terminology_path: Path, tmp_path: Path) -> None:
    TfidfGenerator(Terminology.from_jsonl(terminology_path)).build().save(tmp_path / "index")
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "index": str(tmp_path / "index")})
    doc = _run(nlp, _with_ents(nlp, TEXT, ["diabetes"]))
    assert doc.ents[0].kb_id_ == "D003920"


def test_saved_index_that_does_not_fit_is_refused_at_load(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    nlp.to_disk(tmp_path / "model")
    Terminology.from_concepts(CONCEPTS[:2], name="tiny").to_jsonl(
        tmp_path / "model" / "xlink_linker" / "terminology.jsonl"
    )
    with pytest.raises(IndexMismatchError, match="refusing to load the index"):
        spacy.load(tmp_path / "model")


def _tiny_reranker(folder: Path) -> Path:
    """A random 1-layer cross-encoder saved as an xlink reranker (fast to load and run)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from xlink.rerank.cross_encoder import CrossEncoderReranker

    base = folder / "base"
    base.mkdir(parents=True)
    words = "wilson disease diabetes mellitus breast cancer ovarian carcinoma wd and ( ) , .".split()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, *"abcdefghijklmnopqrstuvwxyz"]
    (base / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer.from_pretrained(base).save_pretrained(base)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=256, num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(base)
    return CrossEncoderReranker.from_base(base).save(folder / "reranker")


@pytest.mark.slow  # loads torch and transformers
def test_reranker_runs_and_travels_with_the_pipeline(terminology_path: Path, tmp_path: Path) -> None:
    model = _tiny_reranker(tmp_path / "ce")
    nlp = _nlp(terminology_path, tmp_path / "cache", reranker={"model": str(model), "k": 4})
    linker = nlp.get_pipe("xlink_linker")
    assert linker.linker is not None and linker.linker.reranker is not None
    doc = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "WD", "diabetes"]))
    assert all(e._.xlink_candidates for e in doc.ents)
    expected = [e._.xlink_candidates for e in doc.ents]
    nlp.to_disk(tmp_path / "model")
    shutil.rmtree(tmp_path / "ce")
    loaded = spacy.load(tmp_path / "model")
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease", "WD", "diabetes"]))
    got = [e._.xlink_candidates for e in doc.ents]
    assert [[c[0] for c in x] for x in got] == [[c[0] for c in x] for x in expected]


@pytest.mark.slow  # loads torch and transformers
def test_set_reranker_swaps_it_on_a_built_linker(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    linker = nlp.get_pipe("xlink_linker")
    generator = linker.linker.generator
    assert linker.linker.reranker is None
    linker.set_reranker({"model": str(_tiny_reranker(tmp_path / "ce")), "k": 4})
    assert linker.linker.reranker is not None and linker.linker.generator is generator
    assert linker.settings()["reranker"]["k"] == 4
    doc = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "diabetes"]))
    assert all(e._.xlink_candidates for e in doc.ents)
    linker.set_reranker(None)
    assert linker.linker.reranker is None and linker.settings()["reranker"] is None
    with pytest.raises(XlinkError, match="reranker must be"):
        linker.set_reranker("xlink-reranker-minilm")  # type: ignore[arg-type]
    with pytest.raises(XlinkError):
        linker.set_reranker({"model": str(tmp_path / "no_such_reranker")})
    assert linker.linker.reranker is None and linker.settings()["reranker"] is None


@pytest.mark.slow  # loads torch and transformers
def test_set_reranker_survives_to_disk_and_a_refused_calibration_leaves_the_old_linker(
    terminology_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlink.linking_config

    nlp = _nlp(terminology_path, tmp_path / "cache")
    component = nlp.get_pipe("xlink_linker")
    model = _tiny_reranker(tmp_path / "ce")
    component.set_reranker({"model": str(model), "k": 4})
    nlp.to_disk(tmp_path / "model")  # config.cfg still says reranker = null: the saved settings decide
    loaded = spacy.load(tmp_path / "model").get_pipe("xlink_linker")
    assert loaded.linker.reranker is not None and loaded.linker.reranker.config.k == 4
    component.set_reranker(None)
    nlp.to_disk(tmp_path / "model")
    assert not (tmp_path / "model" / "xlink_linker" / "reranker").exists()  # no stale copy left to reload
    assert spacy.load(tmp_path / "model").get_pipe("xlink_linker").linker.reranker is None

    def refuse(*args: object) -> None:
        raise XlinkError("stale calibration")

    before = component.linker
    monkeypatch.setattr(xlink.linking_config, "check_calibration", refuse)
    with pytest.raises(XlinkError, match="stale calibration"):
        component.set_reranker({"model": str(model), "k": 4})
    assert component.linker is before and component.linker.reranker is None


def test_missing_reranker_fails_at_add_pipe_unless_optional(terminology_path: Path, tmp_path: Path) -> None:
    with pytest.raises(XlinkError):
        _nlp(terminology_path, tmp_path, reranker={"model": str(tmp_path / "no_such_reranker")})
    nlp = _nlp(terminology_path, tmp_path, reranker={"model": str(tmp_path / "no_such_reranker"), "optional": True})
    assert nlp.get_pipe("xlink_linker").linker.reranker is None


def test_unusual_unicode_control_characters_and_long_tokens(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path)
    text = "\x00\x07 \u202eWilson\u00a0disease\u200b (WD) \U0001f9ec " + "x" * 20_000 + " \ufeffdiabetes\r\n"
    doc = nlp.make_doc(text)
    doc.ents = [
        Span(doc, i, i + 1, label="DISEASE")
        for i, token in enumerate(doc)
        if token.text.strip() and token.is_alpha or len(token) > 1000
    ]
    doc = _run(nlp, doc)
    assert all(isinstance(e._.xlink_candidates, list) for e in doc.ents)
    assert doc.text == text


def test_one_megabyte_document(terminology_path: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    sentence = (
        "Wilson disease (WD) was followed for many years in a cohort of patients seen at "
        "the clinic, and diabetes was noted in a few of them. "
    )
    text = sentence * (1_000_000 // len(sentence))
    assert 990_000 < len(text) <= nlp.max_length
    doc = nlp(text)
    assert len(doc.ents) > 15_000
    assert {(e.text, e.kb_id_) for e in doc.ents} == {("Wilson disease", "D014883"), ("diabetes", "D003920")}
    assert doc.ents[-1]._.xlink_candidates[0][0] == "D003920"


def test_long_texts_are_processed_in_chunks_and_joined(terminology_path: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    nlp.max_length = 10_000
    text = "Wilson disease (WD) and diabetes were followed.\n" * 1000
    short, (long,) = "Breast carcinoma.", list(pipe_texts(nlp, [text], max_chars=5_000))
    assert long.text == text
    assert len(long.ents) == 2000 and long.ents[-1].kb_id_ == "D003920"
    assert long.ents[-1]._.xlink_candidates[0][0] == "D003920"
    assert len(long._.abbreviation_offsets) >= 10
    (doc,) = pipe_texts(nlp, [short], max_chars=5_000)
    assert doc.ents[0].kb_id_ == "D001943"


def test_split_text_keeps_the_text_and_the_limit() -> None:
    text = "One. Two three.\n\nFour five six. " * 50 + "y" * 300
    chunks = split_text(text, 100)
    assert "".join(chunks) == text
    assert all(len(c) <= 100 for c in chunks)
    assert all(c[-1].isspace() for c in chunks[:-4])


def test_add_pipe_through_the_entry_point_in_a_fresh_interpreter(terminology_path: Path, tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        import spacy
        assert "xlink" not in sys.modules  # nothing below imports xlink by name
        nlp = spacy.blank("en")
        nlp.add_pipe("xlink_terminology_matcher", config={{"terminology": {str(terminology_path)!r}}})
        nlp.add_pipe("xlink_abbreviations")
        nlp.add_pipe("xlink_linker", config={{"terminology": {str(terminology_path)!r},
                                              "cache_dir": {str(tmp_path)!r}}})
        doc = nlp("Wilson disease (WD) and breast carcinoma.")
        print(json.dumps([[e.text, e.kb_id_] for e in doc.ents]))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["Wilson disease", "D014883"],
        ["breast carcinoma", "D001943"],
    ]


def test_re_adding_the_linker_to_a_loaded_pipeline_uses_its_sources(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    loaded.remove_pipe("xlink_linker")
    loaded.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path)})
    doc = _run(loaded, _with_ents(loaded, TEXT, ["diabetes"]))
    assert doc.ents[0].kb_id_ == "D003920"


@pytest.mark.slow  # loads torch and transformers
def test_ensemble_with_a_dense_member_round_trips(terminology_path: Path, tmp_path: Path) -> None:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    model = tmp_path / "tiny_bert"
    model.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"wilson disease diabetes breast cancer".split()]
    vocab.extend("abcdefghijklmnopqrstuvwxyz")
    (model / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer.from_pretrained(model).save_pretrained(model)
    torch.manual_seed(0)
    BertModel(
        BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                   intermediate_size=32, max_position_embeddings=64)
    ).save_pretrained(model)
    generator = {
        "kind": "ensemble",
        "fusion": "max",
        "members": {
            "tfidf": {"kind": "tfidf"},
            "dense": {"kind": "dense", "model": str(model), "max_length": 12, "weight": 0.5},
        },
    }
    nlp = _nlp(terminology_path, tmp_path / "cache", generator=generator)
    expected = _run(nlp, _with_ents(nlp, TEXT, ["Wilson disease", "diabetes"]))
    assert [e.kb_id_ for e in expected.ents] == ["D014883", "D003920"]
    nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "xlink_linker" / "index" / "member_1" / "manifest.json").exists()
    loaded = spacy.load(tmp_path / "model")
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease", "diabetes"]))
    assert [e._.xlink_candidates for e in doc.ents] == [e._.xlink_candidates for e in expected.ents]


@pytest.mark.slow  # loads torch and transformers, forks two workers
@pytest.mark.timeout(180, method="thread")  # a forked worker waiting on the parent's torch threads never returns
def test_n_process_2_with_a_reranker_after_the_parent_ran_it(terminology_path: Path, tmp_path: Path) -> None:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        nlp = spacy.blank("en")
        nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
        nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path / "cache")})
        nlp.get_pipe("xlink_linker").set_reranker({"model": str(_tiny_reranker(tmp_path / "ce")), "k": 4})
        texts = [TEXT, "Breast carcinoma.", "", "Diabetes and ovarian neoplasms."] * 2
        expected = [[(e.text, e.kb_id_) for e in d.ents] for d in nlp.pipe(texts)]
        got = [[(e.text, e.kb_id_) for e in d.ents] for d in nlp.pipe(texts, n_process=2, batch_size=2)]
    finally:
        torch.set_num_threads(previous)
    assert got == expected and any(expected)



@pytest.mark.slow  # loads torch and transformers
def test_a_pipeline_whose_saved_calibration_no_longer_fits_loads_without_pruning(
    terminology_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Calibrations saved before the reranker fingerprint read xlink_reranker.json: load, warn, no pruning."""
    import logging

    import xlink.linking_config
    from xlink.conformal.candidates import StaleCalibrationError

    nlp = _nlp(terminology_path, tmp_path / "cache", reranker={"model": str(_tiny_reranker(tmp_path / "ce")), "k": 4})
    nlp.to_disk(tmp_path / "model")
    calls = []

    def stale_once(linker: object, where: str = "") -> None:
        calls.append(where)
        if len(calls) == 1:
            raise StaleCalibrationError("made for another reranker")

    monkeypatch.setattr(xlink.linking_config, "check_calibration", stale_once)
    with caplog.at_level(logging.WARNING):
        loaded = spacy.load(tmp_path / "model").get_pipe("xlink_linker")
    assert loaded.linker.reranker is not None and len(calls) == 2
    assert any("loads without conformal pruning" in r.getMessage() for r in caplog.records)


def test_config_overrides_at_load_win_over_the_saved_decision(terminology_path: Path, tmp_path: Path) -> None:
    nlp = _nlp(terminology_path, tmp_path / "cache")
    nlp.get_pipe("xlink_linker").n_candidates = 2  # a live change: saved, and restored over config.cfg
    nlp.to_disk(tmp_path / "model")
    overrides = {"components": {"xlink_linker": {"threshold": 1.01, "nil_id": "NIL"}}}
    pipe = spacy.load(tmp_path / "model", config=overrides).get_pipe("xlink_linker")
    assert (pipe.threshold, pipe.nil_id, pipe.n_candidates) == (1.01, "NIL", 2)
    plain = spacy.load(tmp_path / "model").get_pipe("xlink_linker")
    assert (plain.threshold, plain.nil_id, plain.n_candidates) == (0.0, "", 2)


def test_a_renamed_linker_loads_from_its_folder_without_its_sources(tmp_path: Path) -> None:
    terminology = tmp_path / "source.jsonl"
    Terminology.from_concepts(CONCEPTS, name="tiny").to_jsonl(terminology)
    nlp = _nlp(terminology, tmp_path / "cache")
    nlp.rename_pipe("xlink_linker", "linker")
    nlp.to_disk(tmp_path / "model")
    terminology.unlink()  # another machine: the source is gone, the saved folder holds the data
    loaded = spacy.load(tmp_path / "model")
    doc = _run(loaded, _with_ents(loaded, TEXT, ["Wilson disease", "diabetes"]))
    assert [e.kb_id_ for e in doc.ents] == ["D014883", "D003920"]


def test_to_bytes_round_trips_the_linker_and_the_matcher(terminology_path: Path, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology_path), "label": "DISEASE"})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology_path), "cache_dir": str(tmp_path / "c")})
    data = nlp.to_bytes()
    fresh = spacy.blank("en")
    fresh.add_pipe("xlink_terminology_matcher", config={"label": "DISEASE"})
    fresh.add_pipe("xlink_linker")
    fresh.from_bytes(data)
    doc = fresh("Wilson disease and breast carcinoma were seen.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("Wilson disease", "D014883"), ("breast carcinoma", "D001943")]
    with pytest.raises(XlinkError, match="not written by an xlink component"):
        fresh.get_pipe("xlink_linker").from_bytes(b"\x80")


def test_an_index_of_another_generator_kind_is_named_as_such(terminology_path: Path, tmp_path: Path) -> None:
    from xlink.linking_config import load_generator

    term = Terminology.from_jsonl(terminology_path)
    TfidfGenerator(term).build().save(tmp_path / "tfidf_index")
    with pytest.raises(IndexMismatchError, match="it is a 'tfidf' index, the config asks for 'ensemble'"):
        load_generator(tmp_path / "tfidf_index", term, {"kind": "ensemble", "members": {}})
    (tmp_path / "ensemble_index" / "member_0").mkdir(parents=True)
    with pytest.raises(IndexMismatchError, match="it is an ensemble index, the config asks for 'tfidf'"):
        load_generator(tmp_path / "ensemble_index", term, {"kind": "tfidf"})
