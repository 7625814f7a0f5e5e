"""Alert rules on the weekly digest's figures: the rules' evaluation at a run (the rules file and its checks
are `tracker.report.alert_file`'s, the rule itself `tracker.report.alert_rule`'s).

Operators leave the weekly snapshot running for months and want to hear when a figure moves, e.g. "new
Llama derivatives this week fell more than 30% from the 4-week mean". Each rule that fires becomes one
line in the digest's alerts section and one notification; the digest and the notifications are built
elsewhere, from the `Alert`s returned here. Everything here is pure.

Figures (`FIGURES`): the columns of `tracker.read.queries.load_series` of the same names, summed per run
over the rows of the rule's ecosystem and family (every ecosystem when none is named; a family without
an ecosystem: that family in every ecosystem), as the dashboard sums them: a sum is missing only when
every row is (`new` of an ecosystem's first run). `new` counts the derivatives not in the previous run;
`new_share` is the ecosystem's share of the new derivatives per week (`tracker.read.compare.
compute_new_shares`), so it needs `ecosystem`.

Comparisons, each strict (a rule fires when the compared quantity is above `above`, or below `below`):
- `value`: the figure in this run against an absolute threshold (a number; for new_share a fraction
  between 0 and 1, or a percentage such as "12%").
- `previous`: the relative change from the previous run of the rule's series (the runs with rows of
  its ecosystem and family), (now - before) / before.
- `mean`: the relative change from the mean of the `runs` runs before this one.
For these two the threshold is relative: a number (-0.3) or a percentage ("-30%"). The change is divided
by the reference's absolute value, so that a rise stays a rise when the reference is negative (weekly
downloads can be, after the Hub revises its counts); for a positive reference it is (now - before) /
before exactly.

A rule is not evaluated (`Alert.evaluated` False, its line saying why) when the run has no value for its
figure, when the history is too short (a run's history starts at the first run where the figure has a
value: `new`'s first run does not count), when a run of the compared window has no value, or when the
reference is 0 (a relative change from 0 is undefined).

Whole-Hub figures (`HUB_FIGURES`) come from the digest's `whole_hub` part (`tracker.report.digest_hub`),
compared as a value: `untracked_newcomers`, the newcomers to the top 50 by new derivatives outside every
tracked ecosystem, fires with `above = 0` on the first such base, its line naming the bases. It is not
evaluated for a run without the view, nor where no newcomer is counted (the first two runs with it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tracker.read.compare import compute_new_shares
from tracker.report.alert_rule import (
    FIGURES,
    HUB_FIGURES,
    SHARE,
    Rule,
    against_text,
    default_name,
    number_text,
    percent_text,
    scope,
    threshold_text,
)

__all__ = ["Alert", "evaluate"]

NAMED = 10  # bases a whole-Hub rule's line names; the rest are counted


@dataclass(frozen=True)
class Alert:
    """A rule evaluated at a run.

    Fields:
        rule: the rule.
        evaluated: False when the run has no value for the figure, the history is too short, or the
            reference is 0; `line` says which.
        fired: whether the compared quantity passed the threshold (never when not evaluated).
        value: the figure in this run (None when it has none).
        reference: the previous value, or the mean (None for compare="value", or when not reached).
        measured: what was compared with the threshold: the value, or the relative change.
        line: one sentence for the digest and the notification.
    """

    rule: Rule
    evaluated: bool
    fired: bool
    value: float | None
    reference: float | None
    measured: float | None
    line: str


# --- evaluation ------------------------------------------------------------------------------------------


def evaluate(
    rules: Sequence[Rule], series: pd.DataFrame, run_id: int, *, whole_hub: Mapping | None = None
) -> list[Alert]:
    """Each rule at run `run_id` of `series` (`tracker.read.queries.load_series(..., by="family")`; runs after
    that one are ignored), in the rules' order; `whole_hub`: the run's whole-Hub figures (the digest's
    `whole_hub`), for the rules on them. Pure: no I/O, no clock."""
    target = series.loc[series["run_id"] == run_id, "taken_at"]
    if target.empty:
        return [_unevaluated(rule, f"the series has no run {run_id}") for rule in rules]
    taken_at = target.iloc[0]
    upto = series[
        (series["taken_at"] < taken_at) | ((series["taken_at"] == taken_at) & (series["run_id"] <= run_id))
    ]
    return [
        _evaluate_hub(rule, whole_hub, run_id)
        if rule.figure in HUB_FIGURES
        else _evaluate_rule(rule, _history(rule, upto), run_id)
        for rule in rules
    ]


def _evaluate_hub(rule: Rule, whole_hub: Mapping | None, run_id: int) -> Alert:
    """A rule on the run's whole-Hub view: the figure as a value; the line names the bases counted."""
    if whole_hub is None or not whole_hub.get("recorded"):
        return _unevaluated(rule, f"run {run_id} has no whole-Hub view")
    value = whole_hub.get(rule.figure)
    if value is None:
        return _unevaluated(rule, "no newcomer is counted before the third run with the whole-Hub view")
    ids = [b["base_id"] for b in whole_hub.get("newcomers") or () if not b["tracked"]]
    named = ", ".join(ids[:NAMED]) + (f" and {len(ids) - NAMED:,} more" if len(ids) > NAMED else "")
    return _judge(rule, float(value), None, float(value), named=named)


