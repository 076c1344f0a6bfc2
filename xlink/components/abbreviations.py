"""spaCy component that marks abbreviations and links each to its long form.

It exposes what scispaCy's ``AbbreviationDetector`` exposes, so that code
written for one works with the other: ``doc._.abbreviations`` lists the
short-form Spans (definitions and later uses) and ``span._.long_form`` is
the Span of the long form. The finding is done by
:func:`xlink.text.abbreviations.find_abbreviations` and
:func:`~xlink.text.abbreviations.find_abbreviation_uses` (Schwartz & Hearst,
2003, PSB); this module only turns character offsets into Spans.

Spans cannot be stored by ``DocBin``, so with ``make_serializable=True`` the
component stores plain offset tuples in ``doc._.abbreviation_offsets``
instead; :func:`abbreviation_pairs` turns them back into Spans.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from xlink.text.abbreviations import find_abbreviation_uses, find_abbreviations

#: (short start_char, short end_char, long start_char, long end_char)
AbbreviationOffsets = tuple[int, int, int, int]


@Language.factory(
    "xlink_abbreviations",
    default_config={"make_serializable": False, "relaxed": False},
    assigns=["doc._.abbreviations", "span._.long_form"],
)
def make_abbreviation_detector(
    nlp: Language, name: str, make_serializable: bool, relaxed: bool = False
) -> AbbreviationDetector:
    """Build the ``xlink_abbreviations`` component (also the entry point spaCy finds).

    ``relaxed`` also accepts definitions whose initials are permuted ("myotonic dystrophy
    (DM)"); see :func:`xlink.text.abbreviations.find_abbreviations`. A linker after this
    component uses its pairs, so this setting, not the linker's ``relaxed_abbreviations``,
    then decides.
    """
    return AbbreviationDetector(nlp, name=name, make_serializable=make_serializable, relaxed=relaxed)


def register_extensions() -> None:
    """Declare the Doc and Span attributes the component writes, once.

    * ``doc._.abbreviations``: list of short-form Spans, None before the
      component runs or when it runs with ``make_serializable=True``;
    * ``span._.long_form``: the long-form Span of a short form;
    * ``doc._.abbreviation_offsets``: list of :data:`AbbreviationOffsets`,
      written in both modes, and the only thing written when serializable.

    Defaults are None rather than ``[]`` so that no list is shared by all Docs.
    """
    if not Doc.has_extension("abbreviations"):
        Doc.set_extension("abbreviations", default=None)
    if not Doc.has_extension("abbreviation_offsets"):
        Doc.set_extension("abbreviation_offsets", default=None)
    if not Span.has_extension("long_form"):
        Span.set_extension("long_form", default=None)


class AbbreviationDetector:
    """Marks abbreviation definitions and uses in a Doc (see the module docstring)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "xlink_abbreviations",
        make_serializable: bool = False,
        relaxed: bool = False,
    ) -> None:
        register_extensions()
        self.name = name
        self.make_serializable = make_serializable
        self.relaxed = relaxed

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        definitions = find_abbreviations(text, relaxed=self.relaxed)
        found = definitions + find_abbreviation_uses(text, definitions)
        pairs: list[tuple[Span, Span]] = []
        offsets: list[tuple[int, int, int, int]] = []
        seen: set[tuple[int, int]] = set()
        for abbreviation in sorted(found, key=lambda a: a.short_start):
            where = (abbreviation.short_start, abbreviation.short_end, abbreviation.long_start, abbreviation.long_end)
            if where[0] >= where[1] or where[2] >= where[3] or where[:2] in seen:
                continue
            seen.add(where[:2])
            # the text's own offsets: "IL" of "(IL)-10" stays "IL" for the linker, not the token "IL)-10"
            offsets.append(where)
            short = _token_span(doc, abbreviation.short_start, abbreviation.short_end)
            long = _token_span(doc, abbreviation.long_start, abbreviation.long_end)
            if short is not None and long is not None:
                pairs.append((short, long))
        doc._.abbreviation_offsets = offsets
        if not self.make_serializable:
            for short, long in pairs:
                short._.long_form = long
            doc._.abbreviations = [short for short, _ in pairs]
        return doc


def abbreviation_pairs(doc: Doc) -> list[tuple[Span, Span]]:
    """(short form, long form) Spans of a Doc the component has processed.

    Works in both modes, and on a Doc read back from a ``DocBin`` (where the
    offsets come back as lists).
    """
    register_extensions()
    pairs: list[tuple[Span, Span]] = []
    for short_start, short_end, long_start, long_end in doc._.abbreviation_offsets or []:
        short = doc.char_span(short_start, short_end)
        long = doc.char_span(long_start, long_end)
        if short is not None and long is not None:
            pairs.append((short, long))
    return pairs


def _token_span(doc: Doc, start: int, end: int) -> Span | None:
    """The Span of ``[start, end)``, widened to token boundaries over punctuation only.

    A widening that would take in letters or digits ("WD" inside the token "disease(WD")
    names another string, so there is no Span for it (its offsets are still recorded).
    """
    if start >= end:
        return None
    span = doc.char_span(start, end, alignment_mode="strict")
    if span is None:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            added = doc.text[span.start_char : start] + doc.text[end : span.end_char]
            if any(c.isalnum() for c in added):
                return None
    if span is None or len(span) == 0:
        return None
    return span
