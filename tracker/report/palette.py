"""The tracker's one visual language: a fixed colour for each relation, each ecosystem and each region,
families as shades of their ecosystem's hue, and one grey for what a chart groups as "other".

Pure (no Altair, no I/O): `tracker.report.charts` draws every chart of the dashboard and the digest with
it, so a Llama band is the same blue on the Overview, the Compare page and the digest's images.

- Relations (`base` for the roots, then the four of `tracker.core.records.RELATIONS`): fixed.
- Ecosystems: fixed for the six the shipped ecosystems file names (Meta's two, Llama and Muse, in two
  blues); any other name (a user's ecosystems file) takes one of `EXTRA`, chosen by a stable hash of its
  name, the next free one when two names of a chart would share it (`ecosystem_colours`: give it every
  tracked name, and the colours stay put).
- Regions (`us`, `china`, `eu`, `other`, `unknown`, as in hub-organisations.csv): fixed, for the
  whole-Hub view.
- Families: shades (dark to light) of their ecosystem's colour, at most `TOP_FAMILIES` of them to a
  chart, the rest grouped as `OTHER_FAMILIES` in grey.
- Quantization formats and size classes: fixed (size classes light to dark, small to large); any other
  field (licences, ...) takes `CATEGORICAL` in order, at most `MAX_ENTRIES` entries to a legend.

The colours are Okabe & Ito's and Paul Tol's colour-blind-safe sets where they could be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from tracker.core.measures import QUANT_FORMATS
from tracker.core.usage import SIZE_CLASSES

OTHER = "#b0b0b0"  # whatever a chart groups as "other", and unknown values

RELATION_COLOURS: dict[str, str] = {
    "base": "#4d4d4d",  # the roots: the base models themselves
    "finetune": "#56b4e9",
    "adapter": "#cc79a7",
    "quantized": "#e6ab02",
    "merge": "#b9a3d6",
}
ECOSYSTEM_COLOURS: dict[str, str] = {
    "llama": "#0072b2",  # blue
    "qwen": "#6a3d9a",  # violet
    "mistral": "#e69f00",  # orange
    "gemma": "#009e73",  # green
    "deepseek": "#d55e00",  # vermilion
    # Meta's brand blue: a Meta shade beside Llama's, brighter and lighter, told apart from it by every eye
    # (CIELAB distance 35, 34 with deuteranopia simulated; every other fixed or extra colour is farther)
    "muse": "#0081fb",
}
# for the ecosystems of a user's file: hues away from the six above
EXTRA: tuple[str, ...] = (
    "#999933",  # olive
    "#cc6677",  # rose
    "#882255",  # wine
    "#56c1d6",  # cyan
    "#332288",  # indigo
    "#aa4499",  # magenta
    "#ddaa33",  # sand
    "#5b6770",  # slate
)
REGION_COLOURS: dict[str, str] = {
    "us": "#4477aa",
    "china": "#ee6677",
    "eu": "#228833",
    "other": "#ccbb44",
    "unknown": OTHER,
}
FORMAT_COLOURS: dict[str, str] = dict(
    zip(QUANT_FORMATS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#17becf", OTHER), strict=True)
)
# light to dark, small to large; unknown grey
SIZE_COLOURS: dict[str, str] = dict(
    zip(SIZE_CLASSES, ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", OTHER), strict=True)
)
# any other field, in its order (Tableau 10 less its grey, kept for "other")
CATEGORICAL: tuple[str, ...] = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
)
MAX_ENTRIES = len(CATEGORICAL) + 1  # a legend's entries at most, "other" included
TOP_FAMILIES = 7  # families drawn on a chart at most; the rest are OTHER_FAMILIES
OTHER_FAMILIES = "all other families"
OTHER_ECOSYSTEMS = "other ecosystems"
DARKEST, LIGHTEST = 0.45, 0.72  # the range of a hue's shades: towards black, towards white
OTHER_NAMES = frozenset({"other", "others", "unknown", OTHER_FAMILIES, OTHER_ECOSYSTEMS})  # grey, last


def ecosystem_order(names: Iterable[str]) -> list[str]:
    """The ecosystems in the order every chart and table lists them: the six of the shipped file in its
    order (Llama, the product's subject, first), then any other by name."""
    given = list(dict.fromkeys(names))
    fixed = [name for name in ECOSYSTEM_COLOURS if name in given]
    return fixed + sorted(name for name in given if name not in ECOSYSTEM_COLOURS)


def _stable(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def ecosystem_colours(names: Iterable[str]) -> dict[str, str]:
    """Each ecosystem's colour: a fixed one for the shipped six; for any other, one of `EXTRA` picked by a
    stable hash of its name, the next free one when another of `names` holds it (so give every tracked
    name, and each keeps its colour from chart to chart). Past `EXTRA`'s length, colours repeat: charts
    group such ecosystems as "other" (`MAX_ENTRIES`)."""
    out = {name: ECOSYSTEM_COLOURS[name] for name in names if name in ECOSYSTEM_COLOURS}
    taken: set[str] = set()
    for name in sorted(set(names) - set(out)):
        start = _stable(name) % len(EXTRA)
        free = [EXTRA[(start + i) % len(EXTRA)] for i in range(len(EXTRA))]
        colour = next((c for c in free if c not in taken), free[0])
        taken.add(colour)
        out[name] = colour
    return out


def ecosystem_colour(name: str) -> str:
    """One ecosystem's colour, as `ecosystem_colours` gives it alone."""
    return ecosystem_colours([name])[name]


def region_colour(name: str) -> str:
    return REGION_COLOURS.get(name, OTHER)


def shades(colour: str, count: int) -> list[str]:
    """`count` distinct shades of `colour`'s hue, dark to light: from the colour darkened by `DARKEST`
    to the colour lightened by `LIGHTEST` (one: the colour itself)."""
    if count <= 1:
        return [colour][:count]
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    out = []
    for i in range(count):
        t = -DARKEST + (DARKEST + LIGHTEST) * i / (count - 1)
        mixed = [v * (1 + t) if t < 0 else v + (255 - v) * t for v in rgb]
        out.append("#" + "".join(f"{round(v):02x}" for v in mixed))
    return out


def family_colours(families: Sequence[tuple[str, str]], ecosystems: Iterable[str] = ()) -> list[str]:
    """The colour of each (ecosystem, family) of `families`, in that order: the families of one
    ecosystem in shades of its colour, dark to light in their order; `OTHER_FAMILIES` grey.
    `ecosystems`: every tracked ecosystem (for the colours of those outside the shipped six)."""
    hues = ecosystem_colours([*ecosystems, *(eco for eco, _ in families)])
    counts: dict[str, int] = {}
    for eco, family in families:
        if family not in OTHER_NAMES:
            counts[eco] = counts.get(eco, 0) + 1
    ramps = {eco: shades(hues[eco], n) for eco, n in counts.items()}
    used: dict[str, int] = {}
    out = []
    for eco, family in families:
        if family in OTHER_NAMES:
            out.append(OTHER)
            continue
        out.append(ramps[eco][used.get(eco, 0)])
        used[eco] = used.get(eco, 0) + 1
    return out


def categorical(names: Sequence[str]) -> list[str]:
    """`CATEGORICAL` in the order of `names`, grey for "other" and "unknown" (repeats past its length:
    charts keep to `MAX_ENTRIES`)."""
    out, i = [], 0
    for name in names:
        if str(name).lower() in OTHER_NAMES:
            out.append(OTHER)
        else:
            out.append(CATEGORICAL[i % len(CATEGORICAL)])
            i += 1
    return out


FIXED: dict[str, dict[str, str]] = {
    "relation": RELATION_COLOURS,
    "region": REGION_COLOURS,
    "format": FORMAT_COLOURS,
    "size_class": SIZE_COLOURS,
}


def colours(field: str, names: Sequence[str], *, ecosystems: Iterable[str] = ()) -> list[str]:
    """The colours of `names`, values of `field`, in their order: grey for "other" and "unknown";
    ecosystems', relations', regions', formats' and size classes' fixed colours (for an ecosystem, as
    `ecosystem_colours` with every tracked one in `ecosystems`; a value outside a fixed set takes the
    first `CATEGORICAL` colour the others do not use); any other field's `categorical`. Families need
    their ecosystems: `family_colours`."""
    grey = [str(name).lower() in OTHER_NAMES for name in names]
    if field == "ecosystem":
        known = ecosystem_colours([*ecosystems, *(n for n, g in zip(names, grey, strict=True) if not g)])
        return [OTHER if g else known[name] for name, g in zip(names, grey, strict=True)]
    if field not in FIXED:
        return categorical(names)
    fixed = FIXED[field]
    # a fixed colour first: the region `other` (a known region outside the named ones) is not grey
    out = [fixed.get(name) or (OTHER if g else "") for name, g in zip(names, grey, strict=True)]
    spare = iter([c for c in CATEGORICAL if c not in out] + list(CATEGORICAL))
    return [colour or next(spare) for colour in out]
