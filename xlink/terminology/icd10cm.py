"""ICD-10-CM, the US clinical modification of ICD-10, from its tabular XML.

CMS and CDC publish the tabular list as XML (``icd10cm-tabular-<date>.xml``):
chapters hold sections, sections hold ``<diag>`` codes, and codes nest
(``A00`` → ``A00.0``). Each code has a ``<name>`` (the code) and a
``<desc>``; its ``<inclusionTerm><note>`` texts are further names of the
same condition and serve as aliases. The file is read with expat, which is
fast and reports line numbers for errors.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from xlink.errors import FormatError
from xlink.files import open_binary
from xlink.terminology._reading import NameCleaner, terminology_name
from xlink.terminology.model import Concept, Terminology

SOURCE = "ICD10CM"
_EXPECTED = "ICD-10-CM tabular XML with <diag><name>code</name><desc>title</desc></diag>"


@dataclass
class _Diag:
    lineno: int
    slot: int
    code: list[str] = field(default_factory=list)
    desc: list[str] = field(default_factory=list)
    inclusion_terms: list[str] = field(default_factory=list)


@dataclass
class _TabularReader:
    """Expat handlers that collect ``<diag>`` codes in document order (parents first)."""

    path: Path
    parser: expat.XMLParserType
    cleaner: NameCleaner
    slots: list[Concept | None] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)
    diags: list[_Diag] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    chapter: str = ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.stack.append(tag)
        self.text = []
        if tag == "diag":
            self.diags.append(_Diag(lineno=self.parser.CurrentLineNumber, slot=len(self.slots)))
            self.slots.append(None)
        elif tag == "chapter":
            self.chapter = ""

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        self.stack.pop()
        parent = self.stack[-1] if self.stack else ""
        text = " ".join("".join(self.text).split())
        self.text = []
        if tag == "diag":
            self._finish(self.diags.pop())
        elif parent == "diag" and self.diags:
            if tag == "name":
                self.diags[-1].code.append(text)
            elif tag == "desc":
                self.diags[-1].desc.append(text)
        elif tag == "note" and self.stack[-2:] == ["diag", "inclusionTerm"] and self.diags:
            self.diags[-1].inclusion_terms.append(text)
        elif tag == "desc" and parent == "chapter":
            self.chapter = text

    def _finish(self, diag: _Diag) -> None:
        if not diag.code or not diag.code[0]:
            raise FormatError(self.path, diag.lineno, "a <diag> without a <name> code", _EXPECTED)
        if len(diag.code) > 1:
            message = f"a <diag> with {len(diag.code)} <name> codes"
            raise FormatError(self.path, diag.lineno, message, _EXPECTED)
        names = self.cleaner.clean((*diag.desc, *diag.inclusion_terms))
        if not names:
            return
        self.slots[diag.slot] = Concept(
            concept_id=diag.code[0],
            canonical_name=names[0],
            aliases=names[1:],
            types=(self.chapter,) if self.chapter else (),
            source=SOURCE,
        )


def load_icd10cm(path: str | Path, *, name: str | None = None) -> Terminology:
    """Load the codes of an ICD-10-CM tabular XML file as a terminology.

    Every ``<diag>`` is a concept: categories (``A00``) as well as billable
    codes (``A00.0``); chapters and sections are not. A code's ``<desc>`` is
    its canonical name and its inclusion terms are aliases; the chapter title
    is its type. Seventh-character extensions (``S72.001A``) are not listed
    as ``<diag>`` elements and are not generated.
    """
    path = Path(path)
    parser = expat.ParserCreate()
    reader = _TabularReader(path=path, parser=parser, cleaner=NameCleaner())
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    with open_binary(path) as handle:
        try:
            parser.ParseFile(handle)
        except expat.ExpatError as err:
            raise FormatError(
                path, err.lineno, f"invalid XML ({expat.ErrorString(err.code)})", _EXPECTED
            ) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:  # a truncated or damaged .gz
            raise FormatError(
                path, parser.CurrentLineNumber, f"broken gzip data ({err or 'the file ends early'})", _EXPECTED
            ) from None
    return Terminology.from_concepts(
        [concept for concept in reader.slots if concept is not None],
        name=name or terminology_name(path),
        n_skipped_empty_names=reader.cleaner.n_skipped,
    ).require_nonempty(path)
