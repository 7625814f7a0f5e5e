"""Who counts as a mover, and where it ranks (pure: frames in, frames out; no clock, no I/O).

A model's weekly downloads in a run are compared with its weekly downloads in the ecosystem's previous run
(`tracker.core.measures.weekly_rate`):

- a **riser** gained at least `MIN_CHANGE` weekly downloads *and* at least `MIN_SHARE` of its figure the
  run before; a **faller** lost as much, symmetrically (a model at 0 before needs only `MIN_CHANGE`);
- **relative growth** ranks only the risers that had at least `MIN_BEFORE` weekly downloads before: a
  percentage over a handful of downloads says nothing;
- a weekly figure below zero (the Hub revised the all-time count down) is not downloads: a model with one
  is neither a riser nor a faller.

Why these values: docs/methodology.md, section "Movers". Equal values share a rank (1, =2, =2, 4: the
rank is one more than the number of models strictly ahead); a model in two ecosystems with the same figures
in both is one row, its ecosystems joined by ", ". `tracker.read.metrics.compute_movers` (the whole
history) and `tracker.read.queries.load_movers` (the roll-ups) both rank through `boards`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tracker.core.events import Event, concerns
from tracker.core.measures import relative_change

MIN_CHANGE = 1_000  # weekly downloads a riser gains (a faller loses), at least
MIN_SHARE = 0.25  # and at least this share of its weekly downloads the run before
MIN_BEFORE = 1_000  # relative growth: only from this many weekly downloads the run before


@dataclass(frozen=True)
class Floors:
    """What a mover must clear (the defaults are the documented ones; tests pass their own)."""

    change: int = MIN_CHANGE
    share: float = MIN_SHARE
    before: int = MIN_BEFORE


FLOORS = Floors()

# board: (the column it ranks by, largest first)
RANKED_BY = {
    "risers": ("change", True),
    "fallers": ("change", False),
    "relative_risers": ("relative_change", True),
}
COLUMNS = [
    "ecosystem",
    "model_id",
    "family",
    "relation",
    "author",
    "weekly_downloads",
    "weekly_downloads_before",
    "change",
    "relative_change",
    "rank",
    "tied",
]


def clears(frame: pd.DataFrame, board: str, floors: Floors = FLOORS) -> pd.Series:
    """Which rows clear the board's floors (`frame`: weekly_downloads, weekly_downloads_before)."""
    now = frame["weekly_downloads"].astype("Float64")
    before = frame["weekly_downloads_before"].astype("Float64")
    moved = now - before if board != "fallers" else before - now
    ok = (now >= 0) & (before >= 0) & (moved >= floors.change) & (moved >= floors.share * before)
    if board == "relative_risers":
        ok &= before >= floors.before
    return ok.fillna(False).astype(bool)


def boards(frame: pd.DataFrame, n: int, floors: Floors = FLOORS) -> dict[str, pd.DataFrame]:
    """The risers, fallers and relative risers among `frame`'s rows, the first `n` of each, ranked.

    `frame`: one row per model and ecosystem, with ecosystem, model_id, family, relation, author,
    weekly_downloads, weekly_downloads_before (missing where the model has no figure). Columns: `COLUMNS`;
    `rank` counts every model that clears the floors (not only the first `n`), `tied` says that another
    of them has the same value.
    """
    return {board: rank(frame, board, n, floors) for board in RANKED_BY}


def rank(frame: pd.DataFrame, board: str, n: int, floors: Floors = FLOORS) -> pd.DataFrame:
    """One board of `boards`."""
    column, largest_first = RANKED_BY[board]
    rows = _one_per_model(frame[clears(frame, board, floors)])
    change = rows["weekly_downloads"].astype("Int64") - rows["weekly_downloads_before"].astype("Int64")
    rows = rows.assign(
        change=change,
        relative_change=relative_change(change, rows["weekly_downloads_before"], floors.before),
    )
    values = rows[column].astype("float64")
    key = -values if largest_first else values
    rows["rank"] = key.rank(method="min").astype("int64")
    rows["tied"] = key.duplicated(keep=False)
    rows = rows.sort_values(["rank", "model_id", "ecosystem"], ignore_index=True)
    return rows[COLUMNS].head(n)


def _one_per_model(rows: pd.DataFrame) -> pd.DataFrame:
    """A model listed in several ecosystems with the same figures becomes one row: ecosystems joined."""
    keys = ["model_id", "weekly_downloads", "weekly_downloads_before"]
    rows = rows.sort_values(["model_id", "ecosystem"])
    if not rows.duplicated(keys).any():
        return rows.reset_index(drop=True)
    joined = rows.groupby(keys, dropna=False, sort=False)["ecosystem"].transform(lambda s: ", ".join(s))
    return rows.assign(ecosystem=joined).drop_duplicates(keys, ignore_index=True)


def rank_label(rank: int, tied: bool) -> str:
    """`3`, or `=3` when another model shares the rank."""
    return f"={rank}" if tied else str(rank)


def is_ranking(board: pd.DataFrame, column: str = "change") -> bool:
    """Whether a board can be drawn as a leaderboard: two models or more, not all with the same value."""
    return board[column].nunique(dropna=True) > 1


def flag_events(
    board: pd.DataFrame, libraries: Mapping[str, str | None], events: Sequence[Event]
) -> pd.DataFrame:
    """The board with an `event` column: for each mover, the events of its step (`events`: those dated in
    the interval between the two runs compared, `tracker.core.events.events_in_step`) that concern its
    library (`libraries`: model id to `library_name`), as `YYYY-MM-DD: what` joined by `; `; "" for none.
    A flagged mover's change may be the Hub's counting, not adoption."""
    flags = [
        "; ".join(f"{e.date:%Y-%m-%d}: {e.what}" for e in events if concerns(e, libraries.get(model)))
        for model in board["model_id"]
    ]
    return board.assign(event=pd.Series(flags, index=board.index, dtype="object"))


# --- sentences: the dashboard and the digest say the same ----------------------------------------------


def floor_text(floors: Floors = FLOORS) -> str:
    """`1,000 and 25%`: the floor a change must clear."""
    return f"{floors.change:,} and {floors.share:.0%}"


def nobody(board: str, floors: Floors = FLOORS) -> str:
    """The sentence for a board no model made."""
    if board == "relative_risers":
        return (
            f"No model with at least {floors.before:,} weekly downloads the run before rose by at least "
            f"{floor_text(floors)}."
        )
    verb = "fell" if board == "fallers" else "rose"
    return f"No model's weekly downloads {verb} by at least {floor_text(floors)} since the previous run."


def all_tied(board: pd.DataFrame, name: str) -> str:
    """The sentence for a list of two models or more that all moved by the same amount ("" otherwise)."""
    column = RANKED_BY[name][0]
    if len(board) < 2 or is_ranking(board, column):
        return ""
    value = board[column].iloc[0]
    verb = "fell" if name == "fallers" else "rose"
    amount = f"{float(value):.0%}" if column == "relative_change" else f"{abs(int(value)):,} weekly downloads"
    return f"The {len(board):,} models listed all {verb} by {amount}: a tie, not a ranking."


def describe(floors: Floors = FLOORS) -> str:
    """What a mover is, in one sentence (the page's and the digest's captions)."""
    return (
        f"A riser's weekly downloads rose by at least {floors.change:,} and by at least {floors.share:.0%} "
        "of its figure the run before; a faller's fell by as much."
    )
