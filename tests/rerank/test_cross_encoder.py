"""CrossEncoderReranker on a tiny random model: inputs, reranking, NIL, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlink.corpus.model import Mention
from xlink.errors import XlinkError
from xlink.linker import LinkedMention, PredictedConcept
from xlink.rerank.cross_encoder import CrossEncoderReranker, RerankerConfig
from xlink.rerank.inputs import InputFormat
from xlink.terminology.model import Terminology


def _linked(terminology: Terminology, text: str, ids: list[str], gold: str = "") -> LinkedMention:
    preds = [
        PredictedConcept(i, terminology[i].canonical_name, 1.0 - 0.1 * n, (i,), terminology[i].canonical_name)
        for n, i in enumerate(ids)
    ]
    mention = Mention("d", text, text, gold=((gold,),) if gold else (), left_context="we found", right_context="in a")
    return LinkedMention(mention=mention, candidates=preds)


@pytest.fixture()
def reranker(tiny_cross_encoder: Path, tiny_terminology: Terminology) -> CrossEncoderReranker:
    return CrossEncoderReranker.from_base(tiny_cross_encoder, RerankerConfig(k=4), tiny_terminology, device="cpu")


def test_input_texts() -> None:
    fmt = InputFormat(context_words=2, n_synonyms=2)
    mention = Mention("d", "1", "WD", left_context="copper in the liver of", right_context="patients were", expansion="Wilson disease")
    assert fmt.mention_text(mention) == "liver of [START] WD ( Wilson disease ) [END] patients were"
    from xlink.terminology.model import Concept

    term = Terminology.from_concepts([Concept("D1", "Hepatolenticular Degeneration", ("Wilson Disease", "WD", "x"), ("Disease",))])
    pred = PredictedConcept("D1", "Hepatolenticular Degeneration", 0.5, ("D1",), "WD")
    assert fmt.candidate_text(pred, term) == "Hepatolenticular Degeneration ; WD ; Wilson Disease"
    typed = InputFormat(n_synonyms=0, use_types=True)
    assert typed.candidate_text(pred, term) == "Hepatolenticular Degeneration ( Disease )"


def test_markers_are_single_tokens(reranker: CrossEncoderReranker) -> None:
    ids = reranker.tokenizer("[START] wilson [END]", add_special_tokens=False)["input_ids"]
    assert len(ids) == 3


def test_rerank_reorders_predictions_and_keeps_candidates(
    reranker: CrossEncoderReranker, tiny_terminology: Terminology
) -> None:
    ids = ["D001943", "D010051", "D003110", "D015179", "D006527", "D003550"]
    lm = _linked(tiny_terminology, "breast cancer", ids)
    (out,) = reranker.rerank([lm])
    assert out.candidates == lm.candidates
    assert sorted(p.concept_id for p in out.predictions[:4]) == sorted(ids[:4])
    assert [p.concept_id for p in out.predictions[4:]] == ids[4:]  # beyond k: old order, score 0
    assert all(p.score == 0.0 for p in out.predictions[4:])
    probs = [p.score for p in out.predictions[:4]]
    assert sum(probs) == pytest.approx(1.0, abs=1e-5) and probs == sorted(probs, reverse=True)
    assert reranker.stats.pairs == 4 and reranker.stats.mentions == 1


def test_fewer_than_k_candidates_or_none(reranker: CrossEncoderReranker, tiny_terminology: Terminology) -> None:
    batch = [
        _linked(tiny_terminology, "nothing", []),
        _linked(tiny_terminology, "cystic fibrosis", ["D003550"]),
        _linked(tiny_terminology, "colon cancer", ["D003110", "D015179"]),
    ]
    out = reranker.rerank(batch)
    assert out[0].predictions == []
    assert out[1].predictions == batch[1].predictions  # one candidate: nothing to reorder
    assert {p.concept_id for p in out[2].predictions} == {"D003110", "D015179"}
    assert reranker.rerank([]) == []


def test_scores_do_not_depend_on_batching(reranker: CrossEncoderReranker) -> None:
    mentions = ["we found [START] colon cancer [END]"] * 3 + ["[START] wilson disease [END] in patients with a"]
    candidates = ["Colonic Neoplasms", "Breast Neoplasms ; breast cancer ; breast carcinoma", "x", "Wilson Disease"]
    reranker.config.batch_size = 1
    one = reranker.score_pairs(mentions, candidates)
    reranker.config.batch_size = 64
    many = reranker.score_pairs(mentions, candidates)
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_save_load_round_trip(reranker: CrossEncoderReranker, tiny_terminology: Terminology, tmp_path: Path) -> None:
    lm = _linked(tiny_terminology, "breast cancer", ["D001943", "D010051", "D003110", "D015179"])
    reranker.save(tmp_path / "a")
    assert {"model.safetensors", "config.json", "xlink_reranker.json"} <= {p.name for p in (tmp_path / "a").iterdir()}
    from safetensors import safe_open

    with safe_open(str(tmp_path / "a" / "model.safetensors"), "pt") as f:
        assert all(str(f.get_tensor(k).dtype) == "torch.float16" for k in f.keys())
    first = CrossEncoderReranker.load(tmp_path / "a", tiny_terminology, device="cpu")
    assert first.config == reranker.config
    first.save(tmp_path / "b")
    second = CrossEncoderReranker.load(tmp_path / "b", tiny_terminology, device="cpu")
    (a,) = first.rerank([lm])
    (b,) = second.rerank([lm])
    assert a.predictions == b.predictions  # identical scores after a round trip
    (orig,) = reranker.rerank([lm])
    np.testing.assert_allclose([p.score for p in orig.predictions], [p.score for p in a.predictions], atol=5e-3)
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic writer left nothing behind


def test_load_refuses_a_folder_that_is_no_reranker(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    with pytest.raises(XlinkError, match="not an xlink reranker"):
        CrossEncoderReranker.load(tiny_cross_encoder)
    with pytest.raises(XlinkError, match="does not exist"):
        CrossEncoderReranker.load(tmp_path / "nowhere")


def test_nil_slot_keeps_only_concepts_above_nil(
    tiny_cross_encoder: Path, tiny_terminology: Terminology, monkeypatch: pytest.MonkeyPatch
) -> None:
    reranker = CrossEncoderReranker.from_base(
        tiny_cross_encoder, RerankerConfig(k=3, nil=True), tiny_terminology, device="cpu"
    )
    lm = _linked(tiny_terminology, "breast cancer", ["D001943", "D010051", "D003110", "D015179"])
    mention_text, texts, _ = reranker.list_texts(lm)
    assert texts[-1] == reranker.config.inputs.nil_text and len(texts) == 4
    # candidate logits 1, 3, -1 and NIL 0: D010051, D001943 survive; D003110 and the tail drop
    monkeypatch.setattr(reranker, "score_pairs", lambda m, c: np.array([1.0, 3.0, -1.0, 0.0], dtype=np.float32))
    (out,) = reranker.rerank([lm])
    assert [p.concept_id for p in out.predictions] == ["D010051", "D001943"]
    assert out.candidates == lm.candidates
    monkeypatch.setattr(reranker, "score_pairs", lambda m, c: np.array([-1.0, -2.0, -3.0, 0.0], dtype=np.float32))
    (nil,) = reranker.rerank([lm])
    assert nil.predictions == []  # NIL wins: no prediction
    one = _linked(tiny_terminology, "cystic fibrosis", ["D003550"])
    monkeypatch.setattr(reranker, "score_pairs", lambda m, c: np.array([2.0, 0.0], dtype=np.float32))
    (kept,) = reranker.rerank([one])
    assert [p.concept_id for p in kept.predictions] == ["D003550"]


def test_skip_margin_keeps_confident_generator_order(reranker: CrossEncoderReranker, tiny_terminology: Terminology) -> None:
    lm = _linked(tiny_terminology, "breast cancer", ["D001943", "D010051", "D003110"])
    reranker.config.skip_margin = 0.05  # the fixture's scores are 0.1 apart
    (out,) = reranker.rerank([lm])
    assert reranker.stats.skipped == 1 and reranker.stats.pairs == 0
    # generator order, decided by rule: first 1.0, the rest 0.0 (a reranked list's scale)
    assert [p.concept_id for p in out.predictions] == [p.concept_id for p in lm.predictions]
    assert [p.score for p in out.predictions] == [1.0, 0.0, 0.0]


def test_exact_match_guard_keeps_a_unique_dictionary_hit(reranker: CrossEncoderReranker, tiny_terminology: Terminology) -> None:
    from dataclasses import replace

    lm = _linked(tiny_terminology, "breast cancer", ["D001943", "D010051", "D003110"])
    lm = LinkedMention(mention=lm.mention, candidates=[replace(lm.predictions[0], alias="Breast-Cancer"), *lm.predictions[1:]])
    assert reranker.exact_hit(lm)  # "Breast-Cancer" folds to the mention's "breast cancer"
    reranker.config.exact_match_guard = True
    (out,) = reranker.rerank([lm])
    assert reranker.stats.skipped == 1 and reranker.stats.pairs == 0
    assert [p.concept_id for p in out.predictions] == [p.concept_id for p in lm.predictions]
    assert [p.score for p in out.predictions] == [1.0, 0.0, 0.0]
    # the guard is off by default, and two exact hits leave the choice to the model
    reranker.config.exact_match_guard = False
    (out,) = reranker.rerank([lm])
    assert reranker.stats.pairs == 3
    twice = LinkedMention(mention=lm.mention, candidates=[lm.predictions[0], replace(lm.predictions[1], alias="breast cancer"), lm.predictions[2]])
    reranker.config.exact_match_guard = True
    assert not reranker.exact_hit(twice)
    (out,) = reranker.rerank([twice])
    assert reranker.stats.pairs == 3 and reranker.stats.skipped == 0
    # an abbreviation whose long form is the alias is a hit too; a non-top hit is not
    abbr = LinkedMention(mention=replace(lm.mention, text="BC", expansion="breast cancer"), candidates=lm.predictions)
    assert reranker.exact_hit(abbr)
    swapped = LinkedMention(mention=lm.mention, candidates=[lm.predictions[1], lm.predictions[0], lm.predictions[2]])
    assert not reranker.exact_hit(swapped)


def test_residual_prior_with_a_silent_head_keeps_the_generator_order(
    tiny_cross_encoder: Path, tiny_terminology: Terminology
) -> None:
    import torch

    reranker = CrossEncoderReranker.from_base(
        tiny_cross_encoder, RerankerConfig(k=4, prior_weight=1.0), tiny_terminology, device="cpu"
    )
    with torch.no_grad():  # f(mention, candidate) = 0: only the generator prior is left
        reranker.model.classifier.weight.zero_()
        reranker.model.classifier.bias.zero_()
    ids = ["D001943", "D010051", "D003110", "D015179"]
    lm = _linked(tiny_terminology, "breast cancer", ids)
    (out,) = reranker.rerank([lm])
    assert [p.concept_id for p in out.predictions] == ids
    z = reranker.with_prior(np.zeros(4, dtype=np.float32), lm.predictions)
    assert z.mean() == pytest.approx(0.0, abs=1e-5) and z.std() == pytest.approx(1.0, abs=1e-3)  # z-scored prior


def _write_tiny_sentencepiece_base(folder: Path) -> Path:
    """A 1-layer BERT with a SentencePiece-style (Unigram, metaspace) tokenizer, as XLM-R and e5 use."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    pieces = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581wilson", "\u2581disease", "\u2581in", "\u2581the", "\u2581liver"]
    backend = Tokenizer(models.Unigram([(p, -1.0) for p in pieces], unk_id=3, byte_fallback=False))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", cls_token="<s>",
                                        sep_token="</s>", pad_token="<pad>", unk_token="<unk>")
    config = BertConfig(vocab_size=len(pieces), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=1, pad_token_id=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_markers_take_the_space_before_them(tmp_path: Path, tiny_cross_encoder: Path) -> None:
    """A SentencePiece base spends no lone '▁' piece on a marker; a WordPiece base keeps its ids."""
    spm = CrossEncoderReranker.from_base(_write_tiny_sentencepiece_base(tmp_path / "spm"), device="cpu")
    text = "in the [START] wilson disease [END] in the liver"
    ids = spm.tokenizer(text, add_special_tokens=False)["input_ids"]
    spm.save(tmp_path / "saved")
    reloaded = CrossEncoderReranker.load(tmp_path / "saved", device="cpu")
    assert reloaded.tokenizer(text, add_special_tokens=False)["input_ids"] == ids  # the flag survives saving
    trained_further = CrossEncoderReranker.from_base(tmp_path / "saved", device="cpu")  # markers kept as saved
    assert trained_further.tokenizer(text, add_special_tokens=False)["input_ids"] == ids
    assert len(trained_further.tokenizer) == len(spm.tokenizer)
    assert spm.tokenizer.convert_ids_to_tokens(ids) == ["\u2581in", "\u2581the", "[START]", "\u2581wilson", "\u2581disease", "[END]", "\u2581in", "\u2581the", "\u2581liver"]
    wordpiece = CrossEncoderReranker.from_base(tiny_cross_encoder, device="cpu")
    ids = wordpiece.tokenizer("in the [START] wilson disease [END] in the liver")["input_ids"]
    start, end = wordpiece.tokenizer.convert_tokens_to_ids(["[START]", "[END]"])
    words = [wordpiece.tokenizer.convert_tokens_to_ids(w) for w in ("in", "the", "wilson", "disease")]
    assert ids[1:-1][:6] == [words[0], words[1], start, words[2], words[3], end]


def test_an_nli_model_as_the_base_gets_a_one_logit_head(
    tmp_path: Path, tiny_terminology: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    from xlink.classify.tiny import make_tiny_nli_model

    nli = make_tiny_nli_model(tmp_path / "nli")  # a 3-label head
    reranker = CrossEncoderReranker.from_base(str(nli), RerankerConfig(), tiny_terminology, "cpu")
    assert reranker.model.config.num_labels == 1
    assert "3-label head; a new one-logit head replaces it" in caplog.text
