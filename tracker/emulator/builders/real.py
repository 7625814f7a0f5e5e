"""A catalogue of real Hub ids and lineage: 16 weeks of additions and deletions (2025-03-12 .. 07-02).

Built from `tracker/data/msc-weekly-lineage.csv.gz` (see its README), read into records by
`real_lineage` (which says how each model's life follows from the data). The ids, relations, declared
bases and the weeks in which models appeared and vanished are real; times inside a week, figures
and traits are drawn from one `random.Random(seed)`, in a fixed order, so a seed gives the same
catalogue byte for byte and another seed the same ids and lineage with other figures. Figures follow
the usage curves of `tracker.emulator.figures` (`traits.dynamics`, from a hash of each `_id`): most
derivatives spike at launch and fade, some grow for months or come back in a second wave, and the
official releases of the ecosystems' organisations mostly grow for months. A derivative made straight
from an official release draws its popularity from a larger audience (`OFFICIAL_CHILD_AUDIENCE`): the
hits that make a week's risers.

- Sizes from the names (`traits.parameters_for`), a derivative's from its first base
  (`traits.derived_parameters`: quantizations and adapters exactly); inference providers
  (`tracker.emulator.builders.providers`) on a few percent of models, mostly the official releases of
  meta-llama, Qwen, mistralai, google, deepseek-ai and microsoft, drawn from a hash of each `_id`.
- Showcase features: the most downloaded quantized model (all time at REAL_DEFAULT_NOW) has its
  `downloadsAllTime` revised down by 30% on 2025-05-21; the earliest-created model outside the
  Llama lineage that has no children and is never deleted is private.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from tracker.emulator import figures
from tracker.emulator.builders import providers, traits
from tracker.emulator.builders.real_lineage import (
    LLAMA_ORGS,
    PRE_END,
    REAL_DEFAULT_NOW,
    RealLineage,
    RealLoadStats,
    read_lineage,
)
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import DAY, HubModel, model_hash, object_id, parse_time

logger = logging.getLogger("tracker.emulator.real")  # kept: operators filter on it

_RENAMED_AT = parse_time("2024-09-05T00:00:00Z")
_REVISION_AT = parse_time("2025-05-21T00:00:00Z")
_REVISION_FRACTION = 0.3
# Organisations whose own releases providers favour (`providers.draw`'s `official`).
_OFFICIAL_ORGS = (*LLAMA_ORGS, "qwen/", "mistralai/", "google/", "deepseek-ai/", "microsoft/")
_OTHER_ARCHS = (("qwen", "qwen2"), ("mistral", "mistral"), ("gemma", "gemma2"), ("phi", "phi3"))
# A derivative made in the window straight from an official release (a quantization of Qwen3-8B, a
# finetune of Llama-3.1-8B-Instruct) finds its audience among the release's users: its peak daily
# downloads are this many times a deeper derivative's. Calibrated on the demo's weeks: at 1, a week's
# risers (Movers' floors) are 1 to 3 of 36,000 tracked derivatives, against 100 fallers; at 10, 20 to 36.
OFFICIAL_CHILD_AUDIENCE = 10.0
WINDOW_TAIL = 1.1  # the Pareto index of the popularity of models made in the window (see `traits.popularity`)


def _models(lineage: RealLineage) -> list[HubModel]:
    """HubModels with traits drawn in build order, sorted by `_id`, parents as sorted indexes."""
    rng, out, families = lineage.rng, [], lineage.families()
    named: list[int | None] = []
    quant_weights, licences = traits.QUANT_WEIGHTS, traits.FAMILY_LICENSES
    official_at = [rec.repo_id.lower().startswith(_OFFICIAL_ORGS) for rec in lineage.recs]
    for rec, family in zip(lineage.recs, families, strict=True):
        repo_id, relation, lower = rec.repo_id, rec.relation, rec.repo_id.lower()
        fmt = None
        if relation == "quantized":
            fmt = traits.detect_format(repo_id) or traits.pick(rng, quant_weights)
        library, extra = traits.library_and_tags(relation, fmt)
        inherited = licences.get(family, "other") if family else "apache-2.0"
        official = family is not None and lower.startswith(LLAMA_ORGS)
        licence = inherited if official else traits.license_for(rng, inherited)
        text = " ".join((lower, *rec.declared)).lower() if rec.declared else lower
        arch = "llama"
        if "llama" not in text:
            for word, name in _OTHER_ARCHS:
                if word in text:
                    arch = name
                    break
        meta = lower.startswith("meta-llama/")
        scale = 20_000.0 if meta else 1.0 if rec.in_window else 200.0
        if rec.in_window and not meta and any(official_at[p] for p in rec.parents if isinstance(p, int)):
            scale *= OFFICIAL_CHILD_AUDIENCE
        # The models made in the window: most are barely used, but the hits among them (the quantizations
        # and finetunes of a new release) are what the Hub's risers are made of: a heavier tail.
        tail = WINDOW_TAIL if rec.in_window and not meta else 1.6
        rate, u_time, u_floor, likes_max = traits.popularity(rng, scale=scale, tail=tail)
        if rec.toggles and not meta:
            # Repositories that get deleted are mostly experiments nobody used: keep them out of
            # the heavy tail, or one deletion would swing the ecosystem's downloads by millions.
            rate, likes_max = 5.0 * rate / (rate + 5.0), min(likes_max, 3)  # bounded below 5 a day
        params = traits.parameters_for(repo_id, rng)
        named.append(traits.named_parameters(repo_id))  # for `_inherit_parameters`, while cached
        created = rec.created if rec.created is not None else PRE_END
        oid = object_id(created, rng.randbytes(8))
        # Official releases draw as models with no base: most grow for months (`traits.dynamics`).
        kind = None if lower.startswith(_OFFICIAL_ORGS) else relation
        shape, tau, floor, wave = traits.dynamics(model_hash(oid, 2), kind, rate, u_time, u_floor)
        out.append(
            HubModel(
                oid=oid,
                repo_id=repo_id,
                created=created,
                relation=relation,
                parents=rec.parents,
                card_base=rec.declared,
                old_id=rec.old_id,
                renamed_at=_RENAMED_AT if rec.old_id else None,
                toggles=rec.toggles,
                gated="manual" if meta else False,
                library=library,
                pipeline="text-generation",
                license=licence,
                arch=arch,
                extra_tags=extra,
                params=params,
                shape=shape,
                rate=rate,
                tau_days=tau,
                floor=floor,
                wave_days=wave,
                likes_max=likes_max,
            )
        )
    _inherit_parameters(lineage, out, named)
    for m in out:
        m.providers = providers.draw(
            model_hash(m.oid, 1),
            official=m.repo_id.lower().startswith(_OFFICIAL_ORGS) and m.relation in (None, "finetune"),
            relation=m.relation,
            pipeline=m.pipeline,
            repo_id=m.repo_id,
            created=m.created,
            rate=m.rate,
        )
    _showcase(lineage, out, families)
    order = sorted(range(len(out)), key=[m.oid for m in out].__getitem__)
    where = [0] * len(out)
    for i, p in enumerate(order):
        where[p] = i
    for m, rec in zip(out, lineage.recs, strict=True):
        if rec.parents:
            m.parents = tuple([where[p] for p in rec.parents])
    return [out[p] for p in order]


def _inherit_parameters(lineage: RealLineage, models: list[HubModel], named: list[int | None]) -> None:
    """Derivatives' parameter counts from their first base's (`traits.derived_parameters`; `named`:
    the count each id implies), bases first; a model naming itself, or closing a cycle of first
    bases, keeps the count of its name."""
    done = [False] * len(models)
    on_path: set[int] = set()
    for start in range(len(models)):
        stack = [start]
        while stack:
            x = stack[-1]
            if done[x]:
                stack.pop()
                continue
            parents = lineage.recs[x].parents
            p = parents[0] if parents else x
            if p != x and not done[p] and p not in on_path:
                on_path.add(x)
                stack.append(p)
                continue
            if p != x and done[p]:
                m = models[x]
                if m.relation in ("quantized", "adapter"):
                    m.params = models[p].params
                else:
                    official = m.repo_id.lower().startswith(_OFFICIAL_ORGS)
                    h = None if official else model_hash(m.oid)
                    base = models[p].params
                    m.params = traits.derived_parameters(m.relation, base, named[x], m.params, h)
            done[x] = True
            on_path.discard(x)
            stack.pop()


def _showcase(lineage: RealLineage, models: list[HubModel], families: list[str | None]) -> None:
    """One downward revision of `downloadsAllTime` and one private model (see the module docstring)."""
    top, top_key = None, (-1, "")
    for m in models:
        if m.relation == "quantized" and m.created < _REVISION_AT:
            age = (REAL_DEFAULT_NOW - m.created) / DAY
            key = (figures.cumulative_downloads(m, age), m.oid)
            if key > top_key:
                top, top_key = m, key
    if top is not None:
        top.revision_at, top.revision_fraction = _REVISION_AT, _REVISION_FRACTION
    has_children = {p for m in models if m.parents for p in m.parents}
    chosen, chosen_key = None, (REAL_DEFAULT_NOW + 1, "")
    for pos, m in enumerate(models):
        key = (m.created, m.oid)
        if (
            key < chosen_key
            and m.arch != "llama"
            and not m.toggles
            and families[pos] is None
            and lineage.recs[pos].in_window
            and pos not in has_children
        ):
            chosen, chosen_key = m, key
    if chosen is not None:
        chosen.private = True


def load_real_catalogue_with_stats(
    path: str | Path | None = None, *, seed: int = 0, ecosystems: str | Path | None = None
) -> tuple[Catalogue, RealLoadStats]:
    """The real-lineage catalogue and what loading kept and dropped; see `load_real_catalogue`."""
    # The load allocates a few hundred thousand objects, none of them garbage: the cyclic collector
    # would rescan them over and over and about double the load time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        lineage = read_lineage(path, ecosystems, seed)
        catalogue = Catalogue("real", _models(lineage), REAL_DEFAULT_NOW)
    finally:
        if was_enabled:
            gc.enable()
    stats = lineage.stats
    logger.info(
        "real catalogue: %d models (%d added in the window, %d pre-window), %d deletions, %d restorations,"
        " %d invalid bases dropped, %d events ignored, %d ids merged by case",
        len(catalogue),
        stats.added_models,
        stats.pre_window_models,
        stats.deletions,
        stats.restorations,
        stats.invalid_bases,
        stats.ignored_events,
        stats.case_merged_ids,
    )
    return catalogue, stats


def load_real_catalogue(
    path: str | Path | None = None, *, seed: int = 0, ecosystems: str | Path | None = None
) -> Catalogue:
    """The emulated Hub of real ids and lineage in `path` (None: the packaged data), drawn with `seed`.

    `ecosystems` is the ecosystems file whose roots must all exist (None: the shipped one,
    skipped while it is absent).
    """
    return load_real_catalogue_with_stats(path, seed=seed, ecosystems=ecosystems)[0]
