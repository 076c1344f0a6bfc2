"""Dense (bi-encoder) candidate generation over a faiss index of terminology names.

Every distinct normalized name of every concept is embedded once; a mention
is embedded the same way and its nearest names are looked up, exactly
(``IndexFlatIP``, the default) or approximately (HNSW, IVF-PQ) for large
terminologies. This is how BLINK, SapBERT (Liu et al., NAACL 2021) and xMEN
generate candidates; the encoder may be any HF or sentence-transformers
model, the default being the packaged all-MiniLM-L6-v2.

Names, not concepts, are indexed, so one concept may fill several of the top
names. The search therefore fetches ``k × m`` names, reduces them to concepts
(each scored by its best name), and grows ``m`` until it has ``k`` concepts
or has seen every name.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from xlink.candidates.base import Candidate
from xlink.candidates.encoder import TextEncoder, model_fingerprint, resolve_model
from xlink.candidates.index_store import (
    INDEX_FOLDER,
    IndexManifest,
    check_index_sizes,
    check_manifest,
    damaged_index_errors,
    write_json,
)
from xlink.candidates.names import collect_names
from xlink.errors import XlinkError, is_count
from xlink.files import atomic_folder
from xlink.terminology.model import Terminology
from xlink.text.normalize import normalize_text

if TYPE_CHECKING:
    import faiss

logger = logging.getLogger(__name__)

KIND = "dense"
INDEX_TYPES = ("flat", "hnsw", "ivfpq")
#: Below this many names an approximate index is pointless; flat is used instead.
_MIN_NAMES_FOR_APPROXIMATE = 10_000


@dataclass
class DenseConfig:
    """Encoder and faiss settings of :class:`DenseGenerator`.

    ``model`` is a packaged model name (``all-MiniLM-L6-v2``,
    ``xlink-biencoder-minilm``), a local folder or a hub id; empty means the
    packaged all-MiniLM-L6-v2. ``normalize_text`` applies xlink's
    name/mention folding (case, accents, punctuation) before encoding, the
    same way for names and mentions.
    """

    model: str = ""
    pooling: str = "mean"
    max_length: int = 25
    batch_size: int = 256
    normalize: bool = True
    normalize_text: bool = True
    index: str = "flat"
    #: HNSW: neighbours per node, and beam widths at build and search time.
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    #: IVF-PQ: lists (0: 4·√names), lists probed, sub-quantizers, bits per code.
    ivf_nlist: int = 0
    ivf_nprobe: int = 32
    pq_m: int = 48
    pq_bits: int = 8
    #: First fetch is k × fetch_factor names per mention (grown ×4 while short of k concepts).
    fetch_factor: int = 4
    #: Mentions encoded and searched per block.
    query_batch_size: int = 1024
    #: How equal scores are ordered, as in the TF-IDF generator: "names" puts the concept with more
    #: distinct names first (MEDIC's MeSH entry before an OMIM entry of the same name), "order"
    #: keeps terminology order. Equal scores are common: equal names embed identically.
    tie_break: str = "names"

    def __post_init__(self) -> None:
        if self.index not in INDEX_TYPES:
            raise XlinkError(f"dense index must be one of {INDEX_TYPES}, not {self.index!r}")
        if self.pooling not in ("mean", "cls"):
            raise XlinkError(f"pooling must be 'mean' or 'cls', not {self.pooling!r}")
        if self.tie_break not in ("names", "order"):
            raise XlinkError(f"dense tie_break = {self.tie_break!r}; choose one of names, order")
        # a negative batch size encoded nothing (every name a zero vector) and 0 divided by zero
        for key in ("max_length", "batch_size", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search",
                    "ivf_nprobe", "pq_m", "pq_bits", "fetch_factor", "query_batch_size"):
            value = getattr(self, key)
            if not is_count(value):
                raise XlinkError(f"dense {key} = {value!r}; give a whole number of at least 1")
        if not is_count(self.ivf_nlist, 0):
            raise XlinkError(f"dense ivf_nlist = {self.ivf_nlist!r}; give a whole number (0: 4·√names)")
        for key in ("normalize", "normalize_text"):
            if not isinstance(getattr(self, key), bool):
                raise XlinkError(f"dense {key} = {getattr(self, key)!r}; give true or false")

    def index_config(self) -> dict[str, Any]:
        """The settings that change the index (and so belong in its manifest)."""
        config = asdict(self)
        for search_only in ("batch_size", "hnsw_ef_search", "ivf_nprobe", "fetch_factor", "query_batch_size", "tie_break"):
            config.pop(search_only)
        if self.index != "hnsw":
            for key in ("hnsw_m", "hnsw_ef_construction"):
                config.pop(key)
        if self.index != "ivfpq":
            for key in ("ivf_nlist", "pq_m", "pq_bits"):
                config.pop(key)
        config.pop("model")  # identified by its fingerprint, not by where it lives
        return config


def build_faiss_index(vectors: np.ndarray, config: DenseConfig) -> faiss.Index:
    """A faiss inner-product index over ``vectors`` of the configured type."""
    import faiss

    n, dim = vectors.shape
    kind = config.index
    if kind != "flat" and n < _MIN_NAMES_FOR_APPROXIMATE:
        logger.info("%d names: an exact flat index instead of %s", n, kind)
        kind = "flat"
    index: faiss.Index
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
    else:
        if dim % config.pq_m:
            raise XlinkError(f"pq_m={config.pq_m} must divide the embedding dimension {dim}")
        nlist = config.ivf_nlist or int(4 * np.sqrt(n))
        nlist = max(1, min(nlist, n // 39))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, config.pq_m, config.pq_bits, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, max(256 * 39, nlist * 64)), replace=False)]
        index.train(sample)
    index.add(vectors)
    set_search_params(index, config)
    return index


def set_search_params(index: faiss.Index, config: DenseConfig) -> None:
    """Apply the search-time knobs (HNSW efSearch, IVF nprobe) to a faiss index."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = config.hnsw_ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = config.ivf_nprobe


