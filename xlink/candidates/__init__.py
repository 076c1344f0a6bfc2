"""Candidate generation: the protocol, the generators and their on-disk indexes."""

from __future__ import annotations

from xlink.candidates.base import Candidate, CandidateGenerator

__all__ = ["Candidate", "CandidateGenerator"]
