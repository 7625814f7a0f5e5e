"""The alert rule on the whole Hub (`figure = "untracked_newcomers"`) and the Whole Hub section on literal
rows: the rule's file form and its errors, its evaluation on `tracker.report.digest_hub.compute`'s figures
(fires, stays silent, not evaluated), and ids and names that Markdown would read, shown as written.
The same rule on real scans: tests/report/test_digest_hub.py."""

from __future__ import annotations

from pathlib import Path

import markdown
import pandas as pd
import pytest

from tests.support.markup import assert_inert
from tracker.report import digest_hub
from tracker.report.alert_file import load_rules
from tracker.report.alert_rule import AlertsError, Rule
from tracker.report.alerts import Alert, evaluate

AT = pd.Timestamp("2026-11-02 06:00", tz="UTC")
SERIES = pd.DataFrame({"run_id": [2, 3], "taken_at": [AT - pd.Timedelta(days=7), AT]})
RULE = Rule(
    "untracked newcomers to the top 50 (whole Hub) above 0",
    "untracked_newcomers",
    None,
    None,
    "value",
    4,
    0.0,
    None,
)


def run_row(run_id: int, at: pd.Timestamp, models: int, derivatives: int, new: int | None) -> pd.Series:
    return pd.Series(
        {
            "run_id": run_id,
            "taken_at": at,
            "hub_models": models,
            "hub_derivatives": derivatives,
            "hub_new_derivatives": pd.NA if new is None else new,
        }
    )


def bases(rows: list[tuple]) -> pd.DataFrame:
    """`load_bases`-like rows from (base_id, organisation, region, derivatives, new, ecosystems)."""
    frame = pd.DataFrame(
        rows, columns=["base_id", "organisation", "region", "derivatives", "new_derivatives", "ecosystems"]
    )
    frame["tracked"] = frame["ecosystems"] != ""
    frame["rank"] = frame["new_derivatives"].rank(method="min", ascending=False).astype(int)
    return frame


def whole_hub(comers: list[tuple], new: list[tuple] = ()) -> dict:
    groups = pd.DataFrame(
        {
            "name": ["llama"],
            "bases": [3],
            "derivatives": [6836],
            "share": [0.5],
            "new_derivatives": [1200],
            "new_share": [0.25],
        }
    )
    return digest_hub.compute(
        run_row(3, AT, 2_000_000, 13_672, 4_800),
        run_row(2, AT - pd.Timedelta(days=7), 1_990_000, 12_000, 4_000),
        without=[],
        ecosystems=groups,
        regions=groups.assign(name="us"),
        new_bases=bases(list(new)),
        newcomers=bases(comers),
    )


def one(made: Rule, hub: dict | None, run_id: int = 3) -> Alert:
    (alert,) = evaluate([made], SERIES, run_id, whole_hub=hub)
    return alert


