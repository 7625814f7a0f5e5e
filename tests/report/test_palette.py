"""One visual language: every chart the dashboard and the digest draw takes its colours from
`tracker.report.palette`, one colour per relation, ecosystem and region on every chart, and no chart has
more categories than its scale has distinct colours (the legend would name one colour twice, or be cut).
"""

from __future__ import annotations

import typing
from collections.abc import Iterator

import altair as alt
import pandas as pd
import pytest

from tracker.core.ecosystems import load_ecosystems
from tracker.core.organisations import REGIONS
from tracker.core.records import RELATIONS, MemberRelation
from tracker.report import charts, palette, tree_chart
from tracker.report.chart_colours import coloured

VEGA_CATEGORY_COLOURS = 10  # Vega's default scheme for a nominal colour without a range (tableau10)
WEEKS = pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19"], utc=True)


def _colour_channels(spec: object) -> Iterator[dict]:
    """Every `color` encoding of a chart's spec, in any layer."""
    if isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict) and isinstance(encoding.get("color"), dict):
            yield encoding["color"]
        for value in spec.values():
            yield from _colour_channels(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _colour_channels(value)


def colour_problems(chart: alt.TopLevelMixin) -> list[str]:
    """What is wrong with a chart's colours: a field with more categories than distinct colours (its
    scale's domain against its range; without a domain, the values in the data against Vega's default
    ten), or values in the data outside the domain (drawn in colours the legend does not name)."""
    spec = chart.to_dict()
    rows = [row for dataset in spec.get("datasets", {}).values() for row in dataset]
    problems = []
    for channel in _colour_channels(spec):
        field = channel.get("field")
        if not field:
            continue  # a fixed colour (alt.value)
        values = {row[field] for row in rows if field in row and row[field] is not None}
        scale = channel.get("scale") or {}
        domain, colours = scale.get("domain"), scale.get("range")
        if domain is None:
            count = len(colours) if isinstance(colours, list) else VEGA_CATEGORY_COLOURS
            if len(values) > count:
                problems.append(f"{field}: {len(values)} values, {count} colours, no domain")
            continue
        if not isinstance(colours, list) or len(set(colours)) < len(domain):
            problems.append(f"{field}: {len(domain)} categories, {len(set(colours or []))} distinct colours")
        if len(domain) > palette.MAX_ENTRIES:
            problems.append(f"{field}: a legend of {len(domain)} entries")
        if values - set(domain):
            problems.append(f"{field}: {sorted(values - set(domain))} outside the legend")
    return problems


# --- the check itself can fail ----------------------------------------------------------------------------


def test_the_check_catches_more_categories_than_colours() -> None:
    frame = pd.DataFrame({"c": [f"c{i}" for i in range(12)], "v": range(12)})
    bare = alt.Chart(frame).mark_bar().encode(x="v:Q", color="c:N")  # as the dashboard drew families
    assert colour_problems(bare) == ["c: 12 values, 10 colours, no domain"]
    short = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x="v:Q",
            color=alt.Color("c:N", scale=alt.Scale(domain=[f"c{i}" for i in range(12)], range=["#000"] * 12)),
        )
    )
    assert "c: 12 categories, 1 distinct colours" in colour_problems(short)
    cut = (
        alt.Chart(frame)
        .mark_bar()
        .encode(x="v:Q", color=alt.Color("c:N", scale=alt.Scale(domain=["c0"], range=["#000"])))
    )
    assert colour_problems(cut) == [f"c: {sorted(f'c{i}' for i in range(1, 12))} outside the legend"]


# --- every chart, with more categories than the palette has colours ---------------------------------------


def _series(by: str, names: list[str], ecosystems: list[str] | None = None) -> pd.DataFrame:
    """Three runs of a series with one row per run and value of `by` (each in `ecosystems`, in turn)."""
    homes = ecosystems or ["llama"]
    rows = [
        {
            "run_id": run,
            "taken_at": at,
            "ecosystem": homes[i % len(homes)] if by != "ecosystem" else name,
            by: name,
            "derivatives": 10 * (i + 1) + run,
            "new": i + run,
            "weekly_downloads": 1000 * (i + 1) - run,
            "downloads_30d": 4000 * (i + 1),
            "negative_deltas": 0,
        }
        for run, at in enumerate(WEEKS, start=1)
        for i, name in enumerate(names)
    ]
    return pd.DataFrame(rows)


