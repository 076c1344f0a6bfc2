"""A cached index is never replaced under a reader: the first copy in the cache wins."""

from __future__ import annotations

from pathlib import Path

from xlink.linking_config import _cache, build_generator
from xlink.terminology.model import Concept, Terminology


def _term() -> Terminology:
    return Terminology.from_concepts(
        [Concept("D1", "Breast Neoplasms", ("breast cancer",)), Concept("D2", "Ovarian Neoplasms", ("ovarian cancer",))],
        name="race",
    )


def test_existing_cache_folder_is_kept(tmp_path: Path) -> None:
    term = _term()
    build_generator(term, {"kind": "tfidf"}, tmp_path)
    (folder,) = (tmp_path / "indexes").iterdir()
    before = {p.name: p.stat().st_ino for p in folder.iterdir()}
    generator = build_generator(term, {"kind": "tfidf"}, tmp_path, use_cache=False)
    _cache(generator, folder)  # a second process finishing its build later
    after = {p.name: p.stat().st_ino for p in folder.iterdir()}
    assert after == before  # same files, not rewritten
    assert [p.name for p in (tmp_path / "indexes").iterdir()] == [folder.name]  # no staging left behind
    assert build_generator(term, {"kind": "tfidf"}, tmp_path).generate(["breast cancer"], 1)[0][0].concept_id == "D1"


def test_a_damaged_cached_index_is_rebuilt_with_a_warning(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    term = _term()
    build_generator(term, {"kind": "tfidf"}, tmp_path)
    (folder,) = (tmp_path / "indexes").iterdir()
    for path in folder.iterdir():
        if path.suffix == ".npz":
            path.write_bytes(path.read_bytes()[:40])  # a disk that filled up, a copy cut short
    generator = build_generator(term, {"kind": "tfidf"}, tmp_path)
    assert generator.generate(["breast cancer"], 1)[0][0].concept_id == "D1"
    assert "cannot be read" in caplog.text and folder.name in caplog.text and "Delete that folder" in caplog.text
