"""Alert rules (`tracker.report.alerts`): evaluation on literal series with hand-computed answers, the rules
file's errors and round trip, the checks against the shipped ecosystems, and one rule pair on a real
small database (threshold just below / just above the real figure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from tests.support.dashboard_db import build_database
from tests.support.paths import DOCS
from tracker.core.ecosystems import load_ecosystems
from tracker.read import queries
from tracker.read.metrics import Filters
from tracker.report.alert_file import check_rules, load_rules
from tracker.report.alert_rule import FIGURES, AlertsError, Rule, default_name
from tracker.report.alerts import Alert, evaluate
from tracker.storage.database import open_store

START = pd.Timestamp("2026-01-05 06:00", tz="UTC")
NA = pd.NA
COUNTS = ("derivatives", "new", "downloads_30d", "weekly_downloads")


def series(rows: Sequence[tuple]) -> pd.DataFrame:
    """A `load_series(..., by="family")`-like frame from (run_id, ecosystem, family, new, derivatives,
    weekly_downloads) rows; runs a week apart, downloads_30d = 10 x derivatives."""
    frame = pd.DataFrame(
        rows, columns=["run_id", "ecosystem", "family", "new", "derivatives", "weekly_downloads"]
    )
    frame["taken_at"] = START + pd.to_timedelta(7 * (frame["run_id"] - 1), unit="D")
    frame["downloads_30d"] = frame["derivatives"] * 10
    for name in COUNTS:
        frame[name] = pd.array(frame[name], dtype="Int64")
    frame["weeks"] = pd.array([NA if pd.isna(n) else 1.0 for n in frame["new"]], dtype="Float64")
    return frame


def rule(figure: str = "new", **fields: object) -> Rule:
    """A rule as load_rules makes it (default name derived unless given)."""
    base = Rule("", figure, None, None, "value", 4, None, None)
    made = replace(base, **fields)  # type: ignore[arg-type]
    return made if made.name else replace(made, name=default_name(made))


def one(made: Rule, frame: pd.DataFrame, run_id: int) -> Alert:
    alerts = evaluate([made], frame, run_id)
    assert len(alerts) == 1
    return alerts[0]


# llama's new derivatives: run 1 none (first run), then 2,000 2,100 2,200 2,212 (mean 2,128), then 1,234.
LLAMA_NEW = [NA, 2000, 2100, 2200, 2212, 1234]
SLUMP = series(
    [(run, "llama", "Llama 3.1", new, 5000 + run, 100) for run, new in enumerate(LLAMA_NEW, start=1)]
    + [(run, "qwen", "Qwen 2.5", NA if run == 1 else 500, 800, 50) for run in range(1, 7)]
)


# --- evaluation ------------------------------------------------------------------------------------------


def test_mean_of_the_runs_before_fires_with_the_line() -> None:
    made = rule(name="Llama's new derivatives slump", ecosystem="llama", compare="mean", runs=4, below=-0.3)
    alert = one(made, SLUMP, 6)
    assert alert.evaluated
    assert alert.fired
    assert alert.value == 1234
    assert alert.reference == 2128
    assert alert.measured == pytest.approx(1234 / 2128 - 1)
    assert alert.line == (
        "New derivatives (llama) fell 42.0% from the mean of the 4 runs before (1,234 against 2,128), "
        "below -30.0%: Llama's new derivatives slump."
    )


def test_a_rule_short_of_the_threshold_stays_silent() -> None:
    made = rule(name="slump", ecosystem="llama", compare="mean", runs=4, below=-0.5)
    alert = one(made, SLUMP, 6)
    assert alert.evaluated
    assert not alert.fired
    assert alert.line == (
        "New derivatives (llama) fell 42.0% from the mean of the 4 runs before (1,234 against 2,128), "
        "not below -50.0%: slump."
    )


def test_each_rule_gives_one_alert_in_order() -> None:
    rules = [
        rule(ecosystem="llama", compare="previous", below=-0.3),  # 2,212 -> 1,234: -44.2%, fires
        rule(ecosystem="llama", compare="previous", above=0.0),  # silent
        rule(ecosystem="qwen", compare="previous", below=-0.3),  # 500 -> 500: silent
        rule(ecosystem="qwen", above=499),  # 500: fires
    ]
    alerts = evaluate(rules, SLUMP, 6)
    assert [a.rule for a in alerts] == rules
    assert [a.fired for a in alerts] == [True, False, False, True]
    assert alerts[0].reference == 2212
    assert alerts[0].measured == pytest.approx(1234 / 2212 - 1)


def test_mean_needs_exactly_n_runs_with_the_figure_before() -> None:
    # Run 5 has runs 2, 3, 4 before it with a value (run 1's `new` is missing: the history starts at 2).
    four = one(rule(ecosystem="llama", compare="mean", runs=4, below=-0.3, name="m4"), SLUMP, 5)
    assert not four.evaluated
    assert not four.fired
    assert four.measured is None
    assert four.value == 2212
    assert four.line == (
        "New derivatives (llama) against the mean of the 4 runs before not evaluated "
        "(needs 4 runs before this one; the history has 3): m4."
    )
    three = one(rule(ecosystem="llama", compare="mean", runs=3, above=0.0), SLUMP, 5)
    assert three.evaluated
    assert three.fired
    assert three.reference == 2100
    assert three.measured == pytest.approx(2212 / 2100 - 1)
    # The mean of 4 at run 6 is that of runs 2 to 5, exactly 4 runs: not of 5.
    assert one(rule(ecosystem="llama", compare="mean", runs=4, below=0), SLUMP, 6).reference == 2128


def test_previous_needs_a_run_before() -> None:
    alert = one(rule(ecosystem="llama", compare="previous", below=-0.3), SLUMP, 2)
    assert not alert.evaluated
    assert alert.line == (
        "New derivatives (llama) against the previous run not evaluated "
        "(needs 1 run before this one; the history has none)."
    )


def test_a_first_run_without_new_is_not_evaluated() -> None:
    alert = one(rule(ecosystem="llama", above=0, name="any new"), SLUMP, 1)
    assert not alert.evaluated
    assert not alert.fired
    assert alert.value is None
    assert alert.line == "New derivatives (llama) not evaluated (no value in run 1): any new."
    # Derivatives have a value in the first run.
    assert one(rule("derivatives", ecosystem="llama", above=5000), SLUMP, 1).fired


def test_a_missing_value_in_the_window_is_not_evaluated() -> None:
    frame = series([(run, "llama", "Llama 3", NA if run == 3 else 10, 50, 7) for run in range(1, 6)])
    frame.loc[frame["run_id"] == 1, "new"] = 10  # a value from the start: only run 3 lacks one
    alert = one(rule(ecosystem="llama", compare="mean", runs=3, below=0), frame, 5)
    assert not alert.evaluated
    assert "(run 3, one of the 3 runs before, has no value)" in alert.line
    assert not one(rule(ecosystem="llama", compare="previous", below=0), frame, 4).evaluated
    assert one(rule(ecosystem="llama", compare="mean", runs=1, below=0), frame, 5).evaluated


def test_value_above_and_below_are_strict() -> None:
    frame = series([(1, "llama", "Llama 2", 5, 1500, 40_000)])
    assert one(rule("derivatives", above=1499), frame, 1).fired
    assert not one(rule("derivatives", above=1500), frame, 1).fired
    assert one(rule("derivatives", below=1501), frame, 1).fired
    assert not one(rule("derivatives", below=1500), frame, 1).fired
    alert = one(rule("weekly_downloads", below=50_000, name="slow week"), frame, 1)
    assert alert.reference is None
    assert alert.measured == alert.value == 40_000
    assert alert.line == "Weekly downloads (all ecosystems) stood at 40,000, below 50,000: slow week."


def test_previous_change_is_strict_and_relative() -> None:
    frame = series([(1, "llama", "Llama 2", 10, 100, 1), (2, "llama", "Llama 2", 10, 70, 1)])
    assert not one(rule("derivatives", compare="previous", below=-0.3), frame, 2).fired  # exactly -30%
    alert = one(rule("derivatives", compare="previous", below=-0.29), frame, 2)
    assert alert.fired
    assert alert.measured == pytest.approx(-0.3)
    assert alert.line == (
        "Derivatives (all ecosystems) fell 30.0% from the previous run (70 against 100), below -29.0%."
    )
    rose = one(rule("derivatives", compare="previous", above=0.1), frame.assign(derivatives=[100, 125]), 2)
    assert rose.fired
    assert rose.line.startswith("Derivatives (all ecosystems) rose 25.0% from the previous")


def test_ecosystem_family_and_all_ecosystems_sums() -> None:
    frame = series(
        [
            (1, "llama", "Llama 3.1", 3, 100, 1000),
            (1, "llama", "Llama 3.2", 4, 200, 2000),
            (1, "qwen", "Qwen 2.5", 5, 400, 4000),
            (1, "mistral", "Other", 6, 800, 8000),
            (1, "qwen", "Other", 7, 1600, 16000),
        ]
    )

    def value(**fields: object) -> float | None:
        return one(rule("derivatives", above=0, **fields), frame, 1).value

    assert value() == 3100
    assert value(ecosystem="llama") == 300
    assert value(ecosystem="llama", family="Llama 3.2") == 200
    assert value(family="Other") == 2400  # a family without an ecosystem: in every ecosystem
    assert value(ecosystem="qwen", family="Other") == 1600
    assert one(rule("downloads_30d", above=0, ecosystem="qwen"), frame, 1).value == 20_000
    assert one(rule("weekly_downloads", above=0, ecosystem="mistral"), frame, 1).value == 8000
    missing = one(rule("derivatives", above=0, ecosystem="gemma"), frame, 1)
    assert not missing.evaluated
    assert "(no rows of gemma in run 1)" in missing.line


def test_a_sum_is_missing_only_when_every_row_is() -> None:
    # As the dashboard sums: qwen's first run (no `new`) leaves llama's figure.
    frame = series([(1, "llama", "Llama 3", 4, 10, 1), (1, "qwen", "Qwen 3", NA, 10, 1)])
    assert one(rule(above=0), frame, 1).value == 4
    assert one(rule(above=0, ecosystem="qwen"), frame, 1).value is None


def test_new_share_value_and_change() -> None:
    # Run 2: llama 30 new, qwen 10 -> qwen 25%; run 3: llama 45, qwen 5 -> 10%. One week apart.
    frame = series(
        [
            (1, "llama", "Llama 3", NA, 100, 1),
            (1, "qwen", "Qwen 3", NA, 50, 1),
            (2, "llama", "Llama 3", 20, 120, 1),
            (2, "llama", "Llama 4", 10, 10, 1),
            (2, "qwen", "Qwen 3", 10, 60, 1),
            (3, "llama", "Llama 3", 45, 165, 1),
            (3, "qwen", "Qwen 3", 5, 65, 1),
        ]
    )
    at_two = one(rule("new_share", ecosystem="qwen", above=0.2, name="qwen's share"), frame, 2)
    assert at_two.fired
    assert at_two.value == pytest.approx(0.25)
    assert at_two.line == "Share of new derivatives (qwen) stood at 25.0%, above 20.0%: qwen's share."
    assert not one(rule("new_share", ecosystem="qwen", above=0.25), frame, 2).fired
    assert not one(rule("new_share", ecosystem="qwen", above=0.2), frame, 1).evaluated  # no share yet
    change = one(rule("new_share", ecosystem="qwen", compare="previous", below=-0.5), frame, 3)
    assert change.fired
    assert change.reference == pytest.approx(0.25)
    assert change.measured == pytest.approx(-0.6)
    assert change.line == (
        "Share of new derivatives (qwen) fell 60.0% from the previous run (10.0% against 25.0%), "
        "below -50.0%."
    )


def test_a_reference_of_zero_is_not_evaluated() -> None:
    frame = series([(1, "llama", "Llama 3", 0, 0, 0), (2, "llama", "Llama 3", 5, 0, 10)])
    alert = one(rule("weekly_downloads", compare="previous", above=1.0, name="jump"), frame, 2)
    assert not alert.evaluated
    assert not alert.fired
    assert alert.value == 10
    assert alert.reference == 0
    assert alert.measured is None
    assert alert.line == (
        "Weekly downloads (all ecosystems) against the previous run not evaluated "
        "(the previous run's value is 0, so the relative change is undefined): jump."
    )
    mean = one(rule("new", compare="mean", runs=1, above=1.0), frame, 2)
    assert "(the run before is 0, so the relative change is undefined)" in mean.line


def test_a_negative_reference_keeps_the_direction() -> None:
    # Weekly downloads can be negative after a Hub revision: -100 -> 50 is a rise.
    frame = series([(1, "llama", "Llama 3", 1, 1, -100), (2, "llama", "Llama 3", 1, 1, 50)])
    alert = one(rule("weekly_downloads", compare="previous", above=1.0), frame, 2)
    assert alert.fired
    assert alert.measured == pytest.approx(1.5)
    assert "rose 150.0% from the previous run (50 against -100)" in alert.line


def test_runs_after_the_evaluated_one_are_ignored_and_an_unknown_run_is_said() -> None:
    made = rule(ecosystem="llama", compare="previous", below=0)
    assert one(made, SLUMP, 3) == one(made, SLUMP[SLUMP["run_id"] <= 3], 3)
    unknown = one(made, SLUMP, 99)
    assert not unknown.evaluated
    assert "(the series has no run 99)" in unknown.line


def test_figures_have_labels() -> None:
    assert set(FIGURES) == {
        "derivatives",
        "new",
        "weekly_downloads",
        "downloads_30d",
        "new_share",
        "untracked_newcomers",
    }
    assert FIGURES["new"] == "new derivatives"


# --- the file --------------------------------------------------------------------------------------------

GOOD = """\
[[alert]]
name = "Llama's new derivatives slump"
figure = "new"
ecosystem = "llama"
compare = "mean"
runs = 4
below = "-30%"

