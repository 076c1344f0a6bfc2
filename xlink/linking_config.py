"""Linking configurations: read a confection config and build the linker it describes.

A config has a ``[linker]`` section (k, abbreviation expansion) and a
``[generator]`` section whose ``kind`` picks the generator. Indexes built on
the fly are cached by terminology and config fingerprint, so a second run on
the same terminology does not rebuild them.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from xlink.candidates.base import CandidateGenerator
from xlink.candidates.index_store import config_fingerprint, default_cache_dir
from xlink.candidates.tfidf import TfidfConfig, TfidfGenerator
from xlink.errors import IndexMismatchError, XlinkError, missing_file
from xlink.files import FolderKind
from xlink.linker import Linker, check_k
from xlink.terminology.model import Terminology

logger = logging.getLogger(__name__)
#: One-line notices of slow first-time work (a dense index takes minutes on 2 cores); the command
#: line shows them, a library user sees them only when they enable INFO for "xlink.notice".
notice = logging.getLogger("xlink.notice")

GENERATOR_KINDS = ("tfidf", "dense", "ensemble")

#: The trained bi-encoder alone over an exact faiss index (``configs/linking/dense.cfg``), the best
#: single generator on NCBI Disease dev (acc@1 84.1 against 78.5 for TF-IDF; benchmarks/generators.md).
#: Without the xlink-biencoder-minilm package it falls back to TF-IDF, with a warning that says how
#: to install it. The index of a new terminology is built once (encoding every name) and cached by
#: terminology and model fingerprint.
BEST_GENERATOR: dict[str, Any] = {"kind": "dense", "model": "xlink-biencoder-minilm", "fallback": "tfidf"}

#: The built-in generator (``xlink link`` / ``evaluate-linking`` without ``--config``, ``LinkingConfig()``):
#: the ensemble of the dev-tuned TF-IDF and the trained bi-encoder (reciprocal-rank fusion, dense
#: weight 2; ``configs/linking/ensemble.cfg``), the generator the shipped reranker was trained and
#: selected behind. Its dense member falls back to TF-IDF when the bi-encoder is not installed.
DEFAULT_GENERATOR: dict[str, Any] = {
    "kind": "ensemble",
    "fusion": "rrf",
    "rrf_c": 60,
    "k_per_generator": 64,
    "members": {
        "tfidf": {"kind": "tfidf", "weight": 1.0, "analyzer": "char_wb", "ngram_min": 2, "ngram_max": 3,
                  "min_df": 1, "sublinear_tf": True, "tie_break": "names"},
        "dense": {**BEST_GENERATOR, "weight": 2.0, "pooling": "mean", "max_length": 25, "index": "flat"},
    },
}

#: The reranker of the built-in defaults: the packaged cross-encoder xlink-reranker-minilm (0.2.0),
#: reranking the ensemble's top 16 with its exact-match guard. On NCBI Disease it lifts acc@1 from
#: 82.3 to 86.5 on dev and from 81.3 to 85.6 on test (raw protocol; BENCHMARKS.md, "Audit fixes"), at about
#: four to five times the linking time on 2 CPU cores. ``optional``: without the package, xlink links without
#: reranking and says how to install it. ``configs/linking/ensemble.cfg`` (or any config without a
#: ``[reranker]`` section) links without it.
DEFAULT_RERANKER: dict[str, Any] = {"model": "xlink-reranker-minilm", "optional": True}

#: the sections of a linking config ([paths] holds variables for interpolation)
_SECTIONS = ("linker", "generator", "reranker", "paths")

_LINKER_KEYS = (
    "k",
    "abbreviations",
    "relaxed_abbreviations",
    "split_composites",
    "composite_threshold",
    "train_corpus",
)


@dataclass
class LinkingConfig:
    """What ``xlink link`` and ``xlink evaluate-linking`` run.

    The defaults are the settings chosen on the NCBI Disease dev split
    (BENCHMARKS.md). ``train_corpus`` optionally names a *training* corpus
    whose mention texts are added as aliases of their gold concepts.
    """

    k: int = 64
    abbreviations: bool = True
    relaxed_abbreviations: bool = True
    split_composites: bool = True
    composite_threshold: float = 0.9
    train_corpus: str | None = None
    generator: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_GENERATOR))
    #: ``[reranker]``: ``model`` (a folder, a packaged name or a hub id; empty = no reranker),
    #: optional ``k``, ``batch_size``, ``skip_margin``, ``exact_match_guard``, ``device``, and ``optional`` (link
    #: without reranking, with a warning, when the model is not installed). With
    #: ``conformal_alpha`` and ``calibration`` (a folder from ``xlink calibrate-linker``) the
    #: reranker scores only each mention's conformal candidate set (xlink.conformal.candidates).
    reranker: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_RERANKER))

    def __post_init__(self) -> None:
        check_k(self.k, "LinkingConfig k")

    @classmethod
    def from_disk(cls, path: str | Path) -> LinkingConfig:
        from confection import Config

        path = Path(path)
        if not path.exists():
            raise missing_file(path)
        try:
            config = Config().from_disk(path, interpolate=True)
        except Exception as err:  # confection raises several types on syntax errors
            first = next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)
            raise XlinkError(
                f"{path}: not a readable linking config ({first}); see configs/linking/*.cfg for the form"
            ) from None
        sections = set(config) - set(_SECTIONS)
        if sections:
            raise XlinkError(
                f"{path}: unknown sections {sorted('[' + s + ']' for s in sections)}; a linking config has "
                f"{', '.join('[' + s + ']' for s in _SECTIONS)} (a misspelt section would be ignored)"
            )
        linker = dict(config.get("linker", {}))
        generator = dict(config.get("generator", copy.deepcopy(DEFAULT_GENERATOR)))
        unknown = set(linker) - set(_LINKER_KEYS)
        if unknown:
            raise XlinkError(
                f"{path}: unknown keys in [linker]: {sorted(unknown)} (allowed: {', '.join(_LINKER_KEYS)})"
            )
        defaults = cls()
        train = linker.get("train_corpus") or None
        if train is not None and not Path(train).is_absolute():
            train = str((path.parent / train).resolve())

        def value(key: str, kind: type) -> Any:
            raw = linker.get(key, getattr(defaults, key))
            if kind is bool and not isinstance(raw, bool):
                raise XlinkError(f"{path}: [linker] {key} = {raw!r} is not true or false")
            try:
                return kind(raw)
            except (TypeError, ValueError):
                raise XlinkError(f"{path}: [linker] {key} = {raw!r} is not a {kind.__name__}") from None

        k = value("k", int)
        if k < 1:
            raise XlinkError(f"{path}: [linker] k = {k}; candidates per mention must be at least 1")
        return cls(
            k=k,
            abbreviations=value("abbreviations", bool),
            relaxed_abbreviations=value("relaxed_abbreviations", bool),
            split_composites=value("split_composites", bool),
            composite_threshold=value("composite_threshold", float),
            train_corpus=train,
            generator=generator,
            reranker=_reranker_section(path, dict(config.get("reranker", {}))),
        )


def _reranker_section(path: Path, section: dict[str, Any]) -> dict[str, Any]:
    """The ``[reranker]`` section, its ``model`` resolved against the config's folder when it is a path."""
    check_reranker_keys(section)
    model = section.get("model")
    if not model:
        return {}
    for key in ("model", "calibration"):
        value = section.get(key)
        if not value:
            continue
        candidate = Path(str(value)).expanduser()
        if not candidate.is_absolute() and str(value).startswith("."):
            section[key] = str((path.parent / candidate).resolve())
    return section


