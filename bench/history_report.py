"""The tables and summary lines of `./dev bench history` (`bench.history_bench` measures)."""

from __future__ import annotations

from typing import TextIO

from bench.common import Summary
from bench.history_measure import PHASES

FILE_TARGET_S = 60.0  # a real-size archive file, end to end (issue 29)
RUN_RATIO = 1.1  # a live run after the history, against the second run at the same membership
PEAK_MB = 1024.0


def _completion(row: dict) -> float:
    """What a run's completion costs: its roll-ups, the planner's statistics and its lineage index."""
    return row["rollups"] + row["stats"] + row["index"]


def print_runs(rows: list[dict], out: TextIO) -> None:
    """One line per command, then the totals by database and kind."""
    head = f"  {'kind':<10} {'date':<10} {'database':<10} {'run':>4} {'members':>8} {'wall s':>7}"
    head += f" {'cpu s':>7} {'peak MB':>7}  " + " ".join(f"{p:>7}" for p in PHASES)
    out.write(head + "\n")
    for r in rows:
        mark = "" if r["new_run"] else "  (no new run)"
        out.write(
            f"  {r['kind']:<10} {r['date']:<10} {r['backend']:<10} {r['run']:>4} {r['members']:>8,} "
            f"{r['wall']:>7.1f} {r['cpu']:>7.1f} {r['peak']:>7.0f}  "
            + " ".join(f"{r[p]:>7.1f}" for p in PHASES)
            + mark
            + "\n"
        )
    out.write("\n  totals\n")
    for backend in dict.fromkeys(r["backend"] for r in rows):
        for kind in dict.fromkeys(r["kind"] for r in rows):
            mine = [r for r in rows if r["backend"] == backend and r["kind"] == kind]
            if not mine:
                continue
            total = {p: sum(r[p] for r in mine) for p in ("wall", "cpu", *PHASES)}
            out.write(
                f"  {kind:<10} {len(mine):>4} runs {backend:<10} wall {total['wall']:8.1f} s, "
                f"cpu {total['cpu']:8.1f} s, peak {max(r['peak'] for r in mine):5.0f} MB; "
                + ", ".join(f"{p} {total[p]:.1f}" for p in PHASES)
                + "\n"
            )


def print_sizes(sizes: list[dict], out: TextIO) -> None:
    out.write("\n  database size; its five largest tables (PostgreSQL: with their indexes) and indexes\n")
    for s in sizes:
        out.write(f"  {s['backend']:<10} {s['when']:<17} {s['mb']:9.1f} MB\n")
        for what in ("tables", "indexes"):
            named = ", ".join(f"{name} {mb:.1f}" for name, mb in s[what]) or "(not known)"
            out.write(f"  {'':<10} {what:<17} {named}\n")


