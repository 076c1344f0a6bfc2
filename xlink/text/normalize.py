"""One normalization for terminology names and text mentions.

Names and mentions must be folded the same way, or an alias that equals a
mention fails to match it. The fold is: Unicode NFKC, case folding, Greek
letters spelled out, accents removed ("Ménière" → "meniere", as MeSH writes
it), invisible format characters deleted (a soft hyphen or zero-width joiner
from PDF or HTML text must not split "Wil\u00adson" in two; a zero-width
space is a word break and becomes a space), punctuation
replaced by spaces, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

# All 24 letters: NFKC and case folding have already mapped capitals, final
# sigma and symbol variants (ϑ, ϕ, µ, ...) onto these.
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi",
    "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega",
}
# Anything that is neither a letter nor a digit becomes a space.
_NON_WORD = re.compile(r"[^\w]+|_+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def normalize_text(text: str) -> str:
    """Return the comparison form of ``text``.

    >>> normalize_text("Wilson's  Disease (WD)")
    'wilson s disease wd'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if any(ch in _GREEK for ch in text):
        text = "".join(_GREEK.get(ch, ch) for ch in text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text)
        # combining marks (accents) and format characters (Cf: soft hyphen, zero-width
        # joiners, direction marks, BOM) go; a zero-width space separates words, so it
        # becomes a space; everything else stays for _NON_WORD
        text = "".join(
            " " if ch == "\u200b" else ch
            for ch in decomposed
            if not unicodedata.combining(ch) and (ch == "\u200b" or unicodedata.category(ch) != "Cf")
        )
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def has_letter(text: str) -> bool:
    """Whether ``text`` holds a letter of any script (not only digits, punctuation or spaces)."""
    return _LETTER.search(text) is not None
