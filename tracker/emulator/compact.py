"""The compact part of a Hub of realistic size: millions of models outside the tracked trees, in arrays.

The real Hub holds about 2.2 million models, the Llama tree a few percent of them. The rest matters to
a crawl as bulk: a scan pages through all of it and filters it out. As `HubModel` objects it would take
gigabytes and minutes to build, so it lives in a few numpy arrays (creation time, author, declared base,
relation, traits, visibility), drawn at once from a seed, and each model's record (`_id`, id, names,
figures) is generated on demand from its index by a deterministic hash: same seed, same bytes.

Shape, modelled on the real Hub (hub-stats, Oct 2025: 607,148 of 2,161,698 models declare a base):
- creation times grow over the years and strictly increase with the index, so index order is `_id`
  order; listings interleave the part with the catalogue's full part by `_id`;
- every `STRIDE`-th model is a base of the compact part: half of them finetunes of an anchor, half with
  no declared base; other models declare a base with probability `DECLARED`: an anchor (a root of a
  rival ecosystem, Qwen, Mistral, Gemma, DeepSeek, or an unrelated base such as BERT or GPT-2, all in
  the full part) or a compact base; never a Llama model, so no crawl of Llama can reach the part;
- relations, quantization formats, licences and heavy-tailed figures as in the full part (`traits`);
  models with no base come from archetypes (classifiers, embedders, diffusion, speech, RL agents,
  empty repositories ...);
- 0.5% private, 3% deleted some days after creation; no renames;
- sizes from the names or the archetype's, a derivative's from its base (`CompactPart.parameters`),
  and a few inference providers (popular finetunes, a few others: `tracker.emulator.providers`), all
  from the same hashes, computed with the model: no array more.

Ids end with the model's index in base 36 (`nova-bert-base-finetuned-3kx1p`), so an id is resolved by
decoding its tail and comparing with the id generated for that index: no table of two million ids.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tracker.emulator import providers, traits
from tracker.emulator.builder import QUANT_SUFFIX, SYLLABLES, WORDS
from tracker.emulator.catalogue import DAY, RELATIONS, HubModel

if TYPE_CHECKING:
    from tracker.emulator.catalogue import Catalogue

STRIDE = 89  # every STRIDE-th model is a base of the compact part
DECLARED = 0.26  # share of the other models that declare a base
FROM_ANCHOR = 0.55  # of those, share whose base is an anchor (else a compact base)
PRIVATE = 0.005
DELETED = 0.03
AUTHORS = 40_000
_M64 = (1 << 64) - 1
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Archetype:
    """A kind of model with no declared base: what the Hub holds besides derivatives."""

    weight: float
    pipeline: str | None
    library: str | None
    arch: str | None
    extra_tags: tuple[str, ...]
    stems: tuple[str, ...]
    licenses: tuple[str | None, ...]
    sizes: tuple[float, ...] = (110e6, 350e6, 1.2e9, 7.6e9)  # parameter counts a name stating none draws from


ARCHETYPES = (
    Archetype(
        0.15,
        "text-classification",
        "transformers",
        "bert",
        ("safetensors",),
        ("bert-base-finetuned", "distilbert-sentiment", "roberta-classifier", "deberta-v3-cls"),
        ("apache-2.0", "mit", None),
        (109.5e6, 66.9e6, 124.6e6, 184.4e6),
    ),
    Archetype(
        0.07,
        "sentence-similarity",
        "sentence-transformers",
        "bert",
        ("safetensors",),
        ("MiniLM-embed", "e5-base-tuned", "bge-small-embed"),
        ("apache-2.0", "mit"),
        (22.7e6, 109.5e6, 33.4e6, 335.1e6),
    ),
    Archetype(
        0.09,
        "text-generation",
        "transformers",
        "gpt2",
        ("safetensors",),
        ("gpt2-small", "tiny-lm", "char-lm", "story-gen"),
        ("mit", "apache-2.0", None),
        (124.4e6, 6.9e6, 354.8e6, 774.0e6),
    ),
    Archetype(
        0.05,
        "token-classification",
        "transformers",
        "roberta",
        ("safetensors",),
        ("ner-tagger", "pos-tagger", "xlm-roberta-ner"),
        ("apache-2.0", "mit"),
        (108.9e6, 124.1e6, 277.5e6, 558.8e6),
    ),
    Archetype(
        0.08,
        "text-to-image",
        "diffusers",
        None,
        ("safetensors",),
        ("sd-dreambooth", "sdxl-style", "anime-diffusion", "flux-lora"),
        ("openrail", "creativeml-openrail-m", "other"),
        (859.5e6, 2.57e9, 3.47e9, 11.9e9),
    ),
    Archetype(
        0.05,
        "automatic-speech-recognition",
        "transformers",
        "whisper",
        ("safetensors",),
        ("whisper-small-ft", "wav2vec2-asr", "speech-to-text"),
        ("apache-2.0", "mit"),
        (241.7e6, 94.4e6, 763.9e6, 1.54e9),
    ),
    Archetype(
        0.05,
        "image-classification",
        "transformers",
        "vit",
        ("safetensors",),
        ("vit-base-finetuned", "convnext-cls", "resnet-50-tuned"),
        ("apache-2.0", None),
        (85.8e6, 28.6e6, 23.5e6, 304.3e6),
    ),
    Archetype(
        0.09,
        "reinforcement-learning",
        "stable-baselines3",
        None,
        (),
        ("ppo-LunarLander-v2", "dqn-SpaceInvaders", "a2c-PandaReach", "ppo-Huggy"),
        (None,),
    ),
    Archetype(
        0.03,
        "translation",
        "transformers",
        "marian",
        ("pytorch",),
        ("opus-mt-tuned", "t5-translate", "nllb-distilled"),
        ("apache-2.0", "cc-by-4.0"),
    ),
    Archetype(
        0.03,
        "summarization",
        "transformers",
        "t5",
        ("pytorch",),
        ("t5-small-summ", "bart-cnn-tuned", "pegasus-news"),
        ("apache-2.0", "mit"),
    ),
    Archetype(
        0.12,
        "text-generation",
        "transformers",
        "qwen2",
        ("safetensors",),
        ("tiny-chat", "sft-checkpoint", "pretrain-run", "grpo-trial"),
        ("apache-2.0", "mit", "other", None),
        (494.0e6, 1.54e9, 3.09e9, 7.62e9),
    ),
    Archetype(
        0.19,
        None,
        None,
        None,
        (),
        ("test-model", "my-awesome-model", "checkpoint", "model", "first-try"),
        (None, None, "mit"),
    ),
)


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


class CompactPart:
    """About two million models held in arrays; attach it to a catalogue through `Catalogue(compact=...)`.

    Indexes here (`j`) are local: the catalogue numbers the part after its full part (`offset + j`).
    The arrays are filled when the catalogue attaches the part, since bases point into the full part.
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
        self.model = functools.lru_cache(maxsize=8192)(self._generate)
        self._base_parameters = functools.lru_cache(maxsize=4096)(self.parameters)  # compact bases'

    # --- building ----------------------------------------------------------------------------------

    def _u(self, k: int, j: np.ndarray) -> np.ndarray:
        """Uniform floats in [0, 1) for field `k` of the models `j`."""
        h = _mix_array(j.astype(np.uint64) ^ np.uint64(self._keys[k]))
        return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def _h(self, k: int, j: int) -> int:
        return mix64(self._keys[k] ^ j)

    def _uf(self, k: int, j: int) -> float:
        return (self._h(k, j) >> 11) * (1.0 / (1 << 53))

    def attach(self, cat: Catalogue) -> None:
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
        for i in range(F):  # no full-part id may read as a compact one
            if self.find(cat.full[i].repo_id) is not None:
                raise ValueError(f"full-part id {cat.full[i].repo_id!r} collides with the compact part")

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
        own = _parameters(name, self._uf(3, j + (1 << 41)) if u is None else u, sizes)
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
            rate=rate,
            tau_days=60.0 + 300.0 * u[4],
            floor=0.25 + 0.45 * u[5],
            likes_max=int(rate**0.75 * (0.2 + 1.3 * u[6])),
        )


def _parameters(name: str, u: float, sizes: Sequence[float]) -> int:
    """A parameter count from the size a name states (as `traits.parameters_for`: a known release's exact
    count, else the size within 3%), else one of `sizes`, within 3%."""
    known = traits.known_parameters(name)
    if known is not None:
        return known
    base = traits.size_in_name(name) or sizes[int(u * len(sizes)) % len(sizes)]
    return int(base * (0.97 + 0.06 * ((u * 97.0) % 1.0)))
