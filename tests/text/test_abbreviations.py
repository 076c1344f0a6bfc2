"""Tests of Schwartz & Hearst abbreviation detection on NCBI Disease-like text."""

from __future__ import annotations

import dataclasses
import doctest
import time

import pytest

from xlink.text import abbreviations
from xlink.text.abbreviations import (
    Abbreviation,
    expand_mention,
    find_abbreviation_uses,
    find_abbreviations,
)

WILSON = (
    "Mutations in ATP7B cause Wilson disease (WD). The WD gene ATP7B encodes a "
    "copper-transporting ATPase; WD is treatable."
)


def pairs(text: str) -> list[tuple[str, str]]:
    return [(a.short_form, a.long_form) for a in find_abbreviations(text)]


def test_wilson_disease_definition_with_offsets() -> None:
    assert find_abbreviations(WILSON) == [Abbreviation("WD", 41, 43, "Wilson disease", 25, 39)]
    assert WILSON[41:43] == "WD" and WILSON[25:39] == "Wilson disease"


def test_wilson_disease_later_uses_link_to_the_long_form() -> None:
    uses = find_abbreviation_uses(WILSON, find_abbreviations(WILSON))
    assert uses == [
        Abbreviation("WD", 50, 52, "Wilson disease", 25, 39),
        Abbreviation("WD", 102, 104, "Wilson disease", 25, 39),
    ]
    assert WILSON[50:63] == "WD gene ATP7B"


def test_copper_toxicosis_takes_the_shortest_matching_long_form() -> None:
    text = "The Bedlington terrier has autosomal recessive copper toxicosis (CT)."
    assert find_abbreviations(text) == [Abbreviation("CT", 65, 67, "copper toxicosis", 47, 63)]


def test_hyphenated_long_form() -> None:
    text = "Machado-Joseph disease (MJD) is the most common dominant ataxia."
    assert find_abbreviations(text) == [
        Abbreviation("MJD", 24, 27, "Machado-Joseph disease", 0, 22)
    ]


def test_two_definitions_in_one_sentence() -> None:
    text = (
        "Germline mutations of the adenomatous polyposis coli (APC) gene cause "
        "familial adenomatous polyposis (FAP)."
    )
    assert find_abbreviations(text) == [
        Abbreviation("APC", 54, 57, "adenomatous polyposis coli", 26, 52),
        Abbreviation("FAP", 102, 105, "familial adenomatous polyposis", 70, 100),
    ]


def test_short_form_before_long_form_in_parentheses() -> None:
    text = "TNF (tumor necrosis factor) is a cytokine. TNF levels rose."
    definitions = find_abbreviations(text)
    assert definitions == [Abbreviation("TNF", 0, 3, "tumor necrosis factor", 5, 26)]
    assert [u.short_start for u in find_abbreviation_uses(text, definitions)] == [43]


def test_short_form_at_text_start_and_end() -> None:
    assert find_abbreviations("WD (Wilson disease) is rare.") == [
        Abbreviation("WD", 0, 2, "Wilson disease", 4, 18)
    ]
    assert find_abbreviations("It is Wilson disease (WD)") == [
        Abbreviation("WD", 22, 24, "Wilson disease", 6, 20)
    ]
    assert find_abbreviations("(WD) starts the text.") == []
    assert find_abbreviations("ends with an open paren Wilson disease (") == []


@pytest.mark.parametrize(
    "text",
    [
        "The results are described elsewhere (see below) in detail.",
        "Copper levels were higher in patients (p < 0.05).",
        "The cohort was small (n = 12).",
        "Copper accumulates in the liver (Fig. 1) and brain (Table 2).",
        "Nothing here (123) or here (-WD) or here (W).",
        "Wilson disease (ABCDEFGHIJK) is too long a short form.",
        "Severe Wilson disease (WD protein) names a protein.",
        "()(())((",
    ],
)
def test_parentheses_without_an_abbreviation(text: str) -> None:
    assert find_abbreviations(text) == []


def test_nested_and_clause_parentheses_keep_the_short_form() -> None:
    assert pairs("Wilson disease (WD (OMIM 277900)) is rare.") == [("WD", "Wilson disease")]
    assert pairs("in Wilson disease (WD; OMIM 277900)") == [("WD", "Wilson disease")]
    assert pairs("Wilson disease (WD, see below)") == [("WD", "Wilson disease")]


def test_long_form_is_limited_to_the_word_window() -> None:
    # "WD" may look back min(2 + 5, 2 * 2) = 4 words; "Wilson" is six words back.
    assert find_abbreviations("Wilson, a rare and severe disease (WD)") == []


def test_long_form_does_not_cross_a_sentence_end() -> None:
    text = "It was associated with Crohn disease. Treatment (CDT) was given."
    assert find_abbreviations(text) == []
    # ... but an abbreviation's period is no sentence end.
    assert pairs("St. John's wort (SJW) is an herb.") == [("SJW", "St. John's wort")]


