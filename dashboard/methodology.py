"""The methodology note shown with every download chart, what each download figure says of the base
models, and the caption of archive runs."""

from __future__ import annotations

import pandas as pd

from tracker.core.archive_names import ARCHIVE_REPO, repo_of
from tracker.read.archive_end import ArchiveEnd
from tracker.report import palette

NOTE = """
**What a download is.** The Hub counts file requests to a repository, not people or installs.
It shows two figures: `downloads`, a rolling **30-day window**, and `downloadsAllTime`, cumulative.
**Weekly downloads** here are the growth of the all-time count between two runs, per week elapsed.

**GGUF repositories** count every file fetched, so a quantization with many files (one per bit
width) can count more per user than a single-file model.

**Revisions.** The Hub sometimes revises its counts down: a model's weekly figure can then be
negative. Such deltas are kept (not clipped) and flagged, so sums are honest.

**New models** have no previous figure: their first week is not counted in the weekly downloads.

**Base models.** The download figures are the derivatives' unless they say "base models included":
a base model's own downloads are usually far larger than all of its derivatives'. The toggle "Include
the base models" adds them; each chart's caption gives both figures for the latest run, and how to find
them in `tracker export history` (whose rows hold the base models, `relation` = `base`).

**Archive runs.** Runs before the first snapshot may come from the Hub's public weekly archive
(`hfmlsoc/hub_weekly_snapshots`, ODbL-1.0): shaded on the charts. Each is dated by its file's label;
its data was dumped within the 7 days after that date. Files before 2025-02-26 carry no all-time
downloads, so weekly downloads start there. A file that repeats an earlier week (no new upstream dump
that week) is not imported; the weeks after the archive's last week of new data and before the first
live snapshot are outlined as a gap, never drawn as a standstill.
"""

ARCHIVE_LICENCE = "ODbL-1.0"


def archive_note(runs, end: ArchiveEnd | None = None) -> str:  # noqa: ANN001 - a DataFrame of taken_at...
    """The caption under charts that show archive runs: their span, the archive and its licence; where the
    archive's new data ends (files after it repeat it) and where the live snapshots begin (`end`)."""
    if runs is None or runs.empty:
        return ""
    first, last = runs["taken_at"].min(), runs["taken_at"].max()
    repo = repo_of(str(runs["source"].iloc[-1])) or ARCHIVE_REPO
    weeks = f"{len(runs):,} weekly run{'s' if len(runs) > 1 else ''}"
    text = (
        f":material/history: The shaded {weeks} from {first:%d %b %Y} to {last:%d %b %Y} come from the "
        f"Hub's public weekly archive (`{repo}`, {ARCHIVE_LICENCE}; data dumped within the 7 days after "
        "each date); the others are live snapshots."
    )
    if end is None or end.last_new is None:
        return text
    if end.repeats:
        inner = [d for d, _ in end.repeats if d <= end.last_new]
        if inner:
            text += (
                f" {_count(len(inner), 'archive file')} repeating the week before "
                f"({_days(inner)}) {'were' if len(inner) > 1 else 'was'} not imported: the next week's "
                "figures span the gap."
            )
    trailing = end.trailing
    if trailing:
        text += (
            f" **The archive's new data ends on {end.last_new:%d %b %Y}**: its later "
            f"{_count(len(trailing), 'file')} ({_days(list(trailing))}) repeat that week, with no new data, "
            "and were not imported."
        )
    if end.first_live is not None and (end.gap_days or 0) > 7:
        text += (
            f" Live snapshots begin on {end.first_live:%d %b %Y}, {(end.gap_days or 0) / 7:.1f} weeks later: "
            "the outlined stretch between them on the charts has no data (a gap, not a standstill); the "
            "first snapshot's weekly figures average over it."
        )
    return text


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def _days(days: list) -> str:  # noqa: ANN001 - dates
    shown = ", ".join(f"{d:%d %b %Y}" for d in days[:4])
    return shown + (f" and {len(days) - 4:,} more" if len(days) > 4 else "")


def downloads_label(what: str, bases: bool, *, short: bool = False) -> str:
    """A download figure's name, saying whether the base models are in it."""
    if short:
        return f"{what} ({'with base models' if bases else 'derivatives'})"
    return f"{what}, {'base models included' if bases else 'derivatives only'}"


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    last = frame.sort_values(["taken_at", "run_id"])["run_id"].iloc[-1]
    return frame[frame["run_id"] == last]


def _sum(values: pd.Series) -> int:
    return int(pd.to_numeric(values, errors="coerce").fillna(0).round().sum())


def downloads_note(
    derivatives: pd.DataFrame, members: pd.DataFrame, bases: bool, *, ecosystems: list[str] | None = None
) -> str:
    """Whether the weekly downloads shown hold the base models, the latest run's figure with them and
    without, and how the export gives both. `derivatives`, `members`: the series (per run and ecosystem)
    without and with the base models' rows (`load_series(roots=True)`)."""
    now, every = _latest(derivatives), _latest(members)
    said = "Base models included." if bases else "Base models excluded (derivatives only)."
    if now.empty or every.empty or now["weekly_downloads"].isna().all():
        return f"{said} No weekly figure in the latest run yet: it needs a run before it."
    own, total = _sum(now["weekly_downloads"]), _sum(every["weekly_downloads"])
    roots = _sum(every["derivatives"]) - _sum(now["derivatives"])
    weeks = float(pd.to_numeric(every["weeks"], errors="coerce").max())
    names = ecosystems or palette.ecosystem_order(every["ecosystem"])
    where = ", ".join(f"`{name}`" for name in names)
    return (
        f"{said} In the run of {every['taken_at'].max():%d %b %Y}: {own:,} weekly downloads of the "
        f"derivatives and {total - own:,} of the {roots:,} base models, {total:,} in all. From "
        f"`tracker export history`: the sum of `downloads_delta` over that run's rows of {where}, divided "
        f"by the weeks since the run before ({weeks:,.2f}), gives {total:,}; without the rows whose "
        f"`relation` is `base`, {own:,}."
    )


FAMILIES_NOTE = (
    f"Families: the {palette.TOP_FAMILIES} largest in the latest run, in shades of their ecosystem's "
    f"colour; the others summed as “{palette.OTHER_FAMILIES}”."
)
