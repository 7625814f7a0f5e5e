"""The methodology note shown beside every download chart."""

from __future__ import annotations

NOTE = """
**What a download is.** The Hub counts file requests to a repository, not people or installs.
It shows two figures: `downloads`, a rolling **30-day window**, and `downloadsAllTime`, cumulative.
**Weekly downloads** here are the growth of the all-time count between two runs, per week elapsed.

**GGUF repositories** count every file fetched, so a quantization with many files (one per bit
width) can count more per user than a single-file model.

**Revisions.** The Hub sometimes revises its counts down: a model's weekly figure can then be
negative. Such deltas are kept (not clipped) and flagged, so sums are honest.

**New models** have no previous figure: their first week is not counted in the weekly downloads.
"""
