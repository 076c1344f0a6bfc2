"""Abbreviation definitions and their later uses in a text.

Biomedical abstracts define an abbreviation once, "Wilson disease (WD)", and
then use only the short form: "the WD gene ATP7B". A linker that sees "WD"
alone has little to go on; linked through its long form it has a name that
a terminology knows. This module finds the definitions with the algorithm of
Schwartz & Hearst (2003), "A simple algorithm for identifying abbreviation
definitions in biomedical text", Pacific Symposium on Biocomputing 8:451-462,
in the form scispaCy's ``AbbreviationDetector`` gives it, and then finds the
later uses of each short form.

Everything works on a plain string and character offsets, so that it serves
corpora, the command line and the spaCy component
(:mod:`xlink.components.abbreviations`) alike.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Short forms are 2 to 10 characters and at most two words (Schwartz & Hearst, 2003).
MIN_SHORT_FORM_CHARS = 2
MAX_SHORT_FORM_CHARS = 10
MAX_SHORT_FORM_WORDS = 2

# Bounds that keep the search linear on pathological input (megabytes without
# a space, thousands of nested parentheses). No real definition comes close.
_MAX_PAREN_CONTENT_CHARS = 300
_MAX_LOOKBACK_CHARS = 600

_PAREN = re.compile(r"[()]")
_WORD = re.compile(r"\S+")
# "; " and ", " end a short form: "(WD; OMIM 277900)" defines "WD".
_CLAUSE_END = re.compile(r"[,;]\s")
# A sentence ends at . ! or ? after two lowercase letters or digits and before
# a space and a capital letter ("St. John's wort" and "Dr. Smith" do not end
# one); a long form does not run across it.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2})[.!?]\s+(?=[A-Z])")
# Characters trimmed from both ends of a long or short form.
_TRIM = " \t\n\r\f\v,;:\"'`\u2018\u2019\u201c\u201d"


@dataclass(frozen=True)
class Abbreviation:
    """One occurrence of a short form, with the long form it stands for.

    Offsets are character offsets into the analysed text, end-exclusive. For a
    definition the long form is the one written next to it; for a later use
    it is the long form of the definition that governs it, so
    ``long_start``/``long_end`` point back at that definition.
    """

    short_form: str
    short_start: int
    short_end: int
    long_form: str
    long_start: int
    long_end: int


def find_abbreviations(text: str, relaxed: bool = False) -> list[Abbreviation]:
    """Every abbreviation *definition* in ``text``, in order of the short form.

    Two patterns are candidates (Schwartz & Hearst, 2003):

    * ``long form (SF)``, the common one: the short form is the text in the
      parentheses, cut at the first ", " or "; " or nested parenthesis;
    * ``SF (long form)``: used when the parentheses hold more than two words,
      or more characters than the text before them; the short form is then
      the word before the parentheses and must contain a capital letter.

    A short form has 2 to 10 characters, at most two words, at least one
    letter and an alphanumeric first character. A two-word short form must
    hold a capital letter or a digit, which keeps asides such as "(see
    below)" out (an addition to the paper). The long form is searched for in
    the last ``min(|SF| + 5, 2 * |SF|)`` whitespace-separated words before the
    parentheses (``|SF|`` counts the short form's non-space characters, as
    scispaCy does), never across a sentence end or another parenthesis; see
    :func:`_long_form_start` for the matching rule itself.

    With ``relaxed=True``, a ``long form (SF)`` pair that the matching rule
    rejects is still accepted when the short form is 2–5 capital letters and
    the initials of the last as many words before the parentheses are the
    same letters in another order: "myotonic dystrophy (DM)" (an addition to
    the paper; it helps linking, see BENCHMARKS.md).

    >>> [(a.short_form, a.long_form) for a in find_abbreviations("causing Wilson disease (WD).")]
    [('WD', 'Wilson disease')]
    """
    found: dict[tuple[int, int], Abbreviation] = {}
    parens = [m.start() for m in _PAREN.finditer(text)]
    for open_at, close_at in _paren_pairs(text, parens):
        abbreviation = _definition_at(text, open_at, close_at, parens, relaxed)
        if abbreviation is not None:
            found.setdefault((abbreviation.short_start, abbreviation.short_end), abbreviation)
    return sorted(found.values(), key=lambda a: (a.short_start, a.short_end))


def find_abbreviation_uses(text: str, definitions: Sequence[Abbreviation]) -> list[Abbreviation]:
    """Every later use of a defined short form, linked to its long form.

    A use is an occurrence of the short form as a whole token (not preceded
    or followed by a letter, digit or underscore; case-sensitive) after its
    definition. When a short form is defined twice, a use takes the long form
    of the nearest definition before it. Occurrences before the first
    definition, the definitions themselves, and occurrences inside the
    governing long form are not uses. The result is in text order.

    >>> text = "Wilson disease (WD) is rare. WD affects the liver."
    >>> [(u.short_start, u.long_form) for u in find_abbreviation_uses(text, find_abbreviations(text))]
    [(29, 'Wilson disease')]
    """
    if not definitions:
        return []
    by_short: dict[str, list[Abbreviation]] = {}
    for definition in sorted(definitions, key=lambda a: a.short_start):
        by_short.setdefault(definition.short_form, []).append(definition)
    starts = {short: [d.short_start for d in defs] for short, defs in by_short.items()}
    defined_at = {(d.short_start, d.short_end) for d in definitions}
    # One alternation, longest first, so the text is scanned once however
    # many short forms there are.
    alternatives = "|".join(re.escape(s) for s in sorted(by_short, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    uses: list[Abbreviation] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if (start, end) in defined_at:
            continue
        short = match.group()
        index = bisect.bisect_left(starts[short], start) - 1
        if index < 0:
            continue
        definition = by_short[short][index]
        if start < definition.long_end and definition.long_start < end:
            continue
        uses.append(
            Abbreviation(
                short_form=short,
                short_start=start,
                short_end=end,
                long_form=definition.long_form,
                long_start=definition.long_start,
                long_end=definition.long_end,
            )
        )
    return uses


def expand_mention(
    text: str, start: int, end: int, abbreviations: Iterable[Abbreviation]
) -> str | None:
    """The mention ``text[start:end]`` with its abbreviations written out, or None.

    A linker should look up the expansion as well as the surface. The rules:

    1. If ``[start, end)`` is exactly a short-form occurrence in
       ``abbreviations``, its long form: "WD" → "Wilson disease".
    2. Otherwise every short-form occurrence lying inside the mention is
       replaced by its long form: "type 1 DM" → "type 1 diabetes mellitus".
       A definition whose long form is inside the mention too ("Wilson
       disease (WD)") needs no expansion and is left alone.
    3. If no known occurrence (short or long form) overlaps the mention,
       short forms are matched by text instead: each defined short form that
       occurs as a whole token in the mention is replaced by the long form of
       its nearest definition before the mention (or its first definition, for
       a mention before any, such as one in a title), unless that long form
       is already written in the mention.

    None means there is nothing to expand, so that callers can keep the
    surface alone. ``abbreviations`` may hold definitions only, or
    definitions and uses; offsets must index ``text``.

    >>> text = "diabetes mellitus (DM) ... type 1 DM"
    >>> expand_mention(text, 27, 36, find_abbreviations(text))
    'type 1 diabetes mellitus'
    """
    if not 0 <= start < end <= len(text):
        return None
    known = {(a.short_start, a.short_end): a for a in abbreviations}
    exact = known.get((start, end))
    if exact is not None:
        return exact.long_form

    surface = text[start:end]
    overlapping = [
        a
        for a in known.values()
        if (a.short_start < end and start < a.short_end)
        or (a.long_start < end and start < a.long_end)
    ]
    if overlapping:
        inside = [
            a
            for a in overlapping
            if start <= a.short_start
            and a.short_end <= end
            and not (start <= a.long_start and a.long_end <= end)
        ]
        replacements = [(a.short_start - start, a.short_end - start, a.long_form) for a in inside]
    else:
        replacements = _textual_replacements(surface, start, known.values())
    if not replacements:
        return None
    for rel_start, rel_end, long_form in sorted(replacements, reverse=True):
        surface = surface[:rel_start] + long_form + surface[rel_end:]
    return surface


def _textual_replacements(
    surface: str, start: int, abbreviations: Iterable[Abbreviation]
) -> list[tuple[int, int, str]]:
    """Rule 3 of :func:`expand_mention`: short forms found in the surface by text."""
    long_forms: dict[str, Abbreviation] = {}
    for a in sorted(abbreviations, key=lambda a: a.short_start):
        current = long_forms.get(a.short_form)
        if current is None or a.short_start < start:
            long_forms[a.short_form] = a
    if not long_forms:
        return []
    alternatives = "|".join(re.escape(s) for s in sorted(long_forms, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return [
        (m.start(), m.end(), long_forms[m.group()].long_form)
        for m in pattern.finditer(surface)
        if long_forms[m.group()].long_form not in surface
    ]


def _paren_pairs(text: str, parens: list[int]) -> list[tuple[int, int]]:
    """Matched ``(``/``)`` pairs, outer and nested, by opening position.

    A stack makes this linear; unmatched parentheses are ignored.
    """
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for position in parens:
        if text[position] == "(":
            stack.append(position)
        elif stack:
            pairs.append((stack.pop(), position))
    pairs.sort()
    return pairs


def _definition_at(
    text: str, open_at: int, close_at: int, parens: list[int], relaxed: bool = False
) -> Abbreviation | None:
    """The definition that the parentheses at ``open_at``/``close_at`` make, if any."""
    if close_at - open_at - 1 > _MAX_PAREN_CONTENT_CHARS:
        return None
    inner_start, inner_end = open_at + 1, close_at
    nested = text.find("(", inner_start, inner_end)
    if nested >= 0:
        inner_end = nested
    clause = _CLAUSE_END.search(text, inner_start, inner_end)
    if clause is not None:
        inner_end = clause.start()
    inner_start, inner_end = _trim(text, inner_start, inner_end)
    if inner_start >= inner_end:
        return None

    before_start = _context_start(text, open_at, parens)
    context_start, context_end = _trim(text, before_start, open_at)
    inner = text[inner_start:inner_end]
    if len(inner.split()) > MAX_SHORT_FORM_WORDS or len(inner) > context_end - context_start:
        # "SF (long form)": the short form is the last word before the parentheses.
        words = list(_WORD.finditer(text, context_start, context_end))
        if not words:
            return None
        short_start, short_end = _trim(text, words[-1].start(), words[-1].end())
        short = text[short_start:short_end]
        if not any(ch.isupper() for ch in short):
            return None
        long_window = (inner_start, inner_end)
    else:
        short_start, short_end = inner_start, inner_end
        short = inner
        long_window = (context_start, context_end)
    if not _is_short_form(short):
        return None

    window_start, window_end = _last_words(text, *long_window, _window_words(short))
    if window_start >= window_end:
        return None
    long_start = _long_form_start(short, text, window_start, window_end)
    if long_start is None and relaxed and long_window == (context_start, context_end):
        long_start = _permuted_initials_start(short, text, window_start, window_end)
    if long_start is None:
        return None
    long_start, long_end = _trim(text, long_start, window_end)
    long_form = text[long_start:long_end]
    # Checks from Schwartz & Hearst's matchPair: a long form is longer than its
    # short form and does not contain it as a word. "As a word" is read here
    # as "as a token", so "WD-associated (WD)" is no definition either.
    if len(long_form) < len(short) or f"{short} " in long_form or long_form.endswith(short):
        return None
    if re.search(rf"(?<!\w){re.escape(short)}(?!\w)", long_form):
        return None
    return Abbreviation(short, short_start, short_end, long_form, long_start, long_end)


def _permuted_initials_start(short: str, text: str, start: int, end: int) -> int | None:
    """Start of the last ``len(short)`` words if their initials are the short form's letters."""
    if not (2 <= len(short) <= 5 and short.isalpha() and short.isupper()):
        return None
    words = list(re.finditer(r"[^\W\d_][\w'-]*", text[start:end]))
    if len(words) < len(short):
        return None
    last = words[-len(short) :]
    if sorted(w.group(0)[0].lower() for w in last) != sorted(short.lower()):
        return None
    return start + last[0].start()


def _context_start(text: str, open_at: int, parens: list[int]) -> int:
    """Where the text that may hold a long form before ``open_at`` begins.

    It begins after the previous parenthesis and after the last sentence end,
    and at most ``_MAX_LOOKBACK_CHARS`` back.
    """
    start = max(0, open_at - _MAX_LOOKBACK_CHARS)
    index = bisect.bisect_left(parens, open_at) - 1
    if index >= 0:
        start = max(start, parens[index] + 1)
    for match in _SENTENCE_END.finditer(text, start, open_at):
        start = match.end()
    return start


def _is_short_form(candidate: str) -> bool:
    """Whether ``candidate`` may be a short form (Schwartz & Hearst, 2003)."""
    if not MIN_SHORT_FORM_CHARS <= len(candidate) <= MAX_SHORT_FORM_CHARS:
        return False
    words = candidate.split()
    if len(words) > MAX_SHORT_FORM_WORDS:
        return False
    if not candidate[0].isalnum() or not any(ch.isalpha() for ch in candidate):
        return False
    if len(words) > 1 and not any(ch.isupper() or ch.isdigit() for ch in candidate):
        return False
    return True


def _window_words(short: str) -> int:
    """How many words before the short form may hold its long form."""
    size = sum(1 for ch in short if not ch.isspace())
    return min(size + 5, 2 * size)


def _last_words(text: str, start: int, end: int, count: int) -> tuple[int, int]:
    """The span of the last ``count`` whitespace-separated words of ``text[start:end]``."""
    words = list(_WORD.finditer(text, start, end))[-count:]
    if not words:
        return (end, end)
    return (words[0].start(), words[-1].end())


def _long_form_start(short: str, text: str, start: int, end: int) -> int | None:
    """Where the long form of ``short`` begins in ``text[start:end]``, or None.

    This is the matching rule of Schwartz & Hearst (2003): walk the short
    form's letters and digits from last to first, and for each find the
    nearest equal character (ignoring case) further left in the candidate;
    the short form's first character must moreover start a word (follow a
    non-alphanumeric character). The long form then runs from the start of
    the whitespace-separated word holding that match to the end of the
    candidate.
    """
    s = len(short) - 1
    i = end - 1
    while s >= 0:
        char = short[s].lower()
        if not char.isalnum():
            s -= 1
            continue
        while i >= start and (
            text[i].lower() != char or (s == 0 and i > start and text[i - 1].isalnum())
        ):
            i -= 1
        if i < start:
            return None
        i -= 1
        s -= 1
    i += 1
    while i > start and not text[i - 1].isspace():
        i -= 1
    return i


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the surrounding spaces, quotes and ``,;:``."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end