def _history(rule: Rule, series: pd.DataFrame) -> list[tuple[int, float | None]]:
    """The rule's figure per run of its series (the runs with rows of its ecosystem and family), in run
    order: (run_id, value or None)."""
    rows = series
    if rule.ecosystem is not None:
        rows = rows[rows["ecosystem"] == rule.ecosystem]
    if rule.family is not None:
        if "family" not in rows.columns:
            raise ValueError(f"rule '{rule.name}' names a family: evaluate a series by family")
        rows = rows[rows["family"] == rule.family]
    if rows.empty:
        return []
    runs = rows[["taken_at", "run_id"]].drop_duplicates().sort_values(["taken_at", "run_id"])
    if rule.figure == SHARE:
        shares = compute_new_shares(series)
        mine = shares[shares["ecosystem"] == rule.ecosystem].set_index("run_id")["share"]
        values = [mine.get(run) for run in runs["run_id"]]
    else:
        summed = rows.groupby("run_id")[rule.figure].sum(min_count=1)  # missing only when all are
        values = [summed[run] for run in runs["run_id"]]
    return [(int(run), _number(value)) for run, value in zip(runs["run_id"], values, strict=True)]


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _evaluate_rule(rule: Rule, history: list[tuple[int, float | None]], run_id: int) -> Alert:
    runs = [run for run, _ in history]
    if run_id not in runs:
        return _unevaluated(rule, f"no rows of {scope(rule)} in run {run_id}")
    at = runs.index(run_id)
    value = history[at][1]
    if value is None:
        return _unevaluated(rule, f"no value in run {run_id}")
    if rule.compare == "value":
        return _judge(rule, value, None, value)
    reference, why = _reference(rule, history[:at])
    if reference is None:
        return _unevaluated(rule, why, value=value)
    if reference == 0:
        undefined = f"{_reference_name(rule)} is 0, so the relative change is undefined"
        return _unevaluated(rule, undefined, value=value, reference=0.0)
    return _judge(rule, value, reference, (value - reference) / abs(reference))


def _reference(rule: Rule, before: list[tuple[int, float | None]]) -> tuple[float | None, str]:
    """The previous value, or the mean of the `runs` before; else None and why not."""
    first = next((i for i, (_, value) in enumerate(before) if value is not None), len(before))
    before = before[first:]  # the figure's history starts at its first value (`new`: the second run)
    need = 1 if rule.compare == "previous" else rule.runs
    if len(before) < need:
        return None, f"needs {_count(need)} before this one; the history has {len(before) or 'none'}"
    window = before[-need:]
    missing = [run for run, value in window if value is None]
    if missing:
        among = "the previous run" if need == 1 else f"one of the {need} runs before"
        return None, f"run {missing[-1]}, {among}, has no value"
    values = [value for _, value in window if value is not None]
    return sum(values) / len(values), ""


def _judge(rule: Rule, value: float, reference: float | None, measured: float, named: str = "") -> Alert:
    fired = measured > rule.above if rule.above is not None else measured < rule.below  # type: ignore[operator]
    line = f"{_subject(rule)} {_movement(rule, value, reference, measured)}"
    line += f" ({named}), " if named else ", "
    line += ("" if fired else "not ") + threshold_text(rule)
    return Alert(rule, True, fired, value, reference, measured, _signed(rule, line))


def _unevaluated(
    rule: Rule, why: str, *, value: float | None = None, reference: float | None = None
) -> Alert:
    against = f" against {against_text(rule)}" if rule.compare != "value" else ""
    line = f"{_subject(rule)}{against} not evaluated ({why})"
    return Alert(rule, False, False, value, reference, None, _signed(rule, line))


# --- the words -------------------------------------------------------------------------------------------


def _subject(rule: Rule) -> str:
    label = FIGURES[rule.figure]
    return f"{label[0].upper()}{label[1:]} ({scope(rule)})"


def _count(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _reference_name(rule: Rule) -> str:
    return "the previous run's value" if rule.compare == "previous" else against_text(rule)


def _movement(rule: Rule, value: float, reference: float | None, measured: float) -> str:
    """The figure in words: "stood at 1,234", or "fell 42.0% from the mean of the 4 runs before
    (1,234 against 2,128)"."""
    show = percent_text if rule.figure == SHARE else number_text
    if reference is None:
        return f"stood at {show(value)}"
    verb = "rose" if measured > 0 else "fell" if measured < 0 else "did not change"
    change = f" {abs(measured):.1%}" if measured else ""
    return f"{verb}{change} from {against_text(rule)} ({show(value)} against {show(reference)})"


def _signed(rule: Rule, line: str) -> str:
    """The line ending with the rule's name, unless the name is the derived one (the line says it all)."""
    if rule.name != default_name(rule):
        line += f": {rule.name}"
    return line if line.endswith((".", "!", "?")) else line + "."
