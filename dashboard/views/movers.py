"""Movers: the derivatives whose weekly downloads rose or fell past the floors of `tracker.core.movers`,
the fastest relative growth, and new entrants to the top. Equal changes share a rank; a list where every
model moved by the same amount is not drawn as a leaderboard; an empty list is one sentence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import layout
from dashboard.context import current
from tracker.core import movers
from tracker.core.events import events_in_step
from tracker.report import charts

ctx = current()
st.title("Movers")
n = st.slider("How many", 5, 50, 10, key="mov_n", bind="query-params")
found = ctx.movers(n)
compared = found["compared"]
if len(compared) < 2:
    st.info("Movers need two runs or more within the filters.")
    st.stop()

latest, previous = compared.iloc[0], compared.iloc[1]
st.caption(
    f"Weekly downloads of the derivatives (base models excluded) in run {latest['run_id']} of "
    f"{latest['taken_at']:%d %b %Y}, against the model's figure in the run before (run {previous['run_id']} "
    f"of {previous['taken_at']:%d %b %Y}): the all-time count's growth per week. {movers.describe()} "
    "Equal changes share a rank (=3). Why these floors: docs/methodology.md, section Movers."
)
# The Hub's events in the step between the two runs: a mover of a library one concerns is flagged.
step = events_in_step(ctx.events, previous["taken_at"].to_pydatetime(), latest["taken_at"].to_pydatetime())
if step:
    boards = [name for name in movers.RANKED_BY if not found[name].empty]
    libraries = ctx.libraries(m for name in boards for m in found[name]["model_id"])
    found = {**found, **{name: movers.flag_events(found[name], libraries, step) for name in boards}}

# Each table fits the page at 1024 px beside the sidebar (about 560 px): the model's family and weekly
# figures; its relation colours the chart's bar, its ecosystem goes without saying in its family's name.
COLUMNS = {
    "rank": st.column_config.TextColumn("Rank", width=45, help="=3: another model has the same change."),
    "model_id": st.column_config.TextColumn("Model", width=215),
    "family": st.column_config.TextColumn("Family", width=90),
    "weekly_downloads": st.column_config.NumberColumn(
        "Weekly", format="localized", width=70, help="Weekly downloads in the latest run."
    ),
    "change": st.column_config.NumberColumn(
        "Change",
        format="localized",
        width=70,
        help="Against the model's weekly downloads in the run before.",
    ),
    "event": st.column_config.TextColumn(
        "Hub event",
        width=200,
        help="A Hub event of the model's library between the two runs: its change may be the Hub's counting, "
        "not adoption (docs/methodology.md, section Hub events).",
    ),
    "percent": st.column_config.TextColumn(
        "Change %",
        width=70,
        alignment="right",
        help=f"The change over the figure before: only from {movers.MIN_BEFORE:,} weekly downloads before; "
        "under that, the figure before.",
    ),
}


def _percent(change: object, before: object) -> str:
    """`+362%`, or `from 44` where the figure before is too small for a percentage."""
    if pd.isna(before):
        return "–"
    if before < movers.MIN_BEFORE:
        return f"from {int(before):,}"
    return f"{float(change) / float(before):+.0%}"


def _table(board: pd.DataFrame, key: str, columns: tuple[str, ...]) -> None:
    shown = board.assign(
        rank=[movers.rank_label(r, t) for r, t in zip(board["rank"], board["tied"], strict=True)],
        percent=[
            _percent(c, b) for c, b in zip(board["change"], board["weekly_downloads_before"], strict=True)
        ],
    )
    config = {name: COLUMNS[name] for name in columns}
    st.dataframe(shown[list(columns)], hide_index=True, key=key, column_config=config)


def _board(name: str, heading: str, key: str, caption: str = "") -> None:
    """A board: its leaderboard chart when its models moved by different amounts, its table, or the
    sentence saying that nobody cleared the floor."""
    st.subheader(heading)
    if caption:
        st.caption(caption)
    board = found[name]
    if board.empty:
        st.info(movers.nobody(name), icon=":material/horizontal_rule:")
        return
    column = movers.RANKED_BY[name][0]
    tie = movers.all_tied(board, name)
    relative = name == "relative_risers"
    if tie:
        st.info(tie, icon=":material/drag_handle:")
    elif movers.is_ranking(board, column) and not relative:
        falling = name == "fallers"
        data = board.assign(fall=-board["change"]) if falling else board
        title = "fall in weekly downloads" if falling else "rise in weekly downloads"
        value = "fall" if falling else "change"
        st.altair_chart(charts.bars(data, value, "model_id", title=title, color="relation"))
    numbers = (
        ("weekly_downloads", "percent", "change") if relative else ("weekly_downloads", "change", "percent")
    )
    flagged = int((board["event"] != "").sum()) if "event" in board else 0
    if flagged:  # fixed words and a count: the events' own text stays in the data grid, never Markdown
        st.warning(
            f"{flagged:,} of these models: a Hub event of their library falls between the two runs (the Hub "
            "event column); their change may be the Hub's counting, not adoption.",
            icon=":material/flag:",
        )
    _table(board, key, ("rank", "model_id", "family", *numbers, *(("event",) if flagged else ())))


def _entrants() -> None:
    st.subheader("New entrants to the top")
    st.caption(f"In the latest run's top {n} by weekly downloads, not in the previous run's top {n}.")
    entrants = found["entrants"]
    if entrants.empty:
        st.info(f"No new model in the top {n}.", icon=":material/horizontal_rule:")
        return
    st.dataframe(
        entrants[["model_id", "family", "relation", "weekly_downloads"]],
        hide_index=True,
        key="mov_entrants",
        column_config={
            "model_id": COLUMNS["model_id"],
            "family": COLUMNS["family"],
            "relation": st.column_config.TextColumn("Relation", width=90),
            "weekly_downloads": COLUMNS["weekly_downloads"],
        },
    )


# One board at a time: the others wait in their tabs, neither computed nor sent until chosen.
BOARDS = {
    "Risers": lambda: _board("risers", "Risers", "mov_risers"),
    "Fallers": lambda: _board("fallers", "Fallers", "mov_fallers"),
    "Fastest relative growth": lambda: _board(
        "relative_risers",
        "Fastest relative growth",
        "mov_relative",
        f"The risers that had at least {movers.MIN_BEFORE:,} weekly downloads the run before, by their "
        "change over that figure: a percentage over a handful of downloads says nothing.",
    ),
    "New entrants": _entrants,
}
layout.sections(BOARDS, key="mov_board")
