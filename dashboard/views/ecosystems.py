"""Compare ecosystems: who gets the new derivatives, how large each ecosystem is and how much it is
downloaded, what its derivatives are, how its base models are adopted, and who serves them live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import layout, methodology
from dashboard.ages import ages_from, release_dates_problem
from dashboard.context import current
from tracker.core.adoption import MILESTONES, MIN_REFERENCE, TOO_SMALL, TOP, ordinal
from tracker.core.measures import QUANT_FORMATS
from tracker.core.records import RELATIONS
from tracker.core.usage import SIZE_CLASSES, SIZE_LABELS
from tracker.read import compare
from tracker.report import charts

ctx = current()
archived = ctx.archived()
st.title("Compare ecosystems")
if len(ctx.all_ecosystems) < 2:
    only = ctx.label(ctx.all_ecosystems[0]) if ctx.all_ecosystems else "none"
    st.info(
        f"Only one ecosystem is tracked ({only}). Enable the others (Meta's Muse; the rivals Qwen, Mistral, "
        "Gemma, DeepSeek) in the ecosystems file, or name them with `tracker snapshot --ecosystem`, to "
        "compare them here."
    )
    st.stop()

names = list(ctx.all_ecosystems)  # Llama first; every chart gives an ecosystem the same colour
series = ctx.series(ecosystems=())
if series.empty:
    st.warning("No model matches the filters in the sidebar.")
    st.stop()
latest_at = series["taken_at"].max()
st.caption(
    f"The {len(names)} tracked ecosystems side by side ({ctx.named(names)}), under the same rules; the "
    f"sidebar's ecosystem filter does not apply here. Latest run: {latest_at:%d %b %Y}. A model that "
    "descends from two ecosystems counts in each."
)


def _reason(note: str) -> str:
    """Why a base model has no ratio, as a count's tail ("12 reached that age before the history")."""
    if note.startswith("fewer than"):
        return f"have no reference (fewer than {TOP} base models of their size with a figure at that age)"
    if note.startswith(TOO_SMALL):
        return (
            f"have a reference too small (the {ordinal(TOP)} of their size had under {MIN_REFERENCE:,} "
            "downloads at that age)"
        )
    return {
        "before history": "reached that age before the history starts",
        "not reached": "are not that old yet",
        "no longer recorded": "were no longer recorded at that age",
        "no release date": "have no release date",
        "size unknown": "are of unknown size",
    }.get(note, note)


def _ratio_or_why(ratio: object, note: str) -> str:
    """The ratio (`24.73`), or in a few words why there is none (`reference too small`)."""
    if not pd.isna(ratio):
        return f"{float(ratio):,.2f}"
    short = note.split(" (")[0]
    return f"under {TOP} of its size" if short.startswith("fewer than") else short


def _count(value: object) -> str:
    return compare.NOT_RECORDED if pd.isna(value) else f"{int(value):,}"


def _new_derivatives() -> None:
    """Who gets the new derivatives: each ecosystem's share of them, run by run."""
    st.subheader("Share of new derivatives per week")
    shares = compare.compute_new_shares(series)
    if shares.empty:
        st.info(
            "Shares need two runs of every ecosystem: a first run has no previous one to count new models."
        )
    else:
        st.altair_chart(
            charts.share_areas(
                shares,
                "ecosystem",
                title="share of new derivatives",
                counts=[("new", "new derivatives"), ("new_per_week", "new per week")],
                archived=archived,
                domain=names,
                labels=ctx.labels,
            )
        )
        last = shares[shares["run_id"] == shares["run_id"].iloc[-1]].sort_values("share", ascending=False)
        st.caption(
            f"In the run of {last['taken_at'].iloc[0]:%d %b %Y}: "
            + ", ".join(
                f"{ctx.label(row.ecosystem)} {row.share:.1%}"
                for row in last.itertuples()
                if not pd.isna(row.share)
            )
            + ". New derivatives per week: those not in the ecosystem's previous run, over the weeks "
            "since it."
        )


