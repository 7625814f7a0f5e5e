"""Building blocks of generated catalogues: drafts of models, plausible names, and the final resolution.

A `CatalogueBuilder` holds the one seeded random generator of a catalogue, so that every draw
happens in a fixed order: same seed, same catalogue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tracker.emulator.builders import providers, traits
from tracker.emulator.builders.names import QUANT_SUFFIX, SYLLABLES, WORDS
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import CompactModels, HubModel, model_hash, object_id


@dataclass
class _Draft:
    """A model being generated; becomes a HubModel once ids are final and indexes known."""

    model: HubModel
    eco: str
    family_license: str | None
    parents: list[int]  # draft indexes
    ghosts: list[str]


class CatalogueBuilder:
    """Drafts of models with their parents as draft indexes, plus the named traps."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.drafts: list[_Draft] = []
        self.taken: set[str] = set()
        self.by_id: dict[str, int] = {}
        self.features: dict[str, list[str]] = {}
        self.official: set[int] = set()  # official releases (roots, unrelated bases): providers favour them
        self.authors = self._author_pool(600)
        self.quantizers = [*self._author_pool(14, suffix="-quants"), "mlx-community"]

    # --- names ----------------------------------------------------------------------------

    def _author_pool(self, n: int, suffix: str = "") -> list[str]:
        pool: list[str] = []
        seen: set[str] = set()
        while len(pool) < n:
            name = "".join(
                traits.choice(self.rng, SYLLABLES) for _ in range(traits.choice(self.rng, (2, 2, 3)))
            )
            name += suffix or traits.choice(
                self.rng, ("", "", "", "-ai", "-labs", "lab", str(traits.randrange(self.rng, 10, 99)))
            )
            if name not in seen:
                seen.add(name)
                pool.append(name)
        return pool

    def author(self) -> str:
        """A builder, Zipf-like: a few build a lot, most build once or twice."""
        return self.authors[int(len(self.authors) * self.rng.random() ** 3)]

    def unique(self, repo_id: str) -> str:
        repo_id = repo_id[:96]
        candidate, n = repo_id, 1
        while candidate.lower() in self.taken:
            n += 1
            candidate = f"{repo_id[:92]}-v{n}"
        self.taken.add(candidate.lower())
        return candidate

    # --- models ---------------------------------------------------------------------------

    def add(
        self,
        repo_id: str,
        created: int,
        *,
        eco: str,
        relation: str | None = None,
        parents: list[int] | tuple[int, ...] = (),
        ghosts: list[str] | tuple[str, ...] = (),
        scale: float = 1.0,
        fmt: str | None = None,
        license: str | None = None,
        family_license: str | None = None,
        arch: str | None = None,
        pipeline: str | None = "text-generation",
        library: str | None = None,
        extra_tags: tuple[str, ...] | None = None,
        **fields: object,
    ) -> int:
        """Add a model (its id must already be unique) and return its draft index."""
        rng = self.rng
        lib, tags = traits.library_and_tags(relation, fmt)
        rate, u_time, u_floor, likes_max = traits.popularity(rng, scale=scale)
        oid = object_id(created, rng.randbytes(8))
        forced = fields.pop("shape", None)  # a shape asked for (official roots grow): its own ranges
        h = model_hash(oid, 2)
        shape, tau, floor, wave = traits.dynamics(h, relation, rate, u_time, u_floor, shape=forced)
        values: dict = {
            "shape": shape,
            "rate": rate,
            "tau_days": tau,
            "floor": floor,
            "wave_days": wave,
            "likes_max": likes_max,
            **fields,
        }
        model = HubModel(
            oid=oid,
            repo_id=repo_id,
            created=created,
            relation=relation,
            license=license,
            arch=arch,
            pipeline=pipeline,
            library=library or lib,
            extra_tags=tags if extra_tags is None else extra_tags,
            params=traits.parameters_for(repo_id, rng),
            **values,
        )
        self.drafts.append(_Draft(model, eco, family_license, list(parents), list(ghosts)))
        self.by_id[repo_id.lower()] = len(self.drafts) - 1
        return len(self.drafts) - 1

    def name_of(self, k: int) -> str:
        """A base's short name for its derivatives' names (long chains keep only the first parts)."""
        name = self.drafts[k].model.repo_id.split("/")[-1]
        return name if len(name) <= 28 else "-".join(name.split("-")[:3])

    def derivative(
        self,
        relation: str,
        parents: list[int],
        created: int,
        *,
        eco: str,
        author: str | None = None,
        fmt: str | None = None,
        name: str | None = None,
        ghosts: tuple[str, ...] = (),
        **fields: object,
    ) -> int:
        """Add a derivative of `parents` with a plausible name, licence and traits."""
        rng = self.rng
        first = self.drafts[parents[0]] if parents else None
        base = self.name_of(parents[0]) if parents else "model"
        if relation == "quantized":
            fmt = fmt or traits.pick(rng, traits.QUANT_WEIGHTS)
            author = author or ("mlx-community" if fmt == "mlx" else traits.choice(rng, self.quantizers))
            name = name or f"{base}-{QUANT_SUFFIX[fmt]}"
        elif relation == "adapter":
            name = name or f"{base}-{traits.choice(rng, WORDS)}-lora"
        elif relation == "merge":
            first_word, second_word = traits.choice(rng, WORDS).capitalize(), traits.choice(rng, WORDS)
            name = name or f"{first_word}-{second_word}-merge-{base.split('-')[-1]}"
        else:
            name = name or traits.choice(
                rng,
                (
                    f"{base}-{traits.choice(rng, WORDS)}",
                    f"{traits.choice(rng, WORDS)}-{base}",
                    f"{base}-{traits.choice(rng, WORDS)}-v{traits.randrange(rng, 1, 4)}",
                ),
            )
        repo_id = self.unique(f"{author or self.author()}/{name}")
        inherited = first.family_license if first else None
        default_scale = 3.0 if relation == "quantized" and author in self.quantizers else 1.0
        scale = float(fields.pop("scale", default_scale))  # type: ignore[arg-type]
        fields.setdefault("gated", "auto" if rng.random() < 0.01 else False)
        k = self.add(
            repo_id,
            created,
            eco=eco,
            relation=relation,
            parents=parents,
            ghosts=ghosts,
            scale=scale,
            fmt=fmt,
            license=traits.license_for(rng, inherited),
            family_license=inherited,
            arch=first.model.arch if first else None,
            pipeline=first.model.pipeline if first else "text-generation",
            **fields,
        )
        m = self.drafts[k].model
        if first is not None:  # the first base's size (its own drawn from the name, the draws unchanged)
            named = traits.named_parameters(repo_id)
            h = model_hash(m.oid)
            m.params = traits.derived_parameters(relation, first.model.params, named, m.params, h)
        return k


