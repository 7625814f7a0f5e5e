"""Alert rules on the weekly digest's figures: the rules file (`--alerts FILE`), its checks, and the
rules' evaluation at a run.

Operators leave the weekly snapshot running for months and want to hear when a figure moves, e.g. "new
Llama derivatives this week fell more than 30% from the 4-week mean". Each rule that fires becomes one
line in the digest's alerts section and one notification; the digest and the notifications are built
elsewhere, from the `Alert`s returned here. Everything is pure but `load_rules`, which reads the file.

The file (TOML; strict: unknown keys are errors, to catch typos), one [[alert]] table per rule:

    [[alert]]
    name = "Llama's new derivatives slump"  # optional; default derived from the other keys, e.g.
                                            # "new derivatives (llama) below -30.0% from the mean of
                                            # the 4 runs before"; names must differ
    figure = "new"          # required: derivatives | new | weekly_downloads | downloads_30d | new_share
    ecosystem = "llama"     # optional: default, every tracked ecosystem summed
    family = "Llama 3.1"    # optional (not with new_share, which is per ecosystem)
    compare = "mean"        # value (default) | previous | mean
    runs = 4                # only with compare = "mean": the mean of the N runs before (default 4)
    below = "-30%"          # exactly one of `above` / `below`

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
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tracker.core import files
from tracker.core.ecosystems import OTHER_FAMILY, Ecosystem
from tracker.core.errors import one_line
from tracker.read.compare import compute_new_shares

__all__ = [
    "COMPARES",
    "FIGURES",
    "Alert",
    "AlertsError",
    "Rule",
    "check_rules",
    "default_name",
    "evaluate",
    "load_rules",
]

FIGURES: dict[str, str] = {
    "derivatives": "derivatives",
    "new": "new derivatives",
    "weekly_downloads": "weekly downloads",
    "downloads_30d": "30-day downloads",
    "new_share": "share of new derivatives",
}
COMPARES = ("value", "previous", "mean")
DEFAULT_RUNS = 4

_SHARE = "new_share"
_TOP_KEYS = ("alert",)
_RULE_KEYS = ("name", "figure", "ecosystem", "family", "compare", "runs", "above", "below")
_Fail = Callable[[str], "AlertsError"]  # an error for a problem of the rule being parsed
_PERCENT_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%")


class AlertsError(ValueError):
    """A problem with the alerts file or one of its rules, in a one-line message."""

    def __init__(self, message: str) -> None:
        # Messages end up in logs, notifications and CLI output, which expect exactly one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


@dataclass(frozen=True)
class Rule:
    """One [[alert]] table, validated.

    Fields:
        name: the rule's name in lines and errors (given, or `default_name`'s).
        figure: a key of `FIGURES`.
        ecosystem: the ecosystem whose rows are summed; None: every ecosystem.
        family: the family whose rows are summed; None: every family.
        compare: "value" (the figure), "previous" or "mean" (its relative change from those).
        runs: how many runs before this one "mean" averages.
        above, below: the threshold, exactly one set; a fraction for relative changes and shares.
    """

    name: str
    figure: str
    ecosystem: str | None
    family: str | None
    compare: str
    runs: int
    above: float | None
    below: float | None


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


# --- the file --------------------------------------------------------------------------------------------


def _fail(source: str, where: str, problem: str) -> AlertsError:
    """The error for a problem at `where` (a rule, or empty for the whole file) of the file `source`."""
    prefix = f"alerts file {source}: " if source else "alerts: "
    return AlertsError(prefix + (f"{where}: {problem}" if where else problem))


def _read(path: str | Path) -> tuple[str, str]:
    """The file's text and its name for errors."""
    try:
        return files.read_text(path)
    except files.FileProblem as exc:
        raise _fail(exc.source, "", exc.problem) from None


def load_rules(path: str | Path) -> list[Rule]:
    """Read, parse and strictly validate the alerts file: its rules in file order.

    Any problem (unreadable or missing file, TOML syntax, no [[alert]] rule, unknown keys or figure, bad
    compare or runs, both or neither threshold, a threshold that is no number, family with new_share,
    new_share without ecosystem, two rules of one name) raises AlertsError, one line naming the file
    and the rule.
    """
    text, source = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "", "invalid TOML: " + one_line(exc)) from None
    unknown = [key for key in data if key not in _TOP_KEYS]
    if unknown:
        raise _fail(source, "", f"unknown top-level key '{unknown[0]}' (the rules are [[alert]] tables)")
    raw_rules = data.get("alert")
    if raw_rules is None or raw_rules == []:
        raise _fail(source, "", "no [[alert]] rule")
    if not isinstance(raw_rules, list):
        raise _fail(source, "", "'alert' must be an array of tables ([[alert]]), one per rule")
    rules: list[Rule] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(raw_rules, start=1):
        rule = _parse_rule(raw, index, source)
        if rule.name in names:
            raise _fail(source, _where(index, rule.name), f"the name is also rule #{names[rule.name]}'s")
        names[rule.name] = index
        rules.append(rule)
    return rules


