"""Four of the exported tables of the data dictionary, column by column, in export order: `history`,
`models`, `edges` and `runs`, with the columns several tables share (`bases`, the whole-Hub view's, is in
`tracker.report.export_bases`). What each value means, its unit and its caveats are written here once,
for the exports, `--describe` and `docs/data-dictionary.md` alike. Import-light: the command line reads
it to build its help.
"""

from __future__ import annotations

from tracker.report.export_schema import Column, Table

# --- columns shared by several tables ---------------------------------------------------------------

RUN_ID = Column("run_id", "integer", "The snapshot run (its `run_id` in the `runs` table).")
TAKEN_AT = Column(
    "taken_at",
    "timestamp",
    "The instant the snapshot represents: when the crawl started, or the instant given to "
    "`tracker snapshot --taken-at`.",
    caveats="A backfilled run (`--taken-at` in the past) carries the figures the Hub gave when it was "
    "crawled, labelled with the earlier instant.",
)
_ECOSYSTEM = Column(
    "ecosystem", "text", "The ecosystem's name, as in the ecosystems file (`llama`, `qwen`, ...)."
)
_FAMILY = Column(
    "family",
    "text",
    "The family of the root at the end of the model's shortest path of parent links (`Llama 3.1`, ...); "
    "`Other` for a root found through the ecosystem's `authors` that matches no family.",
    caveats="Ties between equally short paths go to the family listed first in the ecosystems file.",
)
_MODEL_ID = Column(
    "model_id",
    "text",
    "The Hub id, `namespace/name`, as the Hub gave it in that run.",
    caveats="A renamed repository starts a new id; the old one stops appearing (see the methodology).",
)
_RELATION = Column(
    "relation",
    "text",
    "The model's own relation to its parents as the Hub states it: `finetune`, `adapter`, `quantized` "
    "or `merge`; `base` for the ecosystem's roots; `unknown` for a relation the Hub does not define.",
)
_DEPTH = Column(
    "depth",
    "integer",
    "The length of the shortest path of declared parent links from the model to a root (roots: 0).",
    unit="parent links",
    caveats="Only paths through models the Hub listed at the time count: a deleted or private parent "
    "breaks a path.",
)


def _seen(which: str, what: str) -> Column:
    return Column(
        f"{which}_seen_at",
        "timestamp",
        f"The `taken_at` of the {'earliest' if which == 'first' else 'latest'} complete run that saw {what}.",
        caveats="Runs are snapshots: it appeared some time after the run before."
        if which == "first"
        else "Not a deletion time: it went some time before the next run, or later runs did not crawl "
        "its ecosystem.",
    )


KEPT_THROUGH_RENAMES = (
    "A derivative is known by the Hub's internal `_id`, which a rename keeps, so a renamed one is not "
    "new; where the source gives no `_id`, by its id in any case."
)
_WITHOUT_VIEW = (
    "Empty for a run without the whole-Hub view: a tree crawl (it reads the tracked ecosystems only), a "
    "run that failed before the crawl ended, or one from before the tracker recorded the view."
)


# --- the tables ---------------------------------------------------------------------------------------

