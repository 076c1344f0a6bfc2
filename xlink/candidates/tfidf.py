"""Character n-gram TF-IDF candidate generation, exact and deduplicated by concept.

Why this shape:

- scispaCy and xMEN fit their vectorizer with ``min_df=10``, which silently
  drops every n-gram seen in fewer than ten names: a ten-name terminology
  then has an empty vocabulary. Here ``min_df`` defaults to 1.
- Search is exact: the sparse name matrix times a dense block of queries
  (3–4× faster than a sparse-sparse product, whose output is nearly dense),
  in blocks sized to the terminology so that memory stays bounded at 1M names.
- Scores are reduced to one per concept (its best-matching name) before the
  top-k is taken, so k candidates are k different concepts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from xlink.candidates.base import Candidate
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

logger = logging.getLogger(__name__)

KIND = "tfidf"
#: Scores are compared at this resolution; differences below it are ties.
_SCORE_DECIMALS = 5
_TIE_EPSILON = 1e-7


#: the analyzers of scikit-learn's TfidfVectorizer, and the ways equal scores are ordered
TFIDF_ANALYZERS = ("char_wb", "char", "word")
TIE_BREAKS = ("names", "order")


@dataclass
class TfidfConfig:
    """Vectorizer settings of :class:`TfidfGenerator`.

    ``analyzer="char_wb"`` builds n-grams inside word boundaries (padded with
    spaces), which keeps word starts and ends informative.
    """

    analyzer: str = "char_wb"
    ngram_min: int = 2
    ngram_max: int = 3
    #: names an n-gram must occur in: a count, or (a float) a share of the names, as scikit-learn reads it
    min_df: int | float = 1
    sublinear_tf: bool = True
    #: How equal scores are ordered: "names" puts the concept with more distinct
    #: names first (a proxy for how central a concept is; measured on NCBI dev),
    #: "order" keeps terminology order.
    tie_break: str = "names"
    #: Upper bound on the dense score block (queries × names) held at once.
    max_block_cells: int = 1 << 24
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse settings that the vectorizer would reject later with a traceback."""
        if self.analyzer not in TFIDF_ANALYZERS:
            raise XlinkError(f"TF-IDF analyzer = {self.analyzer!r}; choose one of {', '.join(TFIDF_ANALYZERS)}")
        if self.tie_break not in TIE_BREAKS:
            raise XlinkError(f"TF-IDF tie_break = {self.tie_break!r}; choose one of {', '.join(TIE_BREAKS)}")
        min_df = self.min_df
        if isinstance(min_df, bool) or not (
            (isinstance(min_df, int) and min_df >= 1) or (isinstance(min_df, float) and 0 < min_df <= 1)
        ):
            raise XlinkError(f"TF-IDF min_df = {min_df!r}; give a count of at least 1, or a share of names in (0, 1]")
        for key in ("ngram_min", "ngram_max", "max_block_cells"):
            value = getattr(self, key)
            if not is_count(value):
                raise XlinkError(f"TF-IDF {key} = {value!r}; give a whole number of at least 1")
        if self.ngram_max < self.ngram_min:
            raise XlinkError(f"TF-IDF ngram_max = {self.ngram_max} is below ngram_min = {self.ngram_min}")

    def index_config(self) -> dict[str, Any]:
        """The settings that change the index (and so belong in its manifest)."""
        config = asdict(self)
        for search_only in ("max_block_cells", "extra", "tie_break"):
            config.pop(search_only)
        return config


