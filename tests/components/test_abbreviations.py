"""Tests of the xlink_abbreviations spaCy component."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from xlink.components.abbreviations import (
    AbbreviationDetector,
    abbreviation_pairs,
    register_extensions,
)

TEXT = (
    "Mutations in ATP7B cause Wilson disease (WD). The WD gene ATP7B encodes a "
    "copper-transporting ATPase."
)


@pytest.fixture
def nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_abbreviations")
    return nlp


def test_short_forms_are_spans_with_a_long_form_span(nlp: Language) -> None:
    doc = nlp(TEXT)
    abbreviations = doc._.abbreviations
    assert [(s.text, s.start_char, s.end_char) for s in abbreviations] == [
        ("WD", 41, 43),
        ("WD", 50, 52),
    ]
    for short in abbreviations:
        assert isinstance(short, Span)
        long = short._.long_form
        assert isinstance(long, Span)
        assert (long.text, long.start_char, long.end_char) == ("Wilson disease", 25, 39)
    assert doc._.abbreviation_offsets == [(41, 43, 25, 39), (50, 52, 25, 39)]
    assert [(s.text, lf.text) for s, lf in abbreviation_pairs(doc)] == [
        ("WD", "Wilson disease"),
        ("WD", "Wilson disease"),
    ]


def test_factory_metadata_and_config(nlp: Language) -> None:
    meta = Language.get_factory_meta("xlink_abbreviations")
    assert meta.default_config == {"make_serializable": False, "relaxed": False}
    assert meta.assigns == ["doc._.abbreviations", "span._.long_form"]
    assert isinstance(nlp.get_pipe("xlink_abbreviations"), AbbreviationDetector)
    rebuilt = spacy.util.load_model_from_config(nlp.config, auto_fill=True)
    assert rebuilt.pipe_names == ["xlink_abbreviations"]
    assert [s.text for s in rebuilt(TEXT)._.abbreviations] == ["WD", "WD"]


def test_extensions_are_registered_once() -> None:
    register_extensions()
    register_extensions()
    assert Doc.has_extension("abbreviations") and Span.has_extension("long_form")
    doc = spacy.blank("en")("no component ran")
    assert doc._.abbreviations is None
    assert abbreviation_pairs(doc) == []


def test_empty_doc(nlp: Language) -> None:
    doc = nlp("")
    assert doc._.abbreviations == []
    assert doc._.abbreviation_offsets == []


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x7f (\x02\x03) \x0b\x0c",
        "Wilson\u00a0disease\u00a0(WD)\u2028WD \u200b(\u200b) \U0001f600 (\U0001f600)",
        "İstanbul disease (İD) and İD; a\u0301b\u0301 (AB) \ufeff\ud7ff",
        "（WD）全角 (ＷＤ) Wilson disease(WD)WD",
        "   \n\n\t ",
    ],
)
def test_control_characters_and_odd_unicode_do_not_crash(nlp: Language, text: str) -> None:
    doc = nlp(text)
    for short in doc._.abbreviations:
        assert short._.long_form is not None


def test_pipe_processes_many_docs(nlp: Language) -> None:
    docs = list(nlp.pipe([TEXT, "", "Machado-Joseph disease (MJD) and MJD."]))
    assert [len(d._.abbreviations) for d in docs] == [2, 0, 2]
    assert docs[2]._.abbreviations[1]._.long_form.text == "Machado-Joseph disease"


def test_serializable_mode_round_trips_through_docbin() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    doc = nlp(TEXT)
    assert doc._.abbreviations is None
    assert doc._.abbreviation_offsets == [(41, 43, 25, 39), (50, 52, 25, 39)]

    docbin = DocBin(store_user_data=True)
    docbin.add(doc)
    (restored,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab)
    assert [tuple(o) for o in restored._.abbreviation_offsets] == [
        (41, 43, 25, 39),
        (50, 52, 25, 39),
    ]
    assert [(s.text, s.start, lf.text) for s, lf in abbreviation_pairs(restored)] == [
        ("WD", 7, "Wilson disease"),
        ("WD", 11, "Wilson disease"),
    ]


def test_default_mode_docs_hold_spans() -> None:
    # Why the serializable mode exists: Spans in user data cannot be packed.
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_abbreviations")
    with pytest.raises(TypeError):
        DocBin(store_user_data=True, docs=[nlp(TEXT)]).to_bytes()


def test_entry_point_adds_the_pipe_without_importing_xlink(tmp_path: Path) -> None:
    factories = importlib.metadata.entry_points(group="spacy_factories")
    if "xlink_abbreviations" not in {ep.name for ep in factories}:
        pytest.skip("xlink is not installed; run `pip install -e . --no-deps`")
    script = textwrap.dedent(
        f"""
        import json, sys
        import spacy
        assert "xlink" not in sys.modules
        nlp = spacy.blank("en")
        nlp.add_pipe("xlink_abbreviations")
        doc = nlp({TEXT!r})
        print(json.dumps([[s.text, s._.long_form.text] for s in doc._.abbreviations]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["WD", "Wilson disease"],
        ["WD", "Wilson disease"],
    ]


def test_offsets_are_the_texts_own_and_spans_never_take_in_other_words(nlp: Language) -> None:
    doc = nlp("Serum interleukin (IL)-10 was high in Wilson disease(WD) and in WD.")
    text = doc.text
    found = {(text[s:e], text[ls:le]) for s, e, ls, le in doc._.abbreviation_offsets}
    assert ("IL", "interleukin") in found  # not the token "IL)-10"
    assert {short for short, _ in found} <= {"IL", "WD"}
    for short in doc._.abbreviations:  # a Span only where token boundaries add punctuation at most
        assert short.text in {"IL", "WD"} and short._.long_form.text in {"interleukin", "Wilson disease"}
    clean = nlp("Wilson disease (WD) and WD.")
    assert [(s.text, s._.long_form.text) for s in clean._.abbreviations] == [("WD", "Wilson disease")] * 2


def test_a_long_text_in_chunks_keeps_span_mode_abbreviations() -> None:
    from xlink.components.chunking import pipe_texts

    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_abbreviations")  # the default mode, whose Span values cannot be copied between Docs
    text = (TEXT + " ") * 40
    (doc,) = pipe_texts(nlp, [text], max_chars=500)
    assert doc.text == text
    shorts = doc._.abbreviations
    assert len(shorts) == len(doc._.abbreviation_offsets) > 40
    assert all(s.text == "WD" and s._.long_form.text == "Wilson disease" for s in shorts)
