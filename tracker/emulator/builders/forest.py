"""Untracked families of the synthetic and realistic Hubs: the rest of the whole-Hub forest beside the
tracked ecosystems, and its awkward cases, named in `Catalogue.features` for tests and the demo.

Bases from several organisations and regions (Moonshot AI and Zhipu AI, China; Microsoft, OpenAI and
Meta's Muse, US; Black Forest Labs, EU; a namespace in no organisations file), each with a few
derivatives, and the cases a whole-Hub view must get right:

- `hub_text_to_image`: FLUX.1-dev (`text-to-image`, diffusers), whose derivatives are mostly adapters;
- `hub_muse`: Meta's `meta-models/Muse-Glimmer-30B` (apache-2.0, created `MUSE_CREATED`), then its GGUF
  quantizations, its assistant finetune and that one's GGUF;
- `hub_new_base`: a base created between two weekly runs (`NEW_BASE_CREATED`, the week before the
  synthetic default clock), its derivatives within days;
- `hub_cross_merge`: merges whose parents lie in two bases' trees (each a derivative of both);
- `hub_deleted_base`, `hub_private_base`: a base deleted at `DELETED_BASE_AT` and a private one, then
  their public derivatives (of no base once the base is gone);
- `hub_cycle`: two models declaring each other and nothing else, then a quantization of the first: none
  reaches a base;
- `hub_self_named_base`: a base whose card names itself (still a base: it has derivatives);
- `hub_bases`: every base added here, in the order above.

Added after the rest of a catalogue, with a random generator of their own (seeded from the catalogue's
seed): every model drawn before them, and so every tracked ecosystem, stays exactly as it was.
"""

from __future__ import annotations

import random

from tracker.emulator import figures
from tracker.emulator.builders.builder import CatalogueBuilder
from tracker.emulator.vocabulary import DAY, parse_time

MUSE_ID = "meta-models/Muse-Glimmer-30B"
MUSE_CREATED = parse_time("2026-08-10T16:00:00Z")
MUSE_ASSISTANT_NAME = "Muse-Glimmer-30B-Assistant"  # its namespace is a generated builder's
# Ids added here even when an ecosystems file lists them (Muse's root): the catalogues' other builders
# leave them out, so that the models drawn before these stay as they were.
FOREST_IDS = frozenset({MUSE_ID.lower()})
FOREST_MODELS = 63  # models added here, unless an ecosystems file's roots already hold some of its bases
TEXT_TO_IMAGE_ID = "black-forest-labs/FLUX.1-dev"
SELF_NAMED_BASE_ID = "zai-org/GLM-4.5"
# A base of a namespace in no organisations file, created between the weekly runs of 2026-10-26 and
# 2026-11-02 (Mondays, 06:00 UTC; the synthetic default clock is the second).
NEW_BASE_ID = "aurora-frontier/Aurora-1-12B"
NEW_BASE_CREATED = parse_time("2026-10-28T15:00:00Z")
DELETED_BASE_ID = "moonshotai/Kimi-Dev-72B-preview"
DELETED_BASE_AT = parse_time("2025-09-01T12:00:00Z")
PRIVATE_BASE_ID = "openai/gpt-oss-internal-7b"
CYCLE_IDS = ("circle-works/Ouroboros-A", "circle-works/Ouroboros-B")
# (id, created, pipeline, library, licence, scale): the bases with ordinary derivatives.
_BASES = (
    ("moonshotai/Kimi-K2-Instruct", "2025-07-11", "text-generation", "transformers", "other", 2500.0),
    (SELF_NAMED_BASE_ID, "2025-07-28", "text-generation", "transformers", "mit", 1800.0),
    ("microsoft/Phi-4-mini-instruct", "2025-02-26", "text-generation", "transformers", "mit", 3000.0),
    ("openai/gpt-oss-20b", "2025-08-05", "text-generation", "transformers", "apache-2.0", 6000.0),
    (TEXT_TO_IMAGE_ID, "2024-08-01", "text-to-image", "diffusers", "other", 8000.0),
)


def _base(
    b: CatalogueBuilder,
    repo_id: str,
    created: int,
    *,
    pipeline: str,
    library: str,
    license: str,
    scale: float,
) -> int:
    """The base of this id: the one already drafted (an ecosystems file may list it), else a new one."""
    known = b.by_id.get(repo_id.lower())
    if known is not None:
        return known
    return b.add(
        b.unique(repo_id),
        created,
        eco="forest",
        scale=scale,
        pipeline=pipeline,
        library=library,
        license=license,
        family_license=license,
        shape=figures.GROWER,
        floor=0.35,
    )


def _kids(b: CatalogueBuilder, parent: int, start: int, relations: str, **fields: object) -> list[int]:
    """Derivatives of `parent`, one per letter of `relations` (f, a, q, g: GGUF), a few days apart."""
    kinds = {
        "f": ("finetune", None),
        "a": ("adapter", None),
        "q": ("quantized", None),
        "g": ("quantized", "gguf"),
    }
    made = []
    for n, letter in enumerate(relations):
        relation, fmt = kinds[letter]
        created = start + int((n + 1) * b.rng.uniform(0.5, 1.5) * DAY)
        made.append(b.derivative(relation, [parent], created, eco="forest", fmt=fmt, **fields))
    return made


