"""The Compare page and the Overview's growth multiple on five ecosystems over 14 months of emulator runs.

The done-when of issue 13: the figures the page shows (share of new derivatives, size classes, relative
adoption, providers, growth multiple) equal those computed with plain pandas from `tracker export`'s
files for the same runs, through the page's own data functions and as AppTest renders them. Then every
new widget under AppTest, and the pure parts on literal tables.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.support.dashboard_db import FIVE
from tests.support.paths import APP
from tracker.cli import main
from tracker.core.ecosystems import labels_of, load_ecosystems
from tracker.read import compare, kpis, queries
from tracker.report import palette
from tracker.storage.database import make_engine

WEEK = pd.Timedelta(days=7)
AGES = (7, 14, 30, 60, 90, 180, 365)
INHERIT = {"adapter", "quantized"}
# The history built for these tests (else the database named by TRACKER_COMPARE_DATABASE, e.g. the demo's:
# the same equalities, without the built history's particulars).
BUILT = not os.environ.get("TRACKER_COMPARE_DATABASE")
BOUNDS = [0, 3e9, 9e9, 35e9, 100e9, np.inf]
CLASSES = ["<3B", "3-9B", "9-35B", "35-100B", "100B+"]


# --- the exports and the same figures from them, in plain pandas -----------------------------------------


@pytest.fixture(scope="module")
def exported(five_ecosystems: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """`tracker export history|models|edges|runs` of the database, as Parquet, read back."""
    folder = tmp_path_factory.mktemp("exports")
    frames = {}
    for table in ("history", "models", "edges", "runs"):
        path = folder / f"{table}.parquet"
        with pytest.raises(SystemExit) as stopped:
            main(["export", table, "--database", five_ecosystems, "--output", str(path)])
        assert stopped.value.code == 0, table
        frames[table] = pd.read_parquet(path)
        for name in ("taken_at", "created_at", "first_seen_at", "last_seen_at"):
            if name in frames[table]:
                frames[table][name] = pd.to_datetime(frames[table][name], utc=True)
    return frames


@pytest.fixture(scope="module")
def engine(five_ecosystems: str) -> Engine:
    engine = make_engine(five_ecosystems)
    yield engine
    engine.dispose()


def _runs(history: pd.DataFrame) -> pd.DataFrame:
    """Each ecosystem's runs, its previous run and the weeks since."""
    runs = history[["ecosystem", "run_id", "taken_at"]].drop_duplicates()
    runs = runs.sort_values(["ecosystem", "taken_at", "run_id"], ignore_index=True)
    runs["previous"] = runs.groupby("ecosystem")["run_id"].shift()
    runs["weeks"] = runs.groupby("ecosystem")["taken_at"].diff() / WEEK
    return runs


def _derivatives(history: pd.DataFrame) -> pd.DataFrame:
    """The derivatives' rows with `is_new` (not in the ecosystem's previous run; NA in its first)."""
    runs = _runs(history)
    rows = history[history["depth"] > 0].merge(runs, on=["ecosystem", "run_id", "taken_at"])
    seen = set(zip(rows["ecosystem"], rows["run_id"], rows["model_id"], strict=True))
    rows["is_new"] = [
        pd.NA if pd.isna(p) else (e, int(p), m) not in seen
        for e, p, m in zip(rows["ecosystem"], rows["previous"], rows["model_id"], strict=True)
    ]
    return rows


def expected_shares(history: pd.DataFrame) -> pd.DataFrame:
    rows = _derivatives(history)
    per = rows.groupby(["run_id", "taken_at", "ecosystem"], as_index=False).agg(
        new=("is_new", lambda s: np.nan if s.isna().any() else float(s.sum())), weeks=("weeks", "first")
    )
    per["per_week"] = per["new"] / per["weeks"]
    per = per[per.groupby("run_id")["per_week"].transform(lambda s: s.notna().all())]
    per["share"] = per["per_week"] / per.groupby("run_id")["per_week"].transform("sum")
    return per


def _size(parameters: float) -> str:
    if pd.isna(parameters) or parameters <= 0:
        return "unknown"
    return str(pd.cut([parameters], BOUNDS, labels=CLASSES, right=False)[0])


