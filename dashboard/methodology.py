"""The methodology note shown beside every download chart, and the caption of archive runs."""

from __future__ import annotations

from tracker.core.archive_names import ARCHIVE_REPO, repo_of

NOTE = """
**What a download is.** The Hub counts file requests to a repository, not people or installs.
It shows two figures: `downloads`, a rolling **30-day window**, and `downloadsAllTime`, cumulative.
**Weekly downloads** here are the growth of the all-time count between two runs, per week elapsed.

**GGUF repositories** count every file fetched, so a quantization with many files (one per bit
width) can count more per user than a single-file model.

**Revisions.** The Hub sometimes revises its counts down: a model's weekly figure can then be
negative. Such deltas are kept (not clipped) and flagged, so sums are honest.

**New models** have no previous figure: their first week is not counted in the weekly downloads.

**Archive runs.** Runs before the first snapshot may come from the Hub's public weekly archive
(`hfmlsoc/hub_weekly_snapshots`, ODbL-1.0): shaded on the charts. Each is dated by its file's label;
its data was dumped within the 7 days after that date. Files before 2025-02-26 carry no all-time
downloads, so weekly downloads start there.
"""

ARCHIVE_LICENCE = "ODbL-1.0"


def archive_note(runs) -> str:  # noqa: ANN001 - a DataFrame of taken_at, source
    """The caption under charts that show archive runs: their span, the archive and its licence."""
    if runs is None or runs.empty:
        return ""
    first, last = runs["taken_at"].min(), runs["taken_at"].max()
    repo = repo_of(str(runs["source"].iloc[-1])) or ARCHIVE_REPO
    weeks = f"{len(runs):,} weekly run{'s' if len(runs) > 1 else ''}"
    return (
        f":material/history: The shaded {weeks} from {first:%d %b %Y} to {last:%d %b %Y} come from the "
        f"Hub's public weekly archive (`{repo}`, {ARCHIVE_LICENCE}; data dumped within the 7 days after "
        "each date); the others are live snapshots."
    )