class TfidfGenerator:
    """Proposes the concepts whose names share the most character n-grams with a mention."""

    def __init__(self, terminology: Terminology, config: TfidfConfig | None = None) -> None:
        self.terminology = terminology
        self.config = config or TfidfConfig()
        self._vectorizer: TfidfVectorizer | None = None
        self._names: sp.csr_matrix | None = None  # names × features
        self._name_texts: list[str] = []  # normalized, what is vectorized
        self._name_originals: list[str] = []  # as written in the terminology
        self._name_concept: np.ndarray = np.zeros(0, dtype=np.int64)
        self._concept_ids: list[str] = []
        self._starts: np.ndarray = np.zeros(0, dtype=np.int64)
        self._prior: np.ndarray = np.zeros(0, dtype=np.float64)

    # -- building ---------------------------------------------------------------
    def _vectorizer_for(self, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        c = self.config
        return TfidfVectorizer(
            analyzer=c.analyzer,
            ngram_range=(c.ngram_min, c.ngram_max),
            min_df=c.min_df,
            sublinear_tf=c.sublinear_tf,
            lowercase=False,
            dtype=np.float32,
            vocabulary=vocabulary,
        )

    def _collect_names(self) -> None:
        """One row per distinct (concept, normalized name), grouped by concept."""
        table = collect_names(self.terminology, normalize_text)
        texts, originals, concept_ids = table.texts, table.originals, table.concept_ids
        self._name_texts = texts
        self._name_originals = originals
        self._name_concept = table.owner
        self._concept_ids = concept_ids
        self._starts = np.searchsorted(self._name_concept, np.arange(len(concept_ids)))
        self._set_prior()

    def _set_prior(self) -> None:
        """A per-concept bonus below score resolution, used only to order ties."""
        if self.config.tie_break == "order" or not len(self._concept_ids):
            self._prior = np.zeros(len(self._concept_ids), dtype=np.float64)
            return
        counts = np.diff(np.append(self._starts, len(self._name_texts))).astype(np.float64)
        self._prior = _TIE_EPSILON * np.log1p(counts) / np.log1p(counts.max())

    def build(self) -> TfidfGenerator:
        """Fit the vectorizer on the terminology's names and vectorize them."""
        self.terminology.require_nonempty()
        self._collect_names()
        self._vectorizer = self._vectorizer_for()
        try:
            matrix = self._vectorizer.fit_transform(self._name_texts)
        except ValueError as err:  # "After pruning, no terms remain": min_df above every n-gram's count
            raise XlinkError(
                f"TF-IDF over {len(self._name_texts)} names of {self.terminology.name}: {err}; lower min_df "
                f"(now {self.config.min_df})"
            ) from None
        self._names = sp.csr_matrix(matrix, dtype=np.float32)
        logger.info(
            "tfidf index: %d names of %d concepts, %d features",
            len(self._name_texts), len(self._concept_ids), matrix.shape[1],
        )
        return self

    # -- search -----------------------------------------------------------------
    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        """Top-``k`` concepts per mention by best-name cosine similarity."""
        if self._vectorizer is None or self._names is None:
            raise RuntimeError("TfidfGenerator.build() or .load() must be called before generate()")
        if k <= 0:
            return [[] for _ in mentions]
        queries = [normalize_text(m) for m in mentions]
        results: list[list[Candidate]] = [[] for _ in mentions]
        live = [i for i, q in enumerate(queries) if q]
        if not live:
            return results
        matrix = self._vectorizer.transform([queries[i] for i in live]).astype(np.float32)
        n_names, n_features = self._names.shape
        block = max(1, min(1024, self.config.max_block_cells // max(1, n_names, n_features)))
        k_eff = min(k, len(self._concept_ids))
        for lo in range(0, len(live), block):
            dense_queries = matrix[lo : lo + block].toarray().T  # features × block
            scores = np.asarray(self._names @ dense_queries)  # names × block
            per_concept = np.maximum.reduceat(scores, self._starts, axis=0).T  # block × concepts
            ranking = np.round(per_concept.astype(np.float64), _SCORE_DECIMALS) + self._prior
            for row, concept_scores in enumerate(per_concept):
                top = self._top_k(ranking[row], k_eff)
                name_scores = scores[:, row]
                out = []
                for c in top:
                    score = float(concept_scores[c])
                    if score <= 0.0:
                        break
                    lo_n = self._starts[c]
                    hi_n = self._starts[c + 1] if c + 1 < len(self._starts) else n_names
                    best = lo_n + int(np.argmax(name_scores[lo_n:hi_n]))
                    out.append(Candidate(self._concept_ids[c], self._name_originals[best], score))
                results[live[lo + row]] = out
        return results

    @staticmethod
    def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
        """Indices of the k largest scores, best first; ties keep terminology order.

        A tie at the k-th score goes to the lowest indices, so the first results never depend on
        ``k`` (``argpartition`` alone picks tied members in no set order).
        """
        if k >= scores.shape[0]:
            return np.argsort(-scores, kind="stable")
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)[: k - len(above)]
        part = np.concatenate([above, tied])
        return part[np.lexsort((part, -scores[part]))]

    # -- persistence ------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        """Write the index folder atomically, with its manifest."""
        if self._vectorizer is None or self._names is None:
            raise RuntimeError("build() the generator before saving it")
        manifest = IndexManifest(
            kind=KIND,
            terminology_name=self.terminology.name,
            terminology_fingerprint=self.terminology.fingerprint,
            config=self.config.index_config(),
            n_concepts=len(self._concept_ids),
            n_names=len(self._name_texts),
        )
        with atomic_folder(folder, INDEX_FOLDER) as tmp:
            vocab = {term: int(i) for term, i in self._vectorizer.vocabulary_.items()}
            write_json(tmp / "vocabulary.json", vocab)
            np.save(tmp / "idf.npy", self._vectorizer.idf_.astype(np.float32))
            sp.save_npz(tmp / "names.npz", self._names)
            np.save(tmp / "name_concept.npy", self._name_concept)
            write_json(
                tmp / "names.json",
                {
                    "names": self._name_texts,
                    "originals": self._name_originals,
                    "concept_ids": self._concept_ids,
                },
            )
            write_json(tmp / "manifest.json", manifest.to_json())

    @classmethod
    def load(
        cls, folder: str | Path, terminology: Terminology, config: TfidfConfig | None = None
    ) -> TfidfGenerator:
        """Load an index folder, refusing one built for another terminology or config."""
        folder = Path(folder)
        manifest = IndexManifest.read(folder)
        generator = cls(terminology, config)
        check_manifest(
            manifest,
            folder,
            kind=KIND,
            terminology_fingerprint=terminology.fingerprint,
            config=generator.config.index_config(),
        )
        with damaged_index_errors(folder):  # the file reads only: an error after them is no damage
            vocab = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
            idf = np.load(folder / "idf.npy")
            matrix = sp.csr_matrix(sp.load_npz(folder / "names.npz"))
            name_concept = np.load(folder / "name_concept.npy")
            names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
            texts, originals, concept_ids = names["names"], names["originals"], names["concept_ids"]
            check_index_sizes(
                folder, manifest, n_names=(len(texts), len(originals), len(name_concept), matrix.shape[0]),
                n_concepts=len(concept_ids),
            )
            if sorted(vocab.values()) != list(range(len(vocab))) or len(idf) != len(vocab) or matrix.shape[1] != len(vocab):
                raise ValueError(f"{len(vocab)} n-grams, {len(idf)} idf weights, {matrix.shape[1]} matrix columns")
        vectorizer = generator._vectorizer_for(vocabulary=vocab)
        vectorizer.fit(["x"])  # initialises internal state; vocabulary and idf are then set
        vectorizer.idf_ = idf
        generator._vectorizer = vectorizer
        generator._names, generator._name_concept = matrix, name_concept
        generator._name_texts, generator._name_originals, generator._concept_ids = texts, originals, concept_ids
        generator._starts = np.searchsorted(
            generator._name_concept, np.arange(len(generator._concept_ids))
        )
        generator._set_prior()
        return generator