def _effective(
    model_id: str,
    path: frozenset[str],
    run: dict,
    memo: dict[str, str],
) -> str:
    """A member's class as the methodology states it, by plain recursion (`run`: the run's members)."""
    if model_id in memo:
        return memo[model_id]
    found = None
    if run["relation"][model_id] in INHERIT:
        for parent in sorted(run["parents"][model_id], key=lambda p: (run["depth"][p], p)):
            if parent not in path:
                got = _effective(parent, path | {parent}, run, memo)
                if got != "unknown":
                    found = got
                    break
    memo[model_id] = found or _size(run["parameters"].get(model_id))
    return memo[model_id]


def expected_size_classes(history: pd.DataFrame, models: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """history + `size_class`: own count's, an adapter's or quantization's first parent's with one."""
    keys = zip(models["model_id"], models["ecosystem"], strict=True)
    parameters = dict(zip(keys, models["parameters"], strict=True))
    classes = []
    for (run_id, taken_at, ecosystem), rows in history.groupby(["run_id", "taken_at", "ecosystem"]):
        links = edges[(edges["first_seen_at"] <= taken_at) & (edges["last_seen_at"] >= taken_at)]
        relation = dict(zip(rows["model_id"], rows["relation"], strict=True))
        by_key: dict[str, str] = {}
        for model_id in rows["model_id"]:
            by_key.setdefault(model_id.lower(), model_id)
        parents = defaultdict(list)
        for child, parent in zip(links["child_id"], links["parent_id"], strict=True):
            found = by_key.get(parent.lower())
            if relation.get(child) in INHERIT and found is not None and found != child:
                parents[child].append(found)
        run = {
            "relation": relation,
            "depth": dict(zip(rows["model_id"], rows["depth"], strict=True)),
            "parents": parents,
            "parameters": {m: parameters.get((m, ecosystem)) for m in relation},
        }
        memo: dict[str, str] = {}
        for model_id in sorted(m for m in relation if relation[m] in INHERIT):
            _effective(model_id, frozenset({model_id}), run, memo)
        for model_id in rows["model_id"]:
            classes.append(
                (run_id, ecosystem, model_id, _effective(model_id, frozenset({model_id}), run, memo))
            )
    found = pd.DataFrame(classes, columns=["run_id", "ecosystem", "model_id", "size_class"])
    return history.merge(found, on=["run_id", "ecosystem", "model_id"])


def _release_days() -> dict[str, pd.Timestamp]:
    """The shipped release-dates file's days (00:00 UTC), by lower-cased model id."""
    shipped = pd.read_csv(Path(compare.__file__).parents[1] / "data" / "release-dates.csv")
    days = zip(shipped["model_id"], shipped["released_on"], strict=True)
    return {model_id.lower(): pd.Timestamp(day, tz="UTC") for model_id, day in days}


def expected_adoption(history: pd.DataFrame, models: pd.DataFrame, latest: pd.Timestamp) -> pd.DataFrame:
    roots = history[history["depth"] == 0]
    created = models.drop_duplicates("model_id").set_index("model_id")["created_at"]
    released = _release_days()  # the ages count from the release day where the file has one
    sizes = models.drop_duplicates("model_id").set_index("model_id")["parameters"].map(_size)
    rows = []
    for model_id, own in roots.groupby("model_id"):
        own = own.dropna(subset=["downloads_all_time"]).drop_duplicates("run_id").sort_values("taken_at")
        times = np.array([stamp.value for stamp in own["taken_at"]], dtype=float)
        values = own["downloads_all_time"].to_numpy(dtype=float)
        start = released.get(model_id.lower(), created[model_id])
        start = created[model_id] if start == created[model_id].normalize() else start  # the same day
        for days in AGES:
            at = start + pd.Timedelta(days=days)
            if at > latest:
                value, status = np.nan, "not reached"
            elif not len(times) or at.value < times[0]:
                value, status = np.nan, "before history"
            elif at.value > times[-1]:
                value, status = np.nan, "no longer recorded"
            else:
                value, status = float(np.interp(at.value, times, values)), "recorded"
            rows.append((model_id, days, sizes[model_id], value, status))
    frame = pd.DataFrame(rows, columns=["model_id", "days", "size_class", "downloads", "status"])
    known = frame[(frame["status"] == "recorded") & (frame["size_class"] != "unknown")]
    tenth = known.groupby(["size_class", "days"])["downloads"].agg(
        lambda s: sorted(s, reverse=True)[9] if len(s) >= 10 else np.nan
    )
    frame = frame.merge(tenth.rename("reference").reset_index(), on=["size_class", "days"], how="left")
    usable = (frame["status"] == "recorded") & (frame["reference"] >= 1_000)  # the documented floor
    frame["ratio"] = np.where(usable, frame["downloads"] / frame["reference"], np.nan)
    return frame


def expected_providers(history: pd.DataFrame) -> pd.DataFrame:
    last = history.groupby("ecosystem")["taken_at"].transform("max")
    rows = history[history["taken_at"] == last]
    out = rows.groupby("ecosystem").agg(
        members=("model_id", "size"),
        recorded=("live_providers", lambda s: s.notna().any()),
        live_models=("live_providers", lambda s: int((s > 0).sum())),
        provider_pairs=("live_providers", lambda s: int(s.sum())),
    )
    out.loc[~out["recorded"], ["live_models", "provider_pairs"]] = np.nan
    return out


def expected_growth(history: pd.DataFrame) -> tuple[float, int, int, date, date]:
    counts = history[history["depth"] > 0].groupby("taken_at").size().sort_index()
    latest = counts.index[-1]
    since = max(counts.index[0].date(), (latest - pd.DateOffset(years=1)).date())
    before = counts[[stamp.date() <= since for stamp in counts.index]]
    return (
        counts.iloc[-1] / before.iloc[-1],
        counts.iloc[-1],
        before.iloc[-1],
        latest.date(),
        before.index[-1].date(),
    )


def _close(a: pd.Series, b: pd.Series) -> bool:
    a, b = a.astype(float).to_numpy(), b.astype(float).to_numpy()
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-6, equal_nan=True))