FAMILIES = [f"Family {i}" for i in range(30)]
SHIPPED = ["llama", "qwen", "mistral", "gemma", "deepseek", "muse"]  # the shipped file's six
MANY_ECOSYSTEMS = SHIPPED + [f"eco{i}" for i in range(12)]
LICENCES = [f"licence-{i}" for i in range(15)]
LABELS = {"llama": "Meta Llama", "qwen": "Qwen", "gemma": "Google Gemma", "muse": "Meta Muse"}


def _mix(by: str, names: list[str]) -> pd.DataFrame:
    rows = [
        {"ecosystem": eco, by: name, "share": 1 / len(names), "derivatives": 5 + i}
        for eco in SHIPPED
        for i, name in enumerate(names)
    ]
    return pd.DataFrame(rows)


def _spans() -> pd.DataFrame:
    relations = ["base", *RELATIONS]
    return pd.DataFrame(
        {
            "span": range(5),
            "under": [-1, 0, 0, 0, 0],
            "model_id": [f"org/m{i}" for i in range(5)],
            "parent": ["", "org/m0", "org/m0", "org/m0", "org/m0"],
            "row": [0, 1, 1, 1, 1],
            "x0": [0.0, 0.0, 0.25, 0.5, 0.75],
            "x1": [1.0, 0.25, 0.5, 0.75, 1.0],
            "share": [1.0, 0.25, 0.25, 0.25, 0.25],
            "parents": [0, 1, 1, 1, 2],
            "relation": relations,
            "downloads_30d": [10, 5, 4, 3, 2],
            "descendants": [4, 0, 0, 0, 0],
            "likes": [1, 1, 1, 1, 1],
        }
    )


def _shares(names: list[str]) -> pd.DataFrame:
    frame = _series("ecosystem", names)
    return frame.assign(share=1 / len(names), new_per_week=frame["new"].astype(float))


