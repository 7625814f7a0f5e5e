"""The emulator's shared vocabulary: units, relations, a model's record, and the helpers every part uses.

At the bottom of the emulator: it imports nothing else of it, and every other module may import it.
`HubModel` is one repository as a catalogue holds it; `Figures` its usage at a clock time; `iso`,
`parse_time`, `object_id` and `model_hash` the Hub's timestamps, `_id`s and per-model hashes. The two
protocols say what a catalogue and its compact part (`tracker.emulator.builders.compact`) ask of each
other, so neither module needs the other's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

DAY = 86_400
RELATIONS = ("finetune", "adapter", "quantized", "merge")


@dataclass(slots=True)
class HubModel:
    """One repository of the emulated Hub.

    Fields:
        oid: the stable `_id` (24 hex digits, ObjectId-like: the first 8 encode the creation time).
        repo_id: the id it answers to now (after any rename).
        created: creation time, epoch seconds UTC.
        relation: `finetune`, `adapter`, `quantized` or `merge` (to all its bases); None if it declares none.
        parents: declared bases, each a catalogue index, or a string id for a base that never existed.
        card_base: what its card's `base_model` says; may hold a base's old id (the Hub's tags do not).
        old_id, renamed_at: the id it had before a rename, and when the rename happened (epoch s).
        toggles: times at which it disappears (deletion) and reappears (restoration), alternately.
        private: never listed, 404 to everyone.
        gated: False, "auto" or "manual".
        library, pipeline, license, arch: `library_name`, `pipeline_tag`, `license:` tag, `config.model_type`.
        extra_tags: other static tags (file formats, quantization markers, languages).
        params: parameter count (what `safetensors` and `gguf` show, when the model has them); a
            quantization's and an adapter's are their first base's, a finetune's and a merge's mostly too.
        providers: inference provider entries `(provider, status, since)` in `since` order, status `live`,
            `staging` or `error`; at `t` a provider maps the model with its last entry since `since <= t`
            (`tracker.emulator.builders.providers`). Empty for most models.
        shape, rate, tau_days, floor, wave_days: its usage curve (`tracker.emulator.figures`): the shape's
            code (`SPIKE`, `GROWER`, `WAVE`, `TAIL`), the burst's peak downloads per day, its time scale
            in days (a spike's relaxation time, a grower's days to its peak), the floor's share of the
            rate, and a second wave's start in days after creation.
        likes_max: likes it saturates at.
        revision_at, revision_fraction: when the Hub revised `downloadsAllTime` downward, and by what share.
    """

    oid: str
    repo_id: str
    created: int
    relation: str | None = None
    parents: tuple[int | str, ...] = ()
    card_base: tuple[str, ...] = ()
    old_id: str | None = None
    renamed_at: int | None = None
    toggles: tuple[int, ...] = ()
    private: bool = False
    gated: str | bool = False
    library: str | None = "transformers"
    pipeline: str | None = "text-generation"
    license: str | None = None
    arch: str | None = None
    extra_tags: tuple[str, ...] = ()
    params: int = 0
    providers: tuple[tuple[str, str, int], ...] = ()
    shape: int = 0
    rate: float = 1.0
    tau_days: float = 90.0
    floor: float = 0.2
    wave_days: float = 0.0
    likes_max: int = 0
    revision_at: int | None = None
    revision_fraction: float = 0.0


@dataclass(frozen=True, slots=True)
class Figures:
    """Usage figures of one model at one clock time."""

    downloads: int  # trailing 30 days
    downloads_all_time: int
    likes: int
    trending_score: int


@functools.lru_cache(maxsize=1 << 18)  # every listing writes createdAt of each model it serves
def iso(t: int) -> str:
    """Epoch seconds as the Hub writes timestamps: `2024-07-23T15:02:11.000Z`."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_time(text: str) -> int:
    """An ISO 8601 instant (offset or `Z`; naive read as UTC) as epoch seconds."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def object_id(created: int, salt: Iterable[int]) -> str:
    """An ObjectId-like `_id`: 4 bytes of creation time, then 8 bytes of salt."""
    tail = bytes(salt)[:8].ljust(8, b"\0")
    return f"{created & 0xFFFFFFFF:08x}{tail.hex()}"


def model_hash(oid: str, salt: int = 0) -> int:
    """A 64-bit hash of a model's `_id` (and `salt`): draws of its own that leave a builder's sequence be."""
    digest = hashlib.blake2b(f"{oid}/{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class FullPart(Protocol):
    """What a compact part reads of its catalogue when attached: the full part and its ids."""

    full: list[HubModel]

    def index_of(self, repo_id: str) -> int: ...


class CompactModels(Protocol):
    """What a catalogue and its listings ask of a compact part (`builders.compact.CompactPart`).

    Indexes `j` are the part's own (`0 .. len - 1`, in `_id` order); arrays hold such indexes."""

    relation: np.ndarray  # relation code of each model (an index of RELATIONS), -1 for none

    def __len__(self) -> int: ...
    def attach(self, cat: FullPart) -> None: ...
    def model(self, j: int) -> HubModel: ...
    def oid(self, j: int) -> str: ...
    def bisect_oid(self, oid: str) -> int: ...
    def created_by(self, t: int) -> int: ...
    def exists(self, j: int, t: int) -> bool: ...
    def listed(self, j: int, t: int) -> bool: ...
    def listed_mask(self, js: np.ndarray, t: int) -> np.ndarray: ...
    def listed_indexes(self, t: int) -> np.ndarray: ...
    def listed_count(self, t: int) -> int: ...
    def author_name(self, j: int) -> str: ...
    def repo_id(self, j: int) -> str: ...
    def find(self, repo_id: str) -> int | None: ...
    def gated(self, j: int) -> str | bool: ...
    def pipeline(self, j: int) -> str | None: ...
    def children(self, j: int) -> np.ndarray: ...
    def anchor_children(self, i: int) -> np.ndarray: ...
    def by_author(self, author: str) -> np.ndarray: ...
    def listed_by_author(self, author: str, t: int) -> list[int]: ...
    def tag_members(self, tag: str) -> np.ndarray: ...