def finish(
    b: CatalogueBuilder, name: str, default_now: int, *, compact: CompactModels | None = None
) -> Catalogue:
    """Resolve draft indexes into catalogue indexes (the catalogue orders models by `_id`); `compact`:
    the catalogue's compact part, if any."""
    order = sorted(range(len(b.drafts)), key=lambda k: b.drafts[k].model.oid)
    position = {k: i for i, k in enumerate(order)}
    models = []
    for k in order:
        d = b.drafts[k]
        m = d.model
        m.providers = providers.draw(
            model_hash(m.oid, 1),
            official=k in b.official,
            relation=m.relation,
            pipeline=m.pipeline,
            repo_id=m.repo_id,
            created=m.created,
            rate=m.rate,
        )
        m.parents = tuple([position[p] for p in d.parents] + list(d.ghosts))
        # The card names each base as it was called when the model was made (stale after renames).
        m.card_base = tuple(_id_when(b.drafts[p].model, m.created) for p in d.parents) + tuple(d.ghosts)
        models.append(m)
    features = {name: tuple(ids) for name, ids in b.features.items()}
    return Catalogue(name, models, default_now, features, compact)


def _id_when(m: HubModel, t: int) -> str:
    if m.renamed_at is not None and t < m.renamed_at and m.old_id:
        return m.old_id
    return m.repo_id
