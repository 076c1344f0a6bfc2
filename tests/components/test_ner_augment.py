"""The mention-replacement augmenter for NER training."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from xlink.components.ner_augment import create_mention_replacement_augmenter, replacement_names
from xlink.errors import XlinkError
from xlink.terminology import load_terminology

TERMINOLOGY = Path(__file__).parents[1] / "fixtures" / "terminology" / "ctd_diseases.tsv"


def _example(nlp: spacy.Language) -> Example:
    text = "Patients with Wilson disease and WD had tremor, unlike Cystic Fibrosis patients."
    spans = [(14, 28, "DISEASE"), (33, 35, "DISEASE"), (40, 46, "DISEASE"), (55, 70, "DISEASE")]
    return Example.from_dict(nlp.make_doc(text), {"entities": spans})


def test_replacement_names_keep_running_text_forms() -> None:
    names = ["Carcinoma, Renal Cell", "Wilson disease", "ab", "Fever (disorder)", "a b c d e f g", "CDPXD", "Wilson disease"]
    assert replacement_names(names, max_words=6) == ["CDPXD", "Wilson disease"]


def test_level_one_replaces_every_mention_and_keeps_offsets() -> None:
    nlp = spacy.blank("en")
    augment = create_mention_replacement_augmenter(str(TERMINOLOGY), level=1.0, seed=3)
    original, copy = list(augment(nlp, _example(nlp)))
    assert original.text.startswith("Patients with Wilson disease")
    assert len(copy.reference.ents) == 4
    kept_text = copy.text
    assert "Patients with " in kept_text and " had " in kept_text and " patients." in kept_text
    names = replacement_names([n for concept in load_terminology(TERMINOLOGY) for n in concept.names])
    for ent in copy.reference.ents:
        assert ent.text.lower() in {n.lower() for n in names}
    # mentions written in lower case get lower-cased names unless the name is an acronym
    tremor = copy.reference.ents[2].text
    assert tremor == tremor.lower() or tremor.isupper()


def test_level_zero_yields_only_the_original_and_bad_settings_fail() -> None:
    nlp = spacy.blank("en")
    augment = create_mention_replacement_augmenter(str(TERMINOLOGY), level=0.0)
    assert len(list(augment(nlp, _example(nlp)))) == 1
    with pytest.raises(XlinkError, match="level must be within"):
        create_mention_replacement_augmenter(str(TERMINOLOGY), level=1.5)
    with pytest.raises(XlinkError, match="not found"):
        create_mention_replacement_augmenter("/nope/terms.tsv")


def test_same_seed_same_copies() -> None:
    nlp = spacy.blank("en")
    runs = []
    for _ in range(2):
        augment = create_mention_replacement_augmenter(str(TERMINOLOGY), level=0.5, seed=7)
        runs.append([ex.text for _ in range(5) for ex in augment(nlp, _example(nlp))])
    assert runs[0] == runs[1]


def test_registered_for_spacy_configs_without_importing_xlink() -> None:
    code = (
        "import spacy\n"
        "from spacy.util import registry\n"
        "print(registry.augmenters.get('xlink.mention_replacement.v1').__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "create_mention_replacement_augmenter"
