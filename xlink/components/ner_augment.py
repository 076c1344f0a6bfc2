"""Mention replacement: a spaCy training augmenter that swaps entity texts for terminology names.

Why: a disease NER trained on a few hundred abstracts learns the names it saw; a name it never
saw ("nystagmus") in a sentence that plainly describes a disease is still missed. Replacing each
annotated mention, with some probability, by a random name of the terminology (Dai & Adel,
COLING 2020, "mention replacement") keeps the sentence and shows the NER many more names in
disease contexts. The original example is always kept; the augmented copy is added.

Use it in a training config (registered through the ``spacy_augmenters`` entry point)::

    [corpora.train.augmenter]
    @augmenters = "xlink.mention_replacement.v1"
    terminology = "CTD_diseases.tsv.gz"
    level = 0.5
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from xlink.errors import XlinkError
from xlink.text.normalize import has_letter


def replacement_names(names: Sequence[str], *, max_words: int = 6) -> list[str]:
    """The names fit to stand in running text: no inverted "Carcinoma, Renal Cell" forms, no
    qualifiers in brackets or after a semicolon, at most ``max_words`` words, at least 3 characters."""
    kept = {
        name.strip()
        for name in names
        if 3 <= len(name.strip())
        and not any(c in name for c in ",;[]()")
        and len(name.split()) <= max_words
        and has_letter(name)
    }
    return sorted(kept)


def create_mention_replacement_augmenter(
    terminology: str,
    level: float = 0.5,
    seed: int = 0,
    terminology_format: str | None = None,
    labels: Sequence[str] | None = None,
    max_words: int = 6,
) -> Callable[[Any, Any], Iterator[Any]]:
    """``xlink.mention_replacement.v1``: yield each example, then (if any mention was replaced) a copy
    in which each mention of ``labels`` (all labels when None) was replaced with probability ``level``
    by a random name of ``terminology``. A mention written in lower case gets a lower-cased name
    (MeSH writes "Breast Neoplasms", abstracts write "breast cancer"), unless the name is an acronym."""
    from xlink.terminology.loaders import load_terminology

    if not 0.0 <= level <= 1.0:
        raise XlinkError(f"mention replacement: level must be within [0, 1], not {level}")
    if not Path(terminology).exists():
        raise XlinkError(f"mention replacement: terminology file {terminology} not found")
    names = replacement_names(
        [name for concept in load_terminology(terminology, terminology_format) for name in concept.names],
        max_words=max_words,
    )
    if not names:
        raise XlinkError(f"mention replacement: {terminology} has no name that can stand in running text")
    rng = random.Random(seed)
    wanted = set(labels) if labels else None

    def augment(nlp: Any, example: Any) -> Iterator[Any]:
        yield example
        replaced = _replaced(example.reference, names, rng, level, wanted)
        if replaced is not None:
            from spacy.training import Example

            text, entities = replaced
            yield Example.from_dict(nlp.make_doc(text), {"entities": entities})

    return augment


def _replaced(
    doc: Any, names: Sequence[str], rng: random.Random, level: float, wanted: set[str] | None
) -> tuple[str, list[tuple[int, int, str]]] | None:
    """The text with some mentions replaced, and every entity's new offsets; None if none was replaced."""
    text = doc.text
    out: list[str] = []
    entities: list[tuple[int, int, str]] = []
    cursor = length = 0
    changed = False
    for ent in doc.ents:
        before = text[cursor : ent.start_char]
        out.append(before)
        length += len(before)
        surface = ent.text
        if (wanted is None or ent.label_ in wanted) and rng.random() < level:
            surface = rng.choice(names)
            if ent.text[:1].islower() and not surface.isupper():  # acronyms keep their case
                surface = surface.lower()
            changed = True
        out.append(surface)
        entities.append((length, length + len(surface), ent.label_))
        length += len(surface)
        cursor = ent.end_char
    if not changed:
        return None
    out.append(text[cursor:])
    return "".join(out), entities
