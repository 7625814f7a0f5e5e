"""The compact part of a Hub of realistic size: millions of models outside the tracked trees, in arrays.

The real Hub holds about 2.2 million models, the Llama tree a few percent of them. The rest matters to
a crawl as bulk: a scan pages through all of it and filters it out. As `HubModel` objects it would take
gigabytes and minutes to build, so it lives in a few numpy arrays (creation time, author, declared base,
relation, traits, visibility: `compact_arrays`, which describes their shape), drawn at once from a seed,
and each model's record (`_id`, id, names, figures) is generated on demand from its index by a
deterministic hash: same seed, same bytes. Here: what listings and lookups ask of the part, and the
records on demand.

Sizes come from the names or the archetype's, a derivative's from its base (`CompactPart.parameters`),
and a few inference providers (popular finetunes, a few others: `tracker.emulator.builders.providers`),
all from the same hashes, computed with the model: no array more.

Ids end with the model's index in base 36 (`nova-bert-base-finetuned-3kx1p`), so an id is resolved by
decoding its tail and comparing with the id generated for that index: no table of two million ids.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from tracker.emulator.builders import providers, traits
from tracker.emulator.builders.archetypes import ARCHETYPES, Archetype, archetype_parameters
from tracker.emulator.builders.compact_arrays import STRIDE, CompactArrays
from tracker.emulator.builders.names import QUANT_SUFFIX, WORDS
from tracker.emulator.vocabulary import RELATIONS, FullPart, HubModel

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def b36(n: int) -> str:
    """`n` in base 36, lower case, no leading zeros."""
    digits = []
    while True:
        n, r = divmod(n, 36)
        digits.append(_B36[r])
        if not n:
            return "".join(reversed(digits))


def _unb36(text: str) -> int | None:
    """The number a canonical base-36 tail spells, else None."""
    if not text or len(text) > 8 or (text[0] == "0" and len(text) > 1):
        return None
    n = 0
    for ch in text:
        d = _B36.find(ch)
        if d < 0:
            return None
        n = n * 36 + d
    return n


class CompactPart(CompactArrays):
    """About two million models held in arrays; attach it to a catalogue through `Catalogue(compact=...)`.

    Indexes here (`j`) are local: the catalogue numbers the part after its full part (`offset + j`).
    The arrays are filled when the catalogue attaches the part, since bases point into the full part.
    """

    def __init__(self, **arrays: Any) -> None:
        """The arrays as `CompactArrays` draws them (same keywords), and caches of the models generated."""
        super().__init__(**arrays)
        self.model = functools.lru_cache(maxsize=8192)(self._generate)
        self._base_parameters = functools.lru_cache(maxsize=4096)(self.parameters)  # compact bases'

    def attach(self, cat: FullPart) -> None:
        """Draw the arrays (`CompactArrays.attach`), then check no full-part id reads as a compact one."""
        super().attach(cat)
        for i in range(len(cat.full)):  # no full-part id may read as a compact one
            if self.find(cat.full[i].repo_id) is not None:
                raise ValueError(f"full-part id {cat.full[i].repo_id!r} collides with the compact part")

    # --- what listings and lookups need, without building models --------------------------------

    def __len__(self) -> int:
        return self.count

    def oid(self, j: int) -> str:
        return f"{self.created.item(j) & 0xFFFFFFFF:08x}{self._h(14, j):016x}"

    def bisect_oid(self, oid: str) -> int:
        """Number of models whose `_id` sorts at or before `oid` (the part is in `_id` order)."""
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.oid(mid) <= oid:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def created_by(self, t: int) -> int:
        """Number of models created at or before `t` (the first ones)."""
        return int(np.searchsorted(self.created, t, side="right"))

    def exists(self, j: int, t: int) -> bool:
        gone = self.gone.item(j)
        return self.created.item(j) <= t and (gone == 0 or t < gone)

    def listed(self, j: int, t: int) -> bool:
        return not self.private.item(j) and self.exists(j, t)

    def listed_mask(self, js: np.ndarray, t: int) -> np.ndarray:
        gone = self.gone[js]
        return (self.created[js] <= t) & ~self.private[js] & ((gone == 0) | (gone > t))

    def listed_indexes(self, t: int) -> np.ndarray:
        js = np.arange(self.created_by(t))
        return js[self.listed_mask(js, t)]

    def listed_count(self, t: int) -> int:
        return len(self.listed_indexes(t))

    def author_name(self, j: int) -> str:
        return self.author_names[self.author.item(j)]

    def name(self, j: int) -> str:
        """The repository name (after the namespace); its last part is `j` in base 36."""
        w = WORDS[self._h(15, j) % len(WORDS)]
        rel = self.relation.item(j)
        if rel < 0:
            a = ARCHETYPES[self.archetype.item(j)]
            stem = a.stems[(self._h(15, j) >> 16) % len(a.stems)]
            return f"{w}-{stem}-{b36(j)}" if (self._h(15, j) >> 32) & 1 else f"{stem}-{w}-{b36(j)}"
        base = self._base_short_name(j)
        relation = RELATIONS[rel]
        if relation == "quantized":
            return f"{base}-{QUANT_SUFFIX[self._fmt(j)]}-{b36(j)}"
        if relation == "adapter":
            return f"{base}-{w}-lora-{b36(j)}"
        if relation == "merge":
            return f"{w.capitalize()}-{WORDS[(self._h(15, j) >> 24) % len(WORDS)]}-merge-{b36(j)}"
        return f"{base}-{w}-{b36(j)}"

    def _base_short_name(self, j: int) -> str:
        p = self.parent.item(j)
        if p <= -2:
            return self._anchor_names[-2 - p]
        name = self.name(p)
        return name if len(name) <= 28 else "-".join(name.split("-")[:3])

    def repo_id(self, j: int) -> str:
        return f"{self.author_name(j)}/{self.name(j)}"

    def find(self, repo_id: str) -> int | None:
        """The model this id names (case-insensitive), or None."""
        namespace, _, name = repo_id.rpartition("/")
        j = _unb36(name.rpartition("-")[2].lower())
        if not namespace or j is None or j >= self.count:
            return None
        return j if self.repo_id(j).lower() == repo_id.lower() else None

    def gated(self, j: int) -> str | bool:
        return "auto" if self.relation.item(j) >= 0 and self._uf(0, j + (1 << 40)) < 0.01 else False

    def pipeline(self, j: int) -> str | None:
        return self.pipes.values[self.pipe.item(j)]

    def _fmt(self, j: int) -> str:
        library, tags = self.kinds.values[self.kind.item(j)]
        for name, (lib, fmt_tags) in traits.QUANT_FORMATS.items():
            if (lib, fmt_tags) == (library, tags):
                return name
        return "gguf"

    # --- lineage -----------------------------------------------------------------------------------

    def children(self, j: int) -> np.ndarray:
        """Local indexes of the models declaring compact model `j` as base, in order."""
        lo = np.searchsorted(self._kid_parent, j, side="left")
        hi = np.searchsorted(self._kid_parent, j, side="right")
        return self._kids[lo:hi]

    def anchor_children(self, i: int) -> np.ndarray:
        """Local indexes of the models declaring full-part model `i` as base (empty if not an anchor)."""
        a = self._anchor_of_full.get(i)
        if a is None:
            return self._kids[:0]
        lo = np.searchsorted(self._anchor_kid_parent, a, side="left")
        hi = np.searchsorted(self._anchor_kid_parent, a, side="right")
        return self._anchor_kids[lo:hi]

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one part per catalogue, kept for the process's life
    def by_author(self, author: str) -> np.ndarray:
        """Local indexes of the models in this namespace (case-insensitive), in order."""
        code = self._author_code.get(author.lower())
        if code is None:
            return self._kids[:0]
        return np.flatnonzero(self.author == code)

    def listed_by_author(self, author: str, t: int) -> list[int]:
        js = self.by_author(author)
        return js[self.listed_mask(js, t)].tolist()

    @functools.lru_cache(maxsize=64)  # noqa: B019
    def tag_members(self, tag: str) -> np.ndarray:
        """Local indexes of the models carrying this static tag (library, format, arch, task, licence)."""
        mask = np.zeros(self.count, dtype=bool)
        kinds = [code for code, v in enumerate(self.kinds.values) if v and (tag == v[0] or tag in v[1])]
        if kinds:
            mask |= np.isin(self.kind, kinds)
        for table, values in ((self.arch, self.archs), (self.pipe, self.pipes)):
            if tag in values.codes and tag is not None:
                mask |= table == values.codes[tag]
        if tag.startswith("license:") and tag[8:] in self.licenses.codes:
            mask |= self.lic == self.licenses.codes[tag[8:]]
        return np.flatnonzero(mask)

    # --- models on demand --------------------------------------------------------------------------

    def parameters(self, j: int, repo_id: str | None = None, u: float | None = None) -> int:
        """Model `j`'s parameter count: from its name (its base-36 tail aside) or its archetype's sizes;
        a derivative's from its base's (`traits.derived_parameters`: an anchor's, or a compact base's,
        whose own base is an anchor or none). `repo_id`, `u`: its id and size draw, when at hand."""
        p = self.parent.item(j)
        base, relation = 0, None
        if p != -1:
            base = self._anchor_models[-2 - p].params if p <= -2 else self._base_parameters(p)
            relation = RELATIONS[self.relation.item(j)]
            if relation in ("quantized", "adapter"):
                return base
        name = (repo_id or self.repo_id(j)).rpartition("/")[2].rpartition("-")[0]  # no author, no tail
        a = self.archetype.item(j)
        sizes = ARCHETYPES[a].sizes if a < len(ARCHETYPES) else Archetype.sizes
        own = archetype_parameters(name, self._uf(3, j + (1 << 41)) if u is None else u, sizes)
        if p == -1:
            return own
        named = traits.named_parameters(name)
        return traits.derived_parameters(relation, base, named, own, self._h(3, j + (1 << 42)))

    def _providers(self, j: int, repo_id: str, created: int, rate: float) -> tuple[tuple[str, str, int], ...]:
        """Model `j`'s inference provider entries (`providers.draw`), most often none."""
        h = self._h(4, j + (1 << 42))
        rel = self.relation.item(j)
        return providers.draw(
            h,
            official=False,
            relation=RELATIONS[rel] if rel >= 0 else None,
            pipeline=self.pipes.values[self.pipe.item(j)],
            repo_id=repo_id,
            created=created,
            rate=rate,
        )

    def _generate(self, j: int) -> HubModel:
        """Model `j` as a HubModel (cached: a listing page reads each several times)."""
        created = self.created.item(j)
        rel = self.relation.item(j)
        p = self.parent.item(j)
        parents: tuple[int | str, ...] = ()
        card: tuple[str, ...] = ()
        scale = 1.0
        if p <= -2:
            m = self._anchor_models[-2 - p]
            parents = (self.anchors[-2 - p],)
            old = m.renamed_at is not None and created < m.renamed_at and m.old_id
            card = (m.old_id if old and m.old_id else m.repo_id,)
        elif p >= 0:
            parents = (self.offset + p,)
            card = (self.repo_id(p),)
        if j % STRIDE == 0:
            scale = 5.0
        elif rel >= 0 and RELATIONS[rel] == "quantized":
            scale = 2.0
        u = [self._uf(k, j + (1 << 41)) for k in range(8)]
        gauss = math.sqrt(-2.0 * math.log(1.0 - u[0])) * math.cos(2.0 * math.pi * u[1])
        rate = scale * math.exp(1.7 * gauss) * (1.0 - u[2]) ** (-1.0 / 1.6)
        shape, tau, floor, wave = traits.dynamics(
            self._h(7, j + (1 << 43)), RELATIONS[rel] if rel >= 0 else None, rate, u[4], u[5]
        )
        gone = self.gone.item(j)
        repo_id = self.repo_id(j)
        library, tags = self.kinds.values[self.kind.item(j)]
        return HubModel(
            oid=self.oid(j),
            repo_id=repo_id,
            created=created,
            relation=RELATIONS[rel] if rel >= 0 else None,
            parents=parents,
            card_base=card,
            toggles=(gone,) if gone else (),
            private=bool(self.private.item(j)),
            gated=self.gated(j),
            library=library,
            pipeline=self.pipes.values[self.pipe.item(j)],
            license=self.licenses.values[self.lic.item(j)],
            arch=self.archs.values[self.arch.item(j)],
            extra_tags=tags,
            params=self.parameters(j, repo_id, u[3]),
            providers=self._providers(j, repo_id, created, rate),
            shape=shape,
            rate=rate,
            tau_days=tau,
            floor=floor,
            wave_days=wave,
            likes_max=int(rate**0.75 * (0.2 + 1.3 * u[6])),
        )
