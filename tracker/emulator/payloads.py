"""JSON payloads of emulated models, in the real Hub's shapes and key names.

Three shapes, as on the Hub: the default listing item, the full `GET /api/models/{id}` object,
and, with `expand`, `_id` and `id` plus exactly the properties asked for. A property the model
has no value for is left out, as the Hub leaves out `library_name` when it has none.

Sizes and providers (`notes/real-hub-2026.md` section 2):
- `safetensors`: `{"parameters": {dtype: count, ...}, "total": count}` for models with safetensors
  weights, the counts summing to `HubModel.params`; one in a hundred has a wrong, far smaller `total`
  (as some real repos do), so what a payload implies is the larger of `total` and the sum
  (`parameters_of`). `gguf`: `{"total", "architecture", "context_length"}` for GGUF repos. Neither for
  the others (EXL2, pickles, RL agents, empty repos).
- `inferenceProviderMapping`: the providers mapping the model at the clock time (`providers.mapping_at`;
  staging and error ones too): a list of `{provider, providerId, status, task, adapter?,
  adapterWeightsPath?}` on listings, an object keyed by provider of `{status, providerId, task,
  isModelAuthor, adapter?, adapterWeightsPath?}` on `model_info`. Left out when there is none, or `[]`
  / `{}` with `empty_mappings`. `inference`: `"warm"` while a provider serves it live, else left out
  (in `model_info`'s default payload, after `safetensors`, as in the real one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from tracker.emulator.builders import providers
from tracker.emulator.catalogue import Catalogue, tags_at
from tracker.emulator.vocabulary import Figures, HubModel, iso, model_hash

# Every value `expand` accepts (huggingface_hub 2.4's ExpandModelProperty_T); anything else is a 400.
EXPAND_PROPERTIES = (
    "author",
    "baseModels",
    "cardData",
    "childrenModelCount",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "evalResults",
    "gated",
    "gguf",
    "inference",
    "inferenceProviderMapping",
    "lastModified",
    "library_name",
    "likes",
    "mask_token",
    "model-index",
    "pipeline_tag",
    "private",
    "resourceGroup",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "trendingScore",
    "usedStorage",
    "widgetData",
)
LISTING_DEFAULT = (
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
)
LISTING_FULL = (*LISTING_DEFAULT, "author", "sha", "lastModified", "gated", "disabled", "siblings")
MODEL_INFO_DEFAULT = (
    "private",
    "pipeline_tag",
    "library_name",
    "tags",
    "downloads",
    "likes",
    "modelId",
    "author",
    "sha",
    "lastModified",
    "gated",
    "disabled",
    "widgetData",
    "model-index",
    "config",
    "cardData",
    "transformersInfo",
    "siblings",
    "spaces",
    "createdAt",
    "safetensors",
    "inference",
    "usedStorage",
)


class _View:
    """One model at one clock time; figures and tags are computed once, on first use."""

    __slots__ = ("cat", "i", "t", "m", "by_relation", "model_info", "empty_mappings", "_figures", "_tags")

    def __init__(
        self,
        cat: Catalogue,
        i: int,
        t: int,
        by_relation: bool = False,
        model_info: bool = False,
        empty_mappings: bool = False,
    ) -> None:
        self.cat, self.i, self.t, self.m = cat, i, t, cat.models[i]
        self.by_relation = by_relation  # childrenModelCount as counts by relation (else an int)
        self.model_info = model_info  # answering GET /api/models/{id}: inferenceProviderMapping an object
        self.empty_mappings = empty_mappings  # no provider: [] or {} rather than no key
        self._figures: Figures | None = None
        self._tags: list[str] | None = None

    @property
    def figures(self) -> Figures:
        if self._figures is None:
            self._figures = self.cat.figures(self.i, self.t)
        return self._figures

    @property
    def tags(self) -> list[str]:
        if self._tags is None:
            self._tags = tags_at(self.cat, self.i, self.t, self.m)
        return self._tags

    @property
    def repo_id(self) -> str:
        return self.cat.id_at(self.i, self.t)


def _author(v: _View) -> Any:
    return v.repo_id.split("/")[0] if "/" in v.repo_id else None


def _base_models(v: _View) -> Any:
    if not v.m.relation or not v.m.parents:
        return None
    models = []
    for p in v.m.parents:
        if isinstance(p, int):
            models.append({"_id": v.cat.models[p].oid, "id": v.cat.id_at(p, v.t)})
        else:
            models.append({"id": p})
    return {"relation": v.m.relation, "models": models}


def _card_data(v: _View) -> Any:
    card: dict[str, Any] = {}
    if v.m.license:
        card["license"] = v.m.license
    if v.m.card_base:
        card["base_model"] = v.m.card_base[0] if len(v.m.card_base) == 1 else list(v.m.card_base)
    if v.m.relation == "quantized":
        card["base_model_relation"] = "quantized"
    if v.m.library:
        card["library_name"] = v.m.library
    if v.m.pipeline:
        card["pipeline_tag"] = v.m.pipeline
    card["tags"] = [t for t in v.m.extra_tags if t in ("lora", "mergekit", "merge", "llama-cpp")]
    return card


def _children_count(v: _View) -> Any:
    if v.by_relation:
        return v.cat.listed_children_by_relation(v.i, v.t)
    return v.cat.listed_children_count(v.i, v.t)


def _config(v: _View) -> Any:
    if not v.m.arch:
        return None
    cls = "".join(part.capitalize() for part in v.m.arch.split("_"))
    return {"architectures": [f"{cls}ForCausalLM"], "model_type": v.m.arch}


# Context lengths GGUF headers give, by architecture.
_CONTEXT_LENGTHS = {"llama": 131072, "qwen2": 32768, "mistral": 32768, "gemma2": 8192, "phi3": 131072}


def gguf_of(m: HubModel) -> dict[str, Any] | None:
    """`gguf` of a model: for GGUF repos, its base's count (GGUF counts the unquantized shapes)."""
    if "gguf" not in m.extra_tags or not m.params:
        return None
    arch = m.arch or "llama"
    return {"total": m.params, "architecture": arch, "context_length": _CONTEXT_LENGTHS.get(arch, 4096)}


