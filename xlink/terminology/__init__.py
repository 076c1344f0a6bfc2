"""Terminologies: the concept model and one loader per source format."""

from __future__ import annotations

from xlink.terminology.biosyn import load_biosyn
from xlink.terminology.ctd import load_ctd
from xlink.terminology.do import load_do
from xlink.terminology.icd10cm import load_icd10cm
from xlink.terminology.loaders import FORMATS, detect_format, load_terminology
from xlink.terminology.model import Concept, Terminology, TerminologyStats
from xlink.terminology.obo import load_obo
from xlink.terminology.umls import load_umls

__all__ = [
    "FORMATS",
    "Concept",
    "Terminology",
    "TerminologyStats",
    "detect_format",
    "load_biosyn",
    "load_ctd",
    "load_do",
    "load_icd10cm",
    "load_obo",
    "load_terminology",
    "load_umls",
]
