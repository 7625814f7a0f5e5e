"""The alert rules file (`--alerts FILE`): read, parsed and strictly validated (`load_rules`), then checked
against the ecosystems the schedule tracks (`check_rules`). Every problem is an `AlertsError` of one line
naming the file and the rule.

The file (TOML; strict: unknown keys are errors, to catch typos), one [[alert]] table per rule:

    [[alert]]
    name = "Llama's new derivatives slump"  # optional; default derived from the other keys, e.g.
                                            # "new derivatives (llama) below -30.0% from the mean of
                                            # the 4 runs before"; names must differ
    figure = "new"          # required: derivatives | new | weekly_downloads | downloads_30d | new_share
                            # | untracked_newcomers (the whole Hub: no ecosystem, family or compare)
    ecosystem = "llama"     # optional: default, every tracked ecosystem summed
    family = "Llama 3.1"    # optional (not with new_share, which is per ecosystem)
    compare = "mean"        # value (default) | previous | mean
    runs = 4                # only with compare = "mean": the mean of the N runs before (default 4)
    below = "-30%"          # exactly one of `above` / `below`
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tracker.core import files
from tracker.core.ecosystems import OTHER_FAMILY, Ecosystem
from tracker.core.errors import one_line
from tracker.report.alert_rule import (
    COMPARES,
    DEFAULT_RUNS,
    FIGURES,
    HUB_FIGURES,
    SHARE,
    AlertsError,
    Rule,
    default_name,
)

__all__ = ["check_rules", "load_rules"]

_TOP_KEYS = ("alert",)
_RULE_KEYS = ("name", "figure", "ecosystem", "family", "compare", "runs", "above", "below")
_Fail = Callable[[str], "AlertsError"]  # an error for a problem of the rule being parsed
_PERCENT_RE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%")


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
    new_share without ecosystem, a whole-Hub figure with an ecosystem, family or compare, two rules of
    one name) raises AlertsError, one line naming the file
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
    if figure == SHARE and family is not None:
        raise fail("'family' cannot go with new_share, a share among ecosystems")
    if figure == SHARE and ecosystem is None:
        raise fail("new_share needs 'ecosystem': the share of which ecosystem")
    compare = raw.get("compare", "value")
    if compare not in COMPARES:
        raise fail(f"'compare' must be one of {', '.join(COMPARES)}, not {compare!r}")
    if figure in HUB_FIGURES and (ecosystem, family, compare) != (None, None, "value"):
        raise fail(f"{figure} is of the whole Hub, compared as a value: no ecosystem, family or compare")
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
    fraction = compare != "value" or figure == SHARE
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
    if figure == SHARE and compare == "value" and not 0 <= number <= 1:
        raise fail(f'\'{key}\' must be a share between 0 and 1 (or "0%" and "100%"), not {value!r}')
    return number


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
