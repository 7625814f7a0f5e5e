"""The roll-up rows of one run and ecosystem, from its members' frame (pure: frames in, frames out).

`tracker.storage.rollups` reads the members and writes these rows: `rollup` (series_rows), `rollup_provider`
(provider_rows), `rollup_builder` (builder_rows) and `rollup_mover` (mover_rows).
"""

from __future__ import annotations

import pandas as pd

from tracker.core.measures import negatives, relative_change
from tracker.core.movers import MIN_BEFORE, clears

BOARD_SIZE = 50  # the movers page offers up to 50 per board
NO_LICENSE = "none"
ANY = "*"  # rollup_builder: the row sums every family (or relation) of the builder


def series_rows(now: pd.DataFrame, weeks: float | None, *, first: bool) -> pd.DataFrame:
    """The members summed by family, relation, licence, format and size class."""
    if now.empty:
        return now
    delta = now["downloads_delta"]
    frame = now.assign(
        license=now["license"].fillna(NO_LICENSE),
        is_new=~now["was_member"].astype(bool),
        is_live=(now["live_providers"] > 0).fillna(False).astype(int),
        **negatives(delta),
    )
    out = (
        frame.groupby(["family", "relation", "license", "format", "size_class"])
        .agg(
            models=("model_id", "size"),
            new=("is_new", "sum"),
            downloads_30d=("downloads_30d", "sum"),
            downloads_delta=("downloads_delta", "sum"),
            with_delta=("downloads_delta", "count"),
            negative_deltas=("negative", "sum"),
            negative_sum=("negative_sum", "sum"),
            with_providers=("live_providers", "count"),
            live_models=("is_live", "sum"),
            provider_pairs=("live_providers", "sum"),
        )
        .reset_index()
    )
    out["downloads_delta"] = out["downloads_delta"].astype(object).where(out["with_delta"] > 0, None)
    out["new"] = None if first else out["new"].astype(object)
    out["weeks"] = weeks
    return out


def provider_rows(members: pd.DataFrame) -> pd.DataFrame:
    """The members served live, counted by family, relation and provider."""
    live = members.loc[members["live_providers"].fillna(0) > 0, ["family", "relation", "providers"]]
    if live.empty:
        return pd.DataFrame(columns=["family", "relation", "provider", "models"])
    pairs = live.assign(provider=live["providers"].str.split(";")).explode("provider")
    pairs = pairs[pairs["provider"].fillna("") != ""]
    return pairs.groupby(["family", "relation", "provider"]).size().rename("models").reset_index()


def builder_rows(derivatives: pd.DataFrame) -> pd.DataFrame:
    """The derivatives summed by family, relation and author, and by author alone (family and relation
    `ANY`): the builders page unfiltered reads a row per builder, not one per builder and group."""
    if derivatives.empty:
        return derivatives
    sums = {
        "derivatives": ("model_id", "size"),
        "downloads_30d": ("downloads_30d", "sum"),
        "weekly_downloads": ("weekly_downloads", "sum"),
    }
    fine = derivatives.groupby(["family", "relation", "author"]).agg(**sums).reset_index()
    coarse = derivatives.groupby("author").agg(**sums).reset_index().assign(family=ANY, relation=ANY)
    return pd.concat([fine, coarse], ignore_index=True)


_BOARDS = {
    # board: (sort column, descending, the `tracker.core.movers` board whose floors a row must clear)
    "risers": ("change", True, "risers"),
    "fallers": ("change", False, "fallers"),
    "relative": ("relative_change", True, "relative_risers"),
    "top": ("weekly_downloads", True, None),
}
_MOVER_COLUMNS = [
    "family",
    "relation",
    "board",
    "rank",
    "model_id",
    "author",
    "weekly_downloads",
    "weekly_downloads_before",
    "change",
    "relative_change",
]


def mover_rows(derivatives: pd.DataFrame) -> pd.DataFrame:
    """The first `BOARD_SIZE` of each board per family and relation, among the models that clear its floors
    (`tracker.core.movers.clears`): the reader ranks them as `metrics.compute_movers` does."""
    if derivatives.empty:
        return pd.DataFrame(columns=_MOVER_COLUMNS)
    columns = ["family", "relation", "model_id", "author", "weekly_downloads", "weekly_downloads_before"]
    frame = derivatives[columns]
    change = frame["weekly_downloads"] - frame["weekly_downloads_before"]
    frame = frame.assign(
        change=change,
        relative_change=relative_change(change, frame["weekly_downloads_before"], MIN_BEFORE),
    )
    boards = []
    for board, (column, descending, floors) in _BOARDS.items():
        # Sorted on the two key columns only, then the groups' heads picked by index: sorting the whole
        # frame four times cost tens of megabytes at 200,000 members.
        eligible = frame if floors is None else frame[clears(frame, floors)]
        keyed = eligible[[column, "model_id"]].dropna(subset=[column])
        order = keyed.sort_values([column, "model_id"], ascending=[not descending, True]).index
        groups = frame.loc[order, ["family", "relation"]]
        top = frame.loc[groups.groupby(["family", "relation"], sort=False).head(BOARD_SIZE).index]
        top = top.assign(board=board, rank=top.groupby(["family", "relation"], sort=False).cumcount() + 1)
        boards.append(top)
    return pd.concat(boards, ignore_index=True)[_MOVER_COLUMNS]