# --- the done-when: the page's figures are the exports' --------------------------------------------------


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_the_database_holds_five_ecosystems(exported: dict[str, pd.DataFrame]) -> None:
    history = exported["history"]
    assert sorted(history["ecosystem"].unique()) == sorted(FIVE)
    assert history["live_providers"].notna().any()
    if BUILT:  # the built history's particulars
        assert history["run_id"].nunique() == 17
        assert history["live_providers"].isna().any()
    assert exported["models"]["parameters"].notna().mean() > 0.9


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_share_of_new_derivatives_equals_the_exports(exported: dict, engine: Engine) -> None:
    expected = expected_shares(exported["history"])
    got = compare.compute_new_shares(queries.load_series(engine))
    joined = expected.merge(got, on=["run_id", "ecosystem"])
    assert len(joined) == len(expected) == len(got) > 0
    assert (joined["new_x"] == joined["new_y"].astype(float)).all()
    assert _close(joined["share_x"], joined["share_y"])
    assert _close(joined["per_week"], joined["new_per_week"])
    assert _close(got.groupby("run_id")["share"].sum(), pd.Series(1.0, index=got["run_id"].unique()))
    assert got["run_id"].min() == 2  # the first run has no new derivatives to share


@pytest.mark.slow
def test_size_classes_equal_the_exports(exported: dict, engine: Engine) -> None:
    history = expected_size_classes(exported["history"], exported["models"], exported["edges"])
    rows = _derivatives(history)
    keys = ["run_id", "ecosystem", "size_class"]
    expected = rows.groupby(keys, as_index=False).agg(
        derivatives=("model_id", "size"),
        new=("is_new", lambda s: np.nan if s.isna().any() else float(s.sum())),
        delta=("downloads_delta", lambda s: np.nan if s.isna().all() else float(s.sum())),
        weeks=("weeks", "first"),
    )
    expected["weekly"] = (expected["delta"] / expected["weeks"]).round()
    got = queries.load_series(engine, by="size_class")
    joined = expected.merge(got, on=keys)
    assert len(joined) == len(expected) == len(got)
    assert (joined["derivatives_x"] == joined["derivatives_y"]).all()
    assert _close(joined["new_x"], joined["new_y"])
    assert _close(joined["weekly"], joined["weekly_downloads"])
    assert {"<3B", "3-9B", "9-35B", "35-100B", "100B+"} <= set(got["size_class"])
    # and the page's mix at each ecosystem's latest run
    for value, column in (("derivatives", "derivatives_x"), ("weekly_downloads", "weekly")):
        mix = compare.compute_mix(got, "size_class", value)
        latest = joined[joined["run_id"] == joined["run_id"].max()]
        share = latest[column] / latest.groupby("ecosystem")[column].transform("sum")
        both = mix.merge(latest.assign(expected=share), on=["ecosystem", "size_class"])
        assert len(both) == len(mix), value
        assert _close(both["share"], both["expected"]), value


