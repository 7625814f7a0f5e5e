"""The week in one page: the figures of `tracker digest` and of each scheduled run's notification.

One run (the latest complete one, or a chosen one) against the run before it, within that run's
ecosystems: the headline figures with their change, new derivatives by family and relation, the movers
that clear the floors of `tracker.core.movers` and new entrants, the ecosystems side by side, the whole
Hub, notable events, and the alert rules that fired. Every figure comes from the definitions the
dashboard uses: `tracker.read.kpis` for the headline (the Overview's four), `tracker.read.queries` for
the series and movers (the roll-ups), `tracker.read.compare` for the shares of new derivatives,
`tracker.read.hub` for the whole Hub (`tracker.report.digest_hub`), `tracker.report.alerts` for the
rules. `build` reads; the rest is pure. `Digest.data` is JSON-ready and is what every format renders
(`tracker.report.digest_render`, the movers' part `tracker.report.digest_movers`), so Markdown, HTML,
JSON and the notification cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.core.events import Event, shipped_events
from tracker.read import compare, kpis, origin, queries
from tracker.read.libraries import load_libraries
from tracker.read.metrics import Filters
from tracker.report import digest_events, digest_hub, digest_movers
from tracker.storage.handles import EDGES, MEMBERSHIP, RUNS

if TYPE_CHECKING:
    from tracker.report.alert_rule import Rule

TOP = 5  # movers, entrants, families and events listed in the digest
SUMMARY_MOVERS = 3  # movers in a notification


class DigestError(ValueError):
    """No digest for that run: one line saying why."""


@dataclass(frozen=True)
class Digest:
    """A run's digest: `data` (JSON-ready: every figure), and the per-run series its charts draw."""

    data: dict
    series: pd.DataFrame = field(repr=False)  # per run and ecosystem, up to this run
    by_family: pd.DataFrame = field(repr=False)
    shares: pd.DataFrame = field(repr=False)  # compare.compute_new_shares
    risers: pd.DataFrame = field(repr=False)
    archived: tuple[pd.Timestamp, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # ecosystems' labels, for the charts

    @property
    def run_id(self) -> int:
        return int(self.data["run"]["id"])


# --- reading ---------------------------------------------------------------------------------------------


def pick_run(engine: Engine, run_id: int | None = None) -> dict:
    """The run to digest (id, taken_at, ecosystems): the latest complete run with its roll-ups written, or
    `run_id`, which must be complete; DigestError otherwise."""
    columns = (RUNS.c.id, RUNS.c.taken_at, RUNS.c.status, RUNS.c.ecosystems, RUNS.c.rolled_up_at)
    with engine.connect() as connection:
        if run_id is None:
            row = connection.execute(queries.rolled_up_runs(*columns).limit(1)).first()
            if row is None:
                raise DigestError("no complete run yet: take one with `tracker snapshot`")
        else:
            row = connection.execute(select(*columns).where(RUNS.c.id == run_id)).first()
            if row is None:
                raise DigestError(f"no run {run_id} in this database (`tracker runs` lists them)")
            if row.status != "complete":
                raise DigestError(
                    f"run {run_id} is {row.status}, not complete: a digest needs a complete run"
                )
            if row.rolled_up_at is None:
                raise DigestError(
                    f"run {run_id}'s roll-ups are not written yet (the next snapshot writes them)"
                )
    taken_at = pd.Timestamp(row.taken_at)
    taken_at = taken_at.tz_localize("UTC") if taken_at.tzinfo is None else taken_at.tz_convert("UTC")
    return {
        "id": int(row.id),
        "taken_at": taken_at,
        "ecosystems": sorted(filter(None, row.ecosystems.split(";"))),
    }


def build(
    engine: Engine,
    run_id: int | None = None,
    *,
    rules: Sequence[Rule] = (),
    dashboard_url: str | None = None,
    labels: Mapping[str, str] | None = None,
    hub_events: Sequence[Event] | None = None,
) -> Digest:
    """The digest of a run (default: the latest complete one) against the run before it; `labels`: each
    ecosystem's label by name (`tracker.core.ecosystems.labels_of`), how its charts name them;
    `hub_events`: the dated events (`tracker.core.events.load_events`; None: the shipped ones)."""
    run = pick_run(engine, run_id)
    filters = Filters(ecosystems=tuple(run["ecosystems"]), until=run["taken_at"].to_pydatetime())
    cut = _up_to(run)
    series = cut(queries.load_series(engine, filters))
    by_family = cut(queries.load_series(engine, filters, "family"))
    by_relation = cut(queries.load_series(engine, filters, "relation"))
    order = series[["taken_at", "run_id"]].drop_duplicates().sort_values(["taken_at", "run_id"])
    previous_id = int(order["run_id"].iloc[-2]) if len(order) > 1 else None
    movers = queries.load_movers(engine, filters, n=TOP) if previous_id is not None else {}
    previous = None
    if previous_id is not None:
        previous = {"id": previous_id, "taken_at": order["taken_at"].iloc[-2]}
    week = digest_events.of_week(shipped_events() if hub_events is None else hub_events, run, previous)
    if week and movers:
        ids = set().union(*(set(b["model_id"]) for b in movers.values() if "model_id" in b))
        movers = digest_events.flag_boards(movers, load_libraries(engine, ids), week)
    shares = compare.compute_new_shares(series)
    events = load_events(engine, run["id"], previous_id, series)
    archived = tuple(queries.load_archive_runs(engine)["taken_at"])
    provenance = origin.line(origin.load_origin(engine))
    whole_hub = digest_hub.load(engine, run)
    alerts = []
    if rules:
        from tracker.report.alerts import evaluate

        alerts = [_alert(a) for a in evaluate(rules, by_family, run["id"], whole_hub=whole_hub)]
    data = assemble(
        run,
        previous,
        series=series,
        by_family=by_family,
        by_relation=by_relation,
        shares=shares,
        movers=movers,
        events=events,
        alerts=alerts,
        rules=len(rules),
        dashboard_url=dashboard_url,
        provenance=provenance,
    )
    data["whole_hub"] = whole_hub
    data["hub_events"] = digest_events.data(week)
    data["labels"] = [{"ecosystem": e, "label": (labels or {}).get(e, e)} for e in run["ecosystems"]]
    risers = movers.get("risers", pd.DataFrame(columns=["model_id", "change"]))
    return Digest(data, series, by_family, shares, risers, archived, dict(labels or {}))


def _up_to(run: dict):  # noqa: ANN202 - a frame filter
    """Rows of runs up to this one (by taken_at, then id): another run at the same instant stays out."""

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        later = (frame["taken_at"] == run["taken_at"]) & (frame["run_id"] > run["id"])
        return frame[~later].reset_index(drop=True)

    return cut


def load_events(engine: Engine, run_id: int, previous_id: int | None, series: pd.DataFrame) -> dict:
    """What changed shape between the two runs: new roots, models with children no longer tracked, and
    the Hub's downward revisions of all-time downloads (`series`: this run's rows give their totals).
    Reads the two runs' members and the previous run's links once each; `compute_events` does the rest."""
    m, e = MEMBERSHIP, EDGES
    latest = series[series["run_id"] == run_id]
    with engine.connect() as connection:
        revised = connection.execute(
            select(m.c.ecosystem, m.c.model_id, m.c.downloads_delta)
            .where(m.c.run_id == run_id, m.c.downloads_delta < 0)
            .order_by(m.c.downloads_delta, m.c.model_id)
            .limit(TOP)
        ).all()
        members, links = {}, []
        if previous_id is not None:
            for rid in (run_id, previous_id):
                query = select(m.c.ecosystem, m.c.model_id, m.c.family, m.c.depth).where(m.c.run_id == rid)
                members[rid] = connection.execute(query).all()
            links = connection.execute(
                select(e.c.parent_id, e.c.child_id).where(e.c.run_id == previous_id)
            ).all()
    revisions = {
        "models": int(latest["negative_deltas"].fillna(0).sum()),
        "downloads": int(latest["negative_sum"].fillna(0).sum()),
        "largest": [
            {"ecosystem": r.ecosystem, "model_id": r.model_id, "downloads_delta": int(r.downloads_delta)}
            for r in revised
        ],
    }
    if previous_id is None:
        return {"new_roots": [], "lost_parents": [], "lost_models": 0, "revisions": revisions}
    return {**compute_events(members[run_id], members[previous_id], links), "revisions": revisions}


def compute_events(now: Sequence, before: Sequence, links: Sequence) -> dict:
    """New roots, and the models of the previous run with children that this run no longer tracks.

    `now`, `before`: the two runs' members (ecosystem, model_id, family, depth); `links`: the previous
    run's declared links (parent_id, child_id). Ids compare in any case, as the Hub's do.
    """
    now_ids = {r.model_id.lower() for r in now}
    before_keys = {(r.ecosystem, r.model_id) for r in before}
    children: dict[str, set[str]] = {}
    for parent, child in links:
        children.setdefault(parent.lower(), set()).add(child)
    gone = {r.model_id for r in before if r.model_id.lower() not in now_ids}
    lost = [
        {
            "ecosystem": r.ecosystem,
            "model_id": r.model_id,
            "family": r.family,
            "depth": int(r.depth),
            "children": len(kids),
            "children_still_tracked": sum(kid.lower() in now_ids for kid in kids),
        }
        for r in before
        if r.model_id in gone and (kids := children.get(r.model_id.lower()))
    ]
    new_roots = [r for r in now if r.depth == 0 and (r.ecosystem, r.model_id) not in before_keys]
    return {
        "new_roots": [
            {"ecosystem": r.ecosystem, "model_id": r.model_id, "family": r.family}
            for r in sorted(new_roots, key=lambda r: (r.ecosystem, r.model_id.lower()))
        ],
        "lost_parents": sorted(lost, key=lambda r: (-r["children"], r["model_id"].lower(), r["ecosystem"])),
        "lost_models": len(gone),
    }


def _alert(alert) -> dict:  # noqa: ANN001 - tracker.report.alerts.Alert
    rule = alert.rule
    return {
        "rule": rule.name,
        "figure": rule.figure,
        "ecosystem": rule.ecosystem,
        "family": rule.family,
        "compare": rule.compare,
        "evaluated": alert.evaluated,
        "fired": alert.fired,
        "value": _number(alert.value),
        "reference": _number(alert.reference),
        "measured": _number(alert.measured),
        "line": alert.line,
    }


# --- the figures, pure ----------------------------------------------------------------------------------


def _number(value: object) -> float | int | None:
    """A JSON number: None for NA, int where whole."""
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _iso(stamp: pd.Timestamp | datetime) -> str:
    return pd.Timestamp(stamp).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def assemble(
    run: dict,
    previous: dict | None,
    *,
    series: pd.DataFrame,
    by_family: pd.DataFrame,
    by_relation: pd.DataFrame,
    shares: pd.DataFrame,
    movers: dict[str, pd.DataFrame],
    events: dict,
    alerts: list[dict],
    rules: int,
    dashboard_url: str | None,
    provenance: str | None = None,
) -> dict:
    """Every figure of the digest as plain data (the JSON format's content)."""
    run_id = run["id"]
    headline = kpis.overview(series, by_family) if not series.empty else []
    growth = None
    if not series.empty:
        days = series["taken_at"].dt.tz_convert("UTC").dt.date
        multiple = kpis.growth_multiple(series, kpis.default_since(days.min(), days.max()))
        if multiple is not None and previous is not None:
            growth = {"value": _number(multiple.value), "basis": multiple.basis, "note": multiple.note}
    return {
        "title": title(run),
        "provenance": provenance,
        "run": {
            "id": run_id,
            "taken_at": _iso(run["taken_at"]),
            "ecosystems": run["ecosystems"],
        },
        "previous_run": None
        if previous is None
        else {"id": previous["id"], "taken_at": _iso(previous["taken_at"])},
        "headline": [
            {
                "figure": k.key,
                "label": k.label,
                "value": k.value,
                "change": k.delta,
                "now": _number(k.now) if not isinstance(k.now, str) else k.now,
                "before": _number(k.before),
                "help": k.help,
            }
            for k in headline
        ],
        "growth_multiple": growth,
        "new_by_family": _new_by(by_family, run_id, "family"),
        "new_by_relation": _new_by(by_relation, run_id, "relation"),
        "movers": digest_movers.data(movers, TOP),
        "ecosystems": _ecosystems(series, shares, run_id),
        "events": events,
        "alerts": {"rules": rules, "fired": [a for a in alerts if a["fired"]], "checked": alerts},
        "dashboard_url": dashboard_url,
    }


def title(run: dict) -> str:
    return f"Open-model adoption: run {run['id']} of {run['taken_at']:%Y-%m-%d}"


def _new_by(series: pd.DataFrame, run_id: int, by: str) -> list[dict]:
    """New derivatives of the run per ecosystem and `by`, largest first (none without a previous run)."""
    rows = series[(series["run_id"] == run_id)].dropna(subset=["new"])
    rows = rows[rows["new"] > 0].sort_values(["new", "ecosystem", by], ascending=[False, True, True])
    return [{"ecosystem": r.ecosystem, by: getattr(r, by), "new": int(r.new)} for r in rows.itertuples()]


def _ecosystems(series: pd.DataFrame, shares: pd.DataFrame, run_id: int) -> list[dict]:
    """Each ecosystem at this run: derivatives and their change since its previous run, new derivatives,
    their share of all the ecosystems' new derivatives per week, weekly downloads."""
    out = []
    if series.empty:
        return out
    per = series.groupby(["run_id", "taken_at", "ecosystem"], as_index=False).agg(
        derivatives=("derivatives", "sum"),
        new=("new", lambda s: pd.NA if s.isna().any() else s.sum()),
        weekly_downloads=("weekly_downloads", lambda s: pd.NA if s.isna().all() else s.sum()),
    )
    per = per.sort_values(["ecosystem", "taken_at", "run_id"])
    per["derivatives_before"] = per.groupby("ecosystem")["derivatives"].shift()
    latest = per[per["run_id"] == run_id]
    share = {r.ecosystem: r.share for r in shares[shares["run_id"] == run_id].itertuples()}
    for r in latest.itertuples():
        before = _number(r.derivatives_before)
        out.append(
            {
                "ecosystem": r.ecosystem,
                "derivatives": int(r.derivatives),
                "derivatives_change": None if before is None else int(r.derivatives) - before,
                "new": _number(r.new),
                "share_of_new": _number(share.get(r.ecosystem)),
                "weekly_downloads": _number(r.weekly_downloads),
            }
        )
    out.sort(key=lambda e: (-(e["share_of_new"] or 0), -e["derivatives"], e["ecosystem"]))
    return out
