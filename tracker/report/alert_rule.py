"""An alert rule (`--alerts FILE`, see `tracker.report.alert_file`): the figures a rule may watch, how it
compares them, the validated `Rule`, the one-line `AlertsError`, and the words that describe a rule (its
default name, its scope, its threshold) in errors, digest lines and notifications alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.read import hub

__all__ = [
    "COMPARES",
    "DEFAULT_RUNS",
    "FIGURES",
    "HUB_FIGURES",
    "SHARE",
    "AlertsError",
    "Rule",
    "against",
    "against_text",
    "default_name",
    "number_text",
    "percent_text",
    "scope",
    "threshold_text",
]

FIGURES: dict[str, str] = {
    "derivatives": "derivatives",
    "new": "new derivatives",
    "weekly_downloads": "weekly downloads",
    "downloads_30d": "30-day downloads",
    "new_share": "share of new derivatives",
    "untracked_newcomers": f"untracked newcomers to the top {hub.TOP}",
}
# Figures of the run's whole-Hub view (the digest's `whole_hub`), not of the tracked ecosystems' series:
# no ecosystem, no family, compared as a value. `untracked_newcomers`: the bases outside every tracked
# ecosystem that entered the top 50 by new derivatives this run (`tracker.read.hub.newcomers`).
HUB_FIGURES = ("untracked_newcomers",)
COMPARES = ("value", "previous", "mean")
DEFAULT_RUNS = 4
SHARE = "new_share"


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


def default_name(rule: Rule) -> str:
    """The name of a rule that gives none, from its other fields, e.g. "new derivatives (llama) below
    -30.0% from the mean of the 4 runs before"."""
    return f"{FIGURES[rule.figure]} ({scope(rule)}) {threshold_text(rule)}{against(rule)}"


# --- the words -------------------------------------------------------------------------------------------


def scope(rule: Rule) -> str:
    if rule.figure in HUB_FIGURES:
        return "whole Hub"
    parts = [part for part in (rule.ecosystem, rule.family) if part is not None]
    return ", ".join(parts) or "all ecosystems"


def against_text(rule: Rule) -> str:
    if rule.compare == "previous":
        return "the previous run"
    return "the run before" if rule.runs == 1 else f"the mean of the {rule.runs} runs before"


def against(rule: Rule) -> str:
    return "" if rule.compare == "value" else f" from {against_text(rule)}"


def threshold_text(rule: Rule) -> str:
    side, threshold = ("above", rule.above) if rule.above is not None else ("below", rule.below)
    fraction = rule.compare != "value" or rule.figure == SHARE
    return f"{side} {percent_text(threshold) if fraction else number_text(threshold)}"  # type: ignore[arg-type]


def number_text(value: float) -> str:
    """A figure with thousands separators: whole under rounding from 100 up, else to one decimal."""
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def percent_text(value: float) -> str:
    return f"{value:.1%}"
