"""`xlink index build` for every generator kind, and the spaCy linker loading the result."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlink.terminology.model import Terminology


@pytest.mark.parametrize("kind", ["tfidf", "dense", "ensemble"])
def test_index_build_any_kind_then_load_it_in_the_linker(
    tmp_path: Path, tiny_model: Path, tiny_terminology: Terminology, kind: str
) -> None:
    import spacy
    from spacy.tokens import Span

    from xlink.cli import app

    term = tmp_path / "terms.jsonl"
    tiny_terminology.to_jsonl(term)
    dense = f'kind = "dense"\nmodel = "{tiny_model}"\n'
    sections = {
        "tfidf": '[generator]\nkind = "tfidf"\n',
        "dense": "[generator]\n" + dense,
        "ensemble": '[generator]\nkind = "ensemble"\nfusion = "rrf"\n\n[generator.members]\n\n[generator.members.tfidf]\nkind = "tfidf"\n\n'
        "[generator.members.dense]\n" + dense,
    }
    config = tmp_path / "link.cfg"
    config.write_text(sections[kind], encoding="utf-8")
    result = CliRunner().invoke(app, ["index", "build", str(term), "-o", str(tmp_path / "index"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    manifest = tmp_path / "index" / ("member_0" if kind == "ensemble" else "") / "manifest.json"
    assert manifest.exists()

    from xlink.linking_config import LinkingConfig

    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_linker", config={
        "terminology": str(term), "index": str(tmp_path / "index"), "generator": LinkingConfig.from_disk(config).generator,
    })
    doc = nlp.make_doc("We found breast cancer .")
    doc.ents = [Span(doc, 2, 4, label="Disease")]
    doc = nlp(doc)
    assert doc.ents[0]._.xlink_candidates  # linked through the prebuilt index
