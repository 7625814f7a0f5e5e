"""The emulator's admin routes, under `/_emulator/` (a prefix the Hub does not use; never rate-limited or
faulted): state, clock, fault plan, counters, traps and ground truth. See `server` for the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tracker.core.ecosystems import load_ecosystems, parse_ecosystems, select_ecosystems
from tracker.emulator.routes.faults import FaultPlan
from tracker.emulator.routes.state import HubState
from tracker.emulator.truth import ground_truth
from tracker.emulator.vocabulary import iso, parse_time

ADMIN_PREFIX = "/_emulator/"


def _state(emu: HubState, body: dict, query: dict) -> dict:
    cat = emu.catalogue
    return {
        "catalogue": cat.name,
        "models": len(cat),
        "now": iso(emu.now),
        "default_now": iso(cat.default_now),
        "listing_rules": emu.rules.name,
        "listing_refuses": list(emu.rules.listing_refuses),
        "empty_provider_mapping": emu.empty_provider_mapping,
        "listed": cat.listed_count(emu.now),
        "plan": emu.gate.plan.to_json(),
        "archive": (
            {"repo": emu.archive.repo_id, "labels": [d.isoformat() for d in emu.archive.labels]}
            if emu.archive is not None
            else None
        ),
    }


def _clock(emu: HubState, body: dict, query: dict) -> dict:
    if "now" in body:
        emu.set_now(parse_time(str(body["now"])))
    elif "advance_seconds" in body:
        emu.advance(int(body["advance_seconds"]))
    elif "advance_days" in body:
        emu.advance(int(float(body["advance_days"]) * 86_400))
    else:
        raise ValueError('give "now", "advance_seconds" or "advance_days"')
    return {"now": iso(emu.now)}


def _set_faults(emu: HubState, body: dict, query: dict) -> dict:
    emu.gate.configure(FaultPlan.from_json(body))
    return emu.gate.plan.to_json()


def _reset_stats(emu: HubState, body: dict, query: dict) -> dict:
    emu.reset_stats()
    return emu.stats()


def _truth(emu: HubState, body: dict, query: dict) -> dict:
    if body.get("ecosystems_toml"):
        ecosystems = parse_ecosystems(str(body["ecosystems_toml"]), source="<admin request>")
    else:
        ecosystems = load_ecosystems()
    names = body.get("ecosystems") or ([query["ecosystem"]] if query.get("ecosystem") else None)
    return ground_truth(emu.catalogue, select_ecosystems(ecosystems, names), emu.now).to_json()


ADMIN_ROUTES: dict[tuple[str, str], Callable[[HubState, dict, dict], Any]] = {
    ("GET", "state"): _state,
    ("POST", "clock"): _clock,
    ("GET", "faults"): lambda emu, body, query: emu.gate.plan.to_json(),
    ("POST", "faults"): _set_faults,
    ("GET", "stats"): lambda emu, body, query: emu.stats(),
    ("POST", "stats/reset"): _reset_stats,
    ("GET", "features"): lambda emu, body, query: {k: list(v) for k, v in emu.catalogue.features.items()},
    ("GET", "truth"): _truth,
    ("POST", "truth"): _truth,
}
