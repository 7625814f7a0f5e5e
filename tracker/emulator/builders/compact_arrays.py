"""The arrays of the compact part (`compact.CompactPart`), drawn at once from a seed when it is attached.

Shape, modelled on the real Hub (hub-stats, Oct 2025: 607,148 of 2,161,698 models declare a base):
- creation times grow over the years and strictly increase with the index, so index order is `_id`
  order; listings interleave the part with the catalogue's full part by `_id`;
- every `STRIDE`-th model is a base of the compact part: half of them finetunes of an anchor, half with
  no declared base; other models declare a base with probability `DECLARED`: an anchor (a root of a
  rival ecosystem, Qwen, Mistral, Gemma, DeepSeek, or an unrelated base such as BERT or GPT-2, all in
  the full part) or a compact base; never a Llama model, so no crawl of Llama can reach the part;
- relations, quantization formats, licences and heavy-tailed figures as in the full part (`traits`);
  models with no base come from archetypes (`archetypes`: classifiers, embedders, diffusion, speech,
  RL agents, empty repositories ...);
- 0.5% private, 3% deleted some days after creation; no renames.

Every draw is a keyed hash of the model's index (`mix64`), so the same seed gives the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tracker.emulator.builders import traits
from tracker.emulator.builders.archetypes import ARCHETYPES
from tracker.emulator.builders.names import SYLLABLES
from tracker.emulator.vocabulary import DAY, RELATIONS, FullPart

STRIDE = 89  # every STRIDE-th model is a base of the compact part
DECLARED = 0.26  # share of the other models that declare a base
FROM_ANCHOR = 0.55  # of those, share whose base is an anchor (else a compact base)
PRIVATE = 0.005
DELETED = 0.03
AUTHORS = 40_000
_M64 = (1 << 64) - 1


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit hash of a 64-bit integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """`mix64` on an array of uint64 (arithmetic wraps modulo 2**64, as in `mix64`)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class _Table:
    """Small values (licences, architectures, ...) and their codes, code 0 meaning None."""

    def __init__(self) -> None:
        self.values: list = [None]
        self.codes: dict = {None: 0}

    def code(self, value: object) -> int:
        if value not in self.codes:
            self.codes[value] = len(self.values)
            self.values.append(value)
        return self.codes[value]


