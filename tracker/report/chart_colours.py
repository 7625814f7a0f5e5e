"""The colour side of the charts: a frame made ready to colour by one field, and its scale.

`coloured` names the ecosystems by their labels, tells apart a family name two ecosystems share, and sums
what the palette cannot tell apart into one "other" (past `palette.MAX_ENTRIES` values, past
`palette.TOP_FAMILIES` families); its `Colours` come from `tracker.report.palette`. Pure: pandas and
Altair's scale only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from tracker.report import palette


@dataclass(frozen=True)
class Colours:
    """A chart's colour scale: the names a reader sees, in the legend's order, and their colours."""

    names: tuple[str, ...]
    colours: tuple[str, ...]

    def scale(self) -> alt.Scale:
        return alt.Scale(domain=list(self.names), range=list(self.colours))


def label_of(labels: Mapping[str, str] | None) -> dict[str, str]:
    """Ecosystem name to the name shown: its label, unique (a label two ecosystems share keeps the key)."""
    labels = dict(labels or {})
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    return {key: (label if counts[label] == 1 else f"{label} ({key})") for key, label in labels.items()}


def _weights(data: pd.DataFrame, field: str, value: str) -> list[str]:
    """The values of `field`, largest first: by `value` in the latest run (when the frame has runs), then
    over the whole frame, then by name."""
    numbers = pd.to_numeric(data[value], errors="coerce").fillna(0.0)
    frame = pd.DataFrame({"name": data[field].astype(str), "v": numbers})
    total = frame.groupby("name")["v"].sum()
    if "taken_at" in data:
        latest = frame[data["taken_at"] == data["taken_at"].max()].groupby("name")["v"].sum()
    else:
        latest = total
    ranked = pd.DataFrame({"latest": latest.reindex(total.index, fill_value=0.0), "total": total})
    ranked = ranked.reset_index().sort_values(["latest", "total", "name"], ascending=[False, False, True])
    return list(ranked["name"])


def _fold(
    data: pd.DataFrame, field: str, keep: set[str], other: str, keys: Sequence[str], sums: Sequence[str]
):  # noqa: ANN202
    """The rows of `field` values outside `keep` summed per `keys` into one `other` row."""
    if set(data[field]) <= keep:
        return data
    data = data.assign(**{field: data[field].where(data[field].isin(keep), other)})
    by = list(dict.fromkeys([*(k for k in keys if k in data), field]))
    return data.groupby(by, as_index=False, sort=False, dropna=False)[list(sums)].sum(min_count=1)


def coloured(
    data: pd.DataFrame,
    field: str,
    *,
    value: str,
    keys: Sequence[str] = ("taken_at",),
    sums: Sequence[str] | None = None,
    domain: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, Colours]:
    """`data` ready to colour by `field`, and its colours: the ecosystems named by their labels, a family
    name two ecosystems share followed by its ecosystem's; past what the palette tells apart, the
    smallest (by `value`) summed per `keys` into one "other" (the columns `sums`, default `value`).

    `domain`: the values in the order to list them (an ecosystem's colour is then fixed by the whole
    domain: give every tracked ecosystem); values outside it follow. Otherwise: the palette's order
    (ecosystems, relations, formats, size classes), else largest first."""
    sums = list(sums or [value])
    shown = label_of(labels)
    tracked = list(labels or ())
    present = [str(v) for v in dict.fromkeys(data[field].dropna())] if field in data else []
    if field == "family" and "ecosystem" in data:
        return _families(data, value=value, keys=keys, sums=sums, shown=shown, tracked=tracked)
    fixed = palette.FIXED.get(field)
    if domain is not None:
        names = [str(v) for v in domain] + [v for v in present if v not in set(map(str, domain))]
    elif field == "ecosystem":
        names = palette.ecosystem_order(present)
    elif fixed is not None:
        names = [v for v in fixed if v in present] + [v for v in present if v not in fixed]
    else:
        ranked = _weights(data, field, value) if present else []
        names = [v for v in ranked if v.lower() not in palette.OTHER_NAMES]
        names += [v for v in ranked if v.lower() in palette.OTHER_NAMES]
    colours = palette.colours(field, names, ecosystems=tracked)
    if present and (len(names) > palette.MAX_ENTRIES or len(set(colours)) < len(colours)):
        names, colours, data = _fewer(data, field, names, value=value, keys=keys, sums=sums, tracked=tracked)
    data = named(data, shown)
    if field == "ecosystem":
        names = [shown.get(v, v) for v in names]
    return data, Colours(tuple(names), tuple(colours))


def _fewer(
    data: pd.DataFrame,
    field: str,
    names: list[str],
    *,
    value: str,
    keys: Sequence[str],
    sums: Sequence[str],
    tracked: Sequence[str],
) -> tuple[list[str], list[str], pd.DataFrame]:
    """As many of the largest `names` as the palette tells apart (fewer than `palette.MAX_ENTRIES`), the
    rest (and values such as "unknown") summed into one grey "other"."""
    other = palette.OTHER_ECOSYSTEMS if field == "ecosystem" else "other"
    ranked = [v for v in _weights(data, field, value) if v.lower() not in palette.OTHER_NAMES]
    keep = ranked[: palette.MAX_ENTRIES - 1]
    while True:
        kept = [v for v in names if v in keep] + [other]
        colours = palette.colours(field, kept, ecosystems=tracked)
        if len(set(colours)) == len(colours) or not keep:
            break
        keep = keep[:-1]
    data = _fold(data.assign(**{field: data[field].astype(str)}), field, set(keep), other, keys, sums)
    return kept, colours, data


def named(data: pd.DataFrame, shown: Mapping[str, str]) -> pd.DataFrame:
    """The ecosystem column (when there is one) with the names shown."""
    if shown and "ecosystem" in data:
        return data.assign(ecosystem=data["ecosystem"].map(lambda v: shown.get(v, v)))
    return data


def _families(
    data: pd.DataFrame,
    *,
    value: str,
    keys: Sequence[str],
    sums: Sequence[str],
    shown: Mapping[str, str],
    tracked: Sequence[str],
) -> tuple[pd.DataFrame, Colours]:
    """Families as shades of their ecosystem's hue: the `palette.TOP_FAMILIES` largest (all of them when
    one more would be all), the rest summed as `palette.OTHER_FAMILIES`."""
    data = data.assign(family=data["family"].astype(str), ecosystem=data["ecosystem"].astype(str))
    homes = data.groupby("family")["ecosystem"].nunique()
    shared = set(homes[homes > 1].index)
    if shared:  # "Other" in two ecosystems: two families
        data = data.assign(
            family=[
                f"{f} ({shown.get(e, e)})" if f in shared else f
                for f, e in zip(data["family"], data["ecosystem"], strict=True)
            ]
        )
    home = dict(zip(data["family"], data["ecosystem"], strict=False))
    ranked = _weights(data, "family", value)
    top = palette.TOP_FAMILIES
    kept = ranked if len(ranked) <= top + 1 else ranked[:top]
    if len(kept) < len(ranked):
        data = data.assign(ecosystem=data["ecosystem"].where(data["family"].isin(kept), ""))
        data = _fold(data, "family", set(kept), palette.OTHER_FAMILIES, [*keys, "ecosystem"], sums)
    order = palette.ecosystem_order(home[f] for f in kept)
    families = sorted(kept, key=lambda f: (order.index(home[f]), kept.index(f)))
    pairs = [(home[f], f) for f in families]
    if len(kept) < len(ranked):
        pairs.append(("", palette.OTHER_FAMILIES))
    colours = palette.family_colours(pairs, tracked)
    return named(data, shown), Colours(tuple(f for _, f in pairs), tuple(colours))
