"""One entry point for every corpus format: detect it, load it, save it.

The CLI and the evaluation code call :func:`load_corpus` and never need to
know which reader a file wants; when a file is ambiguous, ``--corpus-format``
(the ``format`` argument) settles it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from xlink.corpus.bigbio import read_bigbio_jsonl, write_bigbio_jsonl
from xlink.corpus.biosyn_queries import read_biosyn_queries, write_biosyn_queries
from xlink.corpus.model import Corpus
from xlink.corpus.pubtator import read_pubtator, write_pubtator
from xlink.errors import XlinkError, missing_file
from xlink.files import format_suffix, numbered_lines, require_file

logger = logging.getLogger(__name__)

#: The corpus formats xlink reads and writes.
CORPUS_FORMATS = ("pubtator", "bigbio", "biosyn-queries")

_READERS: dict[str, Callable[[Path], Corpus]] = {
    "pubtator": read_pubtator,
    "bigbio": read_bigbio_jsonl,
    "biosyn-queries": read_biosyn_queries,
}
_WRITERS: dict[str, Callable[[Corpus, Path], None]] = {
    "pubtator": write_pubtator,
    "bigbio": write_bigbio_jsonl,
    "biosyn-queries": write_biosyn_queries,
}
_ALIASES = {"biosyn": "biosyn-queries", "bigbio-kb": "bigbio", "jsonl": "bigbio"}
_PUBTATOR_PASSAGE = re.compile(r"^[^\t|]+\|[ta]\|")
#: The first line of BigBIO JSON: an object (``{"id": ...``, or a lone ``{`` when pretty-printed) or a
#: list of them (``[{...}, ...]``, ``[`` alone, or ``[]``).
_JSON_START = re.compile(r'^(\{\s*("|\}|$)|\[\s*(\{|\]|$))')
#: How many non-blank lines detection looks at before giving up.
_DETECTION_LINES = 20
#: What a corpus path must name, for the error when it names a directory.
_CORPUS_FILE = "a corpus file (PubTator .txt, BigBIO .jsonl or BioSyn queries)"


def _hint() -> str:
    return f"supported corpus formats: {', '.join(CORPUS_FORMATS)}; set one with --corpus-format"


def normalize_corpus_format(name: str) -> str:
    """The canonical name of a corpus format (``biosyn_queries`` → ``biosyn-queries``)."""
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in CORPUS_FORMATS:
        raise XlinkError(f"unknown corpus format {name!r}; {_hint()}")
    return key


def detect_corpus_format(path: str | Path) -> str:
    """Guess the format of a corpus file from its extension, then its first lines.

    ``.jsonl``/``.json`` (gzipped or not), or a first line that starts a JSON
    object or a JSON list of objects, means BigBIO; ``PMID|t|`` or ``PMID|a|``
    lines mean PubTator; ``||``-separated lines mean BioSyn queries. JSON is
    recognised before the others, since a BigBIO text may hold ``||``.

    The lines are read as the readers read them (a UTF-8 byte order mark
    dropped, lines ended by ``\\n`` only), so a file that detection accepts
    is not refused later for its encoding.

    Raises:
        XlinkError: the format cannot be told; the message lists the supported
            formats and says that ``--corpus-format`` sets one. ``path`` is a
            directory (:class:`~xlink.errors.DirectoryGivenError`).
        FormatError: the first lines are not UTF-8, or the file is UTF-16.
    """
    path = Path(path)
    require_file(path, _CORPUS_FILE)
    if format_suffix(path) in (".jsonl", ".json"):  # docs.jsonl.gz too
        return "bigbio"
    seen = 0
    for _, line in numbered_lines(path, _CORPUS_FILE, keep_lone_cr=True):
        stripped = line.strip()
        if not stripped:
            continue
        # JSON first: a BigBIO text may hold "||" or "x|t|", which would pass for the other formats
        if _JSON_START.match(stripped):
            return "bigbio"
        if _PUBTATOR_PASSAGE.match(line):
            return "pubtator"
        if "||" in line:
            return "biosyn-queries"
        seen += 1
        if seen >= _DETECTION_LINES:
            break
    what = "is empty" if seen == 0 else f"matches no known format in its first {seen} line(s)"
    raise XlinkError(f"cannot tell the format of corpus {path}: it {what}; {_hint()}")


def load_corpus(path: str | Path, format: str | None = None) -> Corpus:
    """Read a corpus file in ``format``, or in the format :func:`detect_corpus_format` finds."""
    path = Path(path)
    require_file(path, _CORPUS_FILE)
    if not path.is_file():
        raise missing_file(path)
    name = normalize_corpus_format(format) if format else detect_corpus_format(path)
    logger.debug("Reading %s as %s", path, name)
    return _READERS[name](path)


def save_corpus(corpus: Corpus, path: str | Path, format: str) -> None:
    """Write ``corpus`` to ``path`` in ``format`` (one of :data:`CORPUS_FORMATS`)."""
    _WRITERS[normalize_corpus_format(format)](corpus, Path(path))



def names_split(file_name: str, split: str) -> bool:
    """Whether a file name names the held-out ``split`` ("dev" or "test"), by whole name parts.

    "test.txt", "NCBItestset_corpus.txt", "ncbi_test2.jsonl", "dev-v2.jsonl", "validation.jsonl",
    "devel.tsv", "CDR_DevelopmentSet.PubTator.txt" and BioSyn's "test_dictionary.txt" do;
    "CTD_diseases_latest.tsv", "device_notes.txt" do not, because a word that merely contains
    "test" or "dev" is no split, and neither does a name with "train" in it ("train_dev.tsv",
    a merged training set).
    The trainers refuse such files as training data, so that no model is selected or reported
    on what it learned from.
    """
    parts = re.split(r"[^a-z0-9]+", file_name.lower())
    # "train_dev.tsv", "training.txt", "NCBItrain_dev.txt": training data, merged or not; "constraints",
    # "strains" hold "strain", which is no "train"
    if any(re.search(r"(?<!s)train", part) for part in parts):
        return False
    sets = (f"{split}set", "developset", "developmentset", "validset") if split == "dev" else (f"{split}set",)
    whole = ("val", "valid", "validation", "devel", "development") if split == "dev" else ("testing",)
    return any(
        re.fullmatch(rf"{split}\d*", part) is not None or part in whole or any(s in part for s in sets) for part in parts
    )
