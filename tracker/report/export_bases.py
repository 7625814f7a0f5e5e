"""The `bases` table of the data dictionary, column by column, in export order: the whole-Hub view, one
row per base per complete run that has it (DESIGN.md, "The whole Hub"). Beside `export_tables` (which
holds the other four and the columns they share) so that neither module grows past a screenful of
tables; import-light, like it.
"""

from __future__ import annotations

from tracker.report.export_schema import Column, Table
from tracker.report.export_tables import KEPT_THROUGH_RENAMES, RUN_ID, TAKEN_AT


def _count(name: str, meaning: str, caveats: str = "") -> Column:
    return Column(name, "integer", meaning, unit="models", caveats=caveats)


_DOWNLOADS_CAVEAT = (
    "Not comparable across libraries and relations: each GGUF file fetched counts, and so do HEAD requests."
)

BASES = Table(
    name="bases",
    grain="One row per base of the whole Hub per complete run with the whole-Hub view (a scan, or a run "
    "backfilled from the Hub's weekly archive).",
    time_column="taken_at",
    filters=("ecosystem", "region", "organisation"),
    notes="A **base** is a model the Hub listed at the time that declares no parent other than itself and "
    "has at least one derivative; a **derivative** of a base is a listed model, other than the base, with "
    "a path of declared parent links to it through listed models (the ecosystems' membership rule, with "
    "that base as the only root). A merge of two families is a derivative of each: never sum "
    "`derivatives` over bases for a Hub-wide figure; the `runs` table's `hub_derivatives` counts each "
    "once. Runs without the view (tree crawls, runs from before the tracker recorded it) have no rows: "
    "the `runs` table's `hub_models` is empty for them. `--ecosystem` keeps the bases whose `ecosystems` "
    "include one of the names; `--region` and `--organisation` (repeatable) keep those values. Rows are "
    "ordered by `taken_at`, `run_id`, `base_id`.",
    columns=(
        RUN_ID,
        TAKEN_AT,
        Column(
            "base_id",
            "text",
            "The base's Hub id, `namespace/name`, as the Hub gave it in that run.",
            caveats="A renamed base starts a new id; its derivatives are then new to the new id.",
        ),
        Column("author", "text", "The namespace (user or organisation) of the base's id."),
        Column(
            "organisation",
            "text",
            "The organisation behind the namespace, from the organisations file in force when the run was "
            "recorded (`--organisations PATH` or `TRACKER_ORGANISATIONS`; default the shipped "
            "`hub-organisations.csv`, seeded from Interconnects-AI/tracked-models' curated "
            "`organization_regions.csv`, Apache-2.0). A namespace the file does not name is its own "
            "organisation (the namespace itself).",
            caveats="Several namespaces can share one organisation (Meta: `meta-llama`, `facebook`, ...). "
            "Recorded per run: editing the file changes later runs, never earlier ones.",
        ),
        Column(
            "region",
            "text",
            "Where the organisation is based, from the same file: `us`, `china`, `eu`, `other` or "
            "`unknown` (a namespace not in the file, or one the file could not place).",
            caveats="Recorded per run, like `organisation`. Most of the Hub's namespaces are individuals "
            "the file does not name: `unknown` is large, and its share says how much the file covers.",
        ),
        _count(
            "derivatives",
            "The base's derivatives: distinct listed models with a path of declared parent links to it.",
        ),
        Column(
            "new_derivatives",
            "integer",
            "Derivatives of the base in this run that were not its derivatives in the previous complete run "
            "with the view (by `taken_at`). " + KEPT_THROUGH_RENAMES,
            unit="models",
            nullable=True,
            caveats="Empty in the first complete run with the view. A model that newly links to the base "
            "(a parent added, a broken path mended) counts, as does every derivative of a base new this "
            "run. Spans the gap between the two runs, whatever its length.",
        ),
        _count("finetunes", "The base's derivatives whose own relation to their parents is `finetune`."),
        _count("adapters", "Its derivatives whose own relation is `adapter`."),
        _count("quantizations", "Its derivatives whose own relation is `quantized`."),
        _count(
            "merges",
            "Its derivatives whose own relation is `merge`.",
            caveats="The four relations need not add up to `derivatives`: a derivative whose relation the "
            "Hub does not define is in none of them.",
        ),
        Column(
            "downloads_30d",
            "integer",
            "The base's own downloads over the 30 days before the run's data was read, as the Hub counts "
            "them (its `downloads`).",
            unit="downloads (rolling 30 days)",
            nullable=True,
            caveats="A rolling window: never sum it over runs. " + _DOWNLOADS_CAVEAT + " Empty when the "
            "source did not give it.",
        ),
        Column(
            "downloads_all_time",
            "integer",
            "The base's own downloads since its repository was created, as the Hub counts them (its "
            "`downloadsAllTime`).",
            unit="downloads (cumulative)",
            nullable=True,
            caveats="The Hub revises it, sometimes downward. Empty when the source did not give it.",
        ),
        Column(
            "derivative_downloads_30d",
            "integer",
            "The 30-day downloads of the base's derivatives, summed, each derivative once.",
            unit="downloads (rolling 30 days)",
            caveats="A rolling window, as `downloads_30d`. A merge's downloads count in each of its bases: "
            "never sum over bases. Against `downloads_30d` it gives the share of a family's use that goes to "
            "derivatives: `derivative_downloads_30d / (downloads_30d + derivative_downloads_30d)`.",
        ),
        Column(
            "ecosystems",
            "text",
            "The tracked ecosystems (of the run's ecosystems file) whose roots include the base, joined by "
            "`;`; empty (null in JSON Lines and Parquet) for a base outside every tracked ecosystem.",
            nullable=True,
            caveats="An ecosystem's roots are the ids its file lists and every model of its `authors`: a "
            "base that descends from no root but is in the family by name (a re-upload that declares no "
            "parent) is outside it, which is what `tracker bases` helps to find.",
        ),
    ),
)
