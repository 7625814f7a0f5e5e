"""The names of the Hub's public weekly archive of itself: its dataset repo, and which repo a run's
`source` names. Pure: reading the archive is `tracker.collect.archive`'s."""

from __future__ import annotations

ARCHIVE_REPO = "hfmlsoc/hub_weekly_snapshots"


def repo_of(source: str) -> str | None:
    """The archive repo a run's `source` names (`repo@revision:path`), None for a local folder's."""
    where, _, rest = source.rpartition("@")
    return None if rest.startswith("local:") or not where else where