class CompactArrays:
    """The compact part's arrays (creation, declared base, relation, traits, author, visibility, children
    by parent), filled by `attach`: bases point into the catalogue's full part, known only then.

    Indexes here (`j`) are local: the catalogue numbers the part after its full part (`offset + j`).
    """

    def __init__(
        self,
        *,
        seed: int,
        count: int,
        start: int,
        end: int,
        anchors: Sequence[tuple[str, int]],
        avoid_authors: Sequence[str] = (),
    ) -> None:
        """`count` models created between `start` and `end` (epoch s); `anchors`: (full-part id, tickets)."""
        if count < 1 or end <= start:
            raise ValueError("a compact part needs models and a time span")
        self.seed, self.count, self.start, self.end = seed, count, start, end
        self.anchor_ids = tuple(anchors)
        self._avoid = {a.lower() for a in avoid_authors}
        self.offset = 0
        self._keys = [mix64((seed << 8) + k + 0x5EED) for k in range(16)]

    # --- building ----------------------------------------------------------------------------------

    def _u(self, k: int, j: np.ndarray) -> np.ndarray:
        """Uniform floats in [0, 1) for field `k` of the models `j`."""
        h = _mix_array(j.astype(np.uint64) ^ np.uint64(self._keys[k]))
        return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def _h(self, k: int, j: int) -> int:
        return mix64(self._keys[k] ^ j)

    def _uf(self, k: int, j: int) -> float:
        return (self._h(k, j) >> 11) * (1.0 / (1 << 53))

    def attach(self, cat: FullPart) -> None:
        """Draw the arrays; `cat` is the catalogue's full part (indexes, anchors' traits)."""
        n, F = self.count, len(cat.full)
        self.offset = F
        self.pipes, self.archs, self.licenses, self.kinds = _Table(), _Table(), _Table(), _Table()
        j = np.arange(n, dtype=np.int64)
        span = self.end - self.start
        x = (j + 0.5) / n
        created = self.start + np.floor(span * np.sqrt(x)).astype(np.int64)
        # Strictly increasing, so that index order is `_id` order.
        created = np.maximum.accumulate(created - j) + j
        self.created = created

        # Anchors: full-part models the part may declare as bases, one ticket per weight unit.
        self.anchors: list[int] = []
        tickets: list[tuple[int, int]] = []
        for repo_id, weight in self.anchor_ids:
            i = cat.index_of(repo_id)
            self.anchors.append(i)
            tickets.extend([(cat.full[i].created, len(self.anchors) - 1)] * max(1, weight))
        tickets.sort()
        ticket_created = np.array([c for c, _ in tickets], dtype=np.int64)
        ticket_anchor = np.array([a for _, a in tickets], dtype=np.int64)
        self._anchor_of_full = {i: a for a, i in enumerate(self.anchors)}
        self._anchor_models = [cat.full[i] for i in self.anchors]
        self._anchor_names = []
        for m in self._anchor_models:
            name = m.repo_id.split("/")[-1]
            self._anchor_names.append(name if len(name) <= 28 else "-".join(name.split("-")[:3]))

        # Who declares what: -1 nothing, j' >= 0 a compact base, -2 - a the anchor a.
        is_base = j % STRIDE == 0
        declares = np.where(is_base, self._u(0, j) < 0.5, self._u(0, j) < DECLARED)
        from_anchor = is_base | (self._u(1, j) < FROM_ANCHOR)
        available = np.searchsorted(ticket_created, created, side="left")
        pick = np.minimum((self._u(2, j) * available).astype(np.int64), np.maximum(available - 1, 0))
        anchor_code = -2 - ticket_anchor[pick] if len(ticket_anchor) else np.full(n, -1)
        bases_below = (j + STRIDE - 1) // STRIDE  # compact bases with a smaller index
        base_pick = STRIDE * np.floor(bases_below * self._u(3, j) ** 1.5).astype(np.int64)
        parent = np.full(n, -1, dtype=np.int64)
        use_anchor = declares & from_anchor & (available > 0)
        use_base = declares & ~from_anchor & (bases_below > 0)
        parent[use_anchor] = anchor_code[use_anchor]
        parent[use_base] = base_pick[use_base]
        self.parent = parent

        # Relations: bases that declare one are finetunes; others drawn with the Hub's mix.
        relation = np.full(n, -1, dtype=np.int8)
        cumulative = np.cumsum([traits.RELATION_WEIGHTS[r] for r in RELATIONS])
        drawn = np.searchsorted(cumulative / cumulative[-1], self._u(4, j), side="right").astype(np.int8)
        relation[parent != -1] = np.minimum(drawn, len(RELATIONS) - 1)[parent != -1]
        relation[is_base & (parent != -1)] = RELATIONS.index("finetune")
        self.relation = relation

        # Traits: archetypes for models with no base, inherited architecture and task for the others.
        weights = np.cumsum([a.weight for a in ARCHETYPES])
        archetype = np.searchsorted(weights / weights[-1], self._u(5, j), side="right")
        archetype = np.minimum(archetype, len(ARCHETYPES) - 1).astype(np.uint8)
        archetype[parent != -1] = 255
        self.archetype = archetype
        kind = np.zeros(n, dtype=np.uint8)
        pipe = np.zeros(n, dtype=np.uint8)
        arch = np.zeros(n, dtype=np.uint8)
        lic = np.zeros(n, dtype=np.uint8)
        fmt_weights = np.cumsum(list(traits.QUANT_WEIGHTS.values()))
        fmt = np.searchsorted(fmt_weights / fmt_weights[-1], self._u(6, j), side="right")
        fmt = np.minimum(fmt, len(fmt_weights) - 1)
        u_lic = self._u(7, j)
        for code, a in enumerate(ARCHETYPES):
            mask = archetype == code
            kind[mask] = self.kinds.code((a.library, a.extra_tags))
            pipe[mask] = self.pipes.code(a.pipeline)
            arch[mask] = self.archs.code(a.arch)
            choice = np.minimum((u_lic[mask] * len(a.licenses)).astype(np.int64), len(a.licenses) - 1)
            codes = np.array([self.licenses.code(v) for v in a.licenses], dtype=np.uint8)
            lic[mask] = codes[choice]
        for r, name in enumerate(RELATIONS):
            if name == "quantized":
                for f, fmt_name in enumerate(traits.QUANT_WEIGHTS):
                    kind[(relation == r) & (fmt == f)] = self.kinds.code(
                        traits.library_and_tags(name, fmt_name)
                    )
            else:
                kind[relation == r] = self.kinds.code(traits.library_and_tags(name, None))
        other_licenses = np.array([self.licenses.code(v) for v in traits.OTHER_LICENSES], dtype=np.uint8)
        other = other_licenses[
            np.minimum((self._u(8, j) * len(other_licenses)).astype(np.int64), len(other_licenses) - 1)
        ]
        anchor_pipe = np.array([self.pipes.code(cat.full[i].pipeline) for i in self.anchors], dtype=np.uint8)
        anchor_arch = np.array([self.archs.code(cat.full[i].arch) for i in self.anchors], dtype=np.uint8)
        anchor_lic = np.array([self.licenses.code(cat.full[i].license) for i in self.anchors], dtype=np.uint8)
        # Anchors' children first (compact bases among them), then the compact bases' children.
        for step in ("anchor", "base"):
            mask = parent <= -2 if step == "anchor" else parent >= 0
            src = -2 - parent[mask] if step == "anchor" else parent[mask]
            p_pipe = anchor_pipe[src] if step == "anchor" else pipe[src]
            p_arch = anchor_arch[src] if step == "anchor" else arch[src]
            p_lic = anchor_lic[src] if step == "anchor" else lic[src]
            pipe[mask], arch[mask] = p_pipe, p_arch
            u = u_lic[mask]
            inherit = (u < 0.72) & (p_lic != 0)
            lic[mask] = np.where(inherit, p_lic, np.where(u < 0.93, other[mask], 0))
        self.kind, self.pipe, self.arch, self.lic = kind, pipe, arch, lic

        # Authors (Zipf-like: a few publish a lot), visibility.
        self.author_names = self._author_pool()
        self._author_code = {name.lower(): a for a, name in enumerate(self.author_names)}
        self.author = np.floor(len(self.author_names) * self._u(9, j) ** 3).astype(np.int32)
        self.private = self._u(10, j) < PRIVATE
        gone = created + ((5 + 295 * self._u(11, j)) * DAY).astype(np.int64)
        self.gone = np.where(self._u(12, j) < DELETED, gone, 0)

        # Children, by parent: compact bases and anchors.
        kids = np.flatnonzero(parent >= 0)
        order = np.argsort(parent[kids], kind="stable")
        self._kids, self._kid_parent = kids[order], parent[kids][order]
        kids = np.flatnonzero(parent <= -2)
        order = np.argsort(-2 - parent[kids], kind="stable")
        self._anchor_kids, self._anchor_kid_parent = kids[order], (-2 - parent[kids])[order]

    def _author_pool(self) -> list[str]:
        pool: list[str] = []
        seen = set(self._avoid)
        a = 0
        while len(pool) < AUTHORS:
            h = self._h(13, a)
            parts = 2 + (h & 3 == 0)
            name = "".join(SYLLABLES[(h >> (8 + 8 * k)) % len(SYLLABLES)] for k in range(parts))
            tail = (h >> 40) % 8
            name += ("", "", "", "-ai", "-labs", "lab", str(10 + (h >> 44) % 90), str(1990 + (h >> 50) % 35))[
                tail
            ]
            a += 1
            if name.lower() not in seen:
                seen.add(name.lower())
                pool.append(name)
        return pool
