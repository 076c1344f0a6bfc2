"""Generators give the same first results whatever k, and index folders are loaded only when whole
and built for what the config asks (a fallback generator's index included)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from xlink.candidates.dense import DenseConfig, DenseGenerator
from xlink.candidates.ensemble import EnsembleGenerator
from xlink.candidates.index_store import generator_fingerprint
from xlink.candidates.tfidf import TfidfConfig, TfidfGenerator
from xlink.errors import IndexMismatchError, XlinkError
from xlink.linking_config import build_generator, load_generator, save_generator
from xlink.terminology.model import Concept, Terminology


def _tied_terminology(n: int = 30) -> Terminology:
    concepts = [Concept(f"C{i:03d}", "tumor") for i in range(n)]
    concepts += [Concept(f"O{i:03d}", f"colon cancer {i}") for i in range(60)]
    return Terminology.from_concepts(concepts, name="ties", duplicates_expected=True)


def test_tfidf_ties_do_not_depend_on_k() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        scores = rng.integers(0, 4, size=50).astype(np.float32)
        for k in (1, 3, 7, 20):
            expected = np.argsort(-scores, kind="stable")[:k]  # ties in index (terminology) order
            assert TfidfGenerator._top_k(scores, k).tolist() == expected.tolist()
    generator = TfidfGenerator(_tied_terminology()).build()
    firsts = {k: [c.concept_id for c in generator.generate(["tumor"], k)[0]] for k in (1, 3, 10, 40)}
    assert all(found == firsts[40][: len(found)] for found in firsts.values())


def test_dense_ties_do_not_depend_on_k(tiny_model: Path) -> None:
    generator = DenseGenerator(_tied_terminology(), DenseConfig(model=str(tiny_model))).build()
    firsts = {k: [c.concept_id for c in generator.generate(["tumor"], k)[0]] for k in (1, 3, 10, 40)}
    assert firsts[1] == ["C000"]
    assert all(found == firsts[40][: len(found)] for found in firsts.values())


def test_an_index_built_by_the_fallback_loads_with_the_config_that_built_it(
    tmp_path: Path, tiny_terminology: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"kind": "dense", "model": str(tmp_path / "no-such-model"), "fallback": "tfidf"}
    generator = build_generator(tiny_terminology, dict(options), cache_dir=tmp_path / "cache")
    assert isinstance(generator, TfidfGenerator)
    save_generator(generator, tmp_path / "index", "test")
    loaded = load_generator(tmp_path / "index", tiny_terminology, dict(options))
    assert isinstance(loaded, TfidfGenerator) and "built in place of the 'dense' generator" in caplog.text
    with pytest.raises(IndexMismatchError):  # without a fallback the kinds still have to agree
        load_generator(tmp_path / "index", tiny_terminology, {"kind": "dense", "model": "x"})


def test_a_damaged_cached_dense_index_is_rebuilt(
    tmp_path: Path, tiny_model: Path, tiny_terminology: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"kind": "dense", "model": str(tiny_model)}
    first = build_generator(tiny_terminology, dict(options), cache_dir=tmp_path)
    (folder,) = (tmp_path / "indexes").glob("dense-*")
    faiss_file = folder / "names.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:60])
    with caplog.at_level(logging.WARNING):
        again = build_generator(tiny_terminology, dict(options), cache_dir=tmp_path)
    assert "damaged or incomplete" in caplog.text and "Delete that folder" in caplog.text
    assert again.generate(["breast cancer"], 3) == first.generate(["breast cancer"], 3)


@pytest.mark.parametrize("damage", ["cut names.npz", "drop idf.npy", "empty names.json", "short names.json"])
def test_a_damaged_tfidf_folder_says_what_to_do(tmp_path: Path, tiny_terminology: Terminology, damage: str) -> None:
    import json

    TfidfGenerator(tiny_terminology).build().save(tmp_path / "index")
    folder = tmp_path / "index"
    if damage == "cut names.npz":
        (folder / "names.npz").write_bytes((folder / "names.npz").read_bytes()[:40])
    elif damage == "drop idf.npy":
        (folder / "idf.npy").unlink()
    elif damage == "empty names.json":
        (folder / "names.json").write_text("")
    else:
        names = json.loads((folder / "names.json").read_text())
        names["names"] = names["names"][:2]
        (folder / "names.json").write_text(json.dumps(names))
    with pytest.raises(XlinkError, match="damaged or incomplete .* delete the folder and build it again"):
        load_generator(folder, tiny_terminology, {"kind": "tfidf"})


@pytest.mark.parametrize(
    ("setting", "value"),
    [("batch_size", -1), ("batch_size", 0), ("max_length", "25"), ("fetch_factor", 0), ("ivf_nlist", -1),
     ("normalize", "yes")],
)
def test_dense_settings_are_checked(setting: str, value: object) -> None:
    with pytest.raises(XlinkError, match=f"dense {setting} = "):
        DenseConfig(**{setting: value})


@pytest.mark.parametrize(
    ("options", "message"),
    [({"rrf_c": -1}, "rrf_c = -1"), ({"k_per_generator": "64"}, "k_per_generator = '64'"),
     ({"weights": [float("nan")]}, "weight = nan")],
)
def test_ensemble_settings_are_checked(tiny_terminology: Terminology, options: dict, message: str) -> None:
    tfidf = TfidfGenerator(tiny_terminology).build()
    with pytest.raises(XlinkError, match=message):
        EnsembleGenerator([tfidf], **options)


def test_ensemble_member_weights_are_checked_in_configs(tiny_terminology: Terminology, tmp_path: Path) -> None:
    options = {"kind": "ensemble", "members": {"a": {"kind": "tfidf", "weight": "heavy"}}}
    with pytest.raises(XlinkError, match="ensemble member 'a': weight = 'heavy'"):
        build_generator(tiny_terminology, options, cache_dir=tmp_path)


def test_an_encoder_with_other_settings_than_the_config_is_refused(tiny_model: Path, tiny_terminology: Terminology) -> None:
    from xlink.candidates.encoder import TextEncoder

    encoder = TextEncoder(str(tiny_model), pooling="cls", max_length=4, normalize=False)
    with pytest.raises(XlinkError, match="encoder's settings"):
        DenseGenerator(tiny_terminology, DenseConfig(model=str(tiny_model)), encoder=encoder)
    DenseGenerator(tiny_terminology, DenseConfig(model=str(tiny_model), pooling="cls", max_length=4, normalize=False),
                   encoder=encoder)


def test_search_settings_that_change_results_change_the_fingerprint(tiny_terminology: Terminology) -> None:
    default = generator_fingerprint(TfidfGenerator(tiny_terminology, TfidfConfig()))
    assert generator_fingerprint(TfidfGenerator(tiny_terminology, TfidfConfig(tie_break="names"))) == default
    assert generator_fingerprint(TfidfGenerator(tiny_terminology, TfidfConfig(tie_break="order"))) != default


def test_an_ensemble_folder_is_replaced_whole_and_its_member_count_checked(
    tmp_path: Path, tiny_terminology: Terminology
) -> None:
    tfidf = TfidfGenerator(tiny_terminology).build()
    two = {"kind": "ensemble", "members": {"a": {"kind": "tfidf"}, "b": {"kind": "tfidf"}}}
    one = {"kind": "ensemble", "members": {"a": {"kind": "tfidf"}}}
    save_generator(EnsembleGenerator([tfidf, tfidf]), tmp_path / "index", "test")
    with pytest.raises(IndexMismatchError, match="holds 2 ensemble members, the config names 1"):
        load_generator(tmp_path / "index", tiny_terminology, one)
    save_generator(EnsembleGenerator([tfidf]), tmp_path / "index", "test")  # no stale member_1 stays
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["ensemble.json", "member_0"]
    with pytest.raises(IndexMismatchError, match="holds 1 ensemble members, the config names 2"):
        load_generator(tmp_path / "index", tiny_terminology, two)
    assert len(load_generator(tmp_path / "index", tiny_terminology, one).generators) == 1
    shutil.rmtree(tmp_path / "index")


def test_a_dense_build_is_announced_on_the_notice_logger(
    tmp_path: Path, tiny_model: Path, tiny_terminology: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    """The command line shows "xlink.notice" at INFO: minutes of encoding are not silent."""
    options = {"kind": "dense", "model": str(tiny_model)}
    with caplog.at_level(logging.INFO, logger="xlink.notice"):
        build_generator(tiny_terminology, dict(options), cache_dir=tmp_path)
    assert "building the dense index of about 23 names" in caplog.text and "the next run loads it" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="xlink.notice"):
        build_generator(tiny_terminology, dict(options), cache_dir=tmp_path)  # cached: nothing to announce
    assert "building" not in caplog.text


def test_an_ensemble_index_and_a_single_index_replace_each_other(tmp_path: Path, tiny_terminology: Terminology) -> None:
    """Switching a saved linker between tfidf and ensemble rewrites its index folder in place."""
    tfidf = TfidfGenerator(tiny_terminology).build()
    folder = tmp_path / "index"
    save_generator(tfidf, folder, "test")
    save_generator(EnsembleGenerator([tfidf, tfidf]), folder, "test")
    assert (folder / "member_1").is_dir() and not (folder / "manifest.json").exists()
    save_generator(tfidf, folder, "test")
    assert (folder / "manifest.json").exists() and not (folder / "member_0").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    with pytest.raises(XlinkError, match="not an xlink index"):  # a user's folder is still never replaced
        save_generator(EnsembleGenerator([tfidf]), tmp_path / "mine", "test")


def test_a_member_with_weight_zero_decides_no_composite(tiny_terminology: Terminology) -> None:
    tfidf = TfidfGenerator(tiny_terminology).build()
    words = TfidfGenerator(tiny_terminology, TfidfConfig(analyzer="word", ngram_min=1, ngram_max=1)).build()
    silent = EnsembleGenerator([tfidf, words], weights=[1.0, 0.0], fusion="rrf")
    heard = EnsembleGenerator([tfidf, words], weights=[1.0, 1.0], fusion="rrf")
    alone = EnsembleGenerator([tfidf], fusion="rrf")
    mention = "cancer breast"  # every word of a name: the word member scores 1.0, the n-grams less
    matches = {c.concept_id: c.match for c in alone.generate([mention], 5)[0]}
    assert {c.concept_id: c.match for c in silent.generate([mention], 5)[0] if c.concept_id in matches} == matches
    louder = {c.concept_id: c.match for c in heard.generate([mention], 5)[0]}
    assert any(louder[c] != matches[c] for c in matches if c in louder)  # the word member would have decided


def test_a_terminology_without_a_usable_name_says_so(tiny_model: Path) -> None:
    punctuation = Terminology.from_concepts([Concept("A", "+++"), Concept("B", "---")], name="punct")
    for build in (lambda: TfidfGenerator(punctuation).build(),
                  lambda: DenseGenerator(punctuation, DenseConfig(model=str(tiny_model))).build()):
        with pytest.raises(XlinkError, match="none of its 2 concepts has a name with a letter or digit"):
            build()


def test_dense_ties_go_to_the_concept_with_more_names_as_in_tfidf(tiny_model: Path) -> None:
    """MEDIC 2012 names some OMIM entries exactly as their MeSH concept; the MeSH concept, with more
    names, comes first, as the TF-IDF generator orders its ties (tie_break = "names", chosen on dev)."""
    terminology = Terminology.from_concepts(
        [Concept("230400", "galactosemia"), Concept("D005693", "galactosemia", ("galactosemias", "tumor"))],
        name="ties", duplicates_expected=True,
    )
    by_names = DenseGenerator(terminology, DenseConfig(model=str(tiny_model))).build()
    by_order = DenseGenerator(terminology, DenseConfig(model=str(tiny_model), tie_break="order")).build()
    tfidf = TfidfGenerator(terminology).build()
    assert by_names.generate(["galactosemia"], 1)[0][0].concept_id == "D005693"
    assert tfidf.generate(["galactosemia"], 1)[0][0].concept_id == "D005693"
    assert by_order.generate(["galactosemia"], 1)[0][0].concept_id == "230400"
    assert DenseConfig(tie_break="order").index_config() == DenseConfig().index_config()  # a search setting
    with pytest.raises(XlinkError, match="dense tie_break"):
        DenseConfig(tie_break="random")