@pytest.mark.slow
def test_relative_adoption_equals_the_exports(exported: dict, engine: Engine) -> None:
    runs = exported["runs"]
    latest = runs.loc[runs["status"] == "complete", "taken_at"].max()
    expected = expected_adoption(exported["history"], exported["models"], latest)
    got = compare.load_relative_adoption(engine)
    joined = expected.merge(got, on=["model_id", "days"])
    assert (
        len(joined)
        == len(expected)
        == len(got)
        == 7 * exported["history"].query("depth == 0")["model_id"].nunique()
    )
    assert (joined["status_x"] == joined["status_y"]).all()
    assert (joined["size_class_x"] == joined["size_class_y"]).all()
    assert _close(joined["downloads_x"], joined["downloads_y"])
    assert _close(joined["reference_x"], joined["reference_y"])
    assert _close(joined["ratio_x"], joined["ratio_y"])
    statuses = set(got["status"])
    assert {"recorded", "before history", "not reached"} <= statuses
    assert got["ratio"].notna().sum() > 50
    assert (got["ratio"] >= 1).sum() > 10


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_providers_equal_the_exports(exported: dict, engine: Engine, five_ecosystems: str) -> None:
    expected = expected_providers(exported["history"])
    latest = compare.compute_providers(compare.load_provider_series(engine)).set_index("ecosystem")
    assert list(latest.index) == sorted(FIVE)
    assert (latest["members"] == expected["members"]).all()
    assert (latest["recorded"] == expected["recorded"]).all()
    if BUILT:  # its latest deepseek run recorded no providers: missing, not zero
        assert not latest.loc["deepseek", "recorded"]
        assert pd.isna(latest.loc["deepseek", "live_models"])
    assert _close(latest["live_models"], expected["live_models"])
    assert _close(latest["provider_pairs"], expected["provider_pairs"])
    counts = compare.load_provider_counts(engine, latest.reset_index()[latest["recorded"].to_numpy()])
    pairs = counts.groupby("ecosystem")["models"].sum()
    assert (pairs == expected["provider_pairs"].dropna()).all()  # every pair counted once, by its provider
    # the names are not in the export: against the stored strings, in plain SQL
    with sqlite3.connect(five_ecosystems.removeprefix("sqlite:///")) as db:
        stored = db.execute(
            "SELECT m.ecosystem, s.providers FROM membership m JOIN model_snapshot s "
            "ON s.run_id = m.run_id AND s.model_id = m.model_id "
            "WHERE m.run_id = (SELECT max(id) FROM snapshot_run) AND s.live_providers > 0"
        ).fetchall()
    by_name = pd.Series([(e, p) for e, names in stored for p in names.split(";")]).value_counts()
    assert {(r.ecosystem, r.provider): r.models for r in counts.itertuples()} == by_name.to_dict()


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_growth_multiple_equals_the_exports(exported: dict, engine: Engine) -> None:
    value, now, before, now_at, before_at = expected_growth(exported["history"])
    series = queries.load_series(engine)
    days = series["taken_at"].dt.date
    growth = kpis.growth_multiple(series, kpis.default_since(days.min(), days.max()))
    assert growth.value == pytest.approx(value)
    assert (growth.now, growth.before, growth.now_at, growth.before_at) == (now, before, now_at, before_at)
    assert (now_at - before_at).days >= (364 if BUILT else 0)  # the built history covers a year
    assert growth.basis == (
        f"{kpis.format_multiple(value)}: {now:,} derivatives on {now_at:%Y-%m-%d} against {before:,} on "
        f"{before_at:%Y-%m-%d}"
    )


# --- as AppTest renders them -----------------------------------------------------------------------------