HISTORY = Table(
    name="history",
    grain="One row per model per ecosystem per complete run.",
    time_column="taken_at",
    filters=("ecosystem", "family"),
    notes="Only complete runs. A model in two ecosystems (a Llama x Qwen merge) has one row in each: "
    "sum downloads within one ecosystem, never across ecosystems. Rows are ordered by `taken_at`, "
    "`run_id`, `ecosystem`, `model_id`.",
    columns=(
        RUN_ID,
        TAKEN_AT,
        _ECOSYSTEM,
        _FAMILY,
        _MODEL_ID,
        _RELATION,
        _DEPTH,
        Column(
            "downloads_30d",
            "integer",
            "Downloads over the 30 days before the crawl, as the Hub counts them (its `downloads`).",
            unit="downloads (rolling 30 days)",
            nullable=True,
            caveats="A rolling window: never sum it over runs. Not comparable across libraries and "
            "relations: each GGUF file fetched counts, and so do HEAD requests.",
        ),
        Column(
            "downloads_all_time",
            "integer",
            "Downloads since the repository was created, as the Hub counts them (its `downloadsAllTime`).",
            unit="downloads (cumulative)",
            nullable=True,
            caveats="The Hub revises it, sometimes downward.",
        ),
        Column(
            "downloads_delta",
            "integer",
            "`downloads_all_time` minus the model's value in the complete run of the same ecosystem with "
            "the latest `taken_at` before this one: the downloads between the two runs.",
            unit="downloads (between two runs)",
            nullable=True,
            caveats="Empty when the model was not in that run (new, renamed, restored, or newly in the "
            "ecosystem) and in an ecosystem's first run. Negative when the Hub revised its count down: "
            "kept as is, never clipped. Spans the gap between the runs, whatever its length: divide by "
            "the weeks between them for a weekly figure.",
        ),
        Column(
            "likes",
            "integer",
            "The Hub's like count at the crawl.",
            unit="likes",
            nullable=True,
        ),
        Column(
            "trending_score",
            "integer",
            "The Hub's trending score at the crawl (its `trendingScore`).",
            nullable=True,
            caveats="The Hub does not document its formula; compare it within one run only.",
        ),
        Column(
            "live_providers",
            "integer",
            "How many inference providers served the model live at the crawl: the entries of its "
            "`inferenceProviderMapping` with status `live` (not `staging`); 0 when none.",
            unit="providers",
            nullable=True,
            caveats="Empty in runs backfilled from the weekly archive, whose files have no provider "
            "mapping, and in runs from before the tracker asked for it. Says who serves a model, not how "
            "much: the Hub publishes no inference volumes.",
        ),
    ),
)

MODELS = Table(
    name="models",
    grain="One row per model per ecosystem, as of the latest complete run that saw it there.",
    time_column="last_seen_at",
    filters=("ecosystem", "family"),
    notes="Every model ever tracked, deleted ones included (their `last_seen_at` stops moving). "
    "`family`, `relation` and `depth` are those of the latest complete run that saw the model in the "
    "ecosystem; the descriptive columns (`author` to `gated`) are the latest the tracker recorded for "
    "the id. Rows are ordered by `ecosystem`, `model_id`.",
    columns=(
        _MODEL_ID,
        _ECOSYSTEM,
        _FAMILY,
        _RELATION,
        _DEPTH,
        Column("author", "text", "The namespace (user or organisation) of the id.", nullable=True),
        Column(
            "created_at",
            "timestamp",
            "When the repository was created, as the Hub says (its `createdAt`).",
            nullable=True,
            caveats="The Hub gives 2022-03-02T23:29:04Z to every repository older than that date.",
        ),
        Column(
            "pipeline_tag",
            "text",
            "The task, as the Hub gives it (`text-generation`, ...).",
            nullable=True,
        ),
        Column(
            "library_name",
            "text",
            "The library, as the Hub gives it (`transformers`, `peft`, `gguf`, `mlx`, ...).",
            nullable=True,
            caveats="It decides which files the Hub counts as downloads.",
        ),
        Column(
            "license",
            "text",
            "The value of the model's `license:` tag (`llama3.1`, `apache-2.0`, ...).",
            nullable=True,
        ),
        Column(
            "gated",
            "text",
            "Whether access needs approval: `false`, `auto` (granted on request) or `manual` (reviewed).",
            nullable=True,
            caveats="Empty for a model seen only in runs backfilled from the weekly archive, whose files do "
            "not say.",
        ),
        _seen("first", "the model in the ecosystem"),
        _seen("last", "the model in the ecosystem"),
        Column(
            "parameters",
            "integer",
            "The model's parameter count, as of the latest complete run that saw it: the Hub's "
            "`safetensors` count (the larger of its `total` and the sum of its per-dtype counts), else its "
            "`gguf.total`.",
            unit="parameters",
            nullable=True,
            caveats="An estimate the Hub derives from the weight files: wrong on some repos, an eighth of "
            "the truth for packed 4-bit ones, an adapter's own trainable weights for a LoRA. Size classes "
            "therefore give adapters and quantizations their base's size. Empty when the Hub gives neither "
            "(e.g. EXL2 repos) and for runs from before the tracker asked for it.",
        ),
    ),
)

