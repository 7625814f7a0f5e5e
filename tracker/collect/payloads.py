"""Hub model payloads as the crawl's records (`parse_observation`): a listing's or `model_info`'s item, or
an archive row in the same shape, read through huggingface_hub's `ModelInfo`.

Every shape the Hub is known to give is read (`notes/real-hub-2026.md`): `childrenModelCount` as an
integer or as counts by relation, `baseModels` present or not. Each model's size and who serves it
(`tracker.core.usage`) are parsed here, never through `ModelInfo`: `safetensors` and `gguf` (a parameter
count), `inferenceProviderMapping` (a list on listings, an object on `model_info`).
"""

from __future__ import annotations

from huggingface_hub import ModelInfo

from tracker.core.hub_ids import hub_token, is_namespace
from tracker.core.lineage import parse_children_count, parse_parents
from tracker.core.records import Observation
from tracker.core.usage import parse_live_providers, parse_parameters

# The usage values a crawl reads itself (`tracker.core.usage`), never through ModelInfo: its parser indexes
# keys that a malformed or partial value may lack.
USAGE_EXPAND = ("safetensors", "gguf", "inferenceProviderMapping")


def parse_observation(
    item: dict, shared: dict[str, str] | None = None, *, providers_asked: bool = True
) -> Observation:
    """A Hub model payload as a record (through huggingface_hub's ModelInfo; usage via tracker.core.usage).

    `providers_asked`: whether `inferenceProviderMapping` was asked for, so that a payload without it
    means no provider (`()`) rather than unknown (None).

    `shared`: strings met before (tags, parent ids, authors, licences, ...), by value. A record keeps the
    one already there instead of its own copy: a crawl holds every record of an ecosystem at once
    (200,000 of them for Llama), and their tags are nearly all the same few hundred strings, which as
    separate copies made up two thirds of a record's memory. The ids and `_id`, unique, are kept as given.
    """
    info = ModelInfo(**{k: v for k, v in item.items() if k not in USAGE_EXPAND})
    tags = tuple(info.tags or ())
    relation, parents = parse_parents(info.base_models, tags, info.id)
    gated = info.gated
    # The doors admit only Hub ids (`tracker.collect.doors`); the other text is the Hub's vocabulary or
    # nothing: a value outside it is kept empty (unknown), never as text a spreadsheet or a page would run.
    license_tag = hub_token(next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None))
    author = info.author if is_namespace(info.author) else None
    author = author or (info.id.split("/")[0] if "/" in info.id else None)
    pipeline_tag, library_name = hub_token(info.pipeline_tag), hub_token(info.library_name)
    gated_text = "false" if gated in (None, False) else hub_token(str(gated))
    children_total, children_by_relation = parse_children_count(item.get("childrenModelCount"))
    parameters = parse_parameters(item.get("safetensors"), item.get("gguf"))
    mapping = item.get("inferenceProviderMapping")
    providers = parse_live_providers(mapping) if mapping is not None or providers_asked else None
    if providers:
        providers = tuple(p for p in providers if hub_token(p))
    if shared is not None:
        one = shared.setdefault  # atomic under the GIL: the client's threads share the table
        tags = tuple([one(t, t) for t in tags])
        parents = tuple([one(p, p) for p in parents])
        relation = relation and one(relation, relation)
        author = author and one(author, author)
        pipeline_tag = pipeline_tag and one(pipeline_tag, pipeline_tag)
        library_name = library_name and one(library_name, library_name)
        license_tag = license_tag and one(license_tag, license_tag)
        gated_text = gated_text and one(gated_text, gated_text)
        providers = providers and tuple([one(p, p) for p in providers])
    return Observation(
        model_id=info.id,
        hub_oid=item.get("_id"),
        author=author,
        created_at=info.created_at,
        last_modified=info.last_modified,
        pipeline_tag=pipeline_tag,
        library_name=library_name,
        license=license_tag,
        gated=gated_text,
        tags=tags,
        relation=relation,
        parents=parents,
        children_count=children_total,
        children_by_relation=children_by_relation,
        downloads_30d=info.downloads,
        downloads_all_time=info.downloads_all_time,
        likes=info.likes,
        trending_score=info.trending_score,
        parameters=parameters,
        live_providers=providers,
    )
