"""Terminologies: the concept model and one loader per source format."""

from __future__ import annotations

from xlink.terminology.model import Concept, Terminology, TerminologyStats

__all__ = ["Concept", "Terminology", "TerminologyStats"]
