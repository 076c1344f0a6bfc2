"""Static word vectors for spaCy pipes, distilled from a sentence encoder, and the layer that reads them.

Why: spaCy's CNN NER sees a word only through hashed spelling features (norm, prefix, suffix,
shape), so a disease word it never saw in training ("nystagmus") looks like any other word.
Static word vectors give it a sense of meaning, but no biomedical word vectors can be installed
offline. So xlink *distils* them (as Model2Vec does): each word of a vocabulary is encoded on its
own by a sentence encoder (by default xlink's MEDIC-trained bi-encoder), the embeddings are
reduced by PCA, and the table is saved as a blank spaCy pipeline whose vocab holds the vectors
(one row per lower-cased word, reachable from its lower, capitalised and upper-case forms),
ready for ``[initialize] vectors`` of a training config.

``xlink.ListenerWithVectors.v1`` feeds those vectors to a component that listens to a *sourced*
token encoder (en_core_web_sm's CNN, which was built without vectors): it concatenates the
listener's output with a learned projection of the vectors and mixes both back to ``width``.
It is registered through the ``spacy_architectures`` entry point, so a pipeline that uses it
loads with ``spacy.load`` without importing xlink first.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xlink.errors import XlinkError
from xlink.files import FolderKind, atomic_folder
from xlink.text.normalize import has_letter

#: Longer "words" are chemical names and URLs, rare enough not to be worth a row.
MAX_WORD_CHARS = 40
VECTORS_INFO = "xlink_vectors.json"
#: a vectors folder, as xlink.files.atomic_folder writes and checks it
VECTORS_FOLDER = FolderKind(VECTORS_INFO, "an xlink vectors folder")


@dataclass(frozen=True)
class StaticVectorTable:
    """Words and their vectors (one row each), with where they came from."""

    words: tuple[str, ...]
    vectors: np.ndarray
    model: str
    pca_variance_kept: float

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError(f"{len(self.words)} words but a vectors array of shape {self.vectors.shape}")


def vocabulary(texts: Iterable[str], *, extra_words: Iterable[str] = (), max_words: int = 80_000) -> list[str]:
    """The lower-cased words of ``texts`` (spaCy's English tokenizer), most frequent first.

    ``extra_words`` (e.g. the encoder's whole-word vocabulary entries) count once each.
    Words without a letter, with whitespace or longer than :data:`MAX_WORD_CHARS` are left out.
    """
    import spacy

    nlp = spacy.blank("en")
    counts: Counter[str] = Counter()
    for doc in nlp.pipe(texts, batch_size=2000):
        counts.update(t.lower_ for t in doc if _keep(t.text))
    counts.update(w.lower() for w in extra_words if _keep(w))
    return [word for word, _ in counts.most_common(max_words)]


def _keep(word: str) -> bool:
    return (
        1 < len(word) <= MAX_WORD_CHARS
        and has_letter(word)  # numbers and punctuation get no vector
        and not any(c.isspace() for c in word)
    )


def distil(words: Sequence[str], model: str, *, dims: int = 128, batch_size: int = 256) -> StaticVectorTable:
    """Encode each word alone with the sentence encoder ``model`` (path or hub id), then PCA to ``dims``.

    Rows are centred, projected on the top ``dims`` principal axes and scaled to a root-mean-square
    norm of 1, so that the vectors' scale does not depend on the encoder.
    """
    if not words:
        raise XlinkError("no words to encode: the vocabulary is empty")
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(model, device="cpu")
    order = np.argsort([len(w) for w in words], kind="stable")
    encoded = encoder.encode(
        [words[i] for i in order], batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
    embeddings = np.empty_like(encoded)
    embeddings[order] = encoded
    dims = min(dims, embeddings.shape[1], len(words))
    centred = embeddings - embeddings.mean(axis=0)
    sample = centred[:: max(1, len(words) // 30_000)]
    _, singular, axes = np.linalg.svd(sample, full_matrices=False)
    reduced = centred @ axes[:dims].T
    reduced /= np.sqrt((reduced**2).sum(axis=1).mean())
    kept = float((singular[:dims] ** 2).sum() / (singular**2).sum())
    return StaticVectorTable(tuple(words), reduced.astype(np.float32), str(model), kept)


def encoder_words(model: str) -> list[str]:
    """The whole-word entries of a Hugging Face tokenizer's vocabulary (no ``##`` pieces, no ``[X]``)."""
    from transformers import AutoTokenizer

    vocab = AutoTokenizer.from_pretrained(model).get_vocab()
    return [piece for piece in vocab if not piece.startswith(("##", "[", "<", "▁")) and _keep(piece)]


def _case_variants(word: str) -> tuple[str, ...]:
    """``word`` (lower case) as written in lower case, with a capital first letter, and in upper case."""
    return tuple(dict.fromkeys((word, word[:1].upper() + word[1:], word.upper())))


def save_vectors_pipeline(
    table: StaticVectorTable, output: str | Path, *, sources: Sequence[str] = (), case_variants: bool = True
) -> Path:
    """Write a blank English spaCy pipeline whose vocab holds ``table``, atomically.

    Each lower-cased word is a key, and (``case_variants``) so are its capitalised and upper-case
    forms, all pointing to the same row (no extra data). Keys are spaCy's default ORTH: spaCy 3.8 does not save a
    vectors table's ``attr`` setting for default-mode vectors (``spacy init vectors --attr
    LOWER`` is lost on reload), so case-insensitive lookup is done with shared rows instead.
    The folder is what ``[initialize] vectors`` of a spaCy training config takes;
    ``xlink_vectors.json`` beside it records the encoder, the size and the sources.
    """
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank("en")
    vectors = Vectors(strings=nlp.vocab.strings, data=table.vectors, keys=list(table.words))
    for row, word in enumerate(table.words if case_variants else ()):
        for variant in _case_variants(word)[1:]:
            if variant not in vectors:
                vectors.add(variant, row=row)
    nlp.vocab.vectors = vectors
    output = Path(output)
    with atomic_folder(output, VECTORS_FOLDER) as tmp:
        nlp.to_disk(tmp)
        info: dict[str, Any] = {
            "model": table.model,
            "words": len(table.words),
            "keys": len(vectors.key2row),
            "dims": int(table.vectors.shape[1]),
            "case_variants": case_variants,
            "pca_variance_kept": round(table.pca_variance_kept, 4),
            "sources": list(sources),
        }
        (tmp / VECTORS_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return output


def listener_with_vectors(tok2vec: Any, vectors_width: int, width: int, dropout: float = 0.0) -> Any:
    """``xlink.ListenerWithVectors.v1``: ``concat(tok2vec(docs), vectors(docs) @ W) → Maxout(width)``.

    ``tok2vec`` is usually a ``spacy.Tok2VecListener.v1``; the vectors are those of the docs' vocab
    (``[initialize] vectors``), projected to ``vectors_width``; words without a vector get zeros.
    """
    from spacy.ml.staticvectors import StaticVectors
    from thinc.api import Maxout, chain, concatenate, ragged2list, with_array

    vectors: Any = chain(StaticVectors(nO=vectors_width, dropout=dropout or None), ragged2list())
    mix: Any = with_array(Maxout(nO=width, nP=3, dropout=0.0, normalize=True))
    model: Any = chain(concatenate(tok2vec, vectors), mix)
    model.set_dim("nO", width)
    return model
