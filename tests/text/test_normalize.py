"""Tests of the one normalization shared by names and mentions."""

from __future__ import annotations

import doctest

import pytest

from xlink.text import normalize
from xlink.text.normalize import normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NFKC: full-width letters, digits and space
        ("ＷＩＬＳＯＮ　Ｄｉｓｅａｓｅ１２", "wilson disease12"),
        ("ﬁbrosis", "fibrosis"),  # NFKC: ligature
        ("type²", "type2"),  # NFKC: superscript
        ("Wilson DISEASE", "wilson disease"),
        ("Straße", "strasse"),  # case folding, not just lowering
        ("TNF-α", "tnf alpha"),
        ("IL-1β", "il 1beta"),
        ("GST-π, PKCθ, Σ1 and µ-opioid", "gst pi pkctheta sigma1 and mu opioid"),
        (
            "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
            "alphabetagammadeltaepsilonzetaetathetaiotakappalambda"
            "munuxiomicronpirhosigmatauupsilonphichipsiomega",
        ),
        ("Wilson's  Disease (WD)", "wilson s disease wd"),
        ("a/b-c_d.e;f", "a b c d e f"),
        ("  many \t spaces\n\nand lines  ", "many spaces and lines"),
        ("", ""),
        ("  ", ""),
        ("()-_", ""),
        # invisible format characters (PDF/HTML text) do not split words; a zero-width space does
        ("Wil\u00adson disease", "wilson disease"),  # soft hyphen
        ("Wil\u200dson\u200c disease", "wilson disease"),  # zero-width joiner / non-joiner
        ("\u200fMénière\u200e \ufeffdisease", "meniere disease"),  # direction marks, BOM
        ("Wilson\u200bdisease", "wilson disease"),  # zero-width space
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_docstring_example() -> None:
    assert doctest.testmod(normalize).failed == 0


@pytest.mark.parametrize("text", ["ＷＩＬＳＯＮ Disease", "IL-1β", "Σ (x)", "Crohn's disease"])
def test_normalize_text_is_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_accents_are_removed() -> None:
    from xlink.text.normalize import normalize_text

    assert normalize_text("Ménière's disease") == normalize_text("Meniere's Disease") == "meniere s disease"
    assert normalize_text("Sjögren syndrome") == "sjogren syndrome"