CHARTS = {
    "over_time by family, six ecosystems": lambda: charts.over_time(
        _series("family", FAMILIES, SHIPPED), "derivatives", title="d", by="family", labels=LABELS
    ),
    "over_time by family, one ecosystem": lambda: charts.over_time(
        _series("family", FAMILIES), "derivatives", title="d", by="family"
    ),
    "over_time by family, no ecosystem column": lambda: charts.over_time(
        _series("family", FAMILIES).drop(columns="ecosystem"), "derivatives", title="d", by="family"
    ),
    "over_time by ecosystem": lambda: charts.over_time(
        _series("ecosystem", MANY_ECOSYSTEMS), "derivatives", title="d", by="ecosystem", labels=LABELS
    ),
    "over_time by ecosystem, log, domain": lambda: charts.over_time(
        _series("ecosystem", MANY_ECOSYSTEMS),
        "weekly_downloads",
        title="d",
        by="ecosystem",
        log=True,
        domain=MANY_ECOSYSTEMS,
        legend=False,
    ),
    "over_time by licence": lambda: charts.over_time(
        _series("license", LICENCES), "derivatives", title="d", by="license"
    ),
    "per_run by family": lambda: charts.per_run(
        _series("family", FAMILIES, SHIPPED), "new", title="n", by="family", archived=[WEEKS[0]]
    ),
    "per_run by ecosystem": lambda: charts.per_run(
        _series("ecosystem", MANY_ECOSYSTEMS), "weekly_downloads", title="w", by="ecosystem", domain=SHIPPED
    ),
    "per_run by relation": lambda: charts.per_run(
        _series("relation", ["base", *RELATIONS, "unknown-relation"]),
        "weekly_downloads",
        title="w",
        by="relation",
    ),
    "shares by format": lambda: charts.shares(
        _series("format", [*(f"F{i}" for i in range(14)), "GGUF"]), "derivatives", "format", title="s"
    ),
    "share_areas by ecosystem": lambda: charts.share_areas(
        _shares(MANY_ECOSYSTEMS),
        "ecosystem",
        title="s",
        counts=[("new", "new"), ("new_per_week", "per week")],
        domain=MANY_ECOSYSTEMS,
        labels=LABELS,
    ),
    "mix by size class": lambda: charts.mix(
        _mix("size_class", [f"S{i}" for i in range(13)]), "size_class", "derivatives", title="m"
    ),
    "mix by relation": lambda: charts.mix(
        _mix("relation", list(RELATIONS)),
        "relation",
        "derivatives",
        title="m",
        order=RELATIONS,
        labels=LABELS,
    ),
    "bars by ecosystem": lambda: charts.bars(
        pd.DataFrame(
            {
                "provider": [f"p{i % 4}" for i in range(len(MANY_ECOSYSTEMS))],
                "models": range(len(MANY_ECOSYSTEMS)),
                "ecosystem": MANY_ECOSYSTEMS,
            }
        ),
        "models",
        "provider",
        title="b",
        color="ecosystem",
        domain=MANY_ECOSYSTEMS,
    ),
    "bars by standing": lambda: charts.bars(
        pd.DataFrame(
            {"ecosystem": SHIPPED * 2, "n": range(12), "standing": ["on track"] * 6 + ["below"] * 6}
        ),
        "n",
        "ecosystem",
        title="b",
        color="standing",
        domain=["on track", "below"],
    ),
    "bars by relation": lambda: charts.bars(
        pd.DataFrame({"relation": list(RELATIONS), "children": [4, 3, 2, 1]}),
        "children",
        "relation",
        title="c",
        color="relation",
        legend=False,
    ),
    "tree": lambda: tree_chart.tree(_spans(), size_title="share"),
    "key": lambda: charts.key(MANY_ECOSYSTEMS, labels=LABELS),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_chart_has_more_categories_than_colours(name: str) -> None:
    chart = CHARTS[name]()
    assert list(_colour_channels(chart.to_dict())), f"{name} draws no colour"
    assert colour_problems(chart) == [], name


# --- the same colour on every chart -------------------------------------------------------------------------


def _scale_of(chart: alt.TopLevelMixin) -> dict[str, str]:
    channel = next(c for c in _colour_channels(chart.to_dict()) if c.get("scale", {}).get("domain"))
    return dict(zip(channel["scale"]["domain"], channel["scale"]["range"], strict=True))


def test_an_ecosystem_keeps_its_colour_and_label_on_every_chart() -> None:
    frame = _series("ecosystem", SHIPPED)
    drawn = [
        charts.over_time(frame, "derivatives", title="d", by="ecosystem", labels=LABELS),
        charts.per_run(
            frame, "new", title="n", by="ecosystem", domain=list(reversed(SHIPPED)), labels=LABELS
        ),
        charts.share_areas(_shares(SHIPPED), "ecosystem", title="s", domain=SHIPPED, labels=LABELS),
        charts.key(SHIPPED, labels=LABELS),
    ]
    for chart in drawn:
        scale = _scale_of(chart)
        assert scale["Meta Llama"] == palette.ECOSYSTEM_COLOURS["llama"] == "#0072b2"
        assert scale["Qwen"] == palette.ECOSYSTEM_COLOURS["qwen"]
        assert scale["mistral"] == palette.ECOSYSTEM_COLOURS["mistral"]  # no label given: its name
        assert scale["Meta Muse"] == palette.ECOSYSTEM_COLOURS["muse"] == "#0081fb"  # Meta's other blue


def test_a_relation_keeps_its_colour_on_the_tree_the_mix_and_the_stacks() -> None:
    tree = _scale_of(tree_chart.tree(_spans(), size_title="share"))
    mixed = _scale_of(charts.mix(_mix("relation", list(RELATIONS)), "relation", "derivatives", title="m"))
    stacked = _scale_of(
        charts.per_run(
            _series("relation", ["base", *RELATIONS]), "weekly_downloads", title="w", by="relation"
        )
    )
    for relation in RELATIONS:
        assert tree[relation] == mixed[relation] == stacked[relation] == palette.RELATION_COLOURS[relation]
    assert tree["base"] == stacked["base"] == palette.RELATION_COLOURS["base"]


def test_every_relation_the_code_uses_has_its_own_colour() -> None:
    used = set(typing.get_args(MemberRelation)) | set(RELATIONS)
    assert used == set(palette.RELATION_COLOURS)
    assert len(set(palette.RELATION_COLOURS.values())) == len(used)


def test_every_shipped_ecosystem_has_a_fixed_colour_and_others_a_stable_one() -> None:
    shipped = [eco.name for eco in load_ecosystems()]
    assert set(shipped) == set(palette.ECOSYSTEM_COLOURS)
    assert len(set(palette.ECOSYSTEM_COLOURS.values())) == len(shipped)
    assert list(palette.ECOSYSTEM_COLOURS) == shipped  # the order of the file, every chart's order
    assert palette.ecosystem_order(["qwen", "zeta", "llama", "alpha"]) == ["llama", "qwen", "alpha", "zeta"]
    theirs = [f"custom{i}" for i in range(len(palette.EXTRA))]
    colours = palette.ecosystem_colours(theirs)
    assert colours == palette.ecosystem_colours(list(reversed(theirs)))  # whatever the order given
    assert sorted(colours.values()) == sorted(palette.EXTRA)  # each its own
    assert palette.ecosystem_colour("custom0") == palette.ecosystem_colour("custom0") in palette.EXTRA
    assert not set(colours.values()) & set(palette.ECOSYSTEM_COLOURS.values())


def test_every_region_has_a_colour() -> None:
    # the regions of the whole-Hub view's organisations (hub-organisations.csv), as its parser knows them
    regions = list(REGIONS)
    assert list(palette.REGION_COLOURS) == regions
    assert [palette.region_colour(r) for r in regions] == [palette.REGION_COLOURS[r] for r in regions]
    assert len({palette.region_colour(r) for r in regions}) == len(regions)


def test_shades_are_distinct_dark_to_light_and_of_the_hue() -> None:
    assert palette.shades("#0072b2", 1) == ["#0072b2"]
    ramp = palette.shades("#0072b2", 8)
    assert len(set(ramp)) == 8
    brightness = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in ramp]
    assert brightness == sorted(brightness)  # dark to light
    assert all(int(c[5:7], 16) >= int(c[1:3], 16) for c in ramp)  # blue stays blue


