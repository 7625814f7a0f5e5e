"""`python -m tracker`: the same as the `tracker` console script."""

from __future__ import annotations

from tracker.cli import main

main()