def test_unicode_short_and_long_forms() -> None:
    text = "α-synuclein (αSyn) aggregates in Parkinson disease (PD)."
    assert find_abbreviations(text) == [
        Abbreviation("αSyn", 13, 17, "α-synuclein", 0, 11),
        Abbreviation("PD", 52, 54, "Parkinson disease", 33, 50),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01 (\x02) \ud7ff",
        "İstanbul disease (İD) and ß (SS) \u200b(\u200b)",
        "Wilson disease\u00a0(WD)\u2028WD \U0001f600 (\U0001f600\U0001f600)",
        "（WD）full-width parentheses",
        "a\u0301b\u0301 disease (AB)",
    ],
)
def test_odd_text_does_not_crash(text: str) -> None:
    definitions = find_abbreviations(text)
    for abbreviation in definitions + find_abbreviation_uses(text, definitions):
        assert text[abbreviation.short_start : abbreviation.short_end] == abbreviation.short_form
        assert text[abbreviation.long_start : abbreviation.long_end] == abbreviation.long_form


def test_uses_are_whole_case_sensitive_tokens_after_the_definition() -> None:
    text = "WD first. Wilson disease (WD) then wd, WDR5, WD-associated, (WD) and WD."
    definitions = find_abbreviations(text)
    uses = find_abbreviation_uses(text, definitions)
    assert [text[u.short_start : u.short_start + 5] for u in uses] == ["WD-as", "WD) a", "WD."]
    assert all(u.long_form == "Wilson disease" for u in uses)


def test_a_redefined_short_form_takes_the_nearest_definition() -> None:
    text = "Wilson disease (WD) and WD. Later, white dots (WD) and WD."
    definitions = find_abbreviations(text)
    uses = find_abbreviation_uses(text, definitions)
    assert [(u.short_start, u.long_form) for u in uses] == [
        (24, "Wilson disease"),
        (55, "white dots"),
    ]


def test_uses_without_definitions() -> None:
    assert find_abbreviation_uses("WD and WD", []) == []


def test_docstring_examples() -> None:
    assert doctest.testmod(abbreviations).failed == 0


def test_abbreviation_is_frozen() -> None:
    abbreviation = Abbreviation("WD", 0, 2, "Wilson disease", 4, 18)
    with pytest.raises(dataclasses.FrozenInstanceError):
        abbreviation.short_form = "X"  # type: ignore[misc]


class TestExpandMention:
    TEXT = "WD gene. In Wilson disease (WD) and diabetes mellitus (DM), the WD gene and type 1 DM."

    def found(self) -> list[Abbreviation]:
        definitions = find_abbreviations(self.TEXT)
        return definitions + find_abbreviation_uses(self.TEXT, definitions)

    def span(self, surface: str, occurrence: int = 0) -> tuple[int, int]:
        start = -1
        for _ in range(occurrence + 1):
            start = self.TEXT.index(surface, start + 1)
        return start, start + len(surface)

    def test_exact_short_form(self) -> None:
        assert expand_mention(self.TEXT, *self.span("WD", 2), self.found()) == "Wilson disease"

    def test_short_form_inside_the_mention(self) -> None:
        start, end = self.span("type 1 DM")
        assert expand_mention(self.TEXT, start, end, self.found()) == "type 1 diabetes mellitus"
        start, end = self.span("WD gene", 1)
        assert expand_mention(self.TEXT, start, end, self.found()) == "Wilson disease gene"

    def test_definitions_only_are_enough(self) -> None:
        start, end = self.span("type 1 DM")
        definitions = find_abbreviations(self.TEXT)
        assert expand_mention(self.TEXT, start, end, definitions) == "type 1 diabetes mellitus"

    def test_mention_before_the_definition_is_matched_by_text(self) -> None:
        assert expand_mention(self.TEXT, 0, 7, self.found()) == "Wilson disease gene"

    def test_nothing_to_expand(self) -> None:
        found = self.found()
        assert expand_mention(self.TEXT, *self.span("Wilson disease (WD)"), found) is None
        assert expand_mention(self.TEXT, *self.span("Wilson disease"), found) is None
        assert expand_mention(self.TEXT, *self.span("gene"), found) is None
        assert expand_mention(self.TEXT, 5, 5, found) is None
        assert expand_mention("", 0, 1, []) is None
        assert expand_mention(self.TEXT, *self.span("type 1 DM"), []) is None


def _timed(text: str) -> float:
    started = time.perf_counter()
    find_abbreviation_uses(text, find_abbreviations(text))
    return time.perf_counter() - started


def test_one_megabyte_of_abstracts_is_fast() -> None:
    text = (WILSON + " Copper (see below) rose (p < 0.05) in (nested (parens)). ") * 6000
    text = text[:1_000_000]
    assert len(find_abbreviation_uses(text, find_abbreviations(text))) > 10_000
    assert _timed(text) < 2.0


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        "(" * 500_000 + ")" * 500_000,
        "x (" * 333_333,
        "copper (CT) " * 83_333,
    ],
    ids=["no-spaces", "deep-nesting", "unclosed", "many-parens"],
)
def test_one_megabyte_of_pathological_text_is_fast(text: str) -> None:
    assert _timed(text) < 2.0