[[alert]]
figure = "new_share"
ecosystem = "Qwen"
above = "12.5%"

[[alert]]
figure = "weekly_downloads"
family = "Llama 3.1"
compare = "previous"
above = 0.5

[[alert]]
figure = "derivatives"
below = 1_000
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_round_trips(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    assert rules == [
        Rule("Llama's new derivatives slump", "new", "llama", None, "mean", 4, None, -0.3),
        Rule(
            "share of new derivatives (qwen) above 12.5%", "new_share", "qwen", None, "value", 4, 0.125, None
        ),
        Rule(
            "weekly downloads (Llama 3.1) above 50.0% from the previous run",
            "weekly_downloads",
            None,
            "Llama 3.1",
            "previous",
            4,
            0.5,
            None,
        ),
        Rule("derivatives (all ecosystems) below 1,000", "derivatives", None, None, "value", 4, None, 1000.0),
    ]
    check_rules(rules, load_ecosystems())


def test_the_shipped_example_loads_and_checks() -> None:
    rules = load_rules(DOCS / "alerts.example.toml")
    assert rules[0] == Rule("Llama's new derivatives slump", "new", "llama", None, "mean", 4, None, -0.3)
    check_rules(rules, load_ecosystems())


GOOD_RULE = '[[alert]]\nname = "fine"\nfigure = "new"\nabove = 10\n\n'
# (the second rule's body, what the message says); the second rule is named "bad" unless said otherwise.
BAD_RULES = {
    "unknown key": ('figure = "new"\nabove = 1\nthreshold = 3', "unknown key 'threshold'"),
    "no figure": ("above = 1", "missing 'figure' (one of derivatives, new, weekly_downloads"),
    "unknown figure": (
        'figure = "likes"\nabove = 1',
        "unknown figure 'likes' (known: derivatives, new, weekly_downloads, downloads_30d, new_share, "
        "untracked_newcomers)",
    ),
    "bad compare": ('figure = "new"\ncompare = "median"\nabove = 1', "'compare' must be one of value"),
    "runs 0": ('figure = "new"\ncompare = "mean"\nruns = 0\nabove = 1', "'runs' must be a whole number"),
    "runs float": ('figure = "new"\ncompare = "mean"\nruns = 2.5\nabove = 1', "'runs' must be a whole"),
    "runs without mean": ('figure = "new"\nruns = 3\nabove = 1', "'runs' goes only with compare"),
    "both": ('figure = "new"\nabove = 1\nbelow = 0', "give one of 'above' and 'below', not both"),
    "neither": ('figure = "new"', "needs a threshold: 'above' or 'below'"),
    "word threshold": ('figure = "new"\nbelow = "low"', "'below' must be a number or a percentage"),
    "bool threshold": ('figure = "new"\nbelow = true', "'below' must be a number, not True"),
    "list threshold": ('figure = "new"\nbelow = [1]', "'below' must be a number"),
    "nan threshold": ('figure = "new"\nbelow = nan', "'below' must be a finite number"),
    "percent of a count": ('figure = "derivatives"\nbelow = "10%"', "'below' must be a number"),
    "share out of range": ('figure = "new_share"\necosystem = "qwen"\nabove = 12', "between 0 and 1"),
    "family with new_share": (
        'figure = "new_share"\necosystem = "llama"\nfamily = "Llama 3.1"\nabove = 0.1',
        "'family' cannot go with new_share",
    ),
    "new_share without ecosystem": ('figure = "new_share"\nabove = 0.1', "new_share needs 'ecosystem'"),
    "empty ecosystem": ('figure = "new"\necosystem = ""\nabove = 1', "'ecosystem' must be a non-empty"),
    "duplicate name": ('name = "fine"\nfigure = "new"\nabove = 1', "the name is also rule #1's"),
}


@pytest.mark.parametrize(("body", "message"), BAD_RULES.values(), ids=BAD_RULES.keys())
def test_a_bad_rule_is_one_line_naming_the_file_and_the_rule(tmp_path: Path, body: str, message: str) -> None:
    named = body if body.startswith("name") else f'name = "bad"\n{body}'
    path = write(tmp_path, GOOD_RULE + "[[alert]]\n" + named + "\n")
    with pytest.raises(AlertsError) as error:
        load_rules(path)
    text = str(error.value)
    assert "\n" not in text
    name = "fine" if body.startswith('name = "fine"') else "bad"
    assert text.startswith(f"alerts file {path}: rule #2 ('{name}'): "), text
    assert message in text


def test_a_rule_without_a_usable_name_is_named_by_its_number(tmp_path: Path) -> None:
    with pytest.raises(AlertsError, match=r": rule #2: 'name' must be a non-empty string$"):
        load_rules(write(tmp_path, GOOD_RULE + '[[alert]]\nname = 3\nfigure = "new"\nabove = 1\n'))
    with pytest.raises(AlertsError, match=r": rule #1: unknown figure 'x'"):
        load_rules(write(tmp_path, '[[alert]]\nfigure = "x"\nabove = 1\n'))


BAD_FILES = {
    "empty": ("", "no [[alert]] rule"),
    "comments only": ("# nothing yet\n", "no [[alert]] rule"),
    "empty list": ("alert = []\n", "no [[alert]] rule"),
    "one table": ('[alert]\nfigure = "new"\nabove = 1\n', "'alert' must be an array of tables ([[alert]])"),
    "not tables": ("alert = [1, 2]\n", "'alert' must be an array of tables"),
    "top-level key": ('figure = "new"\n', "unknown top-level key 'figure'"),
    "syntax": ('[[alert]]\nfigure = "new"\nabove = = 1\n', "invalid TOML: Invalid value (at line 3, column"),
}


@pytest.mark.parametrize(("text", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AlertsError) as error:
        load_rules(path)
    assert str(error.value).startswith(f"alerts file {path}: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(AlertsError, match=r"^alerts file .*missing\.toml: file not found$"):
        load_rules(tmp_path / "missing.toml")
    with pytest.raises(AlertsError, match=r": is a directory, not a file$"):
        load_rules(tmp_path)
    (tmp_path / "latin1.toml").write_bytes(b'[[alert]]\nname = "caf\xe9"\n')
    with pytest.raises(AlertsError, match=r": not valid UTF-8 \(byte 21\)$"):
        load_rules(tmp_path / "latin1.toml")


def test_a_newline_in_a_name_stays_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(AlertsError) as error:
        load_rules(write(tmp_path, '[[alert]]\nname = "two\\nlines"\nfigure = "nope"\nabove = 1\n'))
    assert "\n" not in str(error.value)
    assert "rule #1 ('two\\nlines')" in str(error.value)


# --- the checks --------------------------------------------------------------------------------------------


def test_check_rules_names_an_unknown_ecosystem_and_the_tracked_ones() -> None:
    rules = [rule(ecosystem="llama", above=1), rule(ecosystem="phi", above=1, name="phi watch")]
    with pytest.raises(AlertsError) as error:
        check_rules(rules, load_ecosystems(), source="alerts.toml")
    assert str(error.value) == (
        "alerts file alerts.toml: rule #2 ('phi watch'): ecosystem 'phi' is not tracked "
        "(tracked: llama, qwen, mistral, gemma, deepseek, muse)"
    )
    tracked = [eco for eco in load_ecosystems() if eco.name == "qwen"]
    with pytest.raises(
        AlertsError, match=r"^alerts: rule #1 \(.*\): ecosystem 'llama' is not tracked \(tracked: qwen\)$"
    ):
        check_rules(rules, tracked)


def test_check_rules_names_an_unknown_family_and_the_known_ones() -> None:
    ecosystems = load_ecosystems()
    with pytest.raises(AlertsError) as error:
        check_rules([rule(ecosystem="llama", family="Llama 9", above=1, name="l9")], ecosystems)
    text = str(error.value)
    assert text.startswith(
        "alerts: rule #1 ('l9'): family 'Llama 9' is not one of ecosystem 'llama' (known: "
    )
    assert "Llama 3.1, Llama 3.2" in text
    assert "Other" in text
    assert "Qwen 2.5" not in text
    # A family of another ecosystem is not one of llama's; with no ecosystem, any tracked one's will do.
    with pytest.raises(AlertsError, match="family 'Qwen 2.5' is not one of ecosystem 'llama'"):
        check_rules([rule(ecosystem="llama", family="Qwen 2.5", above=1)], ecosystems)
    check_rules(
        [rule(family="Qwen 2.5", above=1), rule(ecosystem="llama", family="Other", above=1)], ecosystems
    )
    with pytest.raises(AlertsError, match="family 'Gemma 9' is not one of the tracked ecosystems"):
        check_rules([rule(family="Gemma 9", above=1)], ecosystems)
    # "Other" is only a family of the ecosystems with `authors` (gemma has none).
    with pytest.raises(AlertsError, match="family 'Other' is not one of ecosystem 'gemma'"):
        check_rules([rule(ecosystem="gemma", family="Other", above=1)], ecosystems)


# --- a real database ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Three weekly snapshots of llama and qwen on the emulator, by family."""
    url = build_database(tmp_path_factory.mktemp("alerts") / "t.db", weeks=3)
    engine = open_store(url)
    try:
        return queries.load_series(engine, Filters(), "family")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_rules_on_a_real_series_fire_just_past_the_real_figure(real_series: pd.DataFrame) -> None:
    runs = sorted(real_series["run_id"].unique())
    assert len(runs) == 3
    last, previous = runs[-1], runs[-2]
    llama = real_series[real_series["ecosystem"] == "llama"]
    new = {run: float(llama.loc[llama["run_id"] == run, "new"].sum()) for run in (previous, last)}
    assert new[previous] > 0
    change = (new[last] - new[previous]) / new[previous]
    family = real_series[(real_series["family"] == "Llama 3.1") & (real_series["run_id"] == last)]
    derivatives = float(family["derivatives"].sum())
    total = real_series[real_series["run_id"] == last].groupby("ecosystem")["new"].sum()
    share = float(total["qwen"] / total.sum())  # the runs are a week apart: per week is per run
    rules = [
        rule(ecosystem="llama", compare="previous", above=change - 0.001),
        rule(ecosystem="llama", compare="previous", above=change + 0.001),
        rule(ecosystem="llama", compare="previous", below=change + 0.001),
        rule("derivatives", ecosystem="llama", family="Llama 3.1", below=derivatives + 0.5),
        rule("derivatives", ecosystem="llama", family="Llama 3.1", below=derivatives - 0.5),
        rule("new_share", ecosystem="qwen", above=share - 0.001),
        rule("new_share", ecosystem="qwen", above=share + 0.001),
        rule(ecosystem="llama", compare="mean", runs=2, below=0),  # `new` has one run before the last
    ]
    alerts = evaluate(rules, real_series, int(last))
    assert [a.fired for a in alerts] == [True, False, True, True, False, True, False, False]
    assert all(a.evaluated for a in alerts[:-1])
    assert not alerts[-1].evaluated
    assert alerts[0].value == new[last]
    assert alerts[0].reference == new[previous]
    assert alerts[3].value == derivatives
    assert alerts[5].value == pytest.approx(share)