def _tfidf_config(options: dict[str, Any]) -> TfidfConfig:
    allowed = {f.name for f in fields(TfidfConfig)} - {"extra"}
    unknown = set(options) - allowed
    if unknown:
        raise XlinkError(f"unknown TF-IDF generator options {sorted(unknown)}; allowed: {sorted(allowed)}")
    return TfidfConfig(**options)


def _dense_config(options: dict[str, Any]):
    from xlink.candidates.dense import DenseConfig

    allowed = {f.name for f in fields(DenseConfig)}
    unknown = set(options) - allowed
    if unknown:
        raise XlinkError(f"unknown dense generator options {sorted(unknown)}; allowed: {sorted(allowed)}")
    return DenseConfig(**options)


def build_generator(
    terminology: Terminology,
    options: dict[str, Any],
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> CandidateGenerator:
    """Build (or load from the cache) the generator that ``options`` describes.

    ``kind`` is "tfidf", "dense" or "ensemble"; an ensemble's members are its
    dict-valued options (``[generator.members.NAME]`` sections), each with
    its own ``kind`` and an optional ``weight``.
    """
    options = dict(options)
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    kind = options.pop("kind", "tfidf")
    if kind not in GENERATOR_KINDS:
        raise XlinkError(f"unknown generator kind {kind!r}; choose one of {GENERATOR_KINDS}")
    fallback = options.pop("fallback", None)
    if kind == "dense":
        try:
            return _build_dense(terminology, options, cache_dir, use_cache)
        except XlinkError as err:
            if not fallback or isinstance(err, IndexMismatchError):
                raise
            logger.warning("dense generator unavailable (%s); using the %r generator instead", err, fallback)
            return build_generator(terminology, {"kind": fallback}, cache_dir, use_cache)
    if kind == "ensemble":
        return _build_ensemble(terminology, options, cache_dir, use_cache)
    config = _tfidf_config(options)
    folder = (cache_dir or default_cache_dir()) / "indexes" / (
        f"tfidf-{terminology.fingerprint[:16]}-{config_fingerprint(config.index_config())}"
    )
    if use_cache and (folder / "manifest.json").exists():
        logger.info("loading cached index %s", folder)
        cached = _load_cached(folder, lambda: TfidfGenerator.load(folder, terminology, config))
        if cached is not None:
            return cached
        use_cache = False  # the damaged copy stays until the user deletes it; this run builds its own
    start = time.perf_counter()
    generator = TfidfGenerator(terminology, config).build()
    logger.info("built tfidf index in %.1f s", time.perf_counter() - start)
    if use_cache:
        _cache(generator, folder)
    return generator


def _load_cached(folder: Path, load: Callable[[], CandidateGenerator]) -> CandidateGenerator | None:
    """A cached index, or None (with a warning that names the folder) when its files are damaged.

    A mismatch (another terminology, model or setting) still raises: that is a wrong cache key,
    not a damaged file. A damaged copy is never replaced in place (another process may read it),
    so the warning says to delete it.
    """
    import zipfile

    try:
        return load()
    except IndexMismatchError:
        raise
    except (XlinkError, OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        logger.warning(
            "cached index %s cannot be read (%s: %s); building the index without the cache. Delete that "
            "folder so that the next run caches a good copy", folder, type(err).__name__, err,
        )
        return None


def _cache(generator: Any, folder: Path) -> None:
    """Save a freshly built index into the cache unless another process got there first.

    The index is written to a private sibling and renamed into place; a rename onto a
    folder that already exists fails, and then the other process's copy is kept. An
    existing cache folder is never replaced, so a process reading it is never left with
    vanished files.
    """
    import shutil
    import tempfile

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".staging"))
        try:
            generator.save(staging / "index")
            try:
                os.rename(staging / "index", folder)
            except OSError:
                if not (folder / "manifest.json").exists():
                    raise
                logger.info("index %s was cached by another process meanwhile; keeping that copy", folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as err:
        logger.warning("could not cache the index in %s: %s", folder, err)


def _build_dense(
    terminology: Terminology, options: dict[str, Any], cache_dir: Path | None, use_cache: bool
) -> CandidateGenerator:
    """A dense generator, cached by terminology, model weights and index config fingerprints."""
    from xlink.candidates.dense import DenseGenerator

    config = _dense_config(options)
    generator = DenseGenerator(terminology, config)
    key = config_fingerprint({**config.index_config(), "model": generator.model_fingerprint})
    folder = (cache_dir or default_cache_dir()) / "indexes" / f"dense-{terminology.fingerprint[:16]}-{key}"
    if use_cache and (folder / "manifest.json").exists():
        logger.info("loading cached index %s", folder)
        cached = _load_cached(folder, lambda: DenseGenerator.load(folder, terminology, config))
        if cached is not None:
            return cached
        use_cache = False
    n_names = sum(1 + len(c.aliases) for c in terminology)
    notice.info(
        "building the dense index of about %d names (%s); %s", n_names, config.model or "all-MiniLM-L6-v2",
        f"the next run loads it from {folder}" if use_cache else "not cached",
    )
    generator.build()
    if use_cache:
        _cache(generator, folder)
    return generator


def _build_ensemble(
    terminology: Terminology, options: dict[str, Any], cache_dir: Path | None, use_cache: bool
) -> CandidateGenerator:
    from xlink.candidates.ensemble import EnsembleGenerator

    members = options.pop("members", None) or {}
    if not isinstance(members, dict) or not members:
        raise XlinkError("an ensemble generator needs [generator.members.NAME] sections, each with a 'kind'")
    allowed = {"fusion", "k_per_generator", "rrf_c"}
    unknown = set(options) - allowed
    if unknown:
        raise XlinkError(f"unknown ensemble options {sorted(unknown)}; allowed: {sorted(allowed)} and 'members'")
    generators: list[CandidateGenerator] = []
    weights: list[float] = []
    for name, member in members.items():
        member = dict(member)
        if member.get("kind") == "ensemble":
            raise XlinkError(f"ensemble member {name!r} cannot itself be an ensemble")
        weights.append(_member_weight(name, member))
        generators.append(build_generator(terminology, member, cache_dir, use_cache))
    try:
        return EnsembleGenerator(generators, weights, **options)
    except ValueError as err:
        raise XlinkError(f"ensemble generator: {err}") from None


def build_linker(
    terminology: Terminology,
    config: LinkingConfig | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> Linker:
    """The :class:`Linker` that ``config`` describes (default: the built-in ensemble + reranker) over ``terminology``.

    The candidate index is loaded from ``cache_dir`` (default ``$XLINK_CACHE`` or
    ``~/.cache/xlink``) when one was built for this terminology and generator, else built and
    cached there (``use_cache=False`` always rebuilds). ``config.train_corpus`` adds its
    mentions as aliases first. Abbreviation long forms come with the mentions
    (:func:`xlink.linker.corpus_mentions` finds them, with ``config.relaxed_abbreviations``);
    the linker searches a mention's long form too when ``config.abbreviations``.
    """
    config = config or LinkingConfig()
    if config.train_corpus:
        from xlink.corpus.io import load_corpus
        from xlink.terminology.augment import augment_with_mentions

        terminology = augment_with_mentions(terminology, load_corpus(config.train_corpus).mentions())
    generator = build_generator(terminology, config.generator, cache_dir, use_cache)
    linker = Linker(
        terminology,
        generator,
        k=config.k,
        use_abbreviations=config.abbreviations,
        split_composites=config.split_composites,
        composite_threshold=config.composite_threshold,
        reranker=build_reranker(terminology, config.reranker),
    )
    check_calibration(linker, str(config.reranker.get("calibration", "")))
    return linker


def check_reranker_keys(options: dict[str, Any]) -> None:
    """Refuse reranker settings without a ``model`` key: a misspelt key must not silently mean "no reranker".

    An empty ``model`` (or no settings at all) is the way to say "no reranker".
    """
    if options and "model" not in options:
        raise XlinkError(
            f"reranker settings {sorted(options)} have no 'model'; set model to 'xlink-reranker-minilm', a folder "
            "written by 'xlink train reranker' or a hub id (an empty model, or no settings, links without a reranker)"
        )


def build_reranker(terminology: Terminology, options: dict[str, Any] | None):
    """The cross-encoder a ``[reranker]`` section names, or None when it names none.

    With ``conformal_alpha`` (and ``calibration``) it is wrapped in a
    :class:`xlink.conformal.candidates.ConformalReranker`. ``optional = true`` turns a model
    that cannot be loaded into a warning and no reranker.
    """
    options = dict(options or {})
    check_reranker_keys(options)
    optional = bool(options.pop("optional", False))
    alpha = options.pop("conformal_alpha", None)
    calibration = options.pop("calibration", None)
    if not options.get("model"):
        return None
    if alpha is not None:
        from xlink.conformal.candidates import check_alpha

        check_alpha(alpha, "conformal_alpha")
    from xlink.rerank.cross_encoder import load_reranker

    try:
        reranker = load_reranker(options, terminology)
    except XlinkError as err:
        if not optional:
            raise
        logger.warning("linking without a reranker: %s", err)
        return None
    logger.info("reranking the top %d candidates with %s", reranker.config.k, reranker.source)
    if alpha is None and not calibration:
        return reranker
    if not calibration:
        raise XlinkError(
            "conformal_alpha needs a candidate calibration: set [reranker] calibration to a folder written by "
            "'xlink calibrate-linker' (or pass --calibration)"
        )
    from xlink.conformal.candidates import ConformalCandidatePruner, ConformalReranker

    # without conformal_alpha, the level saved with the calibration (calibrate-linker --alpha)
    pruner = ConformalCandidatePruner.load(calibration, alpha=None if alpha is None else float(alpha))
    logger.info("conformal candidate pruning at alpha=%s with %s", pruner.alpha, calibration)
    return ConformalReranker(reranker, pruner)


def check_calibration(linker: Linker, where: str = "") -> None:
    """Refuse a conformal calibration made for another terminology, generator or reranker.

    Call once the linker is built (the generator fingerprint needs its index).
    """
    from xlink.conformal.candidates import ConformalReranker, linker_fingerprints

    if isinstance(linker.reranker, ConformalReranker):
        pruner = linker.reranker.pruner
        pruner.fingerprints.check(linker_fingerprints(linker), where or "candidate calibration")


#: an ensemble's index folder: one index folder per member, member_0, member_1, ...
ENSEMBLE_INDEX_FOLDER = FolderKind("member_0", "an xlink index", replaces=("manifest.json",))
#: the file of an ensemble's index folder that lists its members (absent in folders of xlink < 0.1)
ENSEMBLE_MANIFEST = "ensemble.json"


def _member_weight(name: object, member: dict[str, Any]) -> float:
    """A member's fusion weight, refused (with the member's name) unless it is a finite number of at least 0."""
    from xlink.errors import is_finite_number

    weight = member.pop("weight", 1.0)
    if not is_finite_number(weight):
        raise XlinkError(f"ensemble member {name!r}: weight = {weight!r}; give a finite number of at least 0")
    return float(weight)


def save_generator(generator: CandidateGenerator, folder: Path, owner: str) -> None:
    """Write a generator's index folder; an ensemble writes one folder per member.

    A dense member's index names its encoder (``model``) rather than holding
    it, so the encoder must be installed where the pipeline is loaded.
    """
    members = getattr(generator, "generators", None)
    if members is not None:  # an EnsembleGenerator
        import json

        from xlink.files import atomic_folder

        # written whole and renamed into place: no member of an earlier, larger ensemble stays behind
        with atomic_folder(folder, ENSEMBLE_INDEX_FOLDER) as tmp:
            for number, member in enumerate(members):
                save_generator(member, tmp / f"member_{number}", owner)
            (tmp / ENSEMBLE_MANIFEST).write_text(
                json.dumps({"members": [type(m).__name__ for m in members]}), encoding="utf-8"
            )
        return
    save = getattr(generator, "save", None)
    if save is None:
        raise XlinkError(f"{owner}: the {type(generator).__name__} generator cannot be saved")
    save(folder)


def load_generator(folder: Path, terminology: Terminology, options: dict[str, Any]) -> CandidateGenerator:
    """Load a saved index folder for ``terminology``, refusing one built for anything else.

    ``options`` is the generator's config (``kind`` tfidf, dense or ensemble),
    which the saved index must match.
    """
    from xlink.candidates.index_store import MANIFEST, IndexManifest
    from xlink.errors import IndexMismatchError

    if folder.exists() and not folder.is_dir():
        raise XlinkError(f"{folder} is a file; 'index' names the folder that 'xlink index build -o' writes")
    if not folder.is_dir():
        raise XlinkError(
            f"{folder}: index folder not found; build it with 'xlink index build', or leave "
            "'index' unset to build the index when the component is added"
        )
    options = dict(options)
    kind = options.pop("kind", "tfidf")
    fallback = options.pop("fallback", None)
    is_ensemble = (folder / "member_0").is_dir()
    if fallback and not is_ensemble and (folder / MANIFEST).is_file() and kind != fallback:
        if IndexManifest.read(folder).kind == fallback:
            # built where the configured generator was unavailable (build_generator fell back):
            # the index is the fallback's, with the fallback's default settings
            logger.warning("%s is a %r index, built in place of the %r generator; loading it", folder, fallback, kind)
            return load_generator(folder, terminology, {"kind": fallback})
    if (kind == "ensemble") != is_ensemble and (is_ensemble or (folder / MANIFEST).is_file()):
        built = "an ensemble" if is_ensemble else f"a {IndexManifest.read(folder).kind!r}"
        raise IndexMismatchError(
            f"{folder}: it is {built} index, the config asks for {kind!r}; set the generator to the one "
            "the index was built with (xlink index build -c CONFIG), or build the index again"
        )
    if kind == "ensemble":
        from xlink.candidates.ensemble import EnsembleGenerator

        members = options.pop("members", None) or {}
        saved = sorted(p.name for p in folder.glob("member_*") if p.is_dir())
        if len(saved) != len(members):
            raise IndexMismatchError(
                f"{folder}: the index holds {len(saved)} ensemble members, the config names {len(members)}; "
                "give the generator config the index was built with, or build the index again"
            )
        generators: list[CandidateGenerator] = []
        weights: list[float] = []
        for number, (name, member) in enumerate(dict(members).items()):
            member = dict(member)
            weights.append(_member_weight(name, member))
            generators.append(load_generator(folder / f"member_{number}", terminology, member))
        return EnsembleGenerator(generators, weights, **options)
    manifest = IndexManifest.read(folder)
    if manifest.kind != kind:
        raise IndexMismatchError(f"{folder}: it is a {manifest.kind!r} index, the config asks for {kind!r}")
    if kind == "dense":
        from xlink.candidates.dense import DenseGenerator
        return DenseGenerator.load(folder, terminology, _dense_config(options))
    if kind != "tfidf":
        raise XlinkError(f"{folder}: loading a saved {kind!r} index is not supported by this xlink")
    from xlink.candidates.tfidf import TfidfGenerator
    return TfidfGenerator.load(folder, terminology, _tfidf_config(options))