def _size_and_downloads() -> None:
    """How large each ecosystem is and how much it is downloaded, over time."""
    st.subheader("Derivatives and weekly downloads")
    scale, roots = st.columns(2)
    log = scale.toggle(
        "Log scale",
        key="cmp_log",
        bind="query-params",
        help="Lines on a logarithmic scale: small ecosystems show.",
    )
    bases = roots.toggle(
        "Include the base models",
        key="cmp_bases",
        bind="query-params",
        help="The weekly downloads: the derivatives only (off), or the base models too (on).",
    )
    with_roots = ctx.series(ecosystems=(), roots=True)
    st.altair_chart(charts.key(names, labels=ctx.labels))  # one legend for both: two would be cut when narrow
    weekly = methodology.downloads_label("downloads per week", bases, short=True)
    figures = (
        ("derivatives", "derivatives", series),
        ("weekly_downloads", weekly, with_roots if bases else series),
    )
    for column, (value, title, frame) in zip(st.columns(2), figures, strict=True):
        with column:
            st.altair_chart(
                charts.over_time(
                    frame,  # over_time leaves out the runs without a value (an ecosystem's first run's)
                    value,
                    title=title,
                    by="ecosystem",
                    stacked=False,
                    log=log,
                    archived=archived,
                    domain=names,
                    legend=False,
                    labels=ctx.labels,
                    events=ctx.events if value == "weekly_downloads" else (),  # downloads: events marked
                )
            )
    st.caption(methodology.downloads_note(series, with_roots, bases))


def _what_they_are() -> None:
    """What the derivatives are: relations, quantization formats, size classes."""
    st.subheader("What the derivatives are")
    st.caption("Each ecosystem's latest run: the share of its derivatives in each part.")
    st.markdown("**Relations**")
    relations = compare.compute_mix(ctx.series("relation", ecosystems=()), "relation")
    st.altair_chart(
        charts.mix(
            relations,
            "relation",
            "derivatives",
            title="share of derivatives",
            order=RELATIONS,
            rows=names,
            labels=ctx.labels,
        )
    )
    st.markdown("**Quantization formats**")
    quantized = tuple(r for r in ctx.relations or ("quantized",) if r == "quantized")
    formats = (
        compare.compute_mix(ctx.series("format", ecosystems=(), relations=quantized), "format")
        if quantized
        else pd.DataFrame()
    )
    if formats.empty:
        st.info("No quantized derivative within the filters.")
    else:
        st.altair_chart(
            charts.mix(
                formats,
                "format",
                "derivatives",
                title="share of quantizations",
                order=QUANT_FORMATS,
                rows=names,
                labels=ctx.labels,
            )
        )

    st.markdown("**Size classes**")
    measures = {
        "derivatives": "derivatives",
        "new": "new derivatives",
        "weekly_downloads": "weekly downloads (derivatives)",
    }
    measure = st.radio(
        "Size classes by",
        list(measures),
        format_func=measures.get,
        horizontal=True,
        key="cmp_size_measure",
        bind="query-params",
        label_visibility="collapsed",
    )
    sizes = compare.compute_mix(ctx.series("size_class", ecosystems=()), "size_class", measure)
    if sizes.empty:
        st.info(f"No {measures[measure]} to split by size within the filters.")
    else:
        st.altair_chart(
            charts.mix(
                sizes,
                "size_class",
                measure,
                title=f"share of {measures[measure]}",
                order=SIZE_CLASSES,
                rows=names,
                labels=ctx.labels,
            )
        )
    st.caption(
        "Size classes: "
        + ", ".join(f"{name} {SIZE_LABELS[name]}" for name in SIZE_CLASSES[:-1])
        + " parameters, and unknown where the Hub gives no count. An adapter or quantization takes its "
        "parent's class: its own count (a LoRA's few million, a packed file's fraction) misleads."
    )