def summaries(rows: list[dict], sizes: list[dict], scale: float, out: TextIO) -> list[Summary]:
    """The headline figures, by database; and the comparisons of a late run with an early one."""
    real = scale >= 1.0
    found: list[Summary] = []
    out.write("\n  a late run against an early one\n")
    for backend in dict.fromkeys(r["backend"] for r in rows):
        mine = [r for r in rows if r["backend"] == backend]
        files = [r for r in mine if r["kind"] == "file" and r["new_run"]]
        scans = [r for r in mine if r["kind"] == "scan"]
        fresh = [r for r in mine if r["kind"] == "fresh scan"]
        peak = max(r["peak"] for r in mine)
        if files:
            slow = max(files, key=lambda r: r["wall"])
            found += [
                Summary(
                    "history",
                    f"backfill, {len(files)} files, scale {scale}, {backend}",
                    f"{sum(r['wall'] for r in files):.0f} s",
                    "",
                    "",
                    "",
                ),
                Summary(
                    "history",
                    f"slowest file, scale {scale}, {backend}",
                    f"{slow['wall']:.1f} s ({slow['date']}, {slow['members']:,} members)",
                    "",
                    "",
                    f"<= {FILE_TARGET_S:.0f} s at scale 1.0",
                    slow["wall"] <= FILE_TARGET_S if real else None,
                ),
            ]
        if len(files) >= 2:
            second, last = files[1], files[-1]
            per = [1000 * _completion(r) / max(1, r["members"]) for r in (second, last)]
            wall = [1000 * r["wall"] / max(1, r["members"]) for r in (second, last)]
            out.write(
                f"  {backend:<10} file {last['date']} (run {last['run']}, {last['members']:,} members) "
                f"against file {second['date']} (run {second['run']}, {second['members']:,}): per 1,000 "
                "members, wall "
                f"{wall[1]:.2f} against {wall[0]:.2f} s ({wall[1] / wall[0]:.2f} x), completion "
                f"{per[1]:.3f} against {per[0]:.3f} s ({per[1] / max(per[0], 1e-9):.2f} x)\n"
            )
            found.append(
                Summary(
                    "history",
                    f"file completion per member, last against 2nd, {backend}",
                    f"{per[1]:.3f} s/1k",
                    f"{per[0]:.3f} s/1k",
                    f"{per[1] / max(per[0], 1e-9):.2f} x",
                    "",
                )
            )
        if scans and fresh:
            late, early = scans[-1], fresh[-1]  # the same clock, the same membership
            out.write(
                f"  {backend:<10} scan {late['date']} as run {late['run']} ({late['members']:,} members): "
                f"wall {late['wall']:.1f} s, completion {_completion(late):.2f} s; in a fresh database, "
                + "; ".join(
                    f"run {r['run']} ({r['date']}, {r['members']:,} members): {r['wall']:.1f} s, "
                    f"{_completion(r):.2f} s"
                    for r in fresh
                )
                + "\n"
            )
            for what, value, base in (
                ("wall", late["wall"], early["wall"]),
                ("completion", _completion(late), _completion(early)),
            ):
                found.append(
                    Summary(
                        "history",
                        f"live scan {what}, run {late['run']} against run {early['run']}, {backend}",
                        f"{value:.2f} s",
                        f"{base:.2f} s",
                        f"{value / max(base, 1e-9):.2f} x",
                        f"<= {RUN_RATIO} x",
                        value <= RUN_RATIO * base,
                    )
                )
        found.append(
            Summary(
                "history",
                f"peak RSS, scale {scale}, {backend}",
                f"{peak:.0f} MB",
                "",
                "",
                "< 1 GB at scale 1.0",
                peak < PEAK_MB if real else None,
            )
        )
        end = [s for s in sizes if s["backend"] == backend and s["when"] == "at the end"]
        if end:
            found.append(
                Summary(
                    "history", f"database at the end, scale {scale}, {backend}", f"{end[-1]['mb']:.0f} MB"
                )
            )
    return found


def range_summaries(rows: list[dict], scale: float, out: TextIO) -> list[Summary]:
    """A whole range imported by one command, against the baseline tree's same command."""
    found = []
    for backend in dict.fromkeys(r["backend"] for r in rows):
        mine = {r["kind"]: r for r in rows if r["backend"] == backend and r["kind"].startswith("range")}
        if "range" not in mine:
            continue
        now, base = mine["range"], mine.get("range, base")
        if base is not None:
            out.write(
                f"  {backend:<10} the whole range in one command: {now['wall']:.1f} s against the baseline "
                f"tree's {base['wall']:.1f} s ({now['wall'] / base['wall']:.2f} x); lineage index "
                f"{now['index']:.1f} against {base['index']:.1f} s; peak {now['peak']:.0f} against "
                f"{base['peak']:.0f} MB\n"
            )
        found.append(
            Summary(
                "history",
                f"whole range in one backfill, scale {scale}, {backend}",
                f"{now['wall']:.0f} s, {now['peak']:.0f} MB",
                f"{base['wall']:.0f} s (baseline tree)" if base else "",
                f"{now['wall'] / base['wall']:.2f} x" if base else "",
            )
        )
    return found