# --- families: the largest in shades of their ecosystem, the rest as one ------------------------------------


def test_families_fold_into_the_largest_and_the_rest_golden() -> None:
    frame = pd.DataFrame(
        {
            "taken_at": [WEEKS[0]] * 9 + [WEEKS[1]] * 9,
            "ecosystem": (["llama"] * 5 + ["qwen"] * 4) * 2,
            "family": [f"F{i}" for i in range(9)] * 2,
            "derivatives": [90, 80, 70, 60, 50, 40, 30, 20, 10] + [91, 81, 71, 61, 51, 41, 31, 21, 11],
        }
    )
    data, colours = coloured(frame, "family", value="derivatives", labels={"llama": "Meta Llama"})
    assert colours.names == ("F0", "F1", "F2", "F3", "F4", "F5", "F6", palette.OTHER_FAMILIES)
    llama, qwen = palette.shades("#0072b2", 5), palette.shades("#6a3d9a", 2)
    assert colours.colours == (*llama, *qwen, palette.OTHER)
    rest = data[data["family"] == palette.OTHER_FAMILIES].sort_values("taken_at")
    assert list(rest["derivatives"]) == [30, 32]  # F7 + F8 in each run
    assert list(rest["ecosystem"]) == ["", ""]
    assert set(data.loc[data["family"] == "F0", "ecosystem"]) == {"Meta Llama"}
    assert data["derivatives"].sum() == frame["derivatives"].sum()  # nothing lost


def test_one_more_family_than_the_top_is_drawn_not_folded() -> None:
    names = [f"F{i}" for i in range(palette.TOP_FAMILIES + 1)]
    _, colours = coloured(_series("family", names), "family", value="derivatives")
    assert set(colours.names) == set(names)


def test_a_family_name_two_ecosystems_share_is_two_families() -> None:
    frame = pd.DataFrame(
        {
            "taken_at": [WEEKS[0]] * 2,
            "ecosystem": ["llama", "qwen"],
            "family": ["Other", "Other"],
            "derivatives": [5, 3],
        }
    )
    _, colours = coloured(
        frame, "family", value="derivatives", labels={"llama": "Meta Llama", "qwen": "Qwen"}
    )
    assert colours.names == ("Other (Meta Llama)", "Other (Qwen)")
    assert colours.colours == (palette.ECOSYSTEM_COLOURS["llama"], palette.ECOSYSTEM_COLOURS["qwen"])