@pytest.fixture
def app(five_ecosystems: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", five_ecosystems)
    return AppTest.from_file(APP, default_timeout=60)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one dataframe shown with that column."""
    (found,) = [frame.value for frame in at.dataframe if column in frame.value.columns]
    return found


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


SECTIONS = (
    "New derivatives",
    "Size and downloads",
    "What they are",
    "Base models' adoption",
    "Inference providers",
)


def section(at: AppTest, name: str) -> AppTest:
    """The Compare page with that section's tab open (the others are neither computed nor sent)."""
    at.session_state["cmp_section"] = name
    at.run()
    assert not errors(at)
    return at


@pytest.mark.slow  # the five-ecosystem history: about 20 s to build, once per run
def test_overview_shows_the_growth_multiple_and_its_basis(app: AppTest, exported: dict) -> None:
    # With every ecosystem shown, the Overview's figures are Llama's (the rivals in a table beside them)
    history = exported["history"][exported["history"]["ecosystem"] == "llama"]
    value, now, before, now_at, before_at = expected_growth(history)
    app.run()
    assert not errors(app)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Growth multiple, Meta Llama"] == kpis.format_multiple(value)
    basis = f"{now:,} derivatives on {now_at:%Y-%m-%d} against {before:,} on {before_at:%Y-%m-%d}."
    assert any(basis in c.value for c in app.caption)
    # against the first run, and before it: the first run, saying so
    counts = history.query("depth > 0").groupby("taken_at").size().sort_index()
    first = counts.index[0].date()
    for chosen, note in ((first, False), (date(2020, 1, 1), True)):
        app.date_input(key="ov_growth_since").set_value(chosen).run()
        assert not errors(app)
        assert {m.label: m.value for m in app.metric}["Growth multiple, Meta Llama"] == kpis.format_multiple(
            counts.iloc[-1] / counts.iloc[0]
        )
        assert any(f"against {counts.iloc[0]:,} on {first:%Y-%m-%d}" in c.value for c in app.caption)
        assert any("No run on or before 2020-01-01" in c.value for c in app.caption) is note


@pytest.mark.slow
def test_compare_page_shows_the_exports_figures(app: AppTest, exported: dict) -> None:
    history = exported["history"]
    app.run()
    app.switch_page("views/ecosystems.py").run()
    assert not errors(app)
    # the latest run's shares, in words
    shares = expected_shares(history)
    last = shares[shares["run_id"] == shares["run_id"].max()].sort_values(
        "share", ascending=False, kind="stable"
    )
    labels = labels_of(load_ecosystems())  # the page names ecosystems by their labels
    words = ", ".join(f"{labels[row.ecosystem]} {row.share:.1%}" for row in last.itertuples())
    assert any(words in c.value for c in app.caption), words
    # the archive run is shaded on the charts over time
    assert any(
        layer.get("mark", {}).get("type") == "rect" for spec in charts(app) for layer in spec.get("layer", [])
    )
    assert any("weekly archive" in c.value for c in app.caption)
    # five ecosystems, each its own colour, on every chart split by ecosystem, in every section; legends
    # below the charts, or, for the two side by side, none but the key above them
    legends, drawn = [], []
    for name in SECTIONS:
        drawn += charts(section(app, name))
    for spec in drawn:
        for layer in spec.get("layer", [spec]):
            colour = layer.get("encoding", {}).get("color", {})
            if colour.get("field") == "ecosystem":
                assert colour["scale"]["domain"] == [labels[name] for name in palette.ecosystem_order(FIVE)]
                legends.append(colour.get("legend") and colour["legend"].get("orient"))
    assert legends  # every chart by ecosystem names them by label, Llama first
    # providers: the table as shown, "not recorded" where the run did not say
    expected = expected_providers(history)
    table = table_with(section(app, "Inference providers"), "Served live").set_index("Ecosystem")
    if BUILT:
        assert table.loc[labels["deepseek"], "Served live"] == "not recorded"
    for ecosystem, row in expected[expected["recorded"]].iterrows():
        assert table.loc[labels[ecosystem], "Served live"] == f"{int(row['live_models']):,}"
        assert table.loc[labels[ecosystem], "(Model, provider) pairs"] == f"{int(row['provider_pairs']):,}"
        assert table.loc[labels[ecosystem], "Models"] == f"{int(row['members']):,}"
    # relative adoption at the default age, 30 days
    latest = exported["runs"].query("status == 'complete'")["taken_at"].max()
    adoption = expected_adoption(history, exported["models"], latest)
    at_30 = adoption[adoption["days"] == 30].set_index("model_id")
    shown = table_with(section(app, "Base models' adoption"), "answer").set_index("model_id")  # or why none
    assert sorted(shown.index) == sorted(at_30.index)
    ratios = at_30.loc[shown.index, "ratio"]
    printed = [float(a.replace(",", "")) for a in shown.loc[ratios.notna(), "answer"]]  # to 2 decimals
    assert np.allclose(printed, ratios.dropna().astype(float), rtol=0, atol=0.0051)
    assert ratios.dropna().is_monotonic_decreasing  # best first, then the rows without a ratio
    assert ratios.notna().sum() == 0 or ratios.iloc[: ratios.notna().sum()].notna().all()


@pytest.mark.slow
def test_compare_page_widgets(app: AppTest) -> None:
    app.run()
    app.switch_page("views/ecosystems.py").run()
    assert not errors(app)

    def layers(spec: dict) -> list[dict]:
        """A spec's plain layers, however deep (a download chart's event rules layer it again)."""
        if "layer" not in spec:
            return [spec]
        return [plain for layer in spec["layer"] for plain in layers(layer)]

    def scales() -> list[str]:
        out = []
        for spec in charts(app):
            for layer in layers(spec):
                y = layer.get("encoding", {}).get("y", {})
                if (
                    y.get("field") in ("derivatives", "weekly_downloads")
                    and layer.get("mark", {}).get("type") != "bar"
                ):
                    out.append(y.get("scale", {}).get("type", "linear"))
        return out

    section(app, "Size and downloads")
    assert scales() == ["linear", "linear"]
    app.toggle(key="cmp_log").set_value(True).run()
    assert not errors(app)
    assert scales() == ["log", "log"]

    def size_field() -> str:
        for spec in charts(app):
            if spec.get("encoding", {}).get("color", {}).get("field") == "size_class":
                return spec["encoding"]["tooltip"][-1]["field"]
        raise AssertionError("no size-class chart")

    section(app, "What they are")
    assert size_field() == "derivatives"
    for measure in ("new", "weekly_downloads"):
        app.radio(key="cmp_size_measure").set_value(measure).run()
        assert not errors(app)
        assert size_field() == measure

    section(app, "Base models' adoption")
    ages = app.selectbox(key="cmp_age")
    assert ages.value == 30
    assert ages.options == [f"{d} days after release" for d in AGES]
    ages.set_value(365).run()
    assert not errors(app)
    table = table_with(app, "answer")
    assert "not reached" in set(table["answer"])
    ages = app.selectbox(key="cmp_age").set_value(7).run()
    assert not errors(app)
    assert any("No base model has a ratio at 7 days" in i.value for i in app.info)  # all before history


@pytest.mark.slow
def test_compare_page_with_one_ecosystem_says_how_to_add_rivals(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from tests.support.dashboard_db import build_database

    url = build_database(tmp_path / "llama.db", weeks=2, ecosystems=("llama",))
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/ecosystems.py").run()
    assert not errors(at)
    assert any("Only one ecosystem is tracked" in i.value for i in at.info)


# --- the pure parts, on literal tables -------------------------------------------------------------------


def _series(rows: list[tuple]) -> pd.DataFrame:
    """run_id, taken_at (a day), ecosystem, derivatives, new, weeks."""
    frame = pd.DataFrame(rows, columns=["run_id", "taken_at", "ecosystem", "derivatives", "new", "weeks"])
    frame["taken_at"] = pd.to_datetime(frame["taken_at"], utc=True)
    frame["derivatives"] = pd.array(frame["derivatives"], dtype="Int64")
    frame["new"] = pd.array(frame["new"], dtype="Int64")
    frame["weeks"] = frame["weeks"].astype("Float64")
    return frame


def test_new_shares_per_week_leave_out_runs_an_ecosystem_cannot_count() -> None:
    series = _series(
        [
            (1, "2026-01-05", "llama", 100, None, None),
            (1, "2026-01-05", "qwen", 10, None, None),
            (2, "2026-01-12", "llama", 130, 30, 1.0),
            (2, "2026-01-12", "qwen", 20, 10, 1.0),
            (3, "2026-01-26", "llama", 150, 20, 2.0),  # a missed week: 10 a week
            (3, "2026-01-26", "qwen", 50, 30, 2.0),  # 15 a week
            (3, "2026-01-26", "gemma", 5, None, None),  # its first run: the run is left out
            (4, "2026-02-02", "llama", 160, 10, 1.0),
            (4, "2026-02-02", "qwen", 80, 30, 1.0),
            (4, "2026-02-02", "gemma", 8, 0, 1.0),
        ]
    )
    shares = compare.compute_new_shares(series)
    assert shares["run_id"].unique().tolist() == [2, 4]
    by = shares.set_index(["run_id", "ecosystem"])["share"]
    assert by[(2, "llama")] == pytest.approx(0.75)
    assert by[(4, "qwen")] == pytest.approx(0.75)
    assert by[(4, "gemma")] == 0
    series.loc[series["run_id"] == 3, "new"] = pd.array([20, 30, 1], dtype="Int64")  # as if gemma had a
    series.loc[series["run_id"] == 3, "weeks"] = pd.array([2.0, 2.0, 2.0], dtype="Float64")  # run before
    by = compare.compute_new_shares(series).set_index(["run_id", "ecosystem"])
    assert by.loc[(3, "llama"), "new_per_week"] == 10
    assert by.loc[(3, "qwen"), "share"] == pytest.approx(15 / 25.5)


def test_growth_multiple_against_a_date_and_before_history() -> None:
    series = _series(
        [
            (1, "2025-01-06", "llama", 900, None, None),
            (1, "2025-01-06", "qwen", 100, None, None),
            (2, "2025-07-07", "llama", 1500, 1, 1.0),
            (2, "2025-07-07", "qwen", 500, 1, 1.0),
            (3, "2026-01-05", "llama", 2600, 1, 1.0),
            (3, "2026-01-05", "qwen", 600, 1, 1.0),
        ]
    )
    assert kpis.default_since(date(2025, 1, 6), date(2026, 1, 5)) == date(2025, 1, 6)  # shorter than a year
    assert kpis.default_since(date(2024, 1, 1), date(2026, 1, 5)) == date(2025, 1, 5)
    growth = kpis.growth_multiple(series, date(2025, 10, 1))  # the run on or before: 7 July
    assert growth.basis == "1.60x: 3,200 derivatives on 2026-01-05 against 2,000 on 2025-07-07"
    assert growth.note == ""
    early = kpis.growth_multiple(series, date(2024, 12, 31))
    assert early.value == pytest.approx(3.2)
    assert early.note == "No run on or before 2024-12-31: against the first run."
    assert kpis.format_multiple(1.044) == "1.04x"
    empty = series.assign(derivatives=pd.array([0, 0, 1, 1, 2, 2], dtype="Int64"))
    assert kpis.growth_multiple(empty, date(2025, 1, 6)).value is None
    assert kpis.growth_multiple(series.iloc[0:0], date(2025, 1, 6)) is None


def test_providers_not_recorded_are_missing_not_zero() -> None:
    series = pd.DataFrame(
        {
            "run_id": [1, 1, 2, 2],
            "taken_at": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-12", "2026-01-12"], utc=True),
            "ecosystem": ["llama", "qwen", "llama", "qwen"],
            "members": pd.array([10, 8, 11, 9], dtype="Int64"),
            "with_providers": pd.array([10, 8, 11, 0], dtype="Int64"),
            "live_models": pd.array([3, 2, 4, 0], dtype="Int64"),
            "provider_pairs": pd.array([5, 2, 7, 0], dtype="Int64"),
        }
    )
    latest = compare.compute_providers(series).set_index("ecosystem")
    assert latest["run_id"].tolist() == [2, 2]
    assert (latest.loc["llama", "live_models"], latest.loc["llama", "provider_pairs"]) == (4, 7)
    assert not latest.loc["qwen", "recorded"]
    assert pd.isna(latest.loc["qwen", "live_models"])
    assert pd.isna(latest.loc["qwen", "provider_pairs"])


def test_standing_counts_a_root_of_two_ecosystems_in_each() -> None:
    adoption = pd.DataFrame(
        {
            "model_id": ["a", "b", "c", "d"],
            "ecosystem": ["llama", "deepseek, qwen", "qwen", "qwen"],
            "ratio": pd.array([1.0, 0.5, None, 2.0], dtype="Float64"),
        }
    )
    standing = compare.compute_standing(adoption).set_index("ecosystem")
    assert standing.to_dict("index") == {
        "deepseek": {"on_track": 0, "below": 1, "no_ratio": 0},
        "llama": {"on_track": 1, "below": 0, "no_ratio": 0},
        "qwen": {"on_track": 1, "below": 1, "no_ratio": 1},
    }