def _where(index: int, name: object) -> str:
    """How errors name a rule: its number, and its name when it has a usable one."""
    return f"rule #{index} ('{name}')" if isinstance(name, str) and name.strip() else f"rule #{index}"


def _optional_name(raw: dict[str, Any], key: str, fail: _Fail) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(f"'{key}' must be a non-empty string")
    return value.strip()


def _parse_rule(raw: Any, index: int, source: str) -> Rule:
    """Validate one [[alert]] table."""
    if not isinstance(raw, dict):
        raise _fail(source, "", "'alert' must be an array of tables ([[alert]]), one per rule")
    where = _where(index, raw.get("name"))

    def fail(problem: str) -> AlertsError:
        return _fail(source, where, problem)

    for key in raw:
        if key not in _RULE_KEYS:
            raise fail(f"unknown key '{key}' (allowed: {', '.join(_RULE_KEYS)})")
    name = _optional_name(raw, "name", fail)
    figure = raw.get("figure")
    known = ", ".join(FIGURES)
    if figure is None:
        raise fail(f"missing 'figure' (one of {known})")
    if figure not in FIGURES:
        raise fail(f"unknown figure {figure!r} (known: {known})")
    ecosystem = _optional_name(raw, "ecosystem", fail)
    ecosystem = ecosystem.lower() if ecosystem else None  # ecosystem names are lower-case by rule
    family = _optional_name(raw, "family", fail)
    if figure == _SHARE and family is not None:
        raise fail("'family' cannot go with new_share, a share among ecosystems")
    if figure == _SHARE and ecosystem is None:
        raise fail("new_share needs 'ecosystem': the share of which ecosystem")
    compare = raw.get("compare", "value")
    if compare not in COMPARES:
        raise fail(f"'compare' must be one of {', '.join(COMPARES)}, not {compare!r}")
    runs = _runs(raw, compare, fail)
    above, below = _thresholds(raw, figure, compare, fail)
    rule = Rule("", figure, ecosystem, family, compare, runs, above, below)
    return Rule(name or default_name(rule), figure, ecosystem, family, compare, runs, above, below)


def _runs(raw: dict[str, Any], compare: str, fail: _Fail) -> int:
    if "runs" not in raw:
        return DEFAULT_RUNS
    runs = raw["runs"]
    if compare != "mean":
        raise fail("'runs' goes only with compare = \"mean\"")
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise fail(f"'runs' must be a whole number of 1 or more, not {runs!r}")
    return runs


def _thresholds(
    raw: dict[str, Any],
    figure: str,
    compare: str,
    fail: _Fail,
) -> tuple[float | None, float | None]:
    given = [key for key in ("above", "below") if key in raw]
    if not given:
        raise fail("needs a threshold: 'above' or 'below'")
    if len(given) == 2:
        raise fail("give one of 'above' and 'below', not both")
    key = given[0]
    value = _threshold(raw[key], key, figure, compare, fail)
    return (value, None) if key == "above" else (None, value)


def _threshold(value: Any, key: str, figure: str, compare: str, fail: _Fail) -> float:
    """A threshold as a number: a percentage string is a fraction, allowed where the threshold is one."""
    fraction = compare != "value" or figure == _SHARE
    if isinstance(value, str):
        match = _PERCENT_RE.fullmatch(value.strip())
        if match is None:
            raise fail(f"'{key}' must be a number or a percentage such as \"-30%\", not {value!r}")
        if not fraction:
            raise fail(f"'{key}' must be a number: {FIGURES[figure]} are counted, not a percentage")
        number = float(match.group(1)) / 100
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise fail(f"'{key}' must be a number, not {value!r}")
    if not math.isfinite(number):
        raise fail(f"'{key}' must be a finite number, not {value!r}")
    if figure == _SHARE and compare == "value" and not 0 <= number <= 1:
        raise fail(f'\'{key}\' must be a share between 0 and 1 (or "0%" and "100%"), not {value!r}')
    return number


def default_name(rule: Rule) -> str:
    """The name of a rule that gives none, from its other fields, e.g. "new derivatives (llama) below
    -30.0% from the mean of the 4 runs before"."""
    return f"{FIGURES[rule.figure]} ({_scope(rule)}) {_threshold_text(rule)}{_against(rule)}"


# --- the checks --------------------------------------------------------------------------------------------