# --- the file ---------------------------------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_rule_reads_from_the_file(tmp_path: Path) -> None:
    assert load_rules(write(tmp_path, '[[alert]]\nfigure = "untracked_newcomers"\nabove = 0\n')) == [RULE]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('ecosystem = "llama"\nabove = 0', "untracked_newcomers is of the whole Hub, compared as a value"),
        ('family = "Llama 3.1"\nabove = 0', "no ecosystem, family or compare"),
        ('compare = "previous"\nabove = 0', "no ecosystem, family or compare"),
        ('above = "10%"', "'above' must be a number: untracked newcomers to the top 50 are counted"),
    ],
)
def test_the_rule_takes_no_scope_nor_comparison(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(AlertsError) as error:
        load_rules(
            write(tmp_path, f'[[alert]]\nname = "new family"\nfigure = "untracked_newcomers"\n{extra}\n')
        )
    assert "rule #1 ('new family'): " in str(error.value)
    assert message in str(error.value)


# --- evaluation ---------------------------------------------------------------------------------------------


def test_an_untracked_newcomer_fires_naming_it() -> None:
    hub = whole_hub(
        [("new-lab/Base-7B", "new-lab", "unknown", 40, 40, ""), ("meta-llama/X", "Meta", "us", 9, 9, "llama")]
    )
    alert = one(RULE, hub)
    assert (alert.evaluated, alert.fired, alert.value, alert.measured) == (True, True, 1.0, 1.0)
    assert (
        alert.line == "Untracked newcomers to the top 50 (whole Hub) stood at 1 (new-lab/Base-7B), above 0."
    )


def test_tracked_newcomers_alone_stay_silent() -> None:
    alert = one(RULE, whole_hub([("meta-llama/X", "Meta", "us", 9, 9, "llama")]))
    assert (alert.evaluated, alert.fired, alert.value) == (True, False, 0.0)
    assert alert.line == "Untracked newcomers to the top 50 (whole Hub) stood at 0, not above 0."


def test_a_named_rule_over_many_bases_names_ten_and_counts_the_rest() -> None:
    comers = [(f"lab-{k:02}/Base", f"lab-{k:02}", "unknown", 50 - k, 50 - k, "") for k in range(12)]
    named = Rule("new families", "untracked_newcomers", None, None, "value", 4, 11.0, None)
    alert = one(named, whole_hub(comers))
    listed = ", ".join(f"lab-{k:02}/Base" for k in range(10))
    assert alert.line == (
        f"Untracked newcomers to the top 50 (whole Hub) stood at 12 ({listed} and 2 more), above 11: "
        "new families."
    )


def test_no_view_or_no_newcomers_counted_is_not_evaluated() -> None:
    without = digest_hub.compute(None, None, without=[3])
    assert "run 3 has no whole-Hub view" in one(RULE, without).line
    assert not one(RULE, None).evaluated
    second = digest_hub.compute(
        run_row(3, AT, 20, 10, 4), run_row(2, AT, 18, 9, None), without=[], newcomers=bases([])
    )
    alert = one(RULE, second)
    assert (alert.evaluated, alert.fired) == (False, False)
    assert alert.line.endswith(
        "not evaluated (no newcomer is counted before the third run with the whole-Hub view)."
    )


# --- the section's text ------------------------------------------------------------------------------------


def test_ids_and_names_show_as_written_and_never_as_markup() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    hub = whole_hub(
        [
            ("a_b/_c_", "[x](http://evil.example)", "unknown", 7, 7, ""),
            ("u/d*e*", hostile, "us", 5, 5, "llama"),
        ],
        [("a_b/_c_", "**Org**", hostile, 7, 7, "")],
    )
    d = {"run": {"id": 3}, "whole_hub": hub, "labels": [{"ecosystem": "llama", "label": "`Meta` Llama"}]}
    lines = digest_hub.markdown(d)
    page = markdown.markdown("\n".join(lines), extensions=["tables"], output_format="html")
    parsed = assert_inert(page)
    assert not parsed.named("img")
    assert hostile in parsed.text
    assert "a_b/_c_" in parsed.text
    assert "u/d*e*" in parsed.text
    assert "[x](http://evil.example)" in parsed.text
    assert "**Org**" in parsed.text
    assert "`Meta` Llama" in parsed.text
    assert "<strong>" not in page
    assert "<em>" not in page
    assert "<code>" not in page


def test_figures_are_in_full_with_separators() -> None:
    lines = digest_hub.markdown({"run": {"id": 3}, "whole_hub": whole_hub([])})
    assert "| models on the Hub | 2,000,000 | +10,000 |" in lines
    assert "| derivatives of some base | 13,672 | +1,672 |" in lines
    assert "| new derivatives | 4,800 | +800 |" in lines
    assert "| llama | 1,200 | 25.0% | 6,836 | 50.0% |" in lines
    assert "Newcomers to the top 50 by new derivatives: none." in lines
    assert "New bases (not bases in the run before with the view): none." in lines


def test_a_run_without_the_view_is_one_line_naming_the_runs() -> None:
    many = digest_hub.compute(None, None, without=list(range(1, 13)))
    (line,) = digest_hub.markdown({"run": {"id": 12}, "whole_hub": many})
    assert line.endswith("Runs without it: 12 runs, the latest 3, 4, 5, 6, 7, 8, 9, 10, 11 and 12.")
    (line,) = digest_hub.markdown(
        {"run": {"id": 5}, "whole_hub": digest_hub.compute(None, None, without=[2, 5])}
    )
    assert line.startswith("Run 5 has no whole-Hub view (")
    assert line.endswith("Runs without it: 2 and 5.")