def _adoption() -> None:
    """How each base model is adopted against the leaders of its size, at an age."""
    st.subheader("Relative adoption of the base models")
    adoption, problem = ctx.relative_adoption()
    release_dates_problem(problem)
    age = st.selectbox(
        "Age",
        MILESTONES,
        index=MILESTONES.index(30),
        format_func=lambda days: f"{days} days after release",
        key="cmp_age",
        bind="query-params",
    )
    at_age = adoption[adoption["days"] == age]
    reasons = at_age.loc[at_age["ratio"].isna(), "note"].map(_reason).value_counts()
    with_ratio = int(at_age["ratio"].notna().sum())
    st.caption(
        "Every base model of every tracked ecosystem (the sidebar's filters do not apply): its downloads "
        f"{age} days after its release (the release day where a release-dates file has one, listed "
        "below, else the repository's creation, createdAt), against the "
        f"{ordinal(TOP)} most downloaded base model of its size class at the same age: 1 or more means on "
        f"track for that size's top {TOP}. Read from the runs, interpolated between the two around that day; "
        f'never extrapolated. A reference under {MIN_REFERENCE:,} downloads gives no ratio ("{TOO_SMALL}"): '
        "the row stays in the table, unranked, and out of the chart. "
        f"At {age} days: {with_ratio:,} of {len(at_age):,} base models have a ratio"
        + (
            ": " + "; ".join(f"{count:,} {reason}" for reason, count in reasons.items())
            if len(reasons)
            else ""
        )
        + "."
    )
    standing = compare.compute_standing(at_age)
    if with_ratio:
        long = standing.melt(
            "ecosystem", ["on_track", "below"], var_name="standing", value_name="base models"
        )
        long["standing"] = long["standing"].map({"on_track": "on track (1 or more)", "below": "below 1"})
        long["ecosystem"] = long["ecosystem"].map(ctx.label)
        st.altair_chart(
            charts.bars(
                long,
                "base models",
                "ecosystem",
                title="base models with a ratio",
                color="standing",
                domain=["on track (1 or more)", "below 1"],
            )
        )
    else:
        st.info(f"No base model has a ratio at {age} days: the caption above counts why.")

    # Fits beside the sidebar at 1024 px (about 560 px): the ratio, or why there is none, next to the name.
    shown = at_age.assign(
        downloads=at_age["downloads"].round().astype("Int64"),  # interpolated: whole downloads are enough
        reference=at_age["reference"].round().astype("Int64"),
        answer=[_ratio_or_why(r, n) for r, n in zip(at_age["ratio"], at_age["note"], strict=True)],
    ).sort_values(["ratio", "downloads", "model_id"], ascending=[False, False, True], na_position="last")
    st.dataframe(
        shown[["model_id", "answer", "downloads", "reference", "size_class"]],
        hide_index=True,
        key="cmp_adoption",
        column_config={
            "model_id": st.column_config.TextColumn("Base model", width=200),
            "answer": st.column_config.TextColumn(
                "Ratio",
                width=135,
                alignment="right",
                help=f'Its downloads over the reference; where there is none, why ("{TOO_SMALL}": under '
                f"{MIN_REFERENCE:,}).",
            ),
            "downloads": st.column_config.NumberColumn(
                "Downloads",
                format="localized",
                width=80,
                help=f"Its cumulative downloads {age} days after release.",
            ),
            "reference": st.column_config.NumberColumn(
                "Reference",
                format="localized",
                width=80,
                help=f"The {ordinal(TOP)} most downloaded base model of its size class at {age} days.",
            ),
            "size_class": st.column_config.TextColumn("Size", width=65),
        },
    )
    ages_from(at_age)


def _providers() -> None:
    """Who serves the models live: inference providers at each ecosystem's latest run."""
    st.subheader("Served live by inference providers")
    providers = ctx.providers(ecosystems=())
    latest = providers["latest"]

    latest = latest.sort_values(
        "ecosystem", key=lambda column: column.map({n: i for i, n in enumerate(names)})
    )
    table = pd.DataFrame(
        {
            "Ecosystem": latest["ecosystem"].map(ctx.label),
            "Run": latest["taken_at"].dt.date,
            "Models": latest["members"].map(_count),
            "Served live": latest["live_models"].map(_count),
            "(Model, provider) pairs": latest["provider_pairs"].map(_count),
        }
    )
    st.dataframe(table, hide_index=True, key="cmp_providers")
    st.caption(
        "At each ecosystem's latest run, base models included: models with at least one provider serving "
        "them live (the Hub's inference provider mapping, status live), and the pairs of a model and a "
        f"provider. '{compare.NOT_RECORDED}': that run did not record providers (the weekly archive has "
        "none), which is not zero."
    )
    if providers["by_provider"].empty:
        st.info("No model is served live by a provider in the latest runs that recorded providers.")
    else:
        st.altair_chart(
            charts.bars(
                providers["by_provider"],
                "models",
                "provider",
                title="models served live",
                color="ecosystem",
                domain=names,
                labels=ctx.labels,
            )
        )


# The page's five sections, one at a time: the others wait in their tabs, neither computed nor sent until
# chosen (the tab is in the link).
SECTIONS = {
    "New derivatives": _new_derivatives,
    "Size and downloads": _size_and_downloads,
    "What they are": _what_they_are,
    "Base models' adoption": _adoption,
    "Inference providers": _providers,
}
layout.sections(SECTIONS, key="cmp_section")
layout.methodology_note("cmp_method")
if archive_note := ctx.archive_note():
    st.caption(archive_note)