def check_rules(rules: Sequence[Rule], ecosystems: Sequence[Ecosystem], *, source: str | None = None) -> None:
    """Every ecosystem the rules name among `ecosystems` (those the schedule tracks), every family in its
    ecosystem's families (in one of them, when the rule names no ecosystem), else AlertsError naming it
    and the known names; `source` (the file) is named too when given. "Other" is a family of the
    ecosystems with `authors` (their roots that match no family)."""
    by_name = {eco.name: eco for eco in ecosystems}
    for index, rule in enumerate(rules, start=1):
        where = _where(index, rule.name)
        if rule.ecosystem is not None and rule.ecosystem not in by_name:
            known = ", ".join(by_name) or "none"
            raise _fail(
                source or "", where, f"ecosystem '{rule.ecosystem}' is not tracked (tracked: {known})"
            )
        if rule.family is None:
            continue
        scope = [by_name[rule.ecosystem]] if rule.ecosystem is not None else list(ecosystems)
        families = [name for eco in scope for name in _families(eco)]
        if rule.family not in families:
            of = f"ecosystem '{rule.ecosystem}'" if rule.ecosystem else "the tracked ecosystems"
            known = ", ".join(dict.fromkeys(families)) or "none"
            raise _fail(source or "", where, f"family '{rule.family}' is not one of {of} (known: {known})")


def _families(ecosystem: Ecosystem) -> list[str]:
    names = [family.name for family in ecosystem.families]
    return names + [OTHER_FAMILY] if ecosystem.authors else names


# --- evaluation ------------------------------------------------------------------------------------------


def evaluate(rules: Sequence[Rule], series: pd.DataFrame, run_id: int) -> list[Alert]:
    """Each rule at run `run_id` of `series` (`tracker.read.queries.load_series(..., by="family")`; runs after
    that one are ignored), in the rules' order. Pure: no I/O, no clock."""
    target = series.loc[series["run_id"] == run_id, "taken_at"]
    if target.empty:
        return [_unevaluated(rule, f"the series has no run {run_id}") for rule in rules]
    taken_at = target.iloc[0]
    upto = series[
        (series["taken_at"] < taken_at) | ((series["taken_at"] == taken_at) & (series["run_id"] <= run_id))
    ]
    return [_evaluate_rule(rule, _history(rule, upto), run_id) for rule in rules]


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
    if rule.figure == _SHARE:
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
        return _unevaluated(rule, f"no rows of {_scope(rule)} in run {run_id}")
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


def _judge(rule: Rule, value: float, reference: float | None, measured: float) -> Alert:
    fired = measured > rule.above if rule.above is not None else measured < rule.below  # type: ignore[operator]
    line = f"{_subject(rule)} {_movement(rule, value, reference, measured)}, "
    line += ("" if fired else "not ") + _threshold_text(rule)
    return Alert(rule, True, fired, value, reference, measured, _signed(rule, line))


def _unevaluated(
    rule: Rule, why: str, *, value: float | None = None, reference: float | None = None
) -> Alert:
    against = f" against {_against_text(rule)}" if rule.compare != "value" else ""
    line = f"{_subject(rule)}{against} not evaluated ({why})"
    return Alert(rule, False, False, value, reference, None, _signed(rule, line))


# --- the words -------------------------------------------------------------------------------------------


def _scope(rule: Rule) -> str:
    parts = [part for part in (rule.ecosystem, rule.family) if part is not None]
    return ", ".join(parts) or "all ecosystems"


def _subject(rule: Rule) -> str:
    label = FIGURES[rule.figure]
    return f"{label[0].upper()}{label[1:]} ({_scope(rule)})"


def _count(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _against_text(rule: Rule) -> str:
    if rule.compare == "previous":
        return "the previous run"
    return "the run before" if rule.runs == 1 else f"the mean of the {rule.runs} runs before"


def _against(rule: Rule) -> str:
    return "" if rule.compare == "value" else f" from {_against_text(rule)}"


def _reference_name(rule: Rule) -> str:
    return "the previous run's value" if rule.compare == "previous" else _against_text(rule)


def _threshold_text(rule: Rule) -> str:
    side, threshold = ("above", rule.above) if rule.above is not None else ("below", rule.below)
    fraction = rule.compare != "value" or rule.figure == _SHARE
    return f"{side} {_percent(threshold) if fraction else _figure(threshold)}"  # type: ignore[arg-type]


def _movement(rule: Rule, value: float, reference: float | None, measured: float) -> str:
    """The figure in words: "stood at 1,234", or "fell 42.0% from the mean of the 4 runs before
    (1,234 against 2,128)"."""
    show = _percent if rule.figure == _SHARE else _figure
    if reference is None:
        return f"stood at {show(value)}"
    verb = "rose" if measured > 0 else "fell" if measured < 0 else "did not change"
    change = f" {abs(measured):.1%}" if measured else ""
    return f"{verb}{change} from {_against_text(rule)} ({show(value)} against {show(reference)})"


def _figure(value: float) -> str:
    """A figure with thousands separators: whole under rounding from 100 up, else to one decimal."""
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _signed(rule: Rule, line: str) -> str:
    """The line ending with the rule's name, unless the name is the derived one (the line says it all)."""
    if rule.name != default_name(rule):
        line += f": {rule.name}"
    return line if line.endswith((".", "!", "?")) else line + "."
