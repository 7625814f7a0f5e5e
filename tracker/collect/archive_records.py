"""An archive file's rows as the crawl's records: first the shape of the Hub's payloads (timestamps as the
Hub writes them, counts as integers, `baseModels` as a listing gives it, parents by their id of that
week), then the listing's parser (`tracker.collect.payloads.parse_observation`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC

from tracker.collect.payloads import parse_observation
from tracker.core.records import Observation


def row_observation(
    record: dict, id_column: str, ids: Mapping[str, str], shared: dict[str, str], *, gated: bool
) -> Observation:
    """A row as the crawl's record: the Hub's payload shape, parsed as a listing's would be. `shared`: the
    reader's strings (see `parse_observation`); `gated`: whether the file has the column."""
    model_id = record.get(id_column)
    item = {k: v for k, v in record.items() if v is not None and k not in ("modelId", "private")}
    item["id"] = model_id
    for key in ("createdAt", "lastModified"):
        if key in item:
            item[key] = iso(item[key])
    for key in ("downloads", "downloadsAllTime", "likes", "trendingScore"):
        if key in item:
            item[key] = count(item[key])
    weights = item.get("safetensors")
    if isinstance(weights, dict) and isinstance(weights.get("parameters"), list):  # an Arrow map
        item["safetensors"] = {**weights, "parameters": dict(weights["parameters"])}
    declared = item.get("baseModels")
    if isinstance(declared, dict) and ids:  # parents by their id of this week, through their `_id`
        item["baseModels"] = current_ids(declared, ids)
    obs = parse_observation(item, shared, providers_asked=False)
    if not gated:
        obs = replace(obs, gated=None)  # the archive does not say: empty, never guessed
    return obs


def iso(value: object) -> str | None:
    """A Parquet timestamp (a datetime, or a string already) as the Hub writes it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    stamp = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)  # type: ignore[attr-defined]
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def count(value: object) -> int | None:
    """A count as an integer: some files store figures as floats (`12.0`, NaN for none)."""
    if isinstance(value, float):
        return round(value) if math.isfinite(value) else None
    return value if isinstance(value, int) else None


# A merge of 65 bases is about 6 kB of JSON; anything much longer is not a declaration of bases.
BASE_MODELS_TEXT_LIMIT = 1 << 20


class UnreadableValue(ValueError):
    """A row's value cannot be read as what the archive puts there (its row is refused, not its file)."""


def parse_base_models(value: object) -> object:
    """`baseModels` as the listing gives it: a struct as a dict; a JSON string (an older shape) parsed;
    UnreadableValue for text that is not JSON, too long, or nested too deep for the parser."""
    if not isinstance(value, str):
        return value
    if len(value) > BASE_MODELS_TEXT_LIMIT:
        raise UnreadableValue(f"its baseModels is {len(value):,} characters of text")
    try:
        return json.loads(value)
    except RecursionError:
        raise UnreadableValue("its baseModels is nested too deep to read") from None
    except ValueError:
        raise UnreadableValue("its baseModels is not JSON") from None


def base_models_value(value: object) -> object:
    """`baseModels` as the listing gives it (`parse_base_models`), None where it cannot be read: a row
    whose value cannot is refused in the first pass (`tracker.collect.archive_links.edges_of`)."""
    try:
        return parse_base_models(value)
    except UnreadableValue:
        return None


def declared_oids(declared: object) -> dict[str, str]:
    """Lower-case declared parent id -> its `_id`, where `baseModels` gives one."""
    if not isinstance(declared, dict):
        return {}
    out = {}
    for entry in declared.get("models") or ():
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry.get("_id"):
            out[entry["id"].lower()] = entry["_id"]
    return out


def current_ids(declared: dict, ids: Mapping[str, str]) -> dict:
    """`baseModels` with each parent's id replaced by the one its `_id` has in this file, where known."""
    models = []
    for entry in declared.get("models") or ():
        if isinstance(entry, dict) and entry.get("_id") in ids:
            entry = {**entry, "id": ids[entry["_id"]]}
        models.append(entry)
    return {**declared, "models": models}
