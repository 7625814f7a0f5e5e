"""A seeded synthetic Hub: the ecosystems' real root ids, derivatives grown over time, and traps.

Same seed and size, same catalogue (and so the same bytes on the wire): every draw comes from
one `random.Random(seed)` in a fixed order, and nothing reads the wall clock.

Shape, modelled on the real Hub:
- roots: every root id of the shipped ecosystems file (Llama enabled; Qwen, Mistral, Gemma and
  DeepSeek as rivals), released at their real dates; unrelated bases (BERT, T5, Whisper, ...)
  whose derivatives no Llama crawl may reach, and standalone models with no base at all;
- derivatives created after their parents, more of them as time goes on, by preferential
  attachment (popular models get more children); relation mix adapter > finetune > quantized
  > merge; quantizations and adapters almost never have children; quantization formats
  (GGUF, AWQ, GPTQ, EXL2, MLX, bitsandbytes) in tags and `library_name`; licences as tags;
- heavy-tailed downloads and likes (a handful of models with millions a month, most with tens);
- traps, listed in `Catalogue.features`: a chain 8 deep, a parent with more than 1,000 children
  (at the default size), merges with several parents and one across ecosystems (Llama x Qwen),
  a model naming itself as base, a ghost base, a two-model cycle, private and gated models,
  repos renamed in the past and one renamed after the default clock, deletions (one of a parent
  with children) and a restoration, and a downward revision of `downloadsAllTime`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tracker.ecosystems import Ecosystem, load_ecosystems
from tracker.emulator import traits
from tracker.emulator.catalogue import DAY, Catalogue, HubModel, object_id, parse_time

SYNTHETIC_DEFAULT_NOW = parse_time("2026-11-02T06:00:00Z")  # a Monday, 06:00 UTC, like the schedule
HORIZON = SYNTHETIC_DEFAULT_NOW + 26 * 7 * DAY  # models keep appearing this long after the default clock
DEFAULT_MODELS = 20_000

FAMILY_RELEASES = {
    "Llama 1": "2023-04-05",
    "Llama 2": "2023-07-18",
    "Code Llama": "2023-08-24",
    "Llama 3": "2024-04-18",
    "Llama 3.1": "2024-07-23",
    "Llama 3.2": "2024-09-25",
    "Llama 3.3": "2024-12-06",
    "Llama 4": "2025-04-05",
    "Llama Guard": "2023-12-07",
    "Qwen 2": "2024-06-06",
    "Qwen 2.5": "2024-09-18",
    "Qwen 3": "2025-04-29",
    "Mistral 7B": "2023-09-27",
    "Mixtral": "2023-12-11",
    "Mistral Nemo": "2024-07-18",
    "Mistral Small": "2025-01-30",
    "Gemma": "2024-02-21",
    "Gemma 2": "2024-06-27",
    "Gemma 3": "2025-03-12",
    "DeepSeek V3/R1": "2024-12-26",
    "DeepSeek R1 Distill": "2025-01-20",
    "DeepSeek Coder": "2023-11-02",
}
# Roots released later than their family's first models.
ROOT_RELEASES = {
    "Llama-Guard-2": "2024-04-18",
    "Llama-Guard-3": "2024-07-23",
    "Llama-Guard-4": "2025-04-29",
    "Prompt-Guard-86M": "2024-07-23",
    "Prompt-Guard-2": "2025-04-29",
    "70b-hf": "2024-01-29",
    "QLORA": "2024-10-24",
    "SpinQuant": "2024-10-24",
    "405B-FP8": "2024-07-23",
    "Mistral-7B-v0.3": "2024-05-22",
    "Instruct-v0.2": "2023-12-11",
    "Instruct-v0.3": "2024-05-22",
    "8x22B": "2024-04-17",
    "R1-0528": "2025-05-28",
}
LLAMA31_RENAMED_AT = parse_time("2024-09-05T00:00:00Z")
ECOSYSTEM_ARCH = {
    "llama": "llama",
    "qwen": "qwen2",
    "mistral": "mistral",
    "gemma": "gemma2",
    "deepseek": "qwen2",
}
ECOSYSTEM_LICENSE = {"qwen": "apache-2.0", "mistral": "apache-2.0", "gemma": "gemma", "deepseek": "mit"}
# Share of random derivatives per ecosystem; the rest of the Hub is unrelated to any of them.
ECOSYSTEM_SHARES = {"llama": 0.45, "qwen": 0.10, "mistral": 0.06, "gemma": 0.05, "deepseek": 0.04}
UNRELATED_BASES = [
    # (id, old id, pipeline, library, arch, release)
    ("google-bert/bert-base-uncased", "bert-base-uncased", "fill-mask", "transformers", "bert", "2022-03-02"),
    ("google-t5/t5-small", "t5-small", "translation", "transformers", "t5", "2022-03-02"),
    ("openai-community/gpt2", "gpt2", "text-generation", "transformers", "gpt2", "2022-03-02"),
    (
        "openai/whisper-large-v3",
        None,
        "automatic-speech-recognition",
        "transformers",
        "whisper",
        "2023-11-07",
    ),
    ("stabilityai/stable-diffusion-xl-base-1.0", None, "text-to-image", "diffusers", None, "2023-07-25"),
    ("microsoft/phi-2", None, "text-generation", "transformers", "phi", "2023-12-13"),
    ("EleutherAI/pythia-1b", None, "text-generation", "transformers", "gpt_neox", "2023-03-10"),
    ("tiiuae/falcon-7b", None, "text-generation", "transformers", "falcon", "2023-04-24"),
]
# Base names (case-insensitive) that the real Hub shows without a declared base of their own.
NO_DECLARED_BASE = {"meta-llama/meta-llama-3-8b-instruct"}
_SYLLABLES = (
    "ka ro mi ne ta lu vo zen qui dra sol fen bri tor lex mar nim pax ryu sha tek ul vex wyn xi yor zu "
    "an bel cor dun el fa gor hal ir jun kel lom mor nor ob pel rin sar tul ur vin wes yel"
).split()
_WORDS = (
    "chat instruct sft dpo orpo kto uncensored abliterated roleplay coder math reasoning medical legal "
    "finance tutor storyteller assistant hermes dolphin nova aurora zephyr orca wizard sage atlas lumen "
    "vega nebula quill ember falcon raven tiny mini turbo lite pro distill r1 cot multilingual"
).split()
_QUANT_SUFFIX = {
    "gguf": "GGUF",
    "awq": "AWQ",
    "gptq": "GPTQ-Int4",
    "exl2": "exl2-4.0bpw",
    "mlx": "4bit",
    "bitsandbytes": "bnb-4bit",
}


@dataclass
class _Draft:
    """A model being generated; becomes a HubModel once ids are final and indexes known."""

    model: HubModel
    eco: str
    family_license: str | None
    parents: list[int]  # draft indexes
    ghosts: list[str]


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.drafts: list[_Draft] = []
        self.taken: set[str] = set()
        self.by_id: dict[str, int] = {}
        self.features: dict[str, list[str]] = {}
        self.authors = self._author_pool(600)
        self.quantizers = [*self._author_pool(14, suffix="-quants"), "mlx-community"]

    # --- names ----------------------------------------------------------------------------

    def _author_pool(self, n: int, suffix: str = "") -> list[str]:
        pool: list[str] = []
        seen: set[str] = set()
        while len(pool) < n:
            name = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.choice((2, 2, 3))))
            name += suffix or self.rng.choice(
                ("", "", "", "-ai", "-labs", "lab", str(self.rng.randrange(10, 99)))
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
        rate, tau, floor, likes_max = traits.popularity(rng, scale=scale)
        values: dict = {"rate": rate, "tau_days": tau, "floor": floor, "likes_max": likes_max, **fields}
        model = HubModel(
            oid=object_id(created, rng.randbytes(8)),
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
            author = author or ("mlx-community" if fmt == "mlx" else rng.choice(self.quantizers))
            name = name or f"{base}-{_QUANT_SUFFIX[fmt]}"
        elif relation == "adapter":
            name = name or f"{base}-{rng.choice(_WORDS)}-lora"
        elif relation == "merge":
            name = (
                name or f"{rng.choice(_WORDS).capitalize()}-{rng.choice(_WORDS)}-merge-{base.split('-')[-1]}"
            )
        else:
            name = name or rng.choice(
                (
                    f"{base}-{rng.choice(_WORDS)}",
                    f"{rng.choice(_WORDS)}-{base}",
                    f"{base}-{rng.choice(_WORDS)}-v{rng.randrange(1, 4)}",
                )
            )
        repo_id = self.unique(f"{author or self.author()}/{name}")
        inherited = first.family_license if first else None
        default_scale = 3.0 if relation == "quantized" and author in self.quantizers else 1.0
        scale = float(fields.pop("scale", default_scale))  # type: ignore[arg-type]
        fields.setdefault("gated", "auto" if rng.random() < 0.01 else False)
        return self.add(
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


def _release(family: str, root_id: str) -> int:
    for marker, date in ROOT_RELEASES.items():
        if marker.lower() in root_id.lower():
            return parse_time(date + "T16:00:00Z")
    return parse_time(FAMILY_RELEASES.get(family, "2024-01-01") + "T15:00:00Z")


def _root_scale(root_id: str) -> float:
    """Bases draw far more than derivatives; a few of them dominate (Llama 3.1 8B Instruct first)."""
    top = {
        "meta-llama/llama-3.1-8b-instruct": 20_000.0,
        "meta-llama/llama-3.2-1b-instruct": 25_000.0,
        "meta-llama/llama-3.2-3b-instruct": 20_000.0,
        "meta-llama/meta-llama-3-8b-instruct": 15_000.0,
        "qwen/qwen2.5-7b-instruct": 30_000.0,
        "google-bert/bert-base-uncased": 90_000.0,
    }
    return top.get(root_id.lower(), 1_500.0)


def _add_roots(b: _Builder, ecosystems: tuple[Ecosystem, ...]) -> dict[str, list[int]]:
    """Every root of the ecosystems file that exists on the Hub, by ecosystem; Instruct ones name a base."""
    roots: dict[str, list[int]] = {}
    renamed = {}
    for eco in ecosystems:
        for fam in eco.families:
            ids = list(fam.roots)
            for rid in ids:
                if "/Meta-Llama-3.1-" in rid:
                    renamed[rid.replace("/Meta-Llama-3.1-", "/Llama-3.1-").lower()] = rid
            for rid in ids:
                if (
                    "/Meta-Llama-3.1-" in rid
                    or rid.lower() in b.taken
                    or rid == "meta-llama/Llama-Guard-2-8B"
                ):
                    # Aliases become the old id of the renamed repo; Llama-Guard-2-8B is the name Meta's
                    # SKU list uses, but the repository is Meta-Llama-Guard-2-8B: it stays a missing root.
                    continue
                license = traits.FAMILY_LICENSES.get(fam.name, ECOSYSTEM_LICENSE.get(eco.name))
                old = renamed.get(rid.lower())
                k = b.add(
                    b.unique(rid),
                    _release(fam.name, rid),
                    eco=eco.name,
                    scale=_root_scale(rid),
                    license=license,
                    family_license=license,
                    arch=ECOSYSTEM_ARCH.get(eco.name),
                    tau_days=400.0,
                    floor=0.35,
                    gated="manual" if eco.name == "llama" else False,
                    old_id=old,
                    renamed_at=LLAMA31_RENAMED_AT if old else None,
                )
                roots.setdefault(eco.name, []).append(k)
    # Official fine-tunes declare their base (Meta-Llama-3-8B-Instruct does not, as on the real Hub).
    for ks in roots.values():
        for k in ks:
            rid = b.drafts[k].model.repo_id
            for suffix in ("-Instruct", "-it", "-chat", "-chat-hf", "-Instruct-hf"):
                if rid.endswith(suffix) and rid.lower() not in NO_DECLARED_BASE:
                    base = rid[: -len(suffix)] + ("-hf" if suffix.endswith("-hf") else "")
                    if base.lower() in b.by_id and base.lower() != rid.lower():
                        b.drafts[k].parents = [b.by_id[base.lower()]]
                        b.drafts[k].model.relation = "finetune"
                    break
    return roots


def _add_unrelated_bases(b: _Builder) -> list[int]:
    ks = []
    for rid, old, pipeline, library, arch, date in UNRELATED_BASES:
        ks.append(
            b.add(
                b.unique(rid),
                parse_time(date + "T10:00:00Z"),
                eco="unrelated",
                scale=_root_scale(rid),
                pipeline=pipeline,
                library=library,
                arch=arch,
                license="apache-2.0",
                family_license="apache-2.0",
                old_id=old,
                renamed_at=parse_time("2024-01-09T00:00:00Z") if old else None,
                tau_days=500.0,
                floor=0.5,
            )
        )
    return ks


def _add_traps(b: _Builder, roots: dict[str, list[int]]) -> None:
    """The fixed awkward cases every crawl must survive; named in `Catalogue.features`."""
    now = SYNTHETIC_DEFAULT_NOW
    big = b.by_id["meta-llama/llama-3.1-8b-instruct"]
    base31 = b.by_id["meta-llama/llama-3.1-8b"]
    small = b.by_id["meta-llama/llama-3.2-3b-instruct"]
    qwen = b.by_id["qwen/qwen2.5-7b-instruct"]
    t0 = parse_time("2025-01-06T12:00:00Z")
    feats = b.features

    # A chain 8 deep below Llama 3.1 8B Instruct.
    chain, parent = [], big
    for depth in range(1, 9):
        parent = b.derivative(
            "finetune",
            [parent],
            t0 + depth * 9 * DAY,
            eco="llama",
            author="depth-chain",
            name=f"Llama-3.1-8B-chain-step-{depth}",
        )
        chain.append(parent)
    feats["deep_chain"] = tuple(b.drafts[k].model.repo_id for k in chain)
    # Merges with several parents, one across ecosystems.
    cross = b.derivative(
        "merge",
        [big, qwen],
        parse_time("2025-02-03T09:00:00Z"),
        eco="llama",
        author="merge-works",
        name="Llama-3.1-Qwen2.5-8B-slerp",
    )
    multi = b.derivative(
        "merge",
        [big, chain[0], small],
        parse_time("2025-02-10T09:00:00Z"),
        eco="llama",
        author="merge-works",
        name="Llama-3-triple-ties",
    )
    feats["cross_ecosystem_merge"] = (b.drafts[cross].model.repo_id,)
    feats["multi_parent_merge"] = (b.drafts[multi].model.repo_id,)
    # A model naming itself as base (beside a real one).
    selfish = b.derivative(
        "finetune",
        [base31],
        parse_time("2025-03-03T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="Llama-3.1-8B-self-reference",
    )
    b.drafts[selfish].parents.append(selfish)
    feats["self_base"] = (b.drafts[selfish].model.repo_id,)
    # A base that never existed: beside a real parent, and alone.
    ghost = "ghost-org/llama-3-8b-never-published"
    g1 = b.derivative(
        "merge",
        [big],
        parse_time("2025-03-10T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="Llama-3.1-ghost-merge",
        ghosts=(ghost,),
    )
    g2 = b.derivative(
        "finetune",
        [],
        parse_time("2025-03-11T09:00:00Z"),
        eco="llama",
        author="loopy",
        name="orphan-of-a-ghost",
        ghosts=(ghost,),
    )
    feats["ghost_base"] = (ghost, b.drafts[g1].model.repo_id, b.drafts[g2].model.repo_id)
    # A two-model cycle hanging below Llama 3.2 3B Instruct.
    ca = b.derivative(
        "merge", [small], parse_time("2025-03-17T09:00:00Z"), eco="llama", author="loopy", name="cycle-a-3B"
    )
    cb = b.derivative(
        "finetune", [ca], parse_time("2025-03-18T09:00:00Z"), eco="llama", author="loopy", name="cycle-b-3B"
    )
    b.drafts[ca].parents.append(cb)
    feats["cycle"] = (b.drafts[ca].model.repo_id, b.drafts[cb].model.repo_id)
    # A private model with a public child: the child's only path to Llama is broken.
    private = b.derivative(
        "finetune",
        [big],
        parse_time("2025-04-01T09:00:00Z"),
        eco="llama",
        author="stealth-ai",
        name="Llama-3.1-8B-internal",
        private=True,
    )
    pchild = b.derivative("quantized", [private], parse_time("2025-04-08T09:00:00Z"), eco="llama", fmt="gguf")
    feats["private"] = (b.drafts[private].model.repo_id,)
    feats["child_of_private"] = (b.drafts[pchild].model.repo_id,)
    # Gated derivatives.
    gated = b.derivative(
        "finetune",
        [big],
        parse_time("2025-04-14T09:00:00Z"),
        eco="llama",
        author="gatekeepers",
        name="Llama-3.1-8B-medical",
        gated="manual",
    )
    feats["gated"] = (b.drafts[gated].model.repo_id,)
    # Renamed after the default clock: a finetune with children (their tags follow the new id).
    ren = b.derivative(
        "finetune",
        [big],
        parse_time("2025-05-05T09:00:00Z"),
        eco="llama",
        author="ember-labs",
        name="Llama-3.1-8B-Chat",
        old_id=b.unique("ember-labs/Llama-3.1-8B-Chat-beta"),
        renamed_at=now + 10 * DAY,
        scale=40.0,
    )
    for j in range(12):
        b.derivative(
            "quantized" if j % 2 else "finetune",
            [ren],
            parse_time("2025-05-20T09:00:00Z") + j * DAY,
            eco="llama",
        )
    m = b.drafts[ren].model
    feats["renamed"] = (m.old_id or "", m.repo_id)
    # Deleted: a leaf, and a parent with children (its subtree drops out of the ecosystem), both after
    # the default clock; one deleted before it and restored after it.
    leaf = b.derivative(
        "adapter", [big], parse_time("2025-06-02T09:00:00Z"), eco="llama", toggles=(now + 4 * DAY,)
    )
    dparent = b.derivative(
        "finetune", [small], parse_time("2025-06-09T09:00:00Z"), eco="llama", toggles=(now + 12 * DAY,)
    )
    for j in range(5):
        b.derivative(
            "adapter" if j % 2 else "finetune",
            [dparent],
            parse_time("2025-06-16T09:00:00Z") + j * DAY,
            eco="llama",
        )
    restored = b.derivative(
        "finetune",
        [big],
        parse_time("2025-06-23T09:00:00Z"),
        eco="llama",
        toggles=(now - 20 * DAY, now + 5 * DAY),
    )
    feats["deleted"] = (b.drafts[leaf].model.repo_id, b.drafts[dparent].model.repo_id)
    feats["restored"] = (b.drafts[restored].model.repo_id,)
    # A downward revision of downloadsAllTime, three days after the default clock.
    rev = b.derivative(
        "quantized",
        [big],
        parse_time("2025-02-17T09:00:00Z"),
        eco="llama",
        fmt="gguf",
        author=b.quantizers[0],
        scale=400.0,
        revision_at=now + 3 * DAY,
        revision_fraction=0.35,
    )
    feats["revision"] = (b.drafts[rev].model.repo_id,)
    feats["big_parent"] = (b.drafts[big].model.repo_id,)


def _grow(b: _Builder, roots: dict[str, list[int]], unrelated: list[int], n: int) -> None:
    """Add `n` random models in creation order, each picking parents among models that exist by then."""
    rng = b.rng
    big = b.by_id["meta-llama/llama-3.1-8b-instruct"]
    big_from = b.drafts[big].model.created + DAY
    shares = {**ECOSYSTEM_SHARES, "unrelated": 1.0 - sum(ECOSYSTEM_SHARES.values())}
    # Parent bags: a model appears once per "ticket"; picking uniformly from the bag is preferential
    # attachment in O(1). Roots enter the bag at their release, with many tickets.
    pending = sorted(
        [(b.drafts[k].model.created, k, eco) for eco, ks in roots.items() for k in ks]
        + [(b.drafts[k].model.created, k, "unrelated") for k in unrelated]
    )
    starts = {eco: min(b.drafts[k].model.created for k in ks) + DAY for eco, ks in roots.items()}
    starts["unrelated"] = min(b.drafts[k].model.created for k in unrelated) + DAY
    events = []
    for _ in range(n):
        eco = traits.pick(rng, shares)
        span = HORIZON - starts[eco]
        events.append((starts[eco] + int(span * rng.random() ** 0.5), eco))
    events.sort()
    bags: dict[str, list[int]] = {eco: [] for eco in shares}
    p = 0
    for created, eco in events:
        while p < len(pending) and pending[p][0] < created:
            _, k, peco = pending[p]
            bags[peco].extend([k] * 40)
            p += 1
        bag = bags[eco]
        if eco == "unrelated" and rng.random() < 0.4:
            # Standalone models: no declared base at all.
            word = rng.choice(_WORDS)
            b.add(
                b.unique(f"{b.author()}/{word}-{rng.choice(_WORDS)}-{rng.randrange(1, 99)}b"),
                created,
                eco=eco,
                arch=rng.choice(("llama", "mistral", "gpt2", "bert")),
                license=rng.choice(traits.OTHER_LICENSES),
            )
            continue
        relation = traits.pick(rng, traits.RELATION_WEIGHTS)
        if eco == "llama" and created > big_from and rng.random() < 0.2:
            parents = [big]
        else:
            parents = [rng.choice(bag)]
        if relation == "merge":
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                other = rng.choice(bag)
                if rng.random() < 0.03:
                    rival = bags["qwen" if eco == "llama" else "llama"]
                    other = rng.choice(rival) if rival else other
                if other not in parents:
                    parents.append(other)
        toggles: tuple[int, ...] = ()
        if rng.random() < 0.03:
            gone = created + int(rng.uniform(5, 300) * DAY)
            toggles = (gone, gone + int(rng.uniform(3, 60) * DAY)) if rng.random() < 0.1 else (gone,)
        k = b.derivative(relation, parents, created, eco=eco, toggles=toggles, private=rng.random() < 0.005)
        # Finetunes and merges become parents; adapters and quantizations almost never do.
        tickets = {"finetune": 3, "merge": 2}.get(relation, 1 if rng.random() < 0.01 else 0)
        if tickets:
            bag.extend([k] * tickets)
        for parent in parents:
            if b.drafts[parent].model.relation in ("finetune", "merge", None):
                bag.append(parent)  # rich get richer


def build_synthetic(
    *, seed: int = 0, models: int = DEFAULT_MODELS, ecosystems: tuple[Ecosystem, ...] | None = None
) -> Catalogue:
    """The synthetic catalogue for this seed and total size (the fixed roots and traps count in `models`)."""
    b = _Builder(seed)
    ecosystems = ecosystems if ecosystems is not None else load_ecosystems()
    roots = _add_roots(b, ecosystems)
    unrelated = _add_unrelated_bases(b)
    _add_traps(b, roots)
    _grow(b, roots, unrelated, max(0, models - len(b.drafts)))
    return _finish(b)


def _finish(b: _Builder) -> Catalogue:
    """Resolve draft indexes into catalogue indexes (the catalogue orders models by `_id`)."""
    order = sorted(range(len(b.drafts)), key=lambda k: b.drafts[k].model.oid)
    position = {k: i for i, k in enumerate(order)}
    models = []
    for k in order:
        d = b.drafts[k]
        m = d.model
        m.parents = tuple([position[p] for p in d.parents] + list(d.ghosts))
        # The card names each base as it was called when the model was made (stale after renames).
        m.card_base = tuple(_id_when(b.drafts[p].model, m.created) for p in d.parents) + tuple(d.ghosts)
        models.append(m)
    features = {name: tuple(ids) for name, ids in b.features.items()}
    return Catalogue("synthetic", models, SYNTHETIC_DEFAULT_NOW, features)


def _id_when(m: HubModel, t: int) -> str:
    if m.renamed_at is not None and t < m.renamed_at and m.old_id:
        return m.old_id
    return m.repo_id