EDGES = Table(
    name="edges",
    grain="One row per declared parent link (child, parent, relation) of a tracked model.",
    time_column="last_seen_at",
    filters=("ecosystem",),
    notes="The parent may be untracked or absent from the Hub (a ghost base is kept); self-links are "
    "dropped. A merge has one row per parent. With `--ecosystem`, only runs in which the child belonged "
    "to those ecosystems count, for the rows and their seen columns. Rows are ordered by `child_id`, "
    "`parent_id`, `relation`.",
    columns=(
        Column("child_id", "text", "The model that declares the parent (its Hub id in that run)."),
        Column(
            "parent_id",
            "text",
            "The declared base, by the id the Hub's `base_model:` tags give.",
            caveats="The Hub rewrites tags when the parent is renamed, so a rename ends a link and starts "
            "another.",
        ),
        Column(
            "relation",
            "text",
            "The child's relation to its parents: `finetune`, `adapter`, `quantized` or `merge`; `unknown` "
            "for a relation the Hub does not define.",
        ),
        _seen("first", "the link"),
        _seen("last", "the link"),
    ),
)

RUNS = Table(
    name="runs",
    grain="One row per snapshot run, whatever its status.",
    time_column="taken_at",
    filters=("ecosystem",),
    notes="Failed and running runs are listed here but never count in the other tables. "
    "`--ecosystem` keeps the runs that crawled any of the names. Rows are ordered by `taken_at`, "
    "`run_id`.",
    columns=(
        RUN_ID,
        TAKEN_AT,
        Column("started_at", "timestamp", "When the crawl started."),
        Column(
            "finished_at",
            "timestamp",
            "When the run ended, complete or failed.",
            nullable=True,
            caveats="Empty while the run is running.",
        ),
        Column(
            "status",
            "text",
            "`running` until the crawl ends, then `complete` or `failed`.",
            caveats="A run killed mid-crawl shows `running` until the next snapshot marks it `failed`.",
        ),
        Column("ecosystems", "text", "The names of the ecosystems crawled, joined by `;`."),
        Column(
            "models",
            "integer",
            "The distinct models recorded (a model in two ecosystems counts once).",
            unit="models",
            caveats="0 until the run ends.",
        ),
        Column("requests", "integer", "Hub API requests the run made, retries included.", unit="requests"),
        Column(
            "error",
            "text",
            "Why the run failed (`interrupted` for a run killed or stopped); empty otherwise.",
            nullable=True,
        ),
        Column(
            "source",
            "text",
            "Where the run's data came from: `hub` for a live snapshot; for a run backfilled from the "
            "Hub's public weekly archive, the file as `repo@revision:path` "
            "(`hfmlsoc/hub_weekly_snapshots@<commit>:models/2025-03-19/models.parquet`).",
            caveats="An archive run's `taken_at` is the file's date at 00:00 UTC, but its data was dumped "
            "within the 7 days after that date. Its `requests` are the archive's byte-range reads, not API "
            "requests. Archive data is licensed ODbL-1.0 (hfmlsoc/hub_weekly_snapshots): data derived from "
            "it must credit it and be shared alike.",
        ),
        Column(
            "hub_models",
            "integer",
            "The whole-Hub view's count of models the Hub listed: every model a scan read, or every model "
            "of the archive file a backfilled run read.",
            unit="models",
            nullable=True,
            caveats=_WITHOUT_VIEW + " Public models only: the Hub lists no private ones.",
        ),
        Column(
            "hub_derivatives",
            "integer",
            "Listed models with a path of declared parent links, through listed models, to some base of "
            "the Hub (the `bases` table): each once, a merge of two families included.",
            unit="models",
            nullable=True,
            caveats=_WITHOUT_VIEW + " Only declared lineage counts: a model that names no parent is "
            "nobody's derivative, whatever it was trained from.",
        ),
        Column(
            "hub_new_derivatives",
            "integer",
            "Derivatives of this run that were no derivative in the previous complete run with the view "
            "(by `taken_at`). " + KEPT_THROUGH_RENAMES,
            unit="models",
            nullable=True,
            caveats=_WITHOUT_VIEW + " Empty too in the first complete run with the view. Spans the "
            "gap between the two runs, whatever its length; a run backfilled between two others moves "
            "the later one's figure.",
        ),
    ),
)
