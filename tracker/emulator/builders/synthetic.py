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
- heavy-tailed downloads and likes (a handful of models with millions a month, most with tens), over
  time in the shapes of `tracker.emulator.figures` (`traits.dynamics`: most derivatives spike at
  launch and fade, some grow for months or come back in a second wave; official roots and unrelated
  bases grow for months, then settle on a high floor);
- sizes from the bases' names (`traits.parameters_for`: Llama-3.1-8B 8,030,261,248, Mixtral-8x7B
  46.7B, DeepSeek-V3 671B), official Instruct roots with their base's, quantizations and adapters with
  their first base's exactly, finetunes and merges mostly too (`traits.derived_parameters`);
- inference providers on a few percent of models, mostly official releases
  (`tracker.emulator.builders.providers`), drawn from a hash of each `_id`, so the other draws are those
  of a catalogue without them;
- traps, listed in `Catalogue.features`: a chain 8 deep, a parent with more than 1,000 children
  (at the default size), merges with several parents and one across ecosystems (Llama x Qwen),
  a model naming itself as base, a ghost base, a two-model cycle, private and gated models,
  repos renamed in the past and one renamed after the default clock, deletions (one of a parent
  with children) and a restoration, and a downward revision of `downloadsAllTime`;
- untracked families of several organisations, Meta's Muse among them, and the whole-Hub forest's
  cases (`tracker.emulator.builders.forest`): a few dozen models beyond `models`.
"""

from __future__ import annotations

from tracker.core.ecosystems import Ecosystem, load_ecosystems
from tracker.emulator import figures
from tracker.emulator.builders import traits
from tracker.emulator.builders.builder import CatalogueBuilder, finish
from tracker.emulator.builders.forest import FOREST_IDS, add_forest
from tracker.emulator.builders.names import WORDS
from tracker.emulator.builders.traps import add_traps
from tracker.emulator.catalogue import Catalogue
from tracker.emulator.vocabulary import DAY, parse_time

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


def _add_roots(b: CatalogueBuilder, ecosystems: tuple[Ecosystem, ...]) -> dict[str, list[int]]:
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
                    or rid.lower() in FOREST_IDS
                ):
                    # Aliases become the old id of the renamed repo; Llama-Guard-2-8B is the name Meta's
                    # SKU list uses, but the repository is Meta-Llama-Guard-2-8B: it stays a missing root.
                    # Muse's root comes with the untracked families (`forest`), drawn after the rest.
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
                    shape=figures.GROWER,
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
                        b.drafts[k].model.params = b.drafts[b.by_id[base.lower()]].model.params
                    break
    b.official.update(k for ks in roots.values() for k in ks)
    return roots


def _add_unrelated_bases(b: CatalogueBuilder) -> list[int]:
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
                shape=figures.GROWER,
                floor=0.5,
            )
        )
    b.official.update(ks)
    return ks


def _grow(b: CatalogueBuilder, roots: dict[str, list[int]], unrelated: list[int], n: int) -> None:
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
            word = traits.choice(rng, WORDS)
            b.add(
                b.unique(f"{b.author()}/{word}-{traits.choice(rng, WORDS)}-{traits.randrange(rng, 1, 99)}b"),
                created,
                eco=eco,
                arch=traits.choice(rng, ("llama", "mistral", "gpt2", "bert")),
                license=traits.choice(rng, traits.OTHER_LICENSES),
            )
            continue
        relation = traits.pick(rng, traits.RELATION_WEIGHTS)
        if eco == "llama" and created > big_from and rng.random() < 0.2:
            parents = [big]
        else:
            parents = [traits.choice(rng, bag)]
        if relation == "merge":
            for _ in range(traits.choice(rng, (1, 1, 1, 2, 3))):
                other = traits.choice(rng, bag)
                if rng.random() < 0.03:
                    rival = bags["qwen" if eco == "llama" else "llama"]
                    other = traits.choice(rng, rival) if rival else other
                if other not in parents:
                    parents.append(other)
        toggles: tuple[int, ...] = ()
        if rng.random() < 0.03:
            gone = created + int(traits.uniform(rng, 5, 300) * DAY)
            toggles = (gone, gone + int(traits.uniform(rng, 3, 60) * DAY)) if rng.random() < 0.1 else (gone,)
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
    """The synthetic catalogue for this seed and total size (the fixed roots and traps count in `models`;
    the untracked families, `forest.FOREST_MODELS` of them, come on top)."""
    b = CatalogueBuilder(seed)
    ecosystems = ecosystems if ecosystems is not None else load_ecosystems()
    roots = _add_roots(b, ecosystems)
    unrelated = _add_unrelated_bases(b)
    add_traps(b, SYNTHETIC_DEFAULT_NOW)
    _grow(b, roots, unrelated, max(0, models - len(b.drafts)))
    add_forest(b, seed)  # after the rest, with its own draws: the catalogue above stays as it was
    return finish(b, "synthetic", SYNTHETIC_DEFAULT_NOW)
