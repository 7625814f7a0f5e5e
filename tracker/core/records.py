"""Plain records passed between the Hub client, the crawl and the store (no I/O, no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# The Hub's four relations. A relation it does not define is kept as `unknown` (`tracker.core.hub_ids`:
# `UNKNOWN_RELATION`), which charts draw grey like any "unknown", so it is no member of these sets.
Relation = Literal["finetune", "adapter", "quantized", "merge"]
MemberRelation = Literal["base", "finetune", "adapter", "quantized", "merge"]
RunStatus = Literal["running", "complete", "failed"]
Strategy = Literal["tree", "scan", "archive"]
STRATEGIES: tuple[str, ...] = ("tree", "scan", "archive")
RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")


@dataclass(frozen=True, slots=True)
class Observation:
    """One model as the Hub showed it during a run.

    Fields:
        model_id: the Hub id (`namespace/name`), as the Hub returned it (current, after renames).
        hub_oid: the Hub's stable `_id`.
        author: the namespace.
        created_at, last_modified: zone-aware UTC, when the Hub gives them.
        pipeline_tag, library_name: as the Hub gives them, or None.
        license: the value of the `license:` tag, or None.
        gated: "false", "auto" or "manual" (stored as text); None where the source does not say (the
            weekly archive's files).
        tags: every tag, as given.
        relation: the model's relation to its declared bases (one of `RELATIONS`, `unknown` for another the
            source gave), None when it declares none.
        parents: the declared bases' ids (current ids, as the Hub's tags give them), in the Hub's order;
            Hub ids only (`tracker.core.hub_ids`).
        children_count: direct children (`childrenModelCount`, its total when given by relation); None
            when the Hub did not say (the real Hub's listings never do).
        downloads_30d: downloads over the trailing 30 days (`downloads`).
        downloads_all_time: cumulative downloads (`downloadsAllTime`).
        likes, trending_score: as the Hub gives them.
        children_by_relation: (relation, count) pairs when the Hub gave counts by relation (the real Hub's
            `model_info`), else None.
        parameters: the parameter count the Hub's `safetensors` or `gguf` implies (an estimate: see
            `tracker.core.usage`); None when it gives neither.
        live_providers: the inference providers serving it live (`inferenceProviderMapping`, status
            `live`), sorted; () when none; None where the source does not say (the weekly archive).
    """

    model_id: str
    hub_oid: str | None
    author: str | None
    created_at: datetime | None
    last_modified: datetime | None
    pipeline_tag: str | None
    library_name: str | None
    license: str | None
    gated: str | None
    tags: tuple[str, ...]
    relation: Relation | None
    parents: tuple[str, ...]
    children_count: int | None
    downloads_30d: int | None
    downloads_all_time: int | None
    likes: int | None
    trending_score: int | None
    children_by_relation: tuple[tuple[str, int], ...] | None = None
    parameters: int | None = None
    live_providers: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A model's place in one ecosystem during one run."""

    ecosystem: str
    model_id: str
    family: str
    relation: MemberRelation
    depth: int


@dataclass(frozen=True, slots=True)
class Edge:
    """A declared parent link (the parent tracked or not; never a self-link)."""

    child_id: str
    parent_id: str
    relation: Relation


@dataclass(frozen=True, slots=True)
class Forest:
    """The tree a run recorded, as a tree crawl would list it: each distinct member's listed children.

    Fields:
        run_id: the run.
        root_children: the direct children of each root (depth 0 in some ecosystem), zeros included.
        other_children: the direct children of each other member that has any.
        others: the members that are not roots.
    """

    run_id: int
    root_children: tuple[int, ...]
    other_children: tuple[int, ...]
    others: int
