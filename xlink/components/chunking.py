"""Run a pipeline over texts of any length, in chunks, and get one Doc per text.

spaCy refuses texts longer than ``nlp.max_length`` (1,000,000 characters by
default) because the NER and parser need memory in proportion to the text.
:func:`pipe_texts` cuts long texts at whitespace (paragraph, then line,
sentence and word breaks) into chunks of at most ``max_chars``, runs them
through ``nlp.pipe`` with the others, and joins the chunks of a text back into
one Doc with ``Doc.from_docs``. Each chunk keeps its trailing whitespace, so
the joined text equals the input and character offsets are those of the
input; entities, their ``kb_id_`` and span extensions carry over. A text with
no whitespace for ``max_chars`` characters is cut inside the word.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from xlink.errors import XlinkError

logger = logging.getLogger(__name__)

_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?]\s"), re.compile(r"\s"))


def split_text(text: str, max_chars: int) -> list[str]:
    """Chunks of at most ``max_chars`` characters whose concatenation is ``text``.

    Each cut is made after the last paragraph break in the window, else the
    last line break, sentence end or whitespace, else at ``max_chars``.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = 0
        for pattern in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window, max_chars // 2)]
            if ends:
                cut = ends[-1]
                break
        if cut <= 0:
            cut = max_chars
        chunks.append(text[start : start + cut])
        start += cut
    chunks.append(text[start:])
    return chunks


def pipe_texts(
    nlp: Language,
    texts: Iterable[str],
    max_chars: int = 100_000,
    batch_size: int = 64,
    n_process: int = 1,
) -> Iterator[Doc]:
    """One processed Doc per text, long texts processed in chunks (see the module docstring)."""
    for name, value in (("max_chars", max_chars), ("batch_size", batch_size), ("n_process", n_process)):
        if value < 1:
            raise XlinkError(f"{name} must be at least 1, not {value}")
    # spaCy refuses a text over nlp.max_length, so no chunk may be longer.
    max_chars = min(max_chars, nlp.max_length)
    texts = list(texts)
    pieces: list[str] = []
    owners: list[int] = []
    for number, text in enumerate(texts):
        chunks = split_text(text, max_chars) if len(text) > max_chars else [text]
        if len(chunks) > 1:
            logger.info("text %d (%d characters) processed in %d chunks", number, len(text), len(chunks))
        pieces.extend(chunks)
        owners.extend([number] * len(chunks))
    current: list[Doc] = []
    owner = 0
    for piece_owner, doc in zip(
        owners, nlp.pipe(pieces, batch_size=batch_size, n_process=n_process), strict=True
    ):
        if current and piece_owner != owner:
            yield _join(current)
            current = []
        owner = piece_owner
        current.append(doc)
    if current:
        yield _join(current)


def _join(docs: list[Doc]) -> Doc:
    if len(docs) == 1:
        return docs[0]
    offsets: list[tuple[int, int, int, int]] = []
    has_abbreviations = Doc.has_extension("abbreviation_offsets")
    spans_mode = has_abbreviations and any(doc._.abbreviations is not None for doc in docs)
    shift = 0
    for doc in docs:
        if has_abbreviations and doc._.abbreviation_offsets:
            offsets.extend(
                (s + shift, e + shift, ls + shift, le + shift) for s, e, ls, le in doc._.abbreviation_offsets
            )
        shift += len(doc.text)
        # Doc-level extension values cannot be concatenated by spaCy; they are merged here
        # (abbreviations) or dropped, without a warning per chunk. Span-level values that hold
        # Spans (xlink_abbreviations' long_form) cannot be copied into another Doc: they are
        # rebuilt on the joined Doc below.
        for key in [
            k for k, v in doc.user_data.items()
            if isinstance(k, tuple) and len(k) == 4 and (k[2] is None or isinstance(v, Span | Doc))
        ]:
            del doc.user_data[key]
    joined = Doc.from_docs(docs, ensure_whitespace=False)
    if has_abbreviations:
        joined._.abbreviation_offsets = offsets
    if spans_mode:  # the component's default mode: Span objects, as on an unchunked Doc
        from xlink.components.abbreviations import abbreviation_pairs

        pairs = abbreviation_pairs(joined)
        for short, long in pairs:
            short._.long_form = long
        joined._.abbreviations = [short for short, _ in pairs]
    return joined