def safetensors_of(m: HubModel) -> dict[str, Any] | None:
    """`safetensors` of a model with safetensors weights: counts by dtype summing to `params`."""
    if "safetensors" not in m.extra_tags or not m.params:
        return None
    n, h = m.params, model_hash(m.oid, 2)
    if m.relation == "quantized":  # packed integer weights, plus the layers left in half precision
        packed = n * (6 + h % 3) // 8
        by_dtype = {"I32": packed, "F16": n - packed}
    elif h % 10 == 0:  # layer norms kept in full precision
        kept = max(1, n // (2000 + (h >> 8) % 2000))
        by_dtype = {"BF16": n - kept, "F32": kept}
    else:
        by_dtype = {"BF16": n}
    total = max(1, n // 10_000) if (h >> 16) % 100 == 0 else n  # some real repos show a total far too small
    return {"parameters": by_dtype, "total": total}


def parameters_of(m: HubModel) -> int | None:
    """The parameter count a model's payload implies: the larger of `safetensors.total` and the sum of its
    counts by dtype when it has `safetensors`, else `gguf.total` when it has `gguf`, else None."""
    st = safetensors_of(m)
    if st is not None:
        return max(st["total"], sum(st["parameters"].values()))
    gguf = gguf_of(m)
    return gguf["total"] if gguf is not None else None


def _gguf(v: _View) -> Any:
    return gguf_of(v.m)


def _inference(v: _View) -> Any:
    return "warm" if providers.live_at(v.m.providers, v.t) else None


def _provider_mapping(v: _View) -> Any:
    current = providers.mapping_at(v.m.providers, v.t)
    if not current:
        return ({} if v.model_info else []) if v.empty_mappings else None
    repo_id = v.repo_id
    task = providers.task_for(repo_id, v.m.pipeline)
    extra = (
        {"adapter": "lora", "adapterWeightsPath": "adapter_model.safetensors"}
        if v.m.relation == "adapter"
        else {}
    )
    if v.model_info:
        return {
            name: {
                "status": status,
                "providerId": providers.provider_id(name, repo_id, task),
                "task": task,
                "isModelAuthor": False,
                **extra,
            }
            for name, status in current.items()
        }
    return [
        {
            "provider": name,
            "providerId": providers.provider_id(name, repo_id, task),
            "status": status,
            "task": task,
            **extra,
        }
        for name, status in current.items()
    ]


def _sha(v: _View) -> str:
    return hashlib.sha1(v.m.oid.encode(), usedforsecurity=False).hexdigest()


def _last_modified(v: _View) -> str:
    return iso(v.cat.last_modified(v.i, v.t))


def _siblings(v: _View) -> list[dict[str, str]]:
    name = v.repo_id.split("/")[-1]
    files = [".gitattributes", "README.md"]
    if "gguf" in v.m.extra_tags:
        files += [f"{name}-Q4_K_M.gguf", f"{name}-Q8_0.gguf"]
    elif v.m.library == "peft":
        files += ["adapter_config.json", "adapter_model.safetensors"]
    else:
        files += [
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
        ]
    return [{"rfilename": f} for f in files]


def _safetensors(v: _View) -> Any:
    return safetensors_of(v.m)


def _transformers_info(v: _View) -> Any:
    if v.m.library != "transformers":
        return None
    return {"auto_model": "AutoModelForCausalLM", "pipeline_tag": v.m.pipeline, "processor": "AutoTokenizer"}


def _used_storage(v: _View) -> int:
    per_param = 0.6 if v.m.relation == "quantized" else 2.0
    return int(v.m.params * per_param) if v.m.library != "peft" else int(v.m.params * 0.005)


def _widget_data(v: _View) -> Any:
    if v.m.pipeline != "text-generation":
        return None
    return [{"text": "My name is Julien and I like to"}]


_PRODUCERS: dict[str, Callable[[_View], Any]] = {
    "author": _author,
    "baseModels": _base_models,
    "cardData": _card_data,
    "childrenModelCount": _children_count,
    "config": _config,
    "createdAt": lambda v: iso(v.m.created),
    "disabled": lambda v: False,
    "downloads": lambda v: v.figures.downloads,
    "downloadsAllTime": lambda v: v.figures.downloads_all_time,
    "gated": lambda v: v.m.gated,
    "gguf": _gguf,
    "inference": _inference,
    "inferenceProviderMapping": _provider_mapping,
    "lastModified": _last_modified,
    "library_name": lambda v: v.m.library,
    "likes": lambda v: v.figures.likes,
    "model-index": lambda v: None,
    "modelId": lambda v: v.repo_id,
    "pipeline_tag": lambda v: v.m.pipeline,
    "private": lambda v: v.m.private,
    "safetensors": _safetensors,
    "sha": _sha,
    "siblings": _siblings,
    "spaces": lambda v: [],
    "tags": lambda v: v.tags,
    "transformersInfo": _transformers_info,
    "trendingScore": lambda v: v.figures.trending_score,
    "usedStorage": _used_storage,
    "widgetData": _widget_data,
}
# Keys the full model payload carries even when empty (the real one has "model-index": null).
_NULLABLE = {"model-index"}


def model_payload(
    cat: Catalogue,
    i: int,
    t: int,
    fields: Iterable[str],
    *,
    counts_by_relation: bool = False,
    model_info: bool = False,
    empty_mappings: bool = False,
) -> dict[str, Any]:
    """`_id`, `id`, then each requested property that has a value for this model.

    `counts_by_relation`: `childrenModelCount` as an object of counts by relation (the real Hub's
    `model_info`), else an integer. `model_info`: the payload of `GET /api/models/{id}`
    (`inferenceProviderMapping` an object keyed by provider), else a listing item's (a list).
    `empty_mappings`: a model no provider maps gets `[]` or `{}` rather than no key."""
    v = _View(cat, i, t, counts_by_relation, model_info, empty_mappings)
    out: dict[str, Any] = {"_id": v.m.oid, "id": v.repo_id}
    for name in fields:
        producer = _PRODUCERS.get(name)
        value = producer(v) if producer else None
        if value is not None or name in _NULLABLE:
            out[name] = value
    return out


def listing_fields(expand: list[str], *, full: bool, card_data: bool, config: bool) -> tuple[str, ...]:
    """The properties a listing item carries for these query options."""
    if expand:
        return tuple(dict.fromkeys(expand))
    fields = list(LISTING_FULL if full else LISTING_DEFAULT)
    if card_data:
        fields.append("cardData")
    if config:
        fields.append("config")
    return (*fields, "modelId")
