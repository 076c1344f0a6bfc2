"""Split coordinated mentions that name several concepts at once.

"breast and ovarian cancer" names Breast Neoplasms *and* Ovarian Neoplasms;
NCBI Disease annotates it with a composite id (``D001943|D010051``). A linker
that links the whole string finds at best one of the two. Splitting the
coordination and distributing the shared head gives one string per concept:
"breast cancer", "ovarian cancer".
"""

from __future__ import annotations

import re

_CONJUNCTION = re.compile(r"\s*,\s*(?:and|or)\s+|\s+and\s*/\s*or\s+|\s+and\s+|\s+or\s+|\s*/\s*|\s*,\s*", re.I)
_MAX_PARTS = 6


def split_composite(text: str) -> list[str] | None:
    """The concept strings of a coordinated mention, or None if it is not one.

    One-word conjuncts before the last are modifiers of the last conjunct's
    head: "brain, breast, and prostate cancer" → ["brain cancer", "breast
    cancer", "prostate cancer"]. Longer conjuncts stand alone: "colorectal
    cancer and melanoma" → ["colorectal cancer", "melanoma"].

    >>> split_composite("breast and ovarian cancer")
    ['breast cancer', 'ovarian cancer']
    >>> split_composite("Wilson disease") is None
    True
    """
    parts = [p.strip() for p in _CONJUNCTION.split(text.strip()) if p and p.strip()]
    if len(parts) < 2 or len(parts) > _MAX_PARTS:
        return None
    last_words = parts[-1].split()
    head = " ".join(last_words[1:])
    out = []
    for part in parts[:-1]:
        if len(part.split()) == 1 and head:
            out.append(f"{part} {head}")
        else:
            out.append(part)
    out.append(parts[-1])
    return out
