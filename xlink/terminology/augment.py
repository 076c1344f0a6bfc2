"""Add the surface forms of annotated training mentions to a terminology.

Corpora name concepts in ways that terminologies miss ("tumour" for
Neoplasms). Adding the mentions of a *training* split as aliases of their
gold concepts is a standard way to close that gap (BioSyn's dictionaries
include them). Never pass a test split here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from xlink.corpus.model import Mention
from xlink.evaluation.ids import normalize_concept_id
from xlink.terminology.model import Concept, Terminology

logger = logging.getLogger(__name__)


def augment_with_mentions(terminology: Terminology, mentions: Iterable[Mention]) -> Terminology:
    """A new terminology whose concepts also carry the texts of ``mentions``.

    Only mentions with a single-part gold id are used (a composite mention's
    text names several concepts at once); the first alternative that exists
    in the terminology receives the alias. Mentions whose gold id is not in
    the terminology are counted and skipped.
    """
    by_id: dict[str, str] = {}
    for concept in terminology:
        for identifier in concept.ids:
            by_id.setdefault(normalize_concept_id(identifier), concept.concept_id)
    extra: dict[str, dict[str, None]] = {}
    skipped = used = 0
    for mention in mentions:
        if len(mention.gold) != 1 or not mention.text.strip():
            continue
        target = next((by_id[normalize_concept_id(i)] for i in mention.gold[0] if normalize_concept_id(i) in by_id), None)
        if target is None:
            skipped += 1
            continue
        extra.setdefault(target, {})[mention.text] = None
        used += 1
    if skipped and not used:
        logger.warning(
            "augment: none of the %d training mentions has a gold id in terminology %r, so none became an "
            "alias; is the training corpus labelled with this terminology's ids? (leave it out if not)",
            skipped,
            terminology.name,
        )
    elif skipped:
        logger.info("augment: %d mentions have gold ids outside the terminology", skipped)
    concepts: list[Concept] = []
    for concept in terminology:
        added = extra.get(concept.concept_id)
        if added:
            aliases = tuple(dict.fromkeys((*concept.aliases, *(a for a in added if a not in concept.names))))
            concept = replace(concept, aliases=aliases)
        concepts.append(concept)
    logger.info("augment: %d mention texts added to %d concepts", used, len(extra))
    return Terminology.from_concepts(concepts, name=f"{terminology.name}+mentions")
