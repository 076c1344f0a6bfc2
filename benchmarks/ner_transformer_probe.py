"""Probe: a transformer token classifier (BIO over spaCy tokens) as the disease NER, NCBI Disease train -> dev.

xlink's disease NER is spaCy's CNN tagger started from en_core_web_sm (dev F1 0.827,
``configs/ner_ncbi_disease_sm.cfg``). This probe fine-tunes a sentence-transformer encoder
(all-MiniLM-L6-v2, or xlink's bi-encoder) for token classification on the same
spaCy-tokenized documents (``runs/ner_ncbi/{train,dev}.spacy``, written by
``xlink prepare-ner --output runs/ner_ncbi``; see benchmarks/pipeline.md): windows of at most
192 word pieces, the first word piece of each token labelled B/I/O, AdamW with linear warm-up
(10%) and decay, batch 16, 2 CPU threads. After each epoch it prints strict (exact character
span) precision, recall and F1 on dev. Dev only: nothing here reads the test split.

    python benchmarks/ner_transformer_probe.py --model PATH_OR_ID --epochs 4 --lr 1e-4
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np
import spacy
import torch
from spacy.tokens import Doc, DocBin
from transformers import AutoModelForTokenClassification, AutoTokenizer

TAGS = ("O", "B", "I")
Window = tuple[list[str], list[str], int]  # words, their tags, offset of the first word in the doc


def bio_tags(doc: Doc) -> list[str]:
    tags = ["O"] * len(doc)
    for ent in doc.ents:
        tags[ent.start] = "B"
        for i in range(ent.start + 1, ent.end):
            tags[i] = "I"
    return tags


def windows(doc: Doc, tokenizer: object, max_length: int) -> list[Window]:
    """Consecutive token slices of at most ``max_length - 2`` word pieces, cut outside entities where possible."""
    tags = bio_tags(doc)
    words = [t.text for t in doc]
    pieces = [len(tokenizer.tokenize(w)) or 1 for w in words]  # type: ignore[attr-defined]
    out: list[Window] = []
    start, used = 0, 0
    for i, n in enumerate(pieces):
        if i > start and used + n > max_length - 2:
            out.append((words[start:i], tags[start:i], start))
            start, used = i, 0
        used += n
    out.append((words[start:], tags[start:], start))
    return out


def encode(tokenizer: object, batch: Sequence[Window], max_length: int) -> tuple[dict, torch.Tensor]:
    enc = tokenizer(  # type: ignore[operator]
        [w for w, _, _ in batch], is_split_into_words=True, truncation=True, max_length=max_length,
        padding=True, return_tensors="pt",
    )
    labels = torch.full(enc["input_ids"].shape, -100)
    for b, (_, tags, _) in enumerate(batch):
        previous = None
        for j, word in enumerate(enc.word_ids(b)):
            if word is not None and word != previous:
                labels[b, j] = TAGS.index(tags[word])
            previous = word
    return enc, labels


def predict_spans(model: torch.nn.Module, tokenizer: object, doc: Doc, max_length: int) -> set[tuple[int, int]]:
    parts = windows(doc, tokenizer, max_length)
    enc, _ = encode(tokenizer, parts, max_length)
    with torch.no_grad():
        best = model(**enc).logits.argmax(-1)
    tags = ["O"] * len(doc)
    for b, (_, _, offset) in enumerate(parts):
        previous = None
        for j, word in enumerate(enc.word_ids(b)):
            if word is not None and word != previous:
                tags[offset + word] = TAGS[int(best[b, j])]
            previous = word
    spans, i = set(), 0
    while i < len(tags):
        if tags[i] == "O":
            i += 1
            continue
        j = i + 1
        while j < len(tags) and tags[j] == "I":
            j += 1
        spans.add((doc[i].idx, doc[j - 1].idx + len(doc[j - 1])))
        i = j
    return spans


def strict_prf(docs: Sequence[Doc], predicted: Sequence[set[tuple[int, int]]]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for doc, spans in zip(docs, predicted, strict=True):
        gold = {(e.start_char, e.end_char) for e in doc.ents}
        tp, fp, fn = tp + len(gold & spans), fp + len(spans - gold), fn + len(gold - spans)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="encoder path or Hugging Face id")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--data", default="runs/ner_ncbi", help="folder with train.spacy and dev.spacy")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(0)
    vocab = spacy.blank("en").vocab
    train, dev = (list(DocBin().from_disk(f"{args.data}/{split}.spacy").get_docs(vocab)) for split in ("train", "dev"))
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    parts = [w for doc in train for w in windows(doc, tokenizer, args.max_length)]
    model = AutoModelForTokenClassification.from_pretrained(args.model, num_labels=len(TAGS))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * int(np.ceil(len(parts) / args.batch_size))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: min(1.0, (i + 1) / (0.1 * steps)) * max(0.0, (steps - i) / steps)
    )
    rng = np.random.default_rng(0)
    tick = time.perf_counter()
    print(f"{len(parts)} training windows", flush=True)
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(parts))
        total = 0.0
        for start in range(0, len(order), args.batch_size):
            enc, labels = encode(tokenizer, [parts[i] for i in order[start : start + args.batch_size]], args.max_length)
            loss = model(**enc, labels=labels).loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss)
        model.eval()
        p, r, f = strict_prf(dev, [predict_spans(model, tokenizer, doc, args.max_length) for doc in dev])
        print(f"epoch {epoch} loss {total / np.ceil(len(order) / args.batch_size):.4f} "
              f"dev P {p:.3f} R {r:.3f} F1 {f:.3f} {time.perf_counter() - tick:.0f}s", flush=True)


if __name__ == "__main__":
    main()