class DenseGenerator:
    """Proposes the concepts whose names embed nearest to a mention."""

    def __init__(
        self, terminology: Terminology, config: DenseConfig | None = None, encoder: TextEncoder | None = None
    ) -> None:
        self.terminology = terminology
        self.config = config or DenseConfig()
        if encoder is not None:  # the manifest records the config, so the encoder must be the config's
            settings = {"pooling": encoder.pooling, "max_length": encoder.max_length, "normalize": encoder.normalize}
            differ = {k: v for k, v in settings.items() if getattr(self.config, k) != v}
            if differ:
                raise XlinkError(
                    f"the encoder's settings {differ} differ from the dense config's "
                    f"{ {k: getattr(self.config, k) for k in differ} }; give a DenseConfig with the encoder's settings"
                )
        self._encoder = encoder
        self._model_path = encoder.model_path if encoder is not None else resolve_model(self.config.model)
        self._index: faiss.Index | None = None
        self._set_names([], [], np.zeros(0, dtype=np.int64), [])
        #: Mentions truncated to ``max_length`` by generate() since this generator was made.
        self.n_truncated_mentions = 0
        self.build_seconds = 0.0
        self.encode_names_per_s = 0.0

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            c = self.config
            self._encoder = TextEncoder(self._model_path, c.pooling, c.max_length, c.normalize)
        return self._encoder

    @property
    def model_fingerprint(self) -> str:
        if self._encoder is not None:
            return self._encoder.fingerprint
        return model_fingerprint(self._model_path)

    def _prepare(self, text: str) -> str:
        return normalize_text(text) if self.config.normalize_text else " ".join(text.split())

    # -- building ---------------------------------------------------------------
    def _collect_names(self) -> None:
        """One row per distinct (concept, prepared name)."""

        def prepare(name: str) -> str:
            key = self._prepare(name)
            return key if key and normalize_text(key) else ""

        table = collect_names(self.terminology, prepare)
        self._set_names(table.texts, table.originals, table.owner, table.concept_ids)

    def _set_names(self, texts: list[str], originals: list[str], owner: np.ndarray, concept_ids: list[str]) -> None:
        """The indexed names, their concepts, and each concept's number of names (for ``tie_break``)."""
        self._name_texts, self._name_originals, self._concept_ids = texts, originals, concept_ids
        self._name_concept = owner
        self._n_names = np.bincount(owner, minlength=len(concept_ids))

    def build(self) -> DenseGenerator:
        """Embed every name of the terminology and index the embeddings."""
        self.terminology.require_nonempty()
        start = time.perf_counter()
        self._collect_names()
        vectors = self.encoder.encode(self._name_texts, self.config.batch_size, description="encoding names")
        stats = self.encoder.stats
        self.encode_names_per_s = stats.texts_per_s
        self._index = build_faiss_index(vectors, self.config)
        self.build_seconds = time.perf_counter() - start
        logger.info(
            "dense index: %d names of %d concepts, %s, %.1f s (%.0f names/s encoding, %d truncated)",
            len(self._name_texts), len(self._concept_ids), type(self._index).__name__,
            self.build_seconds, stats.texts_per_s, stats.n_truncated,
        )
        return self

    # -- search -----------------------------------------------------------------
    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        """Top-``k`` concepts per mention by best-name cosine similarity."""
        if self._index is None:
            raise RuntimeError("DenseGenerator.build() or .load() must be called before generate()")
        results: list[list[Candidate]] = [[] for _ in mentions]
        if k <= 0:
            return results
        queries = [self._prepare(m) for m in mentions]
        live = [i for i, q in enumerate(queries) if q and normalize_text(q)]
        step = max(1, self.config.query_batch_size)
        for lo in range(0, len(live), step):
            block = live[lo : lo + step]
            vectors = self.encoder.encode([queries[i] for i in block], self.config.batch_size, "encoding mentions")
            self.n_truncated_mentions += self.encoder.stats.n_truncated
            for i, found in zip(block, self.search(vectors, k), strict=True):
                results[i] = found
        return results

    def search(self, vectors: np.ndarray, k: int) -> list[list[Candidate]]:
        """Top-``k`` concepts for each query embedding (rows of ``vectors``)."""
        n_names = len(self._name_texts)
        k_eff = min(k, len(self._concept_ids))
        fetch = min(n_names, k_eff * max(1, self.config.fetch_factor))
        out: list[list[Candidate]] = [[] for _ in range(len(vectors))]
        pending = np.arange(len(vectors))
        index = cast("faiss.Index", self._index)  # set by build() or load(); generate() checks
        while len(pending):
            scores, rows = index.search(np.ascontiguousarray(vectors[pending]), fetch)
            short = []
            for j, q in enumerate(pending):
                out[q] = self._reduce(scores[j], rows[j], k_eff)
                full = (rows[j] >= 0).all()
                # a tie at the edge of the fetched names may hide a tied name with a lower row (faiss
                # returns ties in no set order): fetch more, so that the result does not depend on k
                tied_edge = bool(out[q]) and full and scores[j][-1] >= out[q][-1].score
                if (len(out[q]) < k_eff or tied_edge) and fetch < n_names and full:
                    short.append(q)
            if not short or fetch >= n_names:
                break
            pending = np.asarray(short)
            fetch = min(n_names, fetch * 4)
        return out

    def _reduce(self, scores: np.ndarray, rows: np.ndarray, k: int) -> list[Candidate]:
        """Names (best first) → at most k concepts, each at its best name; ties by ``tie_break``.

        faiss returns equal scores in no set order, so they are ordered here: by the concept's
        number of names (``tie_break = "names"``), then by row (terminology order).
        """
        if self.config.tie_break == "names":
            names = self._n_names[self._name_concept[np.maximum(rows, 0)]]
            order = np.lexsort((rows, -names, -scores))
        else:
            order = np.lexsort((rows, -scores))
        scores, rows = scores[order], rows[order]
        seen: set[int] = set()
        found = []
        for score, row in zip(scores, rows, strict=True):
            if row < 0:
                break
            concept = int(self._name_concept[row])
            if concept in seen:
                continue
            seen.add(concept)
            found.append(Candidate(self._concept_ids[concept], self._name_originals[row], float(score)))
            if len(found) == k:
                break
        return found

    # -- persistence ------------------------------------------------------------
    def _manifest(self) -> IndexManifest:
        assert self._index is not None  # only save() calls it, after its check
        return IndexManifest(
            kind=KIND,
            terminology_name=self.terminology.name,
            terminology_fingerprint=self.terminology.fingerprint,
            config=self.config.index_config(),
            n_concepts=len(self._concept_ids),
            n_names=len(self._name_texts),
            model_fingerprint=self.model_fingerprint,
            extra={
                "faiss_type": type(self._index).__name__,
                "dimension": int(self._index.d),
                "model": self.config.model or "all-MiniLM-L6-v2",
                "build_seconds": round(self.build_seconds, 2),
                "encode_names_per_s": round(self.encode_names_per_s, 1),
            },
        )

    def save(self, folder: str | Path) -> None:
        """Write the index folder atomically, with its manifest."""
        import faiss

        if self._index is None:
            raise RuntimeError("build() the generator before saving it")
        manifest = self._manifest()
        with atomic_folder(folder, INDEX_FOLDER) as tmp:
            faiss.write_index(self._index, str(tmp / "names.faiss"))
            np.save(tmp / "name_concept.npy", self._name_concept)
            write_json(
                tmp / "names.json",
                {"names": self._name_texts, "originals": self._name_originals, "concept_ids": self._concept_ids},
            )
            write_json(tmp / "manifest.json", manifest.to_json())

    @classmethod
    def load(
        cls,
        folder: str | Path,
        terminology: Terminology,
        config: DenseConfig | None = None,
        encoder: TextEncoder | None = None,
    ) -> DenseGenerator:
        """Load an index folder, refusing one built for another terminology, model or config."""
        import faiss

        folder = Path(folder)
        manifest = IndexManifest.read(folder)
        generator = cls(terminology, config, encoder)
        check_manifest(
            manifest,
            folder,
            kind=KIND,
            terminology_fingerprint=terminology.fingerprint,
            config=generator.config.index_config(),
            model_fingerprint=generator.model_fingerprint,
        )
        with damaged_index_errors(folder):  # the file reads only: an error after them is no damage
            index = faiss.read_index(str(folder / "names.faiss"))
            name_concept = np.load(folder / "name_concept.npy")
            names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
            texts, originals, concept_ids = names["names"], names["originals"], names["concept_ids"]
            check_index_sizes(
                folder, manifest, n_names=(len(texts), len(originals), len(name_concept), int(index.ntotal)),
                n_concepts=len(concept_ids),
            )
        generator._index = index
        set_search_params(generator._index, generator.config)
        generator._set_names(texts, originals, name_concept, concept_ids)
        return generator