def add_forest(b: CatalogueBuilder, seed: int) -> None:
    """Add the untracked families and their cases (see the module's docstring) with their own generator."""
    kept, b.rng = b.rng, random.Random(f"hub-forest/{seed}")
    try:
        _add(b)
    finally:
        b.rng = kept


def _add(b: CatalogueBuilder) -> None:
    feats = b.features

    def ids(ks: list[int]) -> tuple[str, ...]:
        return tuple(b.drafts[k].model.repo_id for k in ks)

    bases = {}
    for repo_id, date, pipeline, library, license, scale in _BASES:
        created = parse_time(date + "T15:00:00Z")
        bases[repo_id] = _base(
            b, repo_id, created, pipeline=pipeline, library=library, license=license, scale=scale
        )
    kimi, glm, phi, gpt, flux = bases.values()
    # The self-named base declares itself, as a card with `base_model: <its own id>` does.
    if glm not in b.drafts[glm].parents:
        b.drafts[glm].parents.append(glm)
        b.drafts[glm].model.relation = "finetune"
    at = {k: b.drafts[k].model.created for k in bases.values()}
    kimi_kids = _kids(b, kimi, at[kimi] + 3 * DAY, "ggqff")
    _kids(b, kimi_kids[3], at[kimi] + 20 * DAY, "a")
    glm_kids = _kids(b, glm, at[glm] + 2 * DAY, "fgqa")
    phi_kids = _kids(b, phi, at[phi] + 4 * DAY, "fffqqaa")
    gpt_kids = _kids(b, gpt, at[gpt] + DAY, "fffgqqa")
    flux_kids = _kids(b, flux, at[flux] + 2 * DAY, "aaaaaaaaafg")
    # Merges across families: two finetunes of two bases, and a base with another base's finetune.
    cross = [
        b.derivative(
            "merge", [phi_kids[0], gpt_kids[0]], at[gpt] + 30 * DAY, eco="forest", name="Phi-4-gpt-oss-slerp"
        ),
        b.derivative("merge", [kimi, glm_kids[0]], at[glm] + 25 * DAY, eco="forest", name="Kimi-K2-GLM-ties"),
    ]
    # Meta's Muse: the base, three GGUF quantizations, an assistant finetune and its GGUF.
    muse = _base(
        b,
        MUSE_ID,
        MUSE_CREATED,
        pipeline="text-generation",
        library="transformers",
        license="apache-2.0",
        scale=4000.0,
    )
    muse_ggufs = _kids(b, muse, MUSE_CREATED + DAY, "ggg")
    assistant = b.derivative(
        "finetune", [muse], MUSE_CREATED + 6 * DAY, eco="forest", name=MUSE_ASSISTANT_NAME, scale=20.0
    )
    assistant_gguf = _kids(b, assistant, MUSE_CREATED + 8 * DAY, "g")
    # A base born between two weekly runs, its derivatives within days.
    new = _base(
        b,
        NEW_BASE_ID,
        NEW_BASE_CREATED,
        pipeline="text-generation",
        library="transformers",
        license="apache-2.0",
        scale=1500.0,
    )
    new_kids = [
        b.derivative(relation, [new], NEW_BASE_CREATED + int(h * 3600), eco="forest", fmt=fmt)
        for relation, fmt, h in (
            ("quantized", "gguf", 20),
            ("finetune", None, 30),
            ("adapter", None, 52),
            ("quantized", "mlx", 70),
        )
    ]
    # A base deleted after its derivatives appeared, and a private one with public derivatives.
    deleted = b.add(
        b.unique(DELETED_BASE_ID),
        parse_time("2025-06-16T15:00:00Z"),
        eco="forest",
        scale=800.0,
        license="mit",
        family_license="mit",
        toggles=(DELETED_BASE_AT,),
    )
    deleted_kids = _kids(b, deleted, parse_time("2025-06-18T09:00:00Z"), "fgf")
    private = b.add(
        b.unique(PRIVATE_BASE_ID),
        parse_time("2025-09-10T15:00:00Z"),
        eco="forest",
        scale=500.0,
        license="apache-2.0",
        family_license="apache-2.0",
        private=True,
    )
    private_kids = _kids(b, private, parse_time("2025-09-12T09:00:00Z"), "fq")
    # A cycle that reaches no base: each declares the other and nothing else; a quantization below it.
    first = b.derivative(
        "finetune",
        [],
        parse_time("2025-10-06T09:00:00Z"),
        eco="forest",
        author="circle-works",
        name="Ouroboros-A",
    )
    second = b.derivative(
        "merge",
        [first],
        parse_time("2025-10-07T09:00:00Z"),
        eco="forest",
        author="circle-works",
        name="Ouroboros-B",
    )
    b.drafts[first].parents.append(second)
    below = _kids(b, first, parse_time("2025-10-08T09:00:00Z"), "g")

    feats["hub_bases"] = ids([kimi, glm, phi, gpt, flux, muse, new, deleted, private])
    feats["hub_text_to_image"] = ids([flux, *flux_kids])
    feats["hub_muse"] = ids([muse, *muse_ggufs, assistant, *assistant_gguf])
    feats["hub_new_base"] = ids([new, *new_kids])
    feats["hub_cross_merge"] = ids(cross)
    feats["hub_deleted_base"] = ids([deleted, *deleted_kids])
    feats["hub_private_base"] = ids([private, *private_kids])
    feats["hub_cycle"] = ids([first, second, *below])
    feats["hub_self_named_base"] = ids([glm])
